"""A simulated year of daily rotation passes: tokens always verify against cached JWKS."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from tenants.audit import AuditEvent
from tenants.models import SigningKey
from tenants.oidc.keys import (
    key_revoke,
    key_rotate_now,
    key_rotation_pass,
    signing_key_active,
    signing_keys_published,
)
from tests import factories
from tests.tenants.keys_jwt import jwks_snapshot, sign_id_token, token_kid, verifies

pytestmark = pytest.mark.django_db

SECOND = timedelta(seconds=1)


@pytest.fixture
def timings(settings):
    settings.KEY_ROTATION_DAYS = 30
    settings.KEY_PUBLISH_AHEAD_HOURS = 24
    settings.KEY_RETIRE_GRACE_HOURS = 24
    settings.JWKS_CACHE_SECONDS = 3600
    settings.ID_TOKEN_LIFETIME = 3600
    settings.ACCESS_TOKEN_LIFETIME = 3600
    return settings


def _states(tenant, algorithm="RS256"):
    rows = SigningKey.objects.for_tenant(tenant).filter(algorithm=algorithm)
    return sorted(rows.values_list("state", flat=True))


def _check_invariants(tenant, now):
    for algorithm in ("RS256",):
        states = _states(tenant, algorithm)
        assert states.count("active") == 1, (now, states)
        assert states.count("next") == 1, (now, states)
    retention = timedelta(hours=24, seconds=3600)
    stale = SigningKey.objects.for_tenant(tenant).filter(
        state="retired", retired_at__lte=now - retention
    )
    assert not stale.exists(), "retired keys past their retention must be deleted by the pass"


def _step(tenant, now, cache, lifetime, issued):
    """One pass at `now`, with the relying-party checks around it."""
    # What relying parties may hold: JWKS fetched up to the cache lifetime before this pass.
    cached_long_ago = jwks_snapshot(tenant, now - cache)
    cached_just_before = jwks_snapshot(tenant, now - SECOND)
    token_before = sign_id_token(tenant, now - SECOND)
    result = key_rotation_pass(tenant=tenant, now=now)
    _check_invariants(tenant, now)
    token_after = sign_id_token(tenant, now)
    current = jwks_snapshot(tenant, now)
    for snapshot in (cached_long_ago, cached_just_before, current):
        assert verifies(token_after, snapshot, now), f"new token fails with cached JWKS at {now}"
    # A token signed just before the pass stays valid with every JWKS fetched in its lifetime.
    last_moment = now + lifetime - 2 * SECOND
    for later, snapshot in ((now, current), (last_moment, jwks_snapshot(tenant, last_moment))):
        assert verifies(token_before, snapshot, later), (
            f"token from before the pass at {now} fails with JWKS fetched at {later}"
        )
    issued.append((now, token_after))
    return result


def test_a_year_of_daily_passes_never_breaks_a_relying_party(timings):
    tenant = factories.tenant()
    start = timezone.now()
    cache = timedelta(seconds=3600)
    lifetime = timedelta(seconds=3600)
    rotations = []
    issued = []
    for day in range(1, 366):
        now = start + timedelta(days=day)
        result = _step(tenant, now, cache, lifetime, issued)
        if result.promoted:
            rotations.append(day)
    # Every 30 days, exactly once each time, and never early.
    assert rotations == list(range(30, 366, 30))
    kids = {token_kid(t) for _, t in issued}
    assert len(kids) == len(rotations) + 1
    # Retired keys are deleted after grace + token lifetime: only recent ones remain.
    assert _states(tenant).count("retired") <= 1


def test_tight_timings_with_hourly_passes_and_manual_actions(settings):
    """Short rotation, passes every hour, plus Rotate now and Revoke key at random moments."""
    settings.KEY_ROTATION_DAYS = 1
    settings.KEY_PUBLISH_AHEAD_HOURS = 3
    settings.KEY_RETIRE_GRACE_HOURS = 1
    settings.JWKS_CACHE_SECONDS = 1800
    settings.ID_TOKEN_LIFETIME = 1200
    settings.ACCESS_TOKEN_LIFETIME = 600
    tenant = factories.tenant()
    rng = random.Random(7)
    start = timezone.now()
    cache = timedelta(seconds=1800)
    lifetime = timedelta(seconds=1200)
    issued = []
    promotions = 0
    for hour in range(1, 24 * 10):
        now = start + timedelta(hours=hour)
        promotions += bool(_step(tenant, now, cache, lifetime, issued).promoted)
        roll = rng.random()
        nxt = SigningKey.objects.for_tenant(tenant).get(state="next", algorithm="RS256")
        if roll < 0.05 and now - nxt.published_at >= cache:
            # "Rotate now" on a next key relying parties have had for a full cache lifetime.
            manual = now + timedelta(minutes=30)
            cached = jwks_snapshot(tenant, manual - cache)
            outcome = key_rotate_now(tenant=tenant, actor=None, reason="test", now=manual)
            assert not outcome.was_young
            token = sign_id_token(tenant, manual)
            assert verifies(token, cached, manual)
            assert verifies(token, jwks_snapshot(tenant, manual), manual)
            promotions += 1
        elif roll > 0.97:
            # Revoke the retired key (if any): it leaves JWKS at once, nothing else changes.
            retired = SigningKey.objects.for_tenant(tenant).filter(state="retired").first()
            if retired is not None:
                at = now + timedelta(minutes=10)
                active_before = signing_key_active(tenant=tenant)
                key_revoke(key=retired, actor=None, reason="test", now=at)
                assert retired.kid not in {k["kid"] for k in jwks_snapshot(tenant, at)["keys"]}
                assert signing_key_active(tenant=tenant) == active_before
    # The seed makes this deterministic; it must exercise every kind of change.
    manual = AuditEvent.objects.filter(action="signing_key.rotated").count()
    assert manual >= 3
    assert promotions - manual >= 2
    assert AuditEvent.objects.filter(action="signing_key.revoked").exists()


def test_scheduled_rotation_waits_for_a_young_next_key(timings):
    """After a revocation the fresh next key must be published a full lead time first."""
    tenant = factories.tenant()
    start = timezone.now()
    active = signing_key_active(tenant=tenant)
    # Revoke the active key on day 29: the next key takes over, a fresh next is published.
    day29 = start + timedelta(days=29)
    new_active = key_revoke(key=active, actor=None, reason="compromise", now=day29)
    fresh_next = SigningKey.objects.for_tenant(tenant).get(state="next")
    assert fresh_next.published_at == day29
    # 30 days after new_active was activated a rotation is due, and the next key is old enough.
    # But the very first pass after revocation (day 29 + 1 h) must not promote the fresh key.
    assert not key_rotation_pass(tenant=tenant, now=day29 + timedelta(hours=1)).promoted
    assert signing_key_active(tenant=tenant) == new_active
    # Make the rotation due early by going back in time on the active key; the young next key
    # still must wait for the lead time.
    SigningKey.objects.filter(pk=new_active.pk).update(activated_at=day29 - timedelta(days=40))
    assert not key_rotation_pass(tenant=tenant, now=day29 + timedelta(hours=23)).promoted
    assert key_rotation_pass(tenant=tenant, now=day29 + timedelta(hours=24)).promoted == [
        fresh_next.kid
    ]


def test_published_keys_follow_the_retention_window(timings):
    tenant = factories.tenant()
    start = timezone.now()
    old_active = signing_key_active(tenant=tenant)
    rotation = start + timedelta(days=30)
    key_rotation_pass(tenant=tenant, now=rotation)
    old_active.refresh_from_db()
    assert old_active.state == "retired" and old_active.retired_at == rotation
    window = timedelta(hours=24, seconds=3600)
    published = {
        k.kid for k in signing_keys_published(tenant=tenant, now=rotation + window - SECOND)
    }
    assert old_active.kid in published
    published = {k.kid for k in signing_keys_published(tenant=tenant, now=rotation + window)}
    assert old_active.kid not in published
    key_rotation_pass(tenant=tenant, now=rotation + window)
    assert not SigningKey.objects.filter(pk=old_active.pk).exists()
