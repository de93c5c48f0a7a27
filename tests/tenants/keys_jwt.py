"""Test helpers: sign like the IdP (jwcrypto) and verify like a relying party (Authlib)."""

from __future__ import annotations

import base64
import json
import warnings
from datetime import datetime

from jwcrypto import jwt as jc_jwt

from tenants.oidc.crypto import load_signing_jwk
from tenants.oidc.keys import signing_key_active, signing_keys_published

with warnings.catch_warnings():
    # authlib.deprecate forces its own "always" filter on import; override it after that.
    import authlib.deprecate  # noqa: F401

    warnings.simplefilter("ignore")
    from authlib.jose import JsonWebKey, JsonWebToken
    from authlib.jose.errors import JoseError


def jwks_snapshot(tenant, now: datetime | None = None) -> dict:
    """The JWKS document a relying party would fetch at `now` (public halves only)."""
    return {"keys": [dict(k.public_jwk) for k in signing_keys_published(tenant=tenant, now=now)]}


def sign_id_token(tenant, now: datetime, algorithm: str = "RS256", lifetime: int = 3600) -> str:
    """An ID token signed with the tenant's active key, with `kid` in the header."""
    key = signing_key_active(tenant=tenant, algorithm=algorithm)
    assert key is not None, f"{tenant.slug} has no active {algorithm} key"
    iat = int(now.timestamp())
    token = jc_jwt.JWT(
        header={"alg": algorithm, "kid": key.kid, "typ": "JWT"},
        claims={
            "iss": tenant.issuer,
            "sub": "subject",
            "aud": "client",
            "iat": iat,
            "exp": iat + lifetime,
        },
    )
    token.make_signed_token(load_signing_jwk(key.kid, key.private_key_encrypted))
    return token.serialize()


def token_kid(token: str) -> str:
    """The kid from a compact JWS header."""
    header = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]


def verify(token: str, jwks: dict, now: datetime) -> dict:
    """Verify signature and expiry as a relying party would; raises if it does not verify."""
    key_set = JsonWebKey.import_key_set(json.loads(json.dumps(jwks)))
    claims = JsonWebToken(["RS256", "ES256"]).decode(token, key_set)
    claims.validate(now=int(now.timestamp()))
    return dict(claims)


def verifies(token: str, jwks: dict, now: datetime) -> bool:
    """True if the token verifies against this JWKS at `now`."""
    try:
        verify(token, jwks, now)
    except JoseError:
        return False  # bad signature, expired, not yet valid
    except ValueError as error:
        if str(error) != "Key not found":
            raise
        return False  # no published key carries the token's kid
    return True
