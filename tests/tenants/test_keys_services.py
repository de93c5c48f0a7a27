"""Signing-key services: creation, rotation pass, Rotate now, ES256, constraints, tasks."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import EmailLink
from accounts.tasks import delete_expired_records
from tenants.audit import AuditEvent
from tenants.models import SigningKey
from tenants.oidc.keys import (
    KeyAlgorithmUnsupported,
    KeyStateChanged,
    key_algorithm_add,
    key_rotate_now,
    key_rotation_pass,
    signing_key_active,
    signing_key_create,
    signing_key_schedule,
    signing_keys_published,
)
from tenants.oidc.tasks import rotate_all_keys, rotate_tenant_keys
from tests import factories
from tests.tenants.keys_jwt import jwks_snapshot, sign_id_token, token_kid, verifies

pytestmark = pytest.mark.django_db


def _keys(tenant, **filters):
    return list(SigningKey.objects.for_tenant(tenant).filter(**filters))


def _age(tenant, days):
    """Pretend the tenant's keys were made `days` ago (the clock is passed in elsewhere)."""
    past = timezone.now() - timedelta(days=days)
    SigningKey.objects.for_tenant(tenant).filter(state="active").update(activated_at=past)
    SigningKey.objects.for_tenant(tenant).update(published_at=past)


def test_new_tenant_has_an_active_and_a_published_next_key(tenant):
    assert sorted(k.state for k in _keys(tenant)) == ["active", "next"]
    published = {k.kid for k in signing_keys_published(tenant=tenant)}
    assert published == {k.kid for k in _keys(tenant)}
    for key in _keys(tenant):
        assert key.public_jwk["kid"] == key.kid
        assert "d" not in key.public_jwk and "p" not in key.public_jwk
        assert "PRIVATE" not in key.private_key_encrypted


def test_pass_is_idempotent_and_rotates_only_when_due(tenant):
    now = timezone.now()
    assert not key_rotation_pass(tenant=tenant, now=now).changed
    active = signing_key_active(tenant=tenant)
    nxt = _keys(tenant, state="next")[0]
    due = now + timedelta(days=30)
    result = key_rotation_pass(tenant=tenant, now=due)
    assert result.promoted == [nxt.kid] and result.retired == [active.kid]
    assert len(result.created) == 1
    assert not key_rotation_pass(tenant=tenant, now=due).changed
    assert signing_key_active(tenant=tenant).kid == nxt.kid
    event = AuditEvent.objects.filter(action="signing_key.rotation_pass").first()
    assert event.tenant_id == tenant.pk and event.details["promoted"] == [nxt.kid]


def test_pass_repairs_a_tenant_missing_keys(tenant):
    now = timezone.now()
    SigningKey.objects.for_tenant(tenant).filter(state="next").delete()
    result = key_rotation_pass(tenant=tenant, now=now)
    assert len(result.created) == 1 and not result.promoted
    SigningKey.objects.for_tenant(tenant).filter(state="active").delete()
    nxt = _keys(tenant, state="next")[0]
    result = key_rotation_pass(tenant=tenant, now=now)
    # Never without an active key: the published next key takes over at once.
    assert result.promoted == [nxt.kid]
    assert sorted(k.state for k in _keys(tenant)) == ["active", "next"]


def test_database_refuses_two_active_or_two_next_keys(tenant):
    for state in ("active", "next"):
        with pytest.raises(IntegrityError), transaction.atomic():
            signing_key_create(tenant=tenant, state=state)
    with pytest.raises(IntegrityError), transaction.atomic():
        SigningKey.objects.for_tenant(tenant).filter(state="next").update(state="retired")


def test_rotate_now_promotes_a_young_next_key_and_warns(tenant, support_user):
    nxt = _keys(tenant, state="next")[0]
    old = signing_key_active(tenant=tenant)
    outcome = key_rotate_now(tenant=tenant, actor=support_user, reason="drill")
    assert outcome.active.kid == nxt.kid and outcome.retired.kid == old.kid
    assert outcome.was_young
    assert signing_key_active(tenant=tenant).kid == nxt.kid
    assert outcome.next.state == "next"
    event = AuditEvent.objects.get(action="signing_key.rotated")
    assert event.actor == support_user and event.details["reason"] == "drill"
    assert event.details["activated"] == nxt.kid


def test_rotate_now_with_an_old_next_key_does_not_warn(tenant):
    _age(tenant, 2)
    assert not key_rotate_now(tenant=tenant, actor=None).was_young


