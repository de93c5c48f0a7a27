"""What one person (and their relying party) does: sign up with a passkey, or sign in through
authorize → passkey → code → token. Each step may go to a different base URL (node or proxy)."""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from requests.adapters import HTTPAdapter

from tests.support.soft_webauthn import SoftAuthenticator

TIMEOUT = 20
ORIGIN = "http://localhost:17080"  # PUBLIC_URL's origin: what a browser would put in clientData
_ip_counter = itertools.count(1)
_ip_lock = threading.Lock()


def next_client_ip() -> str:
    """A distinct loopback source address per person (127.1.0.1, 127.1.0.2, ...)."""
    with _ip_lock:
        n = next(_ip_counter)
    return f"127.1.{(n // 250) % 250}.{n % 250 + 1}"


class SourceAddressAdapter(HTTPAdapter):
    """Connect from a chosen loopback address, so per-IP rate limits see many people."""

    def __init__(self, source_ip: str, **kwargs):
        self.source_ip = source_ip
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source_ip, 0)
        super().init_poolmanager(*args, **kwargs)


class StepFailed(Exception):
    """A step got an answer other than the expected one."""

    def __init__(self, step: str, status: int | None, kind: str):
        super().__init__(f"{step}: {kind}")
        self.step, self.status, self.kind = step, status, kind


@dataclass
class Member:
    """A registered person: tenant, email and their authenticator (one passkey)."""

    tenant: str
    email: str
    authenticator: SoftAuthenticator
    credential_id: str
    acked_count: int = 0  # the highest sign count a successful verify accepted


@dataclass
class Trace:
    """Every HTTP answer of a journey, for the error table and the 5xx audit."""

    journey: str
    steps: list = field(default_factory=list)  # (monotonic t, step, status or kind, node, ok)

    def nodes(self) -> set[str]:
        return {step[3] for step in self.steps if step[3]}


class Person:
    """One browser session from its own source address, with a marker user agent."""

    def __init__(self, journey: str):
        self.journey = journey
        self.trace = Trace(journey)
        self.http = requests.Session()
        adapter = SourceAddressAdapter(next_client_ip())
        self.http.mount("http://", adapter)
        self.http.headers["User-Agent"] = f"latchkey-reliability/{journey}"

    def close(self):
        self.http.close()

    def call(self, step: str, method: str, url: str, *, expect=(200,), **kwargs):
        kwargs.setdefault("timeout", TIMEOUT)
        kwargs.setdefault("allow_redirects", False)
        try:
            response = self.http.request(method, url, **kwargs)
        except requests.RequestException as exc:
            self.trace.steps.append((time.monotonic(), step, type(exc).__name__, "", False))
            raise StepFailed(step, None, type(exc).__name__) from exc
        node = response.headers.get("X-Node", "")
        ok = response.status_code in expect
        self.trace.steps.append((time.monotonic(), step, response.status_code, node, ok))
        if not ok:
            raise StepFailed(step, response.status_code, str(response.status_code))
        return response

    def post_json(self, step: str, url: str, body: dict, **kwargs):
        headers = {
            "Content-Type": "application/json",
            "X-CSRFToken": self.http.cookies.get("csrftoken", ""),
            "X-Requested-With": "fetch",
            "Accept": "application/json",
        }
        return self.call(step, "POST", url, data=json.dumps(body), headers=headers, **kwargs)

    def page(self, step: str, url: str):
        return self.call(step, "GET", url, headers={"Accept": "text/html"})


def register(person: Person, bases: list[str], tenant: str, email: str) -> Member:
    """Sign up: page, email (answered with the passkey's options), passkey verify (3 steps
    over `bases`)."""
    b = itertools.cycle(bases)
    prefix = f"/t/{tenant}"
    person.page("register-page", f"{next(b)}{prefix}/sign-in/")
    started = person.post_json("signup", f"{next(b)}{prefix}/sign-in/new/", {"email": email})
    if started.json().get("status") != "register":
        raise StepFailed("signup", 200, "unexpected-status")
    options = started.json().get("options")
    if not options:
        raise StepFailed("signup", 200, "no-options")
    authenticator = SoftAuthenticator()
    credential = authenticator.create(options["publicKey"], ORIGIN)
    person.post_json(
        "register-verify",
        f"{next(b)}{prefix}/sign-in/register/verify/",
        {"handle": options["handle"], "credential": credential},
    )
    return Member(tenant, email, authenticator, credential["id"])


