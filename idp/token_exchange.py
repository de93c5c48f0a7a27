"""The plain authorization-code exchange, run on the validator without oauthlib's machinery.

A well-formed exchange (client_secret_post, PKCE S256, the code's redirect_uri, no other
parameter) goes through the validator's own checks and its one redeeming statement directly:
oauthlib would build its request from a copy of every header, decode the body again and
dispatch through three grant layers to call the same methods. Any other request, and any
check that fails, returns None before anything is written, and DOT/oauthlib then answers it
(with the same OAuth error, reuse revocation and CORS rules as always).
"""

from __future__ import annotations

import json
import time

from django.utils import timezone
from oauth2_provider.settings import oauth2_settings
from oauthlib.common import Request
from oauthlib.oauth2.rfc6749 import errors
from oauthlib.oauth2.rfc6749.grant_types.authorization_code import code_challenge_method_s256
from oauthlib.openid.connect.core.grant_types.base import GrantTypeBase

from idp.validators import PKCE_METHOD, TENANT_KEY

GRANT_TYPE = "authorization_code"
# Exactly these, once each: anything else (resource, scope, a second value) is oauthlib's.
FIELDS = frozenset(
    ("grant_type", "code", "redirect_uri", "client_id", "client_secret", "code_verifier")
)
# oauthlib's default headers of a token response.
HEADERS = {"Content-Type": "application/json", "Cache-Control": "no-store", "Pragma": "no-cache"}
# The META keys that change what oauthlib would do: Basic auth, CORS.
HANDED_OVER = ("HTTP_AUTHORIZATION", "HTTP_ORIGIN")


def _params(request) -> dict | None:
    if request.GET or any(request.META.get(key) for key in HANDED_OVER):
        return None
    post = request.POST
    if len(post) != len(FIELDS):
        return None
    params = {}
    for key, values in post.lists():
        if key not in FIELDS or len(values) != 1 or not values[0]:
            return None
        params[key] = values[0]
    return params


def _configured_plainly() -> bool:
    # DOT hands OAUTH_PRE_TOKEN_VALIDATION to the device grant only; extra server kwargs could
    # change the token handler.
    return not oauth2_settings.EXTRA_SERVER_KWARGS


def code_exchange(request, validator) -> tuple[dict, str, int] | None:
    """(headers, body, status) of a plain code exchange; None hands the request to oauthlib."""
    params = _params(request)
    if params is None or params["grant_type"] != GRANT_TYPE or not _configured_plainly():
        return None
    oauth_request = Request(request.path, "POST", params, {TENANT_KEY: request.tenant})
    oauth_request.scopes = None
    oauth_request.extra_credentials = None
    try:
        token = _validated_token(oauth_request, validator, params)
    except errors.OAuth2Error:
        return None
    if token is None:
        return None
    try:
        # From here on the claim decides: a lost race is answered here, as oauthlib would.
        validator.save_bearer_token(token, oauth_request)
    except errors.OAuth2Error as error:
        return error.headers, error.json, error.status_code
    return dict(HEADERS), json.dumps(token), 200


def _validated_token(oauth_request, validator, params) -> dict | None:
    """oauthlib's checks of a code exchange, in its order, and the token it would build."""
    if not validator.authenticate_client(oauth_request):
        return None
    client = oauth_request.client
    client_id = params["client_id"]
    if not validator.validate_grant_type(client_id, GRANT_TYPE, client, oauth_request):
        return None
    code = params["code"]
    facts = validator.code_facts(code, oauth_request)
    # A redeemed, expired or foreign code is oauthlib's to refuse (and to revoke on reuse).
    if facts is None or facts.client_id != client.pk or not facts.redeemable(timezone.now()):
        return None
    if not validator.validate_code(client_id, code, client, oauth_request):
        return None
    challenge = facts.code_challenge
    if not challenge or facts.code_challenge_method != PKCE_METHOD:
        return None
    if not code_challenge_method_s256(params["code_verifier"], challenge):
        return None
    oauth_request.using_default_redirect_uri = False
    validator.confirm_redirect_uri(
        client_id, code, params["redirect_uri"], client, oauth_request
    )
    validator._check_and_set_request_resource(oauth_request)
    return _token(oauth_request, validator, facts)


def _token(oauth_request, validator, facts) -> dict:
    """BearerToken.create_token with a refresh token, then the OpenID grant's ID token."""
    kwargs = oauth2_settings.server_kwargs
    expires_in = kwargs["token_expires_in"]
    if callable(expires_in):
        expires_in = expires_in(oauth_request)
    oauth_request.expires_in = expires_in
    scopes = oauth_request.scopes
    token = {
        "access_token": kwargs["token_generator"](oauth_request),
        "expires_in": expires_in,
        "token_type": "Bearer",
        "scope": " ".join(scopes),
        "refresh_token": kwargs["refresh_token_generator"](oauth_request),
    }
    if "openid" in scopes:
        id_token = {"aud": oauth_request.client_id, "iat": int(time.time())}
        if facts.nonce:
            id_token["nonce"] = facts.nonce
        id_token["at_hash"] = GrantTypeBase.id_token_hash(None, token["access_token"])
        token["id_token"] = validator.finalize_id_token(id_token, token, None, oauth_request)
    return token
