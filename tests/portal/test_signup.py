"""Sign-up: verification links, no enumeration, single use, expiry, rate limits, CSRF."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import EmailLink, User
from tests import factories
from tests.portal.helpers import last_link_token

pytestmark = pytest.mark.django_db

HOME = "/portal/"


def _signup(client, email="ada@example.com", **extra):
    return client.post(HOME, {"email": email, "given_name": "Ada", "family_name": "L", **extra})


def test_signup_page_has_email_names_and_continue(client):
    page = client.get(HOME).content.decode()
    assert '<label for="id_email">Email</label>' in page
    assert 'name="given_name"' in page and 'name="family_name"' in page
    assert ">Continue</button>" in page


def test_signup_sends_single_use_link_expiring_within_15_minutes(client, mailoutbox):
    assert _signup(client).status_code == 200
    assert len(mailoutbox) == 1
    link = EmailLink.objects.get(email="ada@example.com")
    assert link.purpose == EmailLink.Purpose.SIGNUP
    assert link.expires_at - link.created_at <= timedelta(minutes=15)
    token = last_link_token("ada@example.com")
    url = reverse("portal:email-link", kwargs={"token": token})
    assert client.post(url).status_code == 302
    again = Client().post(url)
    assert again.status_code == 400
    assert b"already been used" in again.content
    assert User.objects.portal().by_email("ada@example.com").count() == 1


def test_get_on_link_does_not_use_it(client, mailoutbox):
    _signup(client)
    url = reverse("portal:email-link", kwargs={"token": last_link_token("ada@example.com")})
    for _ in range(3):
        assert client.get(url).status_code == 200
    assert EmailLink.objects.get().used_at is None
    assert not User.objects.portal().exists()


def test_expired_link_is_refused_and_changes_nothing(client, mailoutbox):
    _signup(client)
    EmailLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    url = reverse("portal:email-link", kwargs={"token": last_link_token("ada@example.com")})
    response = client.post(url)
    assert response.status_code == 400
    assert b"expired" in response.content
    assert not User.objects.portal().exists()
    assert "_auth_user_id" not in client.session


def test_existing_account_gets_same_response_and_a_notice_email(client, mailoutbox):
    factories.portal_user(email="taken@example.com")
    new = _signup(client, email="fresh@example.com")
    existing = _signup(client, email="taken@example.com")
    assert new.status_code == existing.status_code == 200
    normalise = lambda r, e: r.content.decode().replace(e, "EMAIL")  # noqa: E731
    assert normalise(new, "fresh@example.com") == normalise(existing, "taken@example.com")
    notice = [m for m in mailoutbox if m.to == ["taken@example.com"]][0]
    assert "already have an account" in notice.body
    assert User.objects.portal().by_email("taken@example.com").count() == 1


def test_signup_link_is_bound_to_its_email(client, mailoutbox):
    _signup(client, email="ada@example.com")
    token = last_link_token("ada@example.com")
    client.post(reverse("portal:email-link", kwargs={"token": token}))
    user = User.objects.portal().get()
    assert user.email == "ada@example.com" and user.email_verified


def test_signup_is_rate_limited_per_email(client, mailoutbox):
    statuses = [_signup(client, email="flood@example.com").status_code for _ in range(4)]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3] == 429
    limited = _signup(client, email="flood@example.com")
    assert b"Too many attempts" in limited.content and limited["Retry-After"]
    assert len(mailoutbox) == 3


def test_signup_is_rate_limited_per_ip(client, mailoutbox):
    statuses = [_signup(client, email=f"u{i}@example.com").status_code for i in range(21)]
    assert statuses[-1] == 429 and set(statuses[:-1]) == {200}


def test_bad_email_is_a_400_naming_the_field(client):
    response = _signup(client, email="not-an-email")
    assert response.status_code == 400
    assert b"valid email" in response.content


def test_csrf_is_enforced_on_signup():
    client = Client(enforce_csrf_checks=True)
    assert _signup(client).status_code == 403
