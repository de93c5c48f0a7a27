"""Revoke key: the key leaves JWKS at once, a new key signs, and an AuditEvent is written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tenants.audit import AuditEvent
from tenants.models import SigningKey
from tenants.oidc.keys import (
    key_revoke,
    key_rotation_pass,
    signing_key_active,
    signing_keys_published,
)
from tests.tenants.keys_jwt import jwks_snapshot, sign_id_token, token_kid, verifies

pytestmark = pytest.mark.django_db


def test_revoking_the_active_key(tenant, support_user):
    now = timezone.now()
    compromised = signing_key_active(tenant=tenant)
    old_token = sign_id_token(tenant, now)
    nxt = SigningKey.objects.for_tenant(tenant).get(state="next")
    assert verifies(old_token, jwks_snapshot(tenant), now)

    active = key_revoke(key=compromised, actor=support_user, reason="leaked")

    # Gone from JWKS at once, so tokens it signed no longer verify.
    published = {k.kid for k in signing_keys_published(tenant=tenant)}
    assert compromised.kid not in published
    assert not verifies(old_token, jwks_snapshot(tenant), now)
    # The published next key signs now; a fresh next key is published behind it.
    assert active.kid == nxt.kid
    new_token = sign_id_token(tenant, now)
    assert token_kid(new_token) == nxt.kid
    assert verifies(new_token, jwks_snapshot(tenant), now)
    states = sorted(SigningKey.objects.for_tenant(tenant).values_list("state", flat=True))
    assert states == ["active", "next", "revoked"]
    # The private half is wiped; the row stays (listed as revoked) until its retention ends.
    compromised.refresh_from_db()
    assert compromised.state == "revoked" and compromised.private_key_encrypted == ""
    assert compromised.revoked_at is not None
    event = AuditEvent.objects.get(action="signing_key.revoked")
    assert event.actor == support_user and event.tenant_id == tenant.pk
    assert event.details["kid"] == compromised.kid and event.details["reason"] == "leaked"
    assert event.details["state_before"] == "active" and event.details["active"] == nxt.kid


def test_revoking_is_idempotent(tenant):
    key = signing_key_active(tenant=tenant)
    first = key_revoke(key=key, actor=None)
    second = key_revoke(key=key, actor=None)
    assert first == second
    assert AuditEvent.objects.filter(action="signing_key.revoked").count() == 1


def test_revoking_the_next_key_publishes_a_fresh_one(tenant):
    active = signing_key_active(tenant=tenant)
    nxt = SigningKey.objects.for_tenant(tenant).get(state="next")
    assert key_revoke(key=nxt, actor=None) == active
    fresh = SigningKey.objects.for_tenant(tenant).get(state="next")
    assert fresh.kid != nxt.kid
    assert nxt.kid not in {k.kid for k in signing_keys_published(tenant=tenant)}


def test_revoking_a_retired_key_and_cleanup(tenant):
    now = timezone.now()
    old = signing_key_active(tenant=tenant)
    key_rotation_pass(tenant=tenant, now=now + timedelta(days=30))
    old.refresh_from_db()
    assert old.state == "retired"
    active = signing_key_active(tenant=tenant)
    at = now + timedelta(days=30, hours=1)
    assert key_revoke(key=old, actor=None, now=at) == active
    assert old.kid not in {k["kid"] for k in jwks_snapshot(tenant, at)["keys"]}
    # Revoked rows are deleted after the same retention as retired ones.
    result = key_rotation_pass(tenant=tenant, now=at + timedelta(hours=25))
    assert result.deleted == [old.kid]