@dataclass
class SignInResult:
    """What the relying party got, kept to check the database and logs afterwards."""

    code: str
    tokens: dict
    sign_count: int
    replay_status: int | None = None
    signature_ok: bool = False


_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def _code_of(response) -> str:
    """The code from a redirect (query) or from the form_post page the tenant answers with."""
    if response.status_code == 302:
        params = {
            k: v[0] for k, v in parse_qs(urlsplit(response.headers["Location"]).query).items()
        }
    else:
        params = {k: html.unescape(v) for k, v in _HIDDEN.findall(response.text)}
    if "code" not in params:
        raise StepFailed("authorize-signed-in", response.status_code, "no-code")
    return params["code"]


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


def sign_in(
    person: Person, bases: list[str], rp: dict, member: Member, *, replay: bool = False
) -> SignInResult:
    """authorize → sign-in page → passkey options → verify → authorize → token (6 steps)."""
    b = itertools.cycle(bases)
    prefix = f"/t/{member.tenant}"
    verifier, challenge = _pkce()
    query = urlencode(
        {
            "client_id": rp["client_id"],
            "redirect_uri": rp["redirect_uri"],
            "response_type": "code",
            "scope": "openid email",
            "state": secrets.token_urlsafe(12),
            "nonce": secrets.token_urlsafe(12),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    authorize = f"{prefix}/authorize?{query}"
    first = person.call("authorize", "GET", f"{next(b)}{authorize}", expect=(200, 302))
    if first.status_code == 302:  # a sign-in page of its own; else authorize rendered it
        login = urlsplit(first.headers["Location"])
        person.page("signin-page", f"{next(b)}{login.path}?{login.query}")
    options = person.post_json(
        "signin-options", f"{next(b)}{prefix}/sign-in/passkey/options/", {"email": member.email}
    ).json()
    assertion = member.authenticator.get(options["publicKey"], ORIGIN)
    count = member.authenticator.credentials[0].sign_count
    verified = person.post_json(
        "signin-verify",
        f"{next(b)}{prefix}/sign-in/passkey/verify/",
        {"handle": options["handle"], "credential": assertion, "next": authorize},
    ).json()
    member.acked_count = count
    target = urlsplit(verified.get("redirect") or authorize)
    second = person.call(
        "authorize-signed-in", "GET", f"{next(b)}{target.path}?{target.query}", expect=(200, 302)
    )
    code = _code_of(second)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": rp["redirect_uri"],
        "code_verifier": verifier,
    }
    auth = (rp["client_id"], rp["client_secret"])
    token_base = next(b)
    tokens = person.call("token", "POST", f"{token_base}{prefix}/token", data=form, auth=auth)
    result = SignInResult(code=code, tokens=tokens.json(), sign_count=count)
    result.signature_ok = RELYING_PARTY_KEYS.verifies(
        result.tokens.get("id_token", ""), f"{token_base}{prefix}/jwks"
    )
    if replay:
        again = person.call(
            "token-replay",
            "POST",
            f"{next(b)}{prefix}/token",
            data=form,
            auth=auth,
            expect=(400,),
        )
        result.replay_status = again.status_code
    return result


class JwksCache:
    """What a relying party keeps: the JWKS by kid, fetched again over HTTP on an unknown kid."""

    def __init__(self):
        self._keys: dict[str, dict] = {}
        self._lock = threading.Lock()

    def verifies(self, token: str, jwks_url: str) -> bool:
        """Whether the ID token's signature checks out against the key its kid names."""
        from joserfc import jws
        from joserfc.errors import JoseError
        from joserfc.jwk import KeySet

        try:
            kid = jwt_header(token)["kid"]
            key = self._keys.get(kid)
            if key is None:
                fetched = requests.get(jwks_url, timeout=TIMEOUT).json()["keys"]
                with self._lock:
                    self._keys.update({k["kid"]: k for k in fetched})
                key = self._keys.get(kid)
            if key is None:
                return False
            jws.deserialize_compact(token, KeySet.import_key_set({"keys": [key]}))
            return True
        except (JoseError, ValueError, KeyError, requests.RequestException):
            return False


RELYING_PARTY_KEYS = JwksCache()


def jwt_header(token: str) -> dict:
    """The (unverified) JOSE header of a compact JWT."""
    head = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
