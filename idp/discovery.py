"""Discovery and JWKS: pre-rendered per tenant, cached, served with an ETag."""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.http import parse_etags

from tenants.models import SigningKey
from tenants.oidc.endpoints import tenant_endpoints
from tenants.oidc.keys import signing_keys_published

SCOPES = ["openid", "profile", "email"]
RESPONSE_TYPES = ["code", "id_token"]
RESPONSE_MODES = ["query", "fragment", "form_post"]
GRANT_TYPES = ["authorization_code", "implicit", "refresh_token"]
AUTH_METHODS = ["client_secret_post", "client_secret_basic"]
CLAIMS = [
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "amr",
    "name",
    "nickname",
    "given_name",
    "family_name",
    "email",
    "email_verified",
]
# Bounds how long a retired key can linger after its grace ends (time, not a write, drops it).
MAX_CACHE_SECONDS = 300


def discovery_document(tenant) -> dict:
    """OpenID Provider metadata: only what the server really does."""
    algorithms = sorted(
        {k.algorithm for k in signing_keys_published(tenant=tenant)} | {"RS256"},
    )
    urls = tenant_endpoints(tenant)
    return {
        "issuer": urls.issuer,
        "authorization_endpoint": urls.authorize,
        "token_endpoint": urls.token,
        "userinfo_endpoint": urls.userinfo,
        "jwks_uri": urls.jwks,
        "revocation_endpoint": urls.revoke,
        "end_session_endpoint": urls.logout,
        "scopes_supported": SCOPES,
        "response_types_supported": RESPONSE_TYPES,
        "response_modes_supported": RESPONSE_MODES,
        "grant_types_supported": GRANT_TYPES,
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": algorithms,
        "token_endpoint_auth_methods_supported": AUTH_METHODS,
        "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": CLAIMS,
        "prompt_values_supported": ["none", "login"],
        "authorization_response_iss_parameter_supported": True,
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
    }


def jwks_document(tenant) -> dict:
    """The public halves of every key relying parties should trust, with their kid."""
    keys = []
    for key in signing_keys_published(tenant=tenant):
        public = {k: v for k, v in key.public_jwk.items() if k not in PRIVATE_JWK_MEMBERS}
        public.update(kid=key.kid, alg=key.algorithm, use="sig")
        keys.append(public)
    return {"keys": keys}


# Never publish these even if a stored JWK carried them by mistake.
PRIVATE_JWK_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


def _keys_fingerprint(tenant) -> str:
    rows = (
        SigningKey.objects.for_tenant(tenant)
        .order_by("id")
        .values_list("id", "state", "activated_at", "retired_at")
    )
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()[:16]


def _render(kind: str, tenant) -> tuple[bytes, str]:
    fingerprint = _keys_fingerprint(tenant)
    stamp = tenant.updated_at.timestamp() if tenant.updated_at else 0
    scope = hashlib.sha256(f"{settings.PUBLIC_URL}|{tenant.slug}".encode()).hexdigest()[:16]
    cache_key = f"idp:{kind}:{tenant.pk}:{scope}:{stamp}:{fingerprint}"
    cached = cache.get(cache_key)
    if cached is not None:
        return cached
    document = discovery_document(tenant) if kind == "discovery" else jwks_document(tenant)
    body = json.dumps(document, separators=(",", ":"), sort_keys=True).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    ttl = min(MAX_CACHE_SECONDS, settings.JWKS_CACHE_SECONDS)
    cache.set(cache_key, (body, etag), ttl)
    return body, etag


def cached_document_response(request, *, kind: str) -> HttpResponse:
    """Serve the tenant's discovery document or JWKS, answering If-None-Match with 304."""
    body, etag = _render(kind, request.tenant)
    max_age = settings.JWKS_CACHE_SECONDS
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={max_age}"
    # Browser-based relying parties read these; they carry nothing secret.
    response["Access-Control-Allow-Origin"] = "*"
    return response
