"""What one simulated user does in each scenario; these run inside the load processes."""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import json
import re
import secrets
import time
import warnings
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

from cryptography.hazmat.primitives import serialization

from bench.web import Browser
from tests.support.soft_webauthn import SoftAuthenticator, SoftCredential


class Failed(Exception):
    """An operation got an unexpected answer (counted as an error)."""


@dataclass
class Target:
    """Where the app (or the peer) listens and the relying party it serves."""

    base: str  # PUBLIC_URL / issuer origin, e.g. http://localhost:16020
    port: int
    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str
    tenant: str = ""
    proof_tenant: str = ""
    mailbox: str = ""
    jwks: dict = field(default_factory=dict)

    def path(self, tail: str, tenant: str | None = None) -> str:
        prefix = f"/t/{tenant or self.tenant}" if (tenant or self.tenant) else ""
        return f"{prefix}/{tail.lstrip('/')}"


@dataclass
class Member:
    """A registered end user and their passkey, portable between processes."""

    email: str
    tenant: str
    credential_id: bytes
    private_pem: bytes
    alg: int
    rp_id: str
    user_handle: bytes
    sign_count: int

    @classmethod
    def of(cls, email: str, tenant: str, cred: SoftCredential) -> Member:
        pem = cred.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return cls(email, tenant, cred.credential_id, pem, cred.alg, cred.rp_id,
                   cred.user_handle, cred.sign_count)

    def authenticator(self) -> SoftAuthenticator:
        auth = SoftAuthenticator(self.alg)
        auth.credentials.append(
            SoftCredential(
                credential_id=self.credential_id,
                private_key=serialization.load_pem_private_key(self.private_pem, None),
                alg=self.alg,
                rp_id=self.rp_id,
                user_handle=self.user_handle,
                sign_count=self.sign_count,
            )
        )
        return auth


def ip_for(n: int) -> str:
    """A distinct client address per simulated user (sent through the trusted proxy header)."""
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode().rstrip("=")


class Steps:
    """Per-step wall times of one operation."""

    def __init__(self):
        self.ms: dict[str, float] = {}

    def __call__(self, name: str, response, expect=(200,)):
        self.ms[name] = self.ms.get(name, 0.0) + response.ms
        if response.status not in expect:
            raise Failed(f"{name}: HTTP {response.status} {response.body[:300]!r}")
        return response


def _expect_json(response, **fields):
    body = response.json()
    for key, value in fields.items():
        if body.get(key) != value:
            raise Failed(f"expected {key}={value!r}, got {body!r}")
    return body


def register(t: Target, n: int, *, proof: bool) -> tuple[dict, Member]:
    """Sign up a new user with a passkey (email code first when the tenant asks for proof)."""
    tenant = t.proof_tenant if proof else t.tenant
    email = f"u{n}-{secrets.token_hex(4)}@bench.example"
    browser, step = Browser(t.base, port=t.port, forwarded_for=ip_for(n)), Steps()
    step("page", browser.get(t.path("sign-in/", tenant)))
    started = step(
        "signup", browser.post(t.path("sign-in/new/", tenant), json_body={"email": email})
    )
    if proof:
        _expect_json(started, status="email_sent")
        body = open(f"{t.mailbox}/{email}.txt").read()
        code = re.search(r"code: (\d{6})", body).group(1)
        proven = browser.post(
            t.path("sign-in/email/code/", tenant), json_body={"code": code, "create_here": True}
        )
        answer = _expect_json(step("email_code", proven), status="proven")
    else:
        answer = _expect_json(started, status="register")
    # As the page's script does: the creation options come with the answer.
    options = answer.get("options")
    if not options or "publicKey" not in options or "handle" not in options:
        raise Failed(f"no creation options in {answer!r}")
    authenticator = SoftAuthenticator()
    credential = authenticator.create(options["publicKey"], t.base)
    step(
        "register_verify",
        browser.post(
            t.path("sign-in/register/verify/", tenant),
            json_body={"handle": options["handle"], "credential": credential},
        ),
    )
    return step.ms, Member.of(email, tenant, authenticator.credentials[0])