def test_rotate_now_twice_with_the_same_page_rotates_once(tenant):
    seen = _keys(tenant, state="next")[0].kid
    key_rotate_now(tenant=tenant, actor=None, expected_next_kid=seen)
    before = sorted((k.kid, k.state) for k in _keys(tenant))
    with pytest.raises(KeyStateChanged):
        key_rotate_now(tenant=tenant, actor=None, expected_next_kid=seen)
    assert sorted((k.kid, k.state) for k in _keys(tenant)) == before


def test_es256_added_per_tenant_signs_and_rotates(tenant, other_tenant):
    active = key_algorithm_add(tenant=tenant, algorithm="ES256", actor=None)
    assert active.algorithm == "ES256" and active.public_jwk["kty"] == "EC"
    assert key_algorithm_add(tenant=tenant, algorithm="ES256", actor=None) == active
    assert sorted(k.state for k in _keys(tenant, algorithm="ES256")) == ["active", "next"]
    assert not _keys(other_tenant, algorithm="ES256")
    now = timezone.now()
    token = sign_id_token(tenant, now, algorithm="ES256")
    assert verifies(token, jwks_snapshot(tenant), now)
    result = key_rotation_pass(tenant=tenant, now=now + timedelta(days=30))
    assert len(result.promoted) == 2  # RS256 and ES256
    assert [s.algorithm for s in signing_key_schedule(tenant=tenant)] == ["RS256", "ES256"]
    with pytest.raises(KeyAlgorithmUnsupported):
        key_algorithm_add(tenant=tenant, algorithm="HS256", actor=None)


def test_rotation_task_and_fan_out(
    settings, tenant, other_tenant, django_capture_on_commit_callbacks
):
    from config.celery import app

    app.conf.task_always_eager = True
    try:
        _age(tenant, 31)
        _age(other_tenant, 31)
        before = {t.pk: signing_key_active(tenant=t).kid for t in (tenant, other_tenant)}
        with django_capture_on_commit_callbacks(execute=True):
            assert rotate_all_keys.apply().get() >= 2
        for t in (tenant, other_tenant):
            assert signing_key_active(tenant=t).kid != before[t.pk]
        # A task for a tenant that was deleted meanwhile does nothing.
        assert rotate_tenant_keys.apply(args=[10**9]).get() == {}
    finally:
        app.conf.task_always_eager = False


def test_delete_expired_records(tenant):
    now = timezone.now()
    old = EmailLink.objects.create(
        purpose="sign_in",
        email="a@example.com",
        digest="a" * 64,
        expires_at=now - timedelta(days=1),
    )
    fresh = EmailLink.objects.create(
        purpose="sign_in",
        email="b@example.com",
        digest="b" * 64,
        expires_at=now + timedelta(minutes=5),
    )
    from oauth2_provider.models import get_access_token_model, get_grant_model

    user = factories.end_user(tenant=tenant)
    client = factories.client(tenant=tenant)
    grant_model, token_model = get_grant_model(), get_access_token_model()
    grant_model.objects.create(
        user=user,
        application=client,
        code="expired-code",
        expires=now - timedelta(minutes=1),
        redirect_uri="https://rp.example.com/cb",
        scope="openid",
    )
    token_model.objects.create(
        user=user, application=client, token="expired", expires=now - timedelta(minutes=1)
    )
    live = token_model.objects.create(
        user=user, application=client, token="live", expires=now + timedelta(minutes=10)
    )
    counts = delete_expired_records.apply().get()
    assert counts["email_links"] == 1
    assert not EmailLink.objects.filter(pk=old.pk).exists()
    assert EmailLink.objects.filter(pk=fresh.pk).exists()
    assert not grant_model.objects.exists()
    assert list(token_model.objects.all()) == [live]


def test_rotate_keys_command(tenant, other_tenant):
    _age(tenant, 31)
    out = StringIO()
    call_command("rotate_keys", "--tenant", tenant.slug, stdout=out)
    assert f"{tenant.slug}: promoted" in out.getvalue()
    assert "1 tenant(s) changed" in out.getvalue()
    assert len(_keys(tenant, state="retired")) == 1
    assert not _keys(other_tenant, state="retired")
    with pytest.raises(Exception, match="no such tenant"):
        call_command("rotate_keys", "--tenant", "nope", stdout=StringIO())


def test_token_after_scheduled_rotation_carries_the_new_kid(tenant):
    due = timezone.now() + timedelta(days=30)
    nxt = _keys(tenant, state="next")[0]
    key_rotation_pass(tenant=tenant, now=due)
    token = sign_id_token(tenant, due)
    assert token_kid(token) == nxt.kid
    assert verifies(token, jwks_snapshot(tenant, due), due)
