"""OpenID Provider endpoints of one tenant: discovery, JWKS, authorize, token, userinfo, logout."""

from __future__ import annotations

import copy
import json
from urllib.parse import parse_qsl, urlsplit

from django.db import router, transaction
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_safe
from oauth2_provider.exceptions import FatalClientError, OAuthToolkitError
from oauth2_provider.views.mixins import OAuthLibMixin
from oauthlib.common import generate_token
from oauthlib.oauth2.rfc6749 import errors as oauth_errors

from idp import authorize_policy
from idp.authorization_request import authorization_request
from idp.client_auth import challenge, two_methods_error
from idp.discovery import cached_document_response
from idp.form_post import (
    FORM_POST,
    FORM_POST_JS,
    FRAGMENT,
    QUERY,
    RESPONSE_MODES,
    Delivery,
    harden,
    origin_of,
)
from idp.id_token_hint import id_token_hint_claims
from idp.models import AuthorizationCode
from idp.session import enduser_current
from idp.signin_page import sign_in_page
from idp.token_exchange import code_exchange
from tenants.models import OIDCClient

MAX_PARAM_LENGTH = 4096
GRANT_TYPES = ("authorization_code", "refresh_token")


def error_page(request, *, status: int, title: str, message: str, code: str = ""):
    """An error page that names the problem and never redirects."""
    tenant = getattr(request, "tenant", None)
    response = render(
        request,
        "idp/oidc_error.html",
        {
            "title": title,
            "message": message,
            "error_code": code,
            "tenant_name": tenant.display_name if tenant else "",
            "tenant": tenant,
        },
        status=status,
    )
    return harden(response)


def _json(body, status: int, headers=None) -> HttpResponse:
    response = HttpResponse(body or "", status=status, content_type="application/json")
    for name, value in (headers or {}).items():
        if name.lower() != "content-type":
            response[name] = value
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def _oidc_off(request):
    return _json(
        json.dumps(
            {
                "error": "access_denied",
                "error_description": "OpenID Connect is turned off for this tenant.",
            }
        ),
        403,
    )


@require_safe
def discovery(request, tenant_slug):
    """GET {issuer}/.well-known/openid-configuration."""
    return cached_document_response(request, kind="discovery")


@require_safe
def issuer(request, tenant_slug):
    """GET {issuer}: the discovery document too, for clients that fetch the issuer itself."""
    return cached_document_response(request, kind="discovery")


@require_safe
def jwks(request, tenant_slug):
    """GET {issuer}/jwks: the public keys, each with its kid."""
    return cached_document_response(request, kind="jwks")


@require_safe
def form_post_js(request, tenant_slug):
    """The script that submits the form_post page (a file, so the CSP needs no inline script)."""
    response = HttpResponse(FORM_POST_JS, content_type="text/javascript")
    response["Cache-Control"] = "public, max-age=86400"
    return response


def _default_mode(response_type: str, client: OIDCClient | None) -> str:
    mode = client.response_mode if client is not None else ""
    if mode not in RESPONSE_MODES:
        mode = QUERY if response_type == "code" else FRAGMENT
    if mode == QUERY and "id_token" in response_type.split():
        # Tokens never travel in a query string.
        mode = FRAGMENT
    return mode


def _response_params(location: str, redirect_uri: str) -> list[tuple[str, str]]:
    parts = urlsplit(location)
    if parts.fragment:
        return parse_qsl(parts.fragment, keep_blank_values=True)
    registered = parse_qsl(urlsplit(redirect_uri).query, keep_blank_values=True)
    return parse_qsl(parts.query, keep_blank_values=True)[len(registered) :]


