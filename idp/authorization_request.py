"""The plain authorization request, validated on the validator without oauthlib's machinery.

A well-formed OpenID request for the code flow (a GET with only the parameters below, each once
and non-empty, scope with openid, PKCE S256 if any) goes through the validator's own checks, in
oauthlib's order, and comes out as DOT's validate_authorization_request would return it: the
same scopes and credentials, with an oauthlib Request carrying the same parameters and the
attributes oauthlib sets. oauthlib would copy every header into its request, parse the query
twice more and dispatch through three grant layers to call the same methods. Any other request,
and any check that fails, returns None: DOT/oauthlib then validate it, so every refusal stays
theirs (the fast path only ever accepts what they accept).
"""

from __future__ import annotations

from oauth2_provider.settings import oauth2_settings
from oauthlib.common import INVALID_HEX_PATTERN, Request, urlencoded
from oauthlib.oauth2.rfc6749 import errors
from oauthlib.oauth2.rfc6749.utils import scope_to_list
from oauthlib.openid import Server
from oauthlib.uri_validate import is_absolute_uri

from idp.authorize_policy import REAUTH_PARAM
from idp.validators import PKCE_METHOD, TENANT_KEY, TenantOAuthLibCore

RESPONSE_TYPE = "code"
# Parameters oauthlib only stores or passes through (besides those it checks), once each.
# claims (parsed by oauthlib), request, request_uri, resource and anything unknown: oauthlib's.
FIELDS = frozenset(
    (
        "client_id",
        "redirect_uri",
        "response_type",
        "scope",
        "state",
        "nonce",
        "response_mode",
        "code_challenge",
        "code_challenge_method",
        "prompt",
        "max_age",
        "login_hint",
        "id_token_hint",
        "display",
        "ui_locales",
        "acr_values",
        REAUTH_PARAM,
    )
)


def _params(request) -> dict | None:
    """The query's parameters when oauthlib would read exactly the same ones, else None."""
    if request.method != "GET" or request.POST:
        return None
    query = request.META.get("QUERY_STRING", "")
    # oauthlib's own parse (DOT's escaping a no-op, no ValueError) and its strict one (which
    # duplicate_params uses: every field has "=", none is empty) must both agree with Django's.
    if not query or not set(query) <= urlencoded or INVALID_HEX_PATTERN.search(query):
        return None
    if not all("=" in field for field in query.split("&")):
        return None
    params = {}
    for key, values in request.GET.lists():
        if key not in FIELDS or len(values) != 1 or not values[0]:
            return None
        params[key] = values[0]
    return params


def _configured_plainly() -> bool:
    # Our backend and oauthlib's OpenID server with no extra kwargs: no custom validators.
    return (
        oauth2_settings.OAUTH2_SERVER_CLASS is Server
        and oauth2_settings.OAUTH2_BACKEND_CLASS is TenantOAuthLibCore
        and not oauth2_settings.EXTRA_SERVER_KWARGS
    )


def authorization_request(request, validator) -> tuple[list, dict] | None:
    """(scopes, credentials) of a plain code-flow request; None hands it to DOT/oauthlib."""
    params = _params(request)
    if params is None or params.get("response_type") != RESPONSE_TYPE:
        return None
    scopes = scope_to_list(params.get("scope"))
    # Without openid oauthlib picks its plain OAuth 2 grant; leave that to it.
    if not scopes or "openid" not in scopes or not _configured_plainly():
        return None
    oauth_request = Request(request.path, "GET", "", {TENANT_KEY: request.tenant})
    oauth_request._params.update(params)
    oauth_request.scopes = scopes
    try:
        return _validated(oauth_request, validator)
    except errors.OAuth2Error:
        return None


def _validated(oauth_request, validator) -> tuple[list, dict] | None:
    """oauthlib's OpenID code grant's validate_authorization_request, in its order."""
    client_id = oauth_request.client_id
    if not client_id or not validator.validate_client_id(client_id, oauth_request):
        return None
    redirect_uri = oauth_request.redirect_uri
    oauth_request.using_default_redirect_uri = False
    if not is_absolute_uri(redirect_uri):
        return None
    if not validator.validate_redirect_uri(client_id, redirect_uri, oauth_request):
        return None
    client = oauth_request.client
    if not validator.validate_response_type(client_id, RESPONSE_TYPE, client, oauth_request):
        return None
    challenge = oauth_request.code_challenge
    if validator.is_pkce_required(client_id, oauth_request) is True and challenge is None:
        return None
    credentials = {}
    if challenge is not None:
        # Without a method oauthlib assumes plain, which the view then refuses: its to answer.
        if oauth_request.code_challenge_method != PKCE_METHOD:
            return None
        credentials["code_challenge"] = challenge
        credentials["code_challenge_method"] = PKCE_METHOD
    elif oauth_request.code_challenge_method is not None:
        return None  # a method without a challenge: unusual, oauthlib's
    if not validator.validate_scopes(client_id, oauth_request.scopes, client, oauth_request):
        return None
    credentials.update(
        client_id=client_id,
        redirect_uri=redirect_uri,
        response_type=RESPONSE_TYPE,
        state=oauth_request.state,
        request=oauth_request,
    )
    openid = _openid_credentials(oauth_request, validator)
    if openid is None:
        return None
    credentials.update(openid)
    return oauth_request.scopes, credentials


def _openid_credentials(oauth_request, validator) -> dict | None:
    """The OpenID grant's openid_authorization_validator (no claims parameter here)."""
    scopes = oauth_request.scopes
    if not scopes or "openid" not in scopes:
        return {}
    prompt = set((oauth_request.prompt or "").strip().split())
    if "none" in prompt:
        if len(prompt) > 1:
            return None
        if not validator.validate_silent_login(oauth_request):
            return None
        if not validator.validate_silent_authorization(oauth_request):
            return None
    if not validator.validate_user_match(
        oauth_request.id_token_hint, scopes, oauth_request.claims, oauth_request
    ):
        return None
    return {
        "display": oauth_request.display,
        "nonce": oauth_request.nonce,
        "prompt": prompt,
        "ui_locales": (oauth_request.ui_locales or "").strip().split(),
        "id_token_hint": oauth_request.id_token_hint,
        "login_hint": oauth_request.login_hint,
        "claims": oauth_request.claims,
    }
