"""The plain authorization request (idp.authorization_request) is validated as DOT/oauthlib
would, and every other request is handed over to them."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import pytest
from django.test import Client, RequestFactory
from oauth2_provider.exceptions import OAuthToolkitError
from oauthlib.common import Request

from idp import authorization_request as fast_path
from idp.validators import TenantValidator
from idp.views_oidc import AuthorizeView
from tenants.models import OIDCClient
from tests import factories
from tests.idp.oidc_support import authorize_path, make_rp, oidc_tenant, pkce_pair, sign_in_page
from tests.idp.signin_support import (
    origin,
    post_json,
    private_cache,  # noqa: F401
    register,
    url,
)

pytestmark = pytest.mark.django_db

CHALLENGE = pkce_pair()[1]
# Request attributes that only describe the HTTP request oauthlib was built from: the plain path
# builds its request from the path and the tenant alone (later code reads neither).
TRANSPORT = {"uri", "http_method", "headers", "body", "decoded_body"}


@pytest.fixture
def tenant(db):
    return oidc_tenant()


@pytest.fixture
def rps(tenant):
    """Confidential (PKCE optional), public (PKCE required) and implicit clients, and a client
    of another tenant."""
    public = make_rp(tenant, redirect_uri="https://spa.example.com/cb?app=1")
    OIDCClient.objects.filter(pk=public.client.pk).update(client_type=OIDCClient.CLIENT_PUBLIC)
    return {
        "confidential": make_rp(tenant),
        "public": public,
        "implicit": make_rp(
            tenant, redirect_uri="https://b2c.example.com/cb", response_type="id_token"
        ),
        "foreign": make_rp(oidc_tenant()),
    }


def _query(rp, **overrides) -> str:
    params = {
        "client_id": rp.client_id,
        "redirect_uri": rp.redirect_uri,
        "response_type": "code",
        "scope": "openid email",
        "state": "st-1",
        "nonce": "n-1",
    }
    params.update(overrides)
    return urlencode({k: v for k, v in params.items() if v is not None})


def _http_request(tenant, query: str, *, post: dict | None = None):
    path = f"{authorize_path(tenant)}?{query}"
    factory = RequestFactory()
    request = factory.post(path, post) if post is not None else factory.get(path)
    request.tenant = tenant
    return request


def _through_dot(request):
    """DOT/oauthlib's (scopes, credentials), or the exception they refuse with."""
    try:
        return AuthorizeView().validate_authorization_request(request)
    except (OAuthToolkitError, ValueError) as error:
        return error


def _request_state(oauth_request: Request) -> dict:
    state = {k: v for k, v in vars(oauth_request).items() if k not in TRANSPORT}
    client = state.pop("client", None)
    state["client"] = client.pk if client is not None else None
    return state


def _compare(fast, full) -> None:
    """The plain path's answer is DOT's: scopes, credentials (in order) and the request."""
    assert not isinstance(full, Exception), f"the plain path accepted what DOT refuses: {full!r}"
    fast_scopes, fast_credentials = fast
    full_scopes, full_credentials = full
    assert fast_scopes == full_scopes
    fast_credentials, full_credentials = dict(fast_credentials), dict(full_credentials)
    fast_request, full_request = fast_credentials.pop("request"), full_credentials.pop("request")
    assert list(fast_credentials.items()) == list(full_credentials.items())
    assert fast_request.scopes is fast_scopes
    assert _request_state(fast_request) == _request_state(full_request)
    for name in ("client_id", "redirect_uri", "response_type", "state", "nonce", "claims"):
        assert getattr(fast_request, name) == getattr(full_request, name)
    assert fast_request.headers[fast_path.TENANT_KEY] == full_request.headers[fast_path.TENANT_KEY]


def _both(tenant, query: str, **kwargs):
    fast = fast_path.authorization_request(
        _http_request(tenant, query, **kwargs), TenantValidator()
    )
    full = _through_dot(_http_request(tenant, query, **kwargs))
    if fast is not None:
        _compare(fast, full)
    return fast, full


def _case_query(rps, case) -> str:
    which, overrides = case
    if isinstance(overrides, str):
        return _query(rps[which]) + overrides  # raw text appended to the query
    return _query(rps[which], **overrides)