@method_decorator(csrf_exempt, name="dispatch")
class AuthorizeView(OAuthLibMixin, View):
    """The authorization endpoint: hands off to the tenant's sign-in and resumes after it."""

    def get(self, request, tenant_slug):
        return self.authorize(request, request.GET)

    def post(self, request, tenant_slug):
        return self.authorize(request, request.POST)

    def authorize(self, request, params):
        answer = self.decide(request, params)
        return answer.response(request) if isinstance(answer, Delivery) else answer

    def decide(self, request, params, *, signed_in=None) -> Delivery | HttpResponse:
        """What this authorization request gets: a response to the redirect URI (a Delivery)
        or a page of ours (the sign-in page, an error page). `signed_in`: a sign-in made by
        this very request (verify resuming it), else the session's is read."""
        tenant = request.tenant
        if not tenant.oidc_enabled:
            return error_page(
                request,
                status=403,
                title=_("Sign-in is turned off"),
                message=_("%(name)s has not turned on OpenID Connect sign-in.")
                % {"name": tenant.display_name},
                code="oidc_disabled",
            )
        if any(len(v) > MAX_PARAM_LENGTH for v in params.values()):
            return error_page(
                request, status=400, title=_("Bad request"), message=_("A parameter is too long.")
            )
        if not params.get("client_id"):
            return error_page(
                request,
                status=400,
                title=_("Unknown application"),
                message=_("The request names no client_id."),
                code="invalid_client",
            )
        if not params.get("redirect_uri"):
            return error_page(
                request,
                status=400,
                title=_("Missing redirect URL"),
                message=_("The request has no redirect_uri."),
                code="invalid_request",
            )
        # A plain code-flow request skips oauthlib's request machinery (idp.authorization_request);
        # anything else, and every refusal, is DOT/oauthlib's.
        validated = authorization_request(request, self.get_validator_class()())
        if validated is None:
            try:
                validated = self.validate_authorization_request(request)
            except FatalClientError as error:
                return self._fatal(request, error)
            except OAuthToolkitError as error:
                return self._error(request, params, error.oauthlib_error.twotuples)
        scopes, credentials = validated

        oauth_request = credentials.pop("request", None)
        client = getattr(oauth_request, "client", None)
        if not isinstance(client, OIDCClient):
            client = OIDCClient.objects.for_tenant(tenant).get(client_id=credentials["client_id"])
        # Handing the loaded client on spares oauthlib's second validation pass the queries.
        credentials["client"] = client
        response_type = credentials["response_type"]
        redirect_uri = credentials["redirect_uri"]
        mode = params.get("response_mode") or _default_mode(response_type, client)
        state = params.get("state")

        def fail(error, description, *, deliver_mode=None):
            pairs = [("error", error), ("error_description", description), ("state", state)]
            return Delivery(
                tenant=tenant,
                redirect_uri=redirect_uri,
                params=pairs,
                mode=deliver_mode or _default_mode(response_type, client),
            )

        if mode not in RESPONSE_MODES:
            return fail("invalid_request", "Unsupported response_mode.")
        if mode == QUERY and response_type != "code":
            return fail("invalid_request", "response_mode query cannot carry an ID token.")
        if "request" in params:
            # OIDC Core §6: request objects are not supported (discovery says so too).
            message = "Request objects are not supported."
            return fail("request_not_supported", message, deliver_mode=mode)
        if "request_uri" in params:
            message = "request_uri is not supported."
            return fail("request_uri_not_supported", message, deliver_mode=mode)
        if credentials.get("code_challenge") and credentials.get("code_challenge_method") != "S256":
            return fail("invalid_request", "code_challenge_method must be S256.", deliver_mode=mode)
        if "resource" in params:
            # RFC 8707: tokens here are for the userinfo endpoint only; no resource is known.
            return fail(
                "invalid_target",
                "Resource indicators are not supported by this server.",
                deliver_mode=mode,
            )

        hint = None
        if params.get("id_token_hint"):
            hint = id_token_hint_claims(tenant, params["id_token_hint"])
            if hint is None or not isinstance(hint.get("sub"), str):
                message = "id_token_hint is not an ID token issued by this organisation."
                return fail("invalid_request", message, deliver_mode=mode)
        signin = signed_in or enduser_current(request, tenant=tenant)
        decision = authorize_policy.decide(
            params=params, signin=signin, hint_subject=hint["sub"] if hint else None
        )
        if decision.invalid:
            return fail("invalid_request", decision.invalid)
        if decision.login_required:
            return fail("login_required", "The user is not signed in.", deliver_mode=mode)
        if decision.sign_in:
            # The current sign-in stays until a new one replaces it (never signed out here).
            # The page is rendered here rather than redirected to (one request fewer); it
            # resumes this request, as its own URL would with the same `next`.
            hinted_email = hint.get("email") if hint else ""
            next_url, login_hint = authorize_policy.resume(
                path=request.path,
                params=params,
                replaces=decision.replaces,
                login_hint=hinted_email if isinstance(hinted_email, str) else "",
            )
            return sign_in_page(
                request,
                next_url=next_url,
                login_hint=login_hint,
                current=signin,
                delivers=True,
                posts_to=origin_of(redirect_uri) if mode == FORM_POST else "",
            )

        # DOT reads request.user; only the tenant's end-user sign-in ever goes there.
        request.user = signin.user
        credentials["auth_time"] = signin.auth_time
        credentials["amr"] = list(signin.amr)
        if response_type == "code" and oauth_request is not None:
            return self._code_response(
                oauth_request, scopes, credentials, user=signin.user, tenant=tenant, mode=mode
            )
        try:
            location, _headers, _body, _status = self.create_authorization_response(
                request=request, scopes=" ".join(scopes), credentials=credentials, allow=True
            )
        except OAuthToolkitError as error:
            pairs = [(k, v) for k, v in error.oauthlib_error.twotuples]
            return Delivery(
                tenant=tenant, redirect_uri=redirect_uri, params=pairs, mode=mode
            )
        return Delivery(
            tenant=tenant,
            redirect_uri=redirect_uri,
            params=_response_params(location, redirect_uri),
            mode=mode,
        )

    def _code_response(
        self, oauth_request, scopes, credentials, *, user, tenant, mode
    ) -> Delivery:
        """The code flow's answer to the request validated just now, as oauthlib's code grant
        gives it (a new code saved by the validator; code and state), without validating the
        same request a second time: the code grant has no modifiers, so nothing else differs.
        The hybrid and implicit flows go through oauthlib's create_authorization_response."""
        oauth_request.scopes = scopes
        oauth_request.user = user
        for name, value in credentials.items():
            setattr(oauth_request, name, value)
        grant = {"code": generate_token()}
        if oauth_request.state:
            grant["state"] = oauth_request.state
        try:
            self.get_validator_class()().save_authorization_code(
                oauth_request.client_id, grant, oauth_request
            )
        except oauth_errors.OAuth2Error as error:
            pairs = [*error.twotuples]
            return Delivery(
                tenant=tenant, redirect_uri=oauth_request.redirect_uri, params=pairs, mode=mode
            )
        return Delivery(
            tenant=tenant,
            redirect_uri=oauth_request.redirect_uri,
            params=list(grant.items()),
            mode=mode,
        )

    def _fatal(self, request, error):
        oauth_error = error.oauthlib_error
        if isinstance(oauth_error, oauth_errors.InvalidClientIdError):
            title = _("Unknown application")
            message = _("This application is not registered with this organisation.")
        elif isinstance(
            oauth_error,
            (oauth_errors.MismatchingRedirectURIError, oauth_errors.InvalidRedirectURIError),
        ):
            title = _("Redirect URL not registered")
            message = _(
                "The redirect_uri does not exactly match a Redirect URL registered for this "
                "application."
            )
        else:
            title = _("The application's request is invalid")
            message = oauth_error.description or _("The request could not be processed.")
        return error_page(request, status=400, title=title, message=message, code=oauth_error.error)

    def _error(self, request, params, pairs):
        tenant = request.tenant
        client = OIDCClient.objects.for_tenant(tenant).get(client_id=params["client_id"])
        response_type = params.get("response_type") or "code"
        mode = params.get("response_mode")
        if mode not in RESPONSE_MODES or (mode == QUERY and "id_token" in response_type.split()):
            mode = _default_mode(response_type, client)
        return Delivery(
            tenant=tenant,
            redirect_uri=params["redirect_uri"],
            params=list(pairs),
            mode=mode,
        )


