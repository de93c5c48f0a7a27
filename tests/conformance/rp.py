"""An independent relying party: Authlib's OAuth client over requests, joserfc for the JWS.

It knows the OP only by its issuer URL: discovery, JWKS, token and userinfo are fetched over
HTTP (through DjangoTransport), never through the project's own code.
"""

from __future__ import annotations

import secrets
import warnings
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from django.test import Client
from joserfc import jwt as jose_jwt
from joserfc.jwk import KeySet

from tests.conformance.transport import http_session
from tests.conformance.user_agent import Arrival

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from authlib.integrations.requests_client import OAuth2Session
    from authlib.oidc.core import CodeIDToken, ImplicitIDToken
    from authlib.oidc.core.util import create_half_hash

ALGORITHMS = ["RS256", "ES256"]


@dataclass(frozen=True)
class Plan:
    """One OIDF OP test plan variant: what the RP asks for and where the answer must arrive."""

    id: str
    response_type: str
    client_mode: str  # the response mode the tenant admin configured for the client
    request_mode: str | None  # response_mode parameter the RP sends (None: the OP's default)
    delivered: str  # query | fragment | form_post

    @property
    def code_flow(self) -> bool:
        return self.response_type == "code"


PLANS = {
    # The real suite's "default" response mode means query for code and fragment for
    # id_token: a tenant runs it with the client's response mode set to `query`.
    "basic": Plan("basic", "code", "query", None, "query"),
    "implicit": Plan("implicit", "id_token", "query", None, "fragment"),
    "formpost-basic": Plan("formpost-basic", "code", "form_post", "form_post", "form_post"),
    "formpost-implicit": Plan(
        "formpost-implicit", "id_token", "form_post", "form_post", "form_post"
    ),
}


@dataclass
class Request:
    """What the RP sent to the authorization endpoint (to check the answer against)."""

    url: str
    params: list[tuple[str, str]]
    state: str | None
    nonce: str | None
    verifier: str | None = None
    max_age: int | None = None

    @property
    def query(self) -> dict:
        return dict(self.params)


@dataclass
class Outcome:
    """A completed authorization: response parameters, tokens and verified ID token claims."""

    params: dict
    tokens: dict = field(default_factory=dict)
    claims: dict = field(default_factory=dict)
    header: dict = field(default_factory=dict)