def _authorize_query(t: Target, challenge: str, nonce: str, state: str) -> str:
    return urlencode(
        {
            "client_id": t.client_id,
            "redirect_uri": t.redirect_uri,
            "response_type": "code",
            "scope": "openid email profile",
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )


def _code_from(response, state: str) -> str:
    """The code of a query redirect or of a form_post page."""
    if response.status == 302:
        query = {k: v[0] for k, v in parse_qs(urlsplit(response.headers["location"]).query).items()}
    else:
        query = {
            m.group(1).decode(): m.group(2).decode()
            for m in re.finditer(rb'name="([a-z_]+)" value="([^"]*)"', response.body)
        }
    if query.get("state") != state or "code" not in query:
        raise Failed(f"authorize answered {response!r}")
    return query["code"]


@dataclass
class _Redirected:
    """A redirect the page's script follows itself, shaped as the HTTP answer would be."""

    location: str
    status: int = 302

    @property
    def headers(self) -> dict:
        return {"location": self.location}


def _posted_code(form_post: dict, t: Target, state: str) -> str:
    """The code of the form_post answer verify handed back for the page to post."""
    fields = dict(form_post["params"])
    if form_post["action"] != t.redirect_uri or fields.get("state") != state:
        raise Failed(f"verify answered {form_post!r}")
    return fields["code"]


def _counter() -> int:
    # Strictly increasing across client processes, so a reused passkey never looks cloned.
    return int((time.time() - 1_790_000_000) * 1000) & 0xFFFFFFFF


def signin(t: Target, n: int, member: Member) -> tuple[dict, None]:
    """authorize (→ sign-in page, unless authorize renders it) → options → verify (→ authorize
    again, unless verify hands back its answer) → token, then check the ID token."""
    return _signin(t, n, member, autofill=False)


def signin_autofill(t: Target, n: int, member: Member) -> tuple[dict, None]:
    """As signin(), the passkey picked from the browser's autofill list: the page's own
    options answer, so there is no options request."""
    return _signin(t, n, member, autofill=True)


_AUTOFILL = re.compile(rb'data-autofill-options="([^"]+)"')


def _signin(t: Target, n: int, member: Member, *, autofill: bool) -> tuple[dict, None]:
    browser, step = Browser(t.base, port=t.port, forwarded_for=ip_for(n)), Steps()
    verifier, challenge = pkce_pair()
    nonce, state = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
    authorize = t.path("authorize") + "?" + _authorize_query(t, challenge, nonce, state)
    first = step("authorize", browser.get(authorize), expect=(200, 302))
    page = first
    if first.status == 302:
        page_url = first.headers["location"]
        page = step("page", browser.get(urlsplit(page_url).path + "?" + urlsplit(page_url).query))
        next_url = parse_qs(urlsplit(page_url).query).get("next", [""])[0]
    else:  # the sign-in page rendered by authorize itself: no page request to time
        match = re.search(rb'name="next" value="([^"]*)"', first.body)
        next_url = match.group(1).decode().replace("&amp;", "&") if match else ""
    if autofill:
        embedded = _AUTOFILL.search(page.body)
        if embedded is None:
            raise Failed("the sign-in page has no autofill options")
        options = json.loads(html.unescape(embedded.group(1).decode()))
    else:
        options = step(
            "options",
            browser.post(t.path("sign-in/passkey/options/"), json_body={"email": member.email}),
        ).json()
    assertion = member.authenticator().get(options["publicKey"], t.base, sign_count=_counter())
    # As the page's script does when authorize rendered the page: verify hands back
    # authorize's answer (a form_post for the relying party), else the page goes back to it.
    done = step(
        "verify",
        browser.post(
            t.path("sign-in/passkey/verify/"),
            json_body={
                "handle": options["handle"],
                "credential": assertion,
                "next": next_url,
                "deliver": first.status == 200,
            },
        ),
    )
    answer = _expect_json(done, status="signed_in")
    if "form_post" in answer:
        code = _posted_code(answer["form_post"], t, state)
    elif answer["redirect"].startswith(t.redirect_uri):  # the query mode's answer
        code = _code_from(_Redirected(answer["redirect"]), state)
    else:
        resumed = step("authorize_again", browser.get(answer["redirect"]), expect=(200, 302))
        code = _code_from(resumed, state)
    tokens = step("token", token_request(t, code, verifier))
    verify_id_token(t, tokens.json()["id_token"], nonce)
    return step.ms, None


def token_request(t: Target, code: str, verifier: str):
    """The code exchange, client_secret_post with PKCE (the same shape for both servers)."""
    return Browser(t.base, port=t.port).post(
        t.path("token"),
        headers={"Origin": None},  # a back-channel call from the RP's server, not a browser
        form={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": t.redirect_uri,
            "client_id": t.client_id,
            "client_secret": t.client_secret,
            "code_verifier": verifier,
        },
    )


def mint_codes(t: Target, n: int, member: Member, count: int) -> list[tuple[str, str]]:
    """Sign one user in, then ask authorize for `count` codes (not measured)."""
    browser = Browser(t.base, port=t.port, forwarded_for=ip_for(n))
    browser.get(t.path("sign-in/"))
    options = browser.post(t.path("sign-in/passkey/options/"), json_body={"email": member.email})
    options = options.json()
    assertion = member.authenticator().get(options["publicKey"], t.base, sign_count=_counter())
    done = browser.post(
        t.path("sign-in/passkey/verify/"),
        json_body={"handle": options["handle"], "credential": assertion},
    )
    _expect_json(done, status="signed_in")
    verifier, challenge = pkce_pair()
    codes = []
    for _ in range(count):
        state = secrets.token_urlsafe(8)
        query = _authorize_query(t, challenge, "n", state)
        answer = browser.get(t.path("authorize") + "?" + query)
        codes.append((_code_from(answer, state), verifier))
    return codes


def mint_peer_codes(t: Target, count: int) -> list[tuple[str, str]]:
    """The peer's codes, stored through its own models by the peer script (not measured)."""
    verifier, challenge = pkce_pair()
    answer = Browser(t.base, port=t.port).post(
        "/bench/mint", json_body={"n": count, "code_challenge": challenge, "nonce": "n"}
    )
    if answer.status != 200:
        raise Failed(f"mint: {answer!r}")
    return [(code, verifier) for code in answer.json()["codes"]]


def token_code(t: Target, n: int, item: tuple[str, str]) -> tuple[dict, None]:
    """One code exchange; the answer must carry an ID token and an access token."""
    step = Steps()
    body = step("token", token_request(t, *item)).json()
    if not body.get("id_token") or not body.get("access_token"):
        raise Failed(f"token answer without tokens: {body!r}")
    return step.ms, None


def fetch(path: str):
    """A GET of a fixed document (discovery or JWKS), as a picklable callable."""
    return functools.partial(_fetch, path)


def _fetch(path: str, t: Target, n: int, item) -> tuple[dict, None]:
    step = Steps()
    response = step("get", Browser(t.base, port=t.port).get(t.path(path)))
    if not response.body.startswith(b"{"):
        raise Failed("not JSON")
    return step.ms, None


def floor(path: str, *, tenant_scoped: bool):
    """A GET of a trivial response (the cost of any request), as a picklable callable."""
    return functools.partial(_floor, path, tenant_scoped)


def _floor(path: str, tenant_scoped: bool, t: Target, n: int, item) -> tuple[dict, None]:
    step = Steps()
    step("get", Browser(t.base, port=t.port).get(t.path(path) if tenant_scoped else path))
    return step.ms, None


def register_open(t: Target, n: int, item) -> tuple[dict, Member]:
    return register(t, n, proof=False)


def register_proof(t: Target, n: int, item) -> tuple[dict, Member]:
    return register(t, n + 100_000, proof=True)


def signin_as(t: Target, n: int, member: Member) -> tuple[dict, None]:
    return signin(t, n + 200_000, member)


def signin_autofill_as(t: Target, n: int, member: Member) -> tuple[dict, None]:
    return signin_autofill(t, n + 400_000, member)


def mint_batch(count: int, t: Target, n: int, member: Member):
    return {}, mint_codes(t, n + 300_000, member, count)


def verify_id_token(t: Target, token: str, nonce: str) -> dict:
    """Check the ID token as an independent RP: joserfc signature against the JWKS fetched over
    HTTP, then Authlib's OIDC claim rules (iss, aud, exp, iat, nonce)."""
    from joserfc import jwt as jose_jwt
    from joserfc.jwk import KeySet

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from authlib.oidc.core import CodeIDToken

    decoded = jose_jwt.decode(token, KeySet.import_key_set(t.jwks), algorithms=["RS256", "ES256"])
    options = {"iss": {"essential": True, "value": t.issuer}, "aud": {"essential": True}}
    claims = CodeIDToken(
        decoded.claims, decoded.header, options, {"client_id": t.client_id, "nonce": nonce}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        claims.validate(now=int(time.time()), leeway=5)
    return dict(claims)
