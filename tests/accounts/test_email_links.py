"""Emailed links: one INSERT, read within a tenant, spent once by a conditional UPDATE."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts.email_links import email_link_claim, email_link_create, email_link_find
from accounts.models import EmailLink


def _link(tenant, **kw):
    link, _token = email_link_create(
        purpose=EmailLink.Purpose.SIGNUP, email=" Ann@Example.com", tenant=tenant, ttl=600, **kw
    )
    return link


def test_create_stores_what_the_orm_would(tenant):
    link = _link(tenant, payload={"names": {"nickname": "ann"}, "attempts": 0})
    stored = EmailLink.objects.get(pk=link.pk)
    assert stored.email == "ann@example.com" and stored.tenant_id == tenant.pk
    assert stored.payload == {"names": {"nickname": "ann"}, "attempts": 0}
    assert stored.created_at == link.created_at and stored.expires_at == link.expires_at
    assert stored.used_at is None and len(stored.digest) == 64


def test_find_keeps_to_the_tenant(tenant, other_tenant):
    link = _link(tenant)
    assert email_link_find(tenant=tenant, link_id=link.pk).payload == {}
    assert email_link_find(tenant=other_tenant, link_id=link.pk) is None


def test_a_link_is_claimed_once_and_only_in_its_tenant(tenant, other_tenant):
    link = _link(tenant)
    assert not email_link_claim(link, tenant=other_tenant)
    assert email_link_claim(link, tenant=tenant)
    assert not email_link_claim(email_link_find(tenant=tenant, link_id=link.pk), tenant=tenant)
    assert EmailLink.objects.get(pk=link.pk).used_at == link.used_at


def test_an_expired_link_is_not_claimed(tenant):
    link = _link(tenant)
    EmailLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert not email_link_claim(link, tenant=tenant)
    assert EmailLink.objects.get(pk=link.pk).used_at is None


def test_rows_claimed_with_a_link_are_written_only_by_the_claim_that_spends_it(tenant):
    from tenants.audit import AuditEvent, audit_event

    link = _link(tenant)
    event = audit_event(action="test.proven", tenant=tenant, details={"link": link.pk})
    assert email_link_claim(link, tenant=tenant, rows=[event])
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.action == "test.proven" and stored.details == {"link": link.pk}
    assert stored.tenant_id == tenant.pk and stored.ip is None
    again = audit_event(action="test.proven_again", tenant=tenant)
    assert not email_link_claim(link, tenant=tenant, rows=[again])
    assert again.pk is None and not AuditEvent.objects.filter(action="test.proven_again").exists()
