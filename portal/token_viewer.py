"""The built-in token viewer: a relying party on Authlib that talks HTTP to a tenant's IdP."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from django.conf import settings
from django.urls import reverse
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from tenants.oidc.endpoints import tenant_endpoints

SCOPE = "openid profile email"
HTTP_TIMEOUT = 10
ALGORITHMS = ["RS256", "ES256"]
LEEWAY_SECONDS = 60

# What the Azure AD B2C claims provider (Settings → Connect Azure AD B2C) does with each claim.
B2C_MAPPING = {
    "sub": "issuerUserId (User ID; with identityProvider it forms alternativeSecurityId)",
    "iss": "identityProvider",
    "name": "displayName",
    "given_name": "givenName",
    "family_name": "surName",
    "email": "email",
    "aud": "checked: must be the Client ID",
    "exp": "checked: the token must not have expired",
    "iat": "checked",
    "nonce": "checked: must match the nonce B2C sent",
}
B2C_NOT_MAPPED = "not mapped (add an OutputClaim to use it)"


class ViewerError(Exception):
    """The test sign-in failed; the message says where, in plain words."""


def viewer_redirect_url(tenant) -> str:
    """The Redirect URL the token viewer registers on the tenant's client."""
    path = reverse("portal:tenant-test-sign-in-callback", kwargs={"slug": tenant.slug})
    return f"{settings.PUBLIC_URL}{path}"


def viewer_start_url(tenant) -> str:
    """Where a read-write admin starts a test sign-in."""
    path = reverse("portal:tenant-test-sign-in", kwargs={"slug": tenant.slug})
    return f"{settings.PUBLIC_URL}{path}"


def discovery_url(tenant) -> str:
    """The tenant's Metadata URL, the one thing a relying party is given; the rest is HTTP."""
    return tenant_endpoints(tenant).discovery


def _get_json(url: str, **kwargs) -> dict:
    try:
        response = requests.get(url, timeout=HTTP_TIMEOUT, **kwargs)
    except requests.RequestException as exc:
        raise ViewerError(f"Could not reach {url}: {exc.__class__.__name__}.") from exc
    if response.status_code != 200:
        raise ViewerError(f"{url} answered HTTP {response.status_code}.")
    try:
        return response.json()
    except ValueError as exc:
        raise ViewerError(f"{url} did not answer JSON.") from exc


def fetch_metadata(tenant) -> dict:
    """The discovery document over HTTP; its issuer must be the tenant's."""
    metadata = _get_json(discovery_url(tenant))
    if metadata.get("issuer") != tenant_endpoints(tenant).issuer:
        raise ViewerError("The discovery document names another issuer.")
    return metadata


@dataclass(frozen=True)
class Attempt:
    """What the viewer remembers between sending the user off and the answer coming back."""

    state: str
    nonce: str
    code_verifier: str
    response_type: str
    url: str


def attempt_start(*, tenant, client_id: str, response_type: str, metadata: dict) -> Attempt:
    """The authorization request (form_post; PKCE S256 in the code flow)."""
    state, nonce = generate_token(32), generate_token(32)
    session = OAuth2Session(
        client_id=client_id,
        scope=SCOPE,
        redirect_uri=viewer_redirect_url(tenant),
        code_challenge_method="S256" if response_type == "code" else None,
    )
    code_verifier = generate_token(64) if response_type == "code" else ""
    extra = {"code_verifier": code_verifier} if code_verifier else {}
    url, _ = session.create_authorization_url(
        metadata["authorization_endpoint"],
        state=state,
        nonce=nonce,
        response_type=response_type,
        response_mode="form_post",
        **extra,
    )
    return Attempt(state, nonce, code_verifier, response_type, url)


def exchange_code(*, tenant, metadata: dict, client_id: str, secret: str, code: str, verifier):
    """Redeem the code at the token endpoint with the client secret (client_secret_post)."""
    session = OAuth2Session(
        client_id=client_id,
        client_secret=secret,
        token_endpoint_auth_method="client_secret_post",
        redirect_uri=viewer_redirect_url(tenant),
    )
    try:
        return session.fetch_token(
            metadata["token_endpoint"],
            grant_type="authorization_code",
            code=code,
            code_verifier=verifier,
            timeout=HTTP_TIMEOUT,
        )
    except Exception as exc:  # Authlib raises OAuthError or requests' errors
        description = getattr(exc, "description", "") or getattr(exc, "error", "") or str(exc)
        raise ViewerError(f"The token endpoint refused the code: {description}") from exc


def fetch_userinfo(*, metadata: dict, access_token: str) -> dict:
    """The userinfo response for the access token (Authorization: Bearer)."""
    return _get_json(
        metadata["userinfo_endpoint"], headers={"Authorization": f"Bearer {access_token}"}
    )


def _header_of(id_token: str) -> dict:
    try:
        return dict(jws.extract_compact(id_token.encode()).protected)
    except (JoseError, ValueError) as exc:
        raise ViewerError("The ID token is not a compact JWS.") from exc


def inspect_id_token(*, id_token: str, metadata: dict, client_id: str, nonce: str) -> dict:
    """Decode the ID token, check its signature against the JWKS by kid, and check its claims."""
    header = _header_of(id_token)
    jwks = _get_json(metadata["jwks_uri"])
    kid = header.get("kid")
    published = [key.get("kid") for key in jwks.get("keys", [])]
    checks = []
    claims: dict = {}
    verified = False
    if kid not in published:
        problem = f"kid {kid!r} is not in the JWKS ({len(published)} keys)"
        checks.append(("signature", False, problem))
    else:
        try:
            token = jwt.decode(id_token, KeySet.import_key_set(jwks), algorithms=ALGORITHMS)
        except (JoseError, ValueError) as exc:
            checks.append(("signature", False, f"does not verify with kid {kid}: {exc}"))
        else:
            verified = True
            claims = dict(token.claims)
            checks.append(("signature", True, f"verified with kid {kid} ({header.get('alg')})"))
    if not verified:
        # Still show what the token says, clearly marked as unverified.
        payload = id_token.split(".")[1] if id_token.count(".") == 2 else ""
        claims = _unverified_claims(payload)
    now = int(time.time())
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    checks += [
        ("iss", claims.get("iss") == metadata["issuer"], f"must be {metadata['issuer']}"),
        ("aud", client_id in audiences, "must contain the Client ID"),
        (
            "exp",
            isinstance(claims.get("exp"), int) and claims["exp"] > now - LEEWAY_SECONDS,
            "must be in the future",
        ),
        (
            "nonce",
            secrets.compare_digest(str(claims.get("nonce", "")), nonce),
            "must match the nonce sent",
        ),
    ]
    return {"header": header, "claims": claims, "verified": verified, "checks": checks}


def _unverified_claims(payload: str) -> dict:
    import base64

    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        value = json.loads(raw)
    except (ValueError, TypeError):
        return {}
    return value if isinstance(value, dict) else {}


def _shown(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def value_rows(claims: dict) -> list[dict]:
    """Each claim with its value as JSON would write it (true, not True)."""
    return [{"claim": name, "value": _shown(value)} for name, value in claims.items()]


def b2c_rows(claims: dict) -> list[dict]:
    """Each claim with its value and what Azure AD B2C would map it to."""
    return [
        {
            "claim": name,
            "value": _shown(value),
            "b2c": B2C_MAPPING.get(name, B2C_NOT_MAPPED),
        }
        for name, value in claims.items()
    ]