def resume_authorization(request, next_url: str, *, signed_in) -> dict | None:
    """The answer of the authorize request `next_url` resumes, once the user has signed in,
    for the sign-in page's script to post or follow itself (one request fewer than going back
    to authorize). None when that request would end on a page of ours, or is not one.
    `signed_in`: the sign-in this request just made (its user was just read)."""
    parts = urlsplit(next_url)
    if parts.path != reverse("idp:oidc-authorize", kwargs={"tenant_slug": request.tenant.slug}):
        return None
    resumed = copy.copy(request)
    resumed.method = "GET"
    resumed.path = resumed.path_info = parts.path
    resumed.META = {**request.META, "REQUEST_METHOD": "GET", "QUERY_STRING": parts.query}
    resumed.GET = QueryDict(parts.query)
    resumed.POST = QueryDict()
    answer = AuthorizeView().decide(resumed, resumed.GET, signed_in=signed_in)
    return answer.for_script() if isinstance(answer, Delivery) else None


@method_decorator(csrf_exempt, name="dispatch")
class TokenView(OAuthLibMixin, View):
    """The token endpoint (client_secret_post or client_secret_basic)."""

    @method_decorator(sensitive_post_parameters("client_secret", "code", "code_verifier"))
    def post(self, request, tenant_slug):
        if not request.tenant.oidc_enabled:
            return _oidc_off(request)
        grant_type = request.POST.get("grant_type", "")
        if grant_type not in GRANT_TYPES:
            # Refused before DOT runs: it has handlers (device code, client credentials,
            # password) we never configured, and some of them fail with a 500.
            error = "unsupported_grant_type" if grant_type else "invalid_request"
            description = (
                "Only authorization_code and refresh_token are supported."
                if grant_type
                else "The request names no grant_type."
            )
            return _json(json.dumps({"error": error, "error_description": description}), 400)
        conflict = two_methods_error(request)
        if conflict is not None:
            return _json(conflict, 400)
        if grant_type == "authorization_code":
            # The code's claim and its tokens are one statement (idp.token_store): atomic by
            # itself, so no transaction around the reads before it. A plain exchange skips
            # oauthlib's request machinery (idp.token_exchange); anything else goes through it.
            answer = code_exchange(request, self.get_validator_class()())
            if answer is None:
                _url, headers, body, status = self.create_token_response(request)
            else:
                headers, body, status = answer
        else:
            # A refresh locks the old token, revokes it and issues its successor together.
            with transaction.atomic(using=router.db_for_write(AuthorizationCode)):
                _url, headers, body, status = self.create_token_response(request)
        return _json(body, status, challenge(request, status, headers))