# name -> (client, overrides or raw text): the plain path answers each, exactly as DOT.
TAKEN = {
    "plain": ("confidential", {}),
    "pkce": ("confidential", {"code_challenge": CHALLENGE, "code_challenge_method": "S256"}),
    "no state, no nonce": ("confidential", {"state": None, "nonce": None}),
    "form_post": ("confidential", {"response_mode": "form_post"}),
    "query mode": ("confidential", {"response_mode": "query"}),
    "fragment mode": ("confidential", {"response_mode": "fragment"}),
    "login_hint": ("confidential", {"login_hint": "ada+x@example.com"}),
    "prompt login": ("confidential", {"prompt": "login"}),
    "prompt none": ("confidential", {"prompt": "none"}),
    "prompt login consent": ("confidential", {"prompt": " login  consent "}),
    "max_age": ("confidential", {"max_age": "0"}),
    "id_token_hint": ("confidential", {"id_token_hint": "a.b.c"}),
    "display and locales": ("confidential", {"display": "page", "ui_locales": "fr-CA fr en"}),
    "acr_values": ("confidential", {"acr_values": "urn:mace:incommon:iap:silver"}),
    "reauth": ("confidential", {"latchkey_reauth": "1700000000.25"}),
    "unknown scope dropped": ("confidential", {"scope": "openid unknown profile"}),
    "scope spaces": ("confidential", {"scope": " openid  email"}),
    "odd state": ("confidential", {"state": "é ü+/?=&%;:$!*'()~,@"}),
    "semicolon (part of the value for both)": ("confidential", ";state=x"),
    "public with pkce": (
        "public",
        {"code_challenge": CHALLENGE, "code_challenge_method": "S256", "state": "x"},
    ),
}

# name -> (client, overrides or raw text): handed over (DOT may accept or refuse them).
HANDED_OVER = {
    "unknown client": ("confidential", {"client_id": "nope"}),
    "another tenant's client": ("foreign", {}),
    "client id with NUL": ("confidential", {"client_id": "a\x00b"}),
    "wrong redirect uri": ("confidential", {"redirect_uri": "https://rp.example.com/other"}),
    "redirect uri case": ("confidential", {"redirect_uri": "https://RP.example.com/cb"}),
    "relative redirect uri": ("confidential", {"redirect_uri": "/cb"}),
    "public's registered query dropped": ("public", {"redirect_uri": "https://spa.example.com/cb"}),
    "bad scope": ("confidential", {"scope": "foo"}),
    "no openid": ("confidential", {"scope": "email"}),
    "no scope": ("confidential", {"scope": None}),
    "empty scope": ("confidential", {"scope": ""}),
    "token": ("confidential", {"response_type": "token"}),
    "id_token for a code client": ("confidential", {"response_type": "id_token"}),
    "hybrid": ("confidential", {"response_type": "code id_token"}),
    "none": ("confidential", {"response_type": "none"}),
    "no response type": ("confidential", {"response_type": None}),
    "code for an implicit client": ("implicit", {}),
    "implicit without nonce": ("implicit", {"response_type": "id_token", "nonce": None}),
    "implicit": ("implicit", {"response_type": "id_token"}),
    "prompt none and login": ("confidential", {"prompt": "none login"}),
    "pkce without method (plain)": ("confidential", {"code_challenge": CHALLENGE}),
    "pkce plain": ("confidential", {"code_challenge": CHALLENGE, "code_challenge_method": "plain"}),
    "pkce S384": ("confidential", {"code_challenge": CHALLENGE, "code_challenge_method": "S384"}),
    "method without challenge": ("confidential", {"code_challenge_method": "S256"}),
    "public without pkce": ("public", {}),
    "claims": ("confidential", {"claims": '{"id_token": {"email": null}}'}),
    "bad claims": ("confidential", {"claims": "{"}),
    "request object": ("confidential", {"request": "a.b.c"}),
    "request_uri": ("confidential", {"request_uri": "https://rp.example.com/r"}),
    "resource": ("confidential", {"resource": "https://api.example.com"}),
    "unknown parameter": ("confidential", {"foo": "bar"}),
    "empty state": ("confidential", {"state": ""}),
    "empty nonce": ("confidential", {"nonce": ""}),
    "duplicate client_id": ("confidential", "&client_id=other"),
    "duplicate redirect_uri": ("confidential", "&redirect_uri=https%3A%2F%2Fevil.example%2Fcb"),
    "duplicate scope": ("confidential", "&scope=openid"),
    "duplicate state": ("confidential", "&state=again"),
    "duplicate nonce": ("confidential", "&nonce=again"),
    "duplicate response_type": ("confidential", "&response_type=code"),
    "field without =": ("confidential", "&lonely"),
    "empty field": ("confidential", "&"),
    "bad hex": ("confidential", "&state=%zz"),
    "raw space": ("confidential", "&state=a b"),
    "raw quote": ("confidential", '&state="q"'),
    "raw unicode": ("confidential", "&state=é"),
}