class RelyingParty:
    """A registered client of one issuer, configured only from the discovery document."""

    def __init__(self, *, issuer, client_id, secret, redirect_uri, plan: Plan, auth_method=None):
        parts = urlsplit(issuer)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.http = http_session(Client(), self.origin)
        self.issuer = issuer
        self.client_id = client_id
        self.secret = secret
        self.redirect_uri = redirect_uri
        self.plan = plan
        self.auth_method = auth_method or "client_secret_basic"
        self._config = None

    # --- metadata over HTTP --------------------------------------------------------------

    @property
    def config(self) -> dict:
        if self._config is None:
            response = self.http.get(self.issuer + "/.well-known/openid-configuration")
            assert response.status_code == 200, response.text
            self._config = response.json()
        return self._config

    def jwks(self) -> dict:
        response = self.http.get(self.config["jwks_uri"])
        assert response.status_code == 200, response.text
        return response.json()

    def oauth(self, **kwargs) -> OAuth2Session:
        session = OAuth2Session(
            self.client_id,
            self.secret or None,
            redirect_uri=self.redirect_uri,
            token_endpoint_auth_method=self.auth_method,
            **kwargs,
        )
        session.mount(self.origin, self.http.get_adapter(self.origin))
        return session

    # --- authorization request -----------------------------------------------------------

    def request(
        self,
        *,
        scope="openid",
        nonce: str | None = "",
        state: str | None = "",
        pkce=False,
        extra=(),
        omit=(),
        reverse=False,
    ) -> Request:
        """An authorization request URL; nonce/state "" mean fresh random values, None none."""
        nonce = secrets.token_urlsafe(16) if nonce == "" else nonce
        state = secrets.token_urlsafe(24) if state == "" else state
        params = [
            ("client_id", self.client_id),
            ("redirect_uri", self.redirect_uri),
            ("response_type", self.plan.response_type),
            ("scope", scope),
        ]
        if self.plan.request_mode:
            params.append(("response_mode", self.plan.request_mode))
        if state is not None:
            params.append(("state", state))
        if nonce is not None:
            params.append(("nonce", nonce))
        verifier = None
        if pkce:
            verifier = secrets.token_urlsafe(48)
            params += [
                ("code_challenge", create_s256(verifier)),
                ("code_challenge_method", "S256"),
            ]
        params = [(k, v) for k, v in params if k not in omit]
        params += list(extra.items() if isinstance(extra, dict) else extra)
        if reverse:
            params.reverse()
        url = self.config["authorization_endpoint"] + "?" + urlencode(params)
        max_age = dict(params).get("max_age")
        return Request(url, params, state, nonce, verifier, int(max_age) if max_age else None)

    # --- authorization response ----------------------------------------------------------

    def response_params(self, arrival: Arrival) -> dict:
        """The parameters delivered to the redirect URI, checked to arrive the plan's way."""
        expected = self.plan.delivered
        if expected == "form_post":
            assert arrival.kind == "form_post", (arrival.kind, arrival.url)
            assert arrival.url == self.redirect_uri
            return dict(arrival.fields)
        assert arrival.kind == "redirect", (arrival.kind, arrival.url, arrival.text[:500])
        assert arrival.url.split("?")[0].split("#")[0] == self.redirect_uri, arrival.url
        if expected == "query":
            assert not urlsplit(arrival.url).fragment, arrival.url
            return arrival.query
        assert not arrival.query, arrival.url
        return arrival.fragment

    def error(self, arrival: Arrival, request: Request) -> dict:
        """An error response at the redirect URI (state and iss echoed)."""
        params = self.response_params(arrival)
        assert "error" in params, params
        assert "code" not in params and "id_token" not in params, params
        assert params.get("state") == request.state, params
        assert params.get("iss") == self.issuer, params
        return params

    def complete(self, arrival: Arrival, request: Request) -> Outcome:
        """Check a successful response; redeem the code; verify the ID token (and at_hash)."""
        params = self.response_params(arrival)
        assert "error" not in params, params
        assert params.get("state") == request.state, params
        assert params.get("iss") == self.issuer, params  # RFC 9207
        if self.plan.code_flow:
            assert "id_token" not in params and "access_token" not in params, params
            tokens = self.redeem(params["code"], request)
            id_token = tokens["id_token"]
            header, claims = self.verify_id_token(
                id_token, request, access_token=tokens["access_token"]
            )
        else:
            assert "code" not in params and "access_token" not in params, params
            tokens = {}
            header, claims = self.verify_id_token(params["id_token"], request)
        return Outcome(params=params, tokens=tokens, claims=claims, header=header)

    def redeem(self, code: str, request: Request, **kwargs) -> dict:
        """Exchange the code at the token endpoint with Authlib (raises OAuthError on errors)."""
        session = self.oauth()
        extra = {"code_verifier": request.verifier} if request.verifier else {}
        token = session.fetch_token(
            self.config["token_endpoint"],
            grant_type="authorization_code",
            code=code,
            **extra,
            **kwargs,
        )
        assert token["token_type"].lower() == "bearer", token
        return dict(token)

    def token_post(self, data: dict, *, basic=True):
        """A raw token request (requests), for the error cases Authlib would hide."""
        auth = (self.client_id, self.secret) if basic else None
        if not basic:
            data = {**data, "client_id": self.client_id, "client_secret": self.secret}
        return self.http.post(self.config["token_endpoint"], data=data, auth=auth)

    def verify_id_token(self, token: str, request: Request, *, access_token=None):
        """Signature against the JWKS fetched over HTTP; Authlib's OIDC claim rules; at_hash."""
        jwks = self.jwks()
        decoded = jose_jwt.decode(token, KeySet.import_key_set(jwks), algorithms=ALGORITHMS)
        header = dict(decoded.header)
        assert header["alg"] in ALGORITHMS, header
        assert header.get("kid") in {k["kid"] for k in jwks["keys"]}, header
        kind = CodeIDToken if self.plan.code_flow else ImplicitIDToken
        options = {"iss": {"essential": True, "value": self.issuer}, "aud": {"essential": True}}
        params = {"client_id": self.client_id, "nonce": request.nonce, "max_age": request.max_age}
        claims = kind(decoded.claims, decoded.header, options, params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            claims.validate(leeway=5)
        claims = dict(claims)
        assert claims["aud"] == self.client_id or self.client_id in claims["aud"], claims
        assert isinstance(claims["iat"], int) and isinstance(claims["exp"], int), claims
        assert claims["sub"], claims
        if request.nonce is None:
            assert "nonce" not in claims, claims
        if access_token is not None:
            # OIDC Core §3.1.3.6 / §3.3.2.11: the left half of the access token's hash.
            assert claims.get("at_hash") == create_half_hash(access_token, header["alg"]).decode()
        return header, claims

    def userinfo(self, access_token: str, how: str = "get"):
        url = self.config["userinfo_endpoint"]
        if how == "get":
            return self.http.get(url, headers={"Authorization": f"Bearer {access_token}"})
        if how == "post-header":
            return self.http.post(url, headers={"Authorization": f"Bearer {access_token}"})
        return self.http.post(url, data={"access_token": access_token})


def create_s256(verifier: str) -> str:
    """RFC 7636 S256 code challenge (Authlib's)."""
    from authlib.oauth2.rfc7636 import create_s256_code_challenge

    return create_s256_code_challenge(verifier)
