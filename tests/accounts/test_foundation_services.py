"""Rate limits, single-use emailed links and WebAuthn challenges."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.email_links import LinkInvalid, email_link_consume, email_link_issue
from accounts.models import EmailLink
from accounts.passkeys.challenges import ChallengeMissing, challenge_issue, challenge_take
from accounts.ratelimit import Limit, RateLimited, check

pytestmark = pytest.mark.django_db


def test_rate_limit_counts_per_subject():
    limit = Limit("test", count=2, window=60)
    check([(limit, "1.2.3.4")])
    check([(limit, "1.2.3.4")])
    check([(limit, "5.6.7.8")])
    with pytest.raises(RateLimited) as caught:
        check([(limit, "1.2.3.4")])
    assert 1 <= caught.value.retry_after <= 60


def test_email_link_is_single_use_and_stored_hashed(tenant):
    token = email_link_issue(purpose="sign_in", email="A@Example.com", tenant=tenant)
    stored = EmailLink.objects.get()
    assert token not in stored.digest and stored.email == "a@example.com"
    link = email_link_consume(token=token, purpose="sign_in", tenant=tenant)
    assert link.used_at is not None
    with pytest.raises(LinkInvalid, match="already been used"):
        email_link_consume(token=token, purpose="sign_in", tenant=tenant)


def test_email_link_bound_to_purpose_tenant_and_email(tenant, other_tenant):
    token = email_link_issue(purpose="sign_in", email="a@example.com", tenant=tenant)
    with pytest.raises(LinkInvalid):
        email_link_consume(token=token, purpose="recovery", tenant=tenant)
    with pytest.raises(LinkInvalid):
        email_link_consume(token=token, purpose="sign_in", tenant=other_tenant)
    with pytest.raises(LinkInvalid, match="different email"):
        email_link_consume(token=token, purpose="sign_in", tenant=tenant, email="b@example.com")
    assert EmailLink.objects.get().used_at is None


def test_expired_link_is_refused_and_unchanged():
    token = email_link_issue(purpose="signup", email="a@example.com")
    EmailLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(LinkInvalid, match="expired"):
        email_link_consume(token=token, purpose="signup")
    assert EmailLink.objects.get().used_at is None


def test_unknown_link_is_refused():
    with pytest.raises(LinkInvalid):
        email_link_consume(token="nope", purpose="signup")


def test_challenge_single_use_and_bound_to_ceremony():
    handle, challenge = challenge_issue(ceremony="register", realm="portal", user_id=7)
    assert len(challenge) >= 32
    with pytest.raises(ChallengeMissing):
        challenge_take(handle=handle, ceremony="authenticate", realm="portal")
    # A mismatched take still consumes it: a challenge is never offered twice.
    with pytest.raises(ChallengeMissing):
        challenge_take(handle=handle, ceremony="register", realm="portal")


def test_challenge_round_trip_and_realm_binding():
    handle, challenge = challenge_issue(ceremony="register", realm="tenant:1")
    with pytest.raises(ChallengeMissing):
        challenge_take(handle=handle, ceremony="register", realm="tenant:2")
    handle, challenge = challenge_issue(ceremony="register", realm="tenant:1", user_id=3)
    record = challenge_take(handle=handle, ceremony="register", realm="tenant:1")
    assert record["challenge"] == challenge and record["user_id"] == 3


@pytest.mark.parametrize("handle", [None, "", 123, "x" * 65, "' OR 1=1 --", "a b", "é"])
def test_challenge_take_rejects_malformed_handles(handle):
    with pytest.raises(ChallengeMissing):
        challenge_take(handle=handle, ceremony="register", realm="portal")