@pytest.mark.parametrize("name", list(TAKEN))
def test_the_plain_path_answers_as_dot(tenant, rps, name):
    fast, full = _both(tenant, _case_query(rps, TAKEN[name]))
    assert fast is not None, f"{name}: handed over (DOT said {full!r})"


@pytest.mark.parametrize("name", list(HANDED_OVER))
def test_anything_else_is_handed_over(tenant, rps, name):
    fast, _full = _both(tenant, _case_query(rps, HANDED_OVER[name]))
    assert fast is None


def test_a_post_is_handed_over(tenant, rps):
    rp = rps["confidential"]
    body = dict(parse_qsl(_query(rp)))
    fast, full = _both(tenant, "", post=body)
    assert fast is None
    assert not isinstance(full, Exception)
    fast, full = _both(tenant, _query(rp), post={"state": "other"})
    assert fast is None


def test_the_validator_and_server_are_the_configured_ones():
    assert AuthorizeView.get_validator_class() is TenantValidator
    assert fast_path._configured_plainly()
    server = AuthorizeView.get_server()
    grant = server.auth_grant_choice.oidc_grant
    # The OpenID validator is the only custom one oauthlib runs for a code request.
    assert not grant.custom_validators.pre_auth
    assert [v.__name__ for v in grant.custom_validators.post_auth] == [
        "openid_authorization_validator"
    ]


def test_other_configurations_are_handed_over(tenant, rps, settings):
    from oauth2_provider.settings import oauth2_settings

    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "EXTRA_SERVER_KWARGS": {"x": 1}}
    try:
        assert not fast_path._configured_plainly()
        fast, _full = _both(tenant, _query(rps["confidential"]))
        assert fast is None
    finally:
        oauth2_settings.reload()


# --- the sign-in flow takes it, on the authorize GET and when verify resumes the request --------


@pytest.fixture
def counted(monkeypatch):
    """Calls of the plain path (taken or not) and of DOT's validation."""
    calls = {"taken": 0, "handed over": 0, "dot": 0}
    original = fast_path.authorization_request
    dot = AuthorizeView.validate_authorization_request

    def spy(request, validator):
        answer = original(request, validator)
        calls["taken" if answer is not None else "handed over"] += 1
        return answer

    def dot_spy(self, request):
        calls["dot"] += 1
        return dot(self, request)

    monkeypatch.setattr("idp.views_oidc.authorization_request", spy)
    monkeypatch.setattr(AuthorizeView, "validate_authorization_request", dot_spy)
    return calls


@pytest.mark.usefixtures("private_cache")
def test_a_sign_in_validates_its_request_on_the_plain_path_only(tenant, rps, counted):
    rp = rps["confidential"]
    authenticator, done = register(Client(), tenant, "fast@example.com")
    assert done.status_code == 200
    counted.update({"taken": 0, "handed over": 0, "dot": 0})
    http = Client()
    query = _query(rp, response_mode="form_post", code_challenge=CHALLENGE)
    query += "&code_challenge_method=S256"
    page = sign_in_page(http.get(f"{authorize_path(tenant)}?{query}"))
    assert page is not None
    options = post_json(http, url("signin-options", tenant), {"email": "fast@example.com"}).json()
    body = {
        "handle": options["handle"],
        "credential": authenticator.get(options["publicKey"], origin()),
        "next": page["next"],
        "deliver": True,
    }
    delivered = post_json(http, url("signin-verify", tenant), body).json()["form_post"]
    fields = dict(delivered["params"])
    assert delivered["action"] == rp.redirect_uri and fields["state"] == "st-1"
    assert fields["code"]
    assert counted == {"taken": 2, "handed over": 0, "dot": 0}


def test_a_refusal_is_still_oauthlibs(client, tenant, rps, counted):
    query = _query(rps["confidential"], scope="foo", response_mode="query")
    response = client.get(f"{authorize_path(tenant)}?{query}")
    assert response.status_code == 302
    assert "error=invalid_scope" in response["Location"]
    assert counted == {"taken": 0, "handed over": 1, "dot": 1}


def test_a_factory_user_can_sign_in_silently(client, tenant, rps, counted):
    from tests.idp.oidc_support import sign_in

    user = factories.end_user(tenant=tenant, email="s@example.com")
    sign_in(client, tenant, user)
    query = _query(rps["confidential"], prompt="none", response_mode="query")
    response = client.get(f"{authorize_path(tenant)}?{query}")
    assert response.status_code == 302
    assert "code=" in response["Location"] and "state=st-1" in response["Location"]
    assert counted == {"taken": 1, "handed over": 0, "dot": 0}
