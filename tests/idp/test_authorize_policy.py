"""prompt / max_age / login_hint policy of the authorize endpoint, as plain decisions."""

from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.http import QueryDict

from idp import authorize_policy as policy

NOW = 1_000_000.0


def _signin(age: int, subject: str = "sub-a"):
    return SimpleNamespace(
        auth_time=int(NOW) - age, signed_in_at=NOW - age, user=SimpleNamespace(subject=subject)
    )


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
    # Issue 11 item 7: the current sign-in is not ended; the new one must replace it.
    assert _decide("", None) == policy.Decision(sign_in=True, replaces=None)
    assert _decide("max_age=5", _signin(10)) == policy.Decision(sign_in=True, replaces=NOW - 10)
    assert _decide("prompt=login", _signin(0)) == policy.Decision(sign_in=True, replaces=NOW)


def test_a_resumed_request_needs_a_newer_sign_in_than_the_one_it_replaces():
    replaced = f"{policy.REAUTH_PARAM}={NOW - 10:.6f}"
    assert _decide(replaced, _signin(10)).sign_in
    assert _decide(replaced, _signin(5)).proceed
    assert _decide(f"{replaced}&prompt=none", _signin(10)).login_required
    for bad in ("nan", "inf", "soon"):
        assert _decide(f"{policy.REAUTH_PARAM}={bad}", _signin(0)).invalid


def test_an_id_token_hint_for_another_user_is_not_the_current_sign_in():
    def decide(query, signin, hint):
        return policy.decide(params=QueryDict(query), signin=signin, hint_subject=hint, now=NOW)

    assert decide("prompt=none", _signin(0), "sub-b").login_required
    assert decide("prompt=none", _signin(0), "sub-a").proceed
    assert decide("", _signin(0), "sub-b") == policy.Decision(sign_in=True, replaces=NOW)
    # After the new sign-in the person's choice of account stands (no loop).
    resumed = f"{policy.REAUTH_PARAM}={NOW - 30:.6f}"
    assert decide(resumed, _signin(1), "sub-b").proceed


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
    assert policy.REAUTH_PARAM not in resumed
    replacing = policy.sign_in_url(
        tenant=tenant, path="/t/acme/authorize", params=params, replaces=NOW
    )
    resumed = parse_qs(urlsplit(parse_qs(urlsplit(replacing).query)["next"][0]).query)
    assert float(resumed[policy.REAUTH_PARAM][0]) == NOW
