"""The tenant home's sign-in dashboard: counts from the audit log, drawn as SVG without script."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.stats import sign_in_stats
from tenants.audit import audit_log
from tests import factories

pytestmark = pytest.mark.django_db


def _event(tenant, action, *, days_ago=0, reason=None):
    details = {"reason": reason} if reason else {}
    # Audit rows are append-only (a trigger refuses UPDATE), so write old ones in the past.
    when = timezone.now() - timedelta(days=days_ago)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: when)
        return audit_log(action=action, tenant=tenant, details=details)


@pytest.fixture
def history(tenant, other_tenant):
    for _ in range(3):
        _event(tenant, "enduser.signed_in")
    _event(tenant, "enduser.signed_in", days_ago=2)
    _event(tenant, "enduser.signed_in", days_ago=40)  # outside the window
    _event(tenant, "enduser.registered", days_ago=1)
    _event(tenant, "enduser.signin_failed", reason="No passkey on this device.")
    _event(tenant, "enduser.signin_failed", reason="No passkey on this device.")
    _event(tenant, "enduser.email_code_failed", reason="That code is not right.")
    _event(other_tenant, "enduser.signed_in")


def test_counts_per_day_and_failures_by_reason_in_two_queries(tenant, history):
    with CaptureQueriesContext(connection) as queries:
        stats = sign_in_stats(tenant=tenant)
    assert len(queries) == 2
    assert len(stats.days) == 30
    assert (stats.sign_ins, stats.registrations, stats.failures) == (4, 1, 3)
    assert stats.days[-1].sign_ins == 3 and stats.days[-3].sign_ins == 1
    assert stats.days[-2].registrations == 1
    assert stats.reasons[0] == ("Sign-in", "No passkey on this device.", 2)
    assert ("Email code", "That code is not right.", 1) in stats.reasons


def test_tenant_home_draws_the_chart_for_any_member(client, tenant):
    _event(tenant, "enduser.signed_in")
    reader = factories.membership(tenant=tenant, role="read_only").user
    client.force_login(reader)
    page = client.get(reverse("portal:tenant-home", args=[tenant.slug]))
    assert page.status_code == 200
    body = page.content.decode()
    assert '<svg class="chart"' in body
    assert not re.findall(r"<script(?![^>]*\bsrc=)", body)  # no inline script
    assert 'id="total-sign-ins">1<' in body


def test_another_tenants_admin_gets_404(client, tenant, other_tenant):
    stranger = factories.membership(tenant=other_tenant, role="read_write").user
    client.force_login(stranger)
    assert client.get(reverse("portal:tenant-home", args=[tenant.slug])).status_code == 404