@method_decorator(csrf_exempt, name="dispatch")
class UserInfoView(OAuthLibMixin, View):
    """Claims about the user the access token was issued for."""

    def get(self, request, tenant_slug):
        return self.userinfo(request)

    def post(self, request, tenant_slug):
        return self.userinfo(request)

    def userinfo(self, request):
        if not request.tenant.oidc_enabled:
            return _oidc_off(request)
        if "access_token" in request.GET:
            # RFC 6750 §2.3 / RFC 9700 §4.3.2: a token in the URL ends up in logs and histories.
            body = {
                "error": "invalid_request",
                "error_description": "Send the access token in the Authorization header "
                "(or, with POST, in the form body), never in the URL.",
            }
            return _json(
                json.dumps(body), 400, {"WWW-Authenticate": 'Bearer error="invalid_request"'}
            )
        _url, headers, body, status = self.create_userinfo_response(request)
        return _json(body, status, headers)


@method_decorator(csrf_exempt, name="dispatch")
class RevokeView(OAuthLibMixin, View):
    """RFC 7009 token revocation, for this tenant's clients only."""

    @method_decorator(sensitive_post_parameters("client_secret", "token"))
    def post(self, request, tenant_slug):
        if not request.tenant.oidc_enabled:
            return _oidc_off(request)
        conflict = two_methods_error(request)
        if conflict is not None:
            return _json(conflict, 400)
        _url, headers, body, status = self.create_revocation_response(request)
        return _json(body, status, challenge(request, status, headers))
