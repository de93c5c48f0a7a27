"""Hostile input against the two-node stack through the proxy: the ideas of the suite's fuzzers
(mutated WebAuthn payloads, odd JSON and text, garbage OAuth requests, generated API calls from
the OpenAPI schema). Every answer must be below 500. Bounded in count and time."""

from __future__ import annotations

import copy
import json
import random
import time

import requests

from reliability.journeys import ORIGIN, Person, StepFailed
from tests.support.soft_webauthn import SoftAuthenticator, b64url_encode

ODD_VALUES = [None, 0, -1, 2**70, 1.5, True, [], {}, "", "!!!", "a" * 5000, "é☃", [1, "x"]]
B64_FIELDS = ("clientDataJSON", "authenticatorData", "signature", "userHandle", "attestationObject")


class FuzzResult:
    def __init__(self):
        self.requests = 0
        self.fivexx: list[tuple[str, int]] = []

    def saw(self, label: str, status: int) -> None:
        self.requests += 1
        if status >= 500:
            self.fivexx.append((label, status))


def _mutations(rng: random.Random, doc: dict):
    mutated = copy.deepcopy(doc)
    response = mutated.get("response", {})
    roll = rng.random()
    if roll < 0.35 and response:
        key = rng.choice([k for k in B64_FIELDS if k in response] or list(response))
        response[key] = rng.choice(ODD_VALUES + [b64url_encode(rng.randbytes(rng.randrange(80)))])
    elif roll < 0.6:
        key = rng.choice(list(mutated))
        mutated[key] = rng.choice(ODD_VALUES)
    elif roll < 0.8 and response:
        response.pop(rng.choice(list(response)), None)
    else:
        mutated = rng.choice(ODD_VALUES)
    return mutated


def _post(person: Person, url: str, raw, label: str, result: FuzzResult) -> None:
    headers = {
        "Content-Type": "application/json",
        "X-CSRFToken": person.http.cookies.get("csrftoken", ""),
    }
    data = raw if isinstance(raw, (bytes, str)) else json.dumps(raw)
    try:
        answer = person.http.post(
            url, data=data, headers=headers, timeout=20, allow_redirects=False
        )
    except requests.RequestException:
        return
    result.saw(label, answer.status_code)


def webauthn_and_json(base: str, tenant: dict, *, iterations: int, seed: int = 11) -> FuzzResult:
    """Mutated sign-up and sign-in ceremonies, odd JSON, NULs, surrogates, deep nesting."""
    rng = random.Random(seed)
    result = FuzzResult()
    prefix = f"{base}/t/{tenant['slug']}"
    for n in range(iterations):
        person = Person(f"f{n}")
        try:
            person.page("fuzz-page", f"{prefix}/sign-in/")
            result.saw("page", 200)
            if n % 2:
                person.post_json(
                    "fuzz-signup", f"{prefix}/sign-in/new/", {"email": f"f{n}@fz.example.com"}
                )
                options = person.post_json(
                    "fuzz-reg-options", f"{prefix}/sign-in/register/options/", {}
                )
                opts = options.json()
                good = SoftAuthenticator().create(opts["publicKey"], ORIGIN)
                body = {"handle": opts["handle"], "credential": _mutations(rng, good)}
                _post(person, f"{prefix}/sign-in/register/verify/", body, "register-verify", result)
            else:
                options = person.post_json("fuzz-options", f"{prefix}/sign-in/passkey/options/", {})
                opts = options.json()
                authenticator = SoftAuthenticator()
                authenticator.add_credential("localhost", b"fuzz-user-handle")
                good = authenticator.get(opts["publicKey"], ORIGIN)
                body = {"handle": opts["handle"], "credential": _mutations(rng, good)}
                _post(person, f"{prefix}/sign-in/passkey/verify/", body, "signin-verify", result)
            odd = rng.choice(
                [
                    b"\x00\x01\x02",
                    '{"email": "a\\u0000b@example.com"}',
                    '{"email": "\\ud800@example.com"}',
                    "[" * 5000 + "]" * 5000,
                    '{"a":' * 300 + "1" + "}" * 300,
                    "{" + '"k":"v",' * 2000 + '"z":1}',
                    "not json",
                    json.dumps({"email": {"nested": ["x"]}}),
                ]
            )
            target = rng.choice(["sign-in/passkey/options/", "sign-in/new/", "sign-in/email/code/"])
            _post(person, f"{prefix}/{target}", odd, f"odd {target}", result)
        except StepFailed as exc:
            if exc.status is not None:
                result.saw(exc.step, exc.status)
        finally:
            person.close()
    return result


def oauth_garbage(base: str, tenant: dict, *, iterations: int, seed: int = 13) -> FuzzResult:
    """Token, authorize, userinfo and revoke with missing, wrong and odd parameters."""
    rng = random.Random(seed)
    result = FuzzResult()
    prefix = f"{base}/t/{tenant['slug']}"
    values = [
        "",
        "x",
        "a" * 3000,
        "\x00",
        "é",
        "authorization_code",
        "refresh_token",
        tenant["client_id"],
    ]
    for n in range(iterations):
        person = Person(f"o{n}")
        try:
            form = {
                k: rng.choice(values)
                for k in ("grant_type", "code", "redirect_uri", "code_verifier", "refresh_token")
                if rng.random() < 0.7
            }
            auth = (tenant["client_id"], rng.choice([tenant["client_secret"] + "x", "", "wrong"]))
            for method, path, kwargs in (
                ("POST", "token", {"data": form, "auth": auth}),
                (
                    "GET",
                    "authorize",
                    {
                        "params": {
                            k: rng.choice(values)
                            for k in (
                                "client_id",
                                "response_type",
                                "redirect_uri",
                                "scope",
                                "prompt",
                                "max_age",
                            )
                        }
                    },
                ),
                (
                    "GET",
                    "userinfo",
                    {"headers": {"Authorization": "Bearer " + rng.choice(values[:5])}},
                ),
                ("POST", "revoke", {"data": {"token": rng.choice(values)}, "auth": auth}),
            ):
                try:
                    answer = person.http.request(
                        method, f"{prefix}/{path}", timeout=20, allow_redirects=False, **kwargs
                    )
                except (requests.RequestException, ValueError):
                    continue
                result.saw(path, answer.status_code)
        finally:
            person.close()
    return result


def api_schema(base: str, api_token: str, *, examples: int, seconds: float) -> FuzzResult:
    """schemathesis from /api/schema/: generated calls (the API fuzz test's idea), no 5xx."""
    result = FuzzResult()
    try:
        import schemathesis
    except ImportError:
        return result
    headers = {"Authorization": f"Bearer {api_token}"}
    schema = schemathesis.openapi.from_url(f"{base}/api/schema/?format=json", headers=headers)
    began = time.monotonic()
    for found in schema.get_all_operations():
        if time.monotonic() - began > seconds:
            break
        operation = found.ok()
        if operation.method.upper() == "DELETE" or "revoke" in operation.path:
            continue  # keep the drill's own tenants and tokens intact

        _fuzz_operation(operation, base, headers, examples, result)
    return result


def _fuzz_operation(operation, base: str, headers: dict, examples: int, result: FuzzResult):
    from hypothesis import HealthCheck, given, settings

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case):
        if case.path_parameters and "slug" in case.path_parameters:
            case.path_parameters["slug"] = "drill-fuzz"
        try:
            answer = case.call(base_url=base, headers=headers, timeout=20)
        except requests.RequestException:
            return
        result.saw(f"{operation.method.upper()} {operation.path}", answer.status_code)

    run()
