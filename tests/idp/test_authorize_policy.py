"""prompt / max_age / login_hint policy of the authorize endpoint, as plain decisions."""

from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.http import QueryDict

from idp import authorize_policy as policy

NOW = 1_000_000.0


def _signin(age: int):
    return SimpleNamespace(auth_time=int(NOW) - age)


def _decide(query: str, signin):
    return policy.decide(params=QueryDict(query), signin=signin, now=NOW)


@pytest.mark.parametrize("value", ["-1", "soon", "1.5"])
def test_a_bad_max_age_is_invalid_request(value):
    assert _decide(f"max_age={value}", _signin(0)).invalid


def test_a_current_sign_in_proceeds():
    assert _decide("", _signin(10)).proceed
    assert _decide("max_age=60", _signin(10)).proceed
    assert _decide("prompt=none", _signin(10)).proceed


def test_prompt_none_never_shows_the_sign_in_page():
    assert _decide("prompt=none", None).login_required
    assert _decide("prompt=none&max_age=5", _signin(10)).login_required


def test_signed_out_too_old_or_prompt_login_goes_to_sign_in():
    assert _decide("", None) == policy.Decision(sign_in=True, sign_out_first=False)
    assert _decide("max_age=5", _signin(10)) == policy.Decision(sign_in=True, sign_out_first=True)
    assert _decide("prompt=login", _signin(0)) == policy.Decision(sign_in=True, sign_out_first=True)


def test_the_sign_in_url_resumes_without_max_age_or_prompt_login(db):
    tenant = SimpleNamespace(slug="acme")
    params = QueryDict("client_id=c&max_age=0&prompt=login consent&login_hint=a@example.com")
    url = policy.sign_in_url(tenant=tenant, path="/t/acme/authorize", params=params)
    parts = urlsplit(url)
    assert parts.path == "/t/acme/sign-in/"
    query = parse_qs(parts.query)
    assert query["login_hint"] == ["a@example.com"]
    resumed = parse_qs(urlsplit(query["next"][0]).query)
    assert resumed["prompt"] == ["consent"] and "max_age" not in resumed
    assert resumed["client_id"] == ["c"]
