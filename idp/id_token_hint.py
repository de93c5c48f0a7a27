"""id_token_hint: the claims of an ID token this tenant signed, or None (never an exception)."""

from __future__ import annotations

import json

from jwcrypto import jwk, jws
from jwcrypto.common import JWException

from tenants.oidc.keys import signing_keys_published

ACCEPTED_ALGORITHMS = ("RS256", "ES256")
MAX_HINT_LENGTH = 8192


def id_token_hint_claims(tenant, token: str) -> dict | None:
    """Claims of an ID token this tenant signed (expired is fine for a hint); else None."""
    if not token or len(token) > MAX_HINT_LENGTH:
        return None
    try:
        parsed = jws.JWS()
        parsed.deserialize(token)
        header = parsed.jose_header
        if not isinstance(header, dict):
            return None
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in ACCEPTED_ALGORITHMS or not kid:
            return None
        key = next((k for k in signing_keys_published(tenant=tenant) if k.kid == kid), None)
        if key is None or key.algorithm != alg:
            return None
        parsed.verify(jwk.JWK(**key.public_jwk), alg=alg)
        claims = json.loads(parsed.payload)
    except (JWException, ValueError, TypeError, KeyError, RecursionError):
        # RecursionError: a deeply nested JSON header or payload.
        return None
    if not isinstance(claims, dict) or claims.get("iss") != tenant.issuer:
        return None
    return claims
