"""The portal's API tokens page: create (shown once), list, revoke, audit."""

import re

import pytest
from django.urls import reverse

from portal.api.tokens import api_token_authenticate
from portal.models import ApiToken
from tenants.audit import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db


def test_create_shows_token_once_and_it_authenticates(client):
    user = factories.portal_user()
    client.force_login(user)
    response = client.post(reverse("portal:api-tokens"), {"name": "CI", "expires_in_days": "30"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    plaintext = re.search(r'id="new-token-value">([^<]+)<', response.content.decode()).group(1)
    token = ApiToken.objects.get(user=user)
    assert token.expires_at is not None
    assert api_token_authenticate(plaintext) == token
    listing = client.get(reverse("portal:api-tokens")).content.decode()
    assert "CI" in listing and plaintext not in listing
    created = AuditEvent.objects.get(action="api_token.created")
    assert created.actor == user and plaintext not in str(created.details)


def test_revoke_and_others_tokens_are_404(client):
    user = factories.portal_user()
    other = factories.portal_user()
    client.force_login(other)
    client.post(reverse("portal:api-tokens"), {"name": "theirs"})
    theirs = ApiToken.objects.get(user=other)
    client.force_login(user)
    client.post(reverse("portal:api-tokens"), {"name": "mine"})
    mine = ApiToken.objects.get(user=user)
    url = reverse("portal:api-token-revoke", kwargs={"pk": theirs.pk})
    assert client.post(url).status_code == 404
    assert ApiToken.objects.get(pk=theirs.pk).revoked_at is None
    response = client.post(reverse("portal:api-token-revoke", kwargs={"pk": mine.pk}))
    assert response.status_code == 302
    assert ApiToken.objects.get(pk=mine.pk).revoked_at is not None
    assert AuditEvent.objects.filter(action="api_token.revoked", actor=user).count() == 1


def test_bad_names_are_field_errors(client):
    client.force_login(factories.portal_user())
    assert client.post(reverse("portal:api-tokens"), {"name": ""}).status_code == 400
    assert client.post(reverse("portal:api-tokens"), {"name": "x" * 101}).status_code == 400
    response = client.post(reverse("portal:api-tokens"), {"name": "x", "expires_in_days": "3"})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_anonymous_goes_to_sign_in(client):
    response = client.get(reverse("portal:api-tokens"))
    assert response.status_code == 302
