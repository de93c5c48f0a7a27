"""tenants.rows.insert_all and tenants.audit.audit_batch: several new rows, one statement."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import EmailLink
from tenants.audit import AuditEvent, audit_batch, audit_event, audit_log
from tenants.rows import insert_all

pytestmark = pytest.mark.django_db


def _statements(ctx) -> list[str]:
    return [
        q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]


def test_rows_of_several_models_are_written_as_insert_would(tenant):
    link = EmailLink(
        purpose="signup",
        email="a@example.com",
        tenant=tenant,
        digest="d" * 64,
        expires_at=timezone.now(),
    )
    first = audit_event(action="test.one", tenant=tenant, details={"n": 1})
    second = audit_event(action="test.two", tenant=tenant, target=tenant)
    with CaptureQueriesContext(connection) as ctx:
        insert_all(link, first, second)
    expected = 1 if connection.vendor == "postgresql" else 3
    assert len(_statements(ctx)) == expected
    assert EmailLink.objects.get(pk=link.pk).email == "a@example.com"
    assert AuditEvent.objects.get(pk=first.pk).details == {"n": 1}
    stored = AuditEvent.objects.get(pk=second.pk)
    assert stored.action == "test.two" and stored.target_id == str(tenant.pk)
    assert not first._state.adding and first.created_at is not None


def test_a_batch_writes_its_audit_rows_together_at_its_end(tenant):
    with CaptureQueriesContext(connection) as ctx, audit_batch():
        one = audit_log(action="test.one", tenant=tenant)
        with audit_batch():  # an inner batch leaves them to the outer one
            two = audit_log(action="test.two", tenant=tenant)
        assert one.pk is None and two.pk is None
        assert not AuditEvent.objects.filter(action__startswith="test.").exists()
    assert one.pk and two.pk
    written = [q for q in _statements(ctx) if "INSERT" in q]
    assert len(written) == (1 if connection.vendor == "postgresql" else 2)


def test_a_batch_that_raises_writes_nothing(tenant):
    with pytest.raises(RuntimeError), audit_batch():
        audit_log(action="test.lost", tenant=tenant)
        raise RuntimeError
    assert not AuditEvent.objects.filter(action="test.lost").exists()
    audit_log(action="test.after", tenant=tenant)  # no batch left open
    assert AuditEvent.objects.filter(action="test.after").exists()


@pytest.mark.django_db(transaction=True)
def test_rows_are_written_all_or_none(tenant):
    from django.db import IntegrityError

    kept = audit_event(action="test.half", tenant=tenant)
    broken = EmailLink(purpose="signup", email=None, tenant=tenant, digest="e" * 64)
    with pytest.raises(IntegrityError):
        insert_all(kept, broken)
    assert not AuditEvent.objects.filter(action="test.half").exists()
