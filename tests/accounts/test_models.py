"""Email uniqueness per realm and the append-only audit trail."""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from accounts.models import User
from tenants.audit import AuditEvent, AuditImmutableError, audit_log
from tests import factories

pytestmark = pytest.mark.django_db


def test_email_is_normalised():
    user = factories.portal_user(email="  Alice@Example.COM ")
    assert user.email == "alice@example.com"


def test_portal_email_unique_case_insensitively():
    factories.portal_user(email="alice@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="alice@example.com")


def test_same_email_in_portal_and_several_tenants(tenant, other_tenant):
    factories.portal_user(email="bob@example.com")
    factories.end_user(tenant=tenant, email="bob@example.com")
    factories.end_user(tenant=other_tenant, email="BOB@example.com")
    assert User.objects.by_email("bob@example.com").count() == 3


def test_tenant_email_unique_within_tenant(tenant):
    factories.end_user(tenant=tenant, email="carol@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.end_user(tenant=tenant, email="Carol@Example.com")


def test_support_staff_cannot_belong_to_a_tenant_realm(tenant):
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.end_user(tenant=tenant, is_staff=True)


def test_subjects_are_opaque_and_distinct(tenant):
    a = factories.end_user(tenant=tenant, email="a@example.com")
    b = factories.end_user(tenant=tenant, email="b@example.com")
    assert a.subject != b.subject
    assert "@" not in a.subject and str(a.pk) != a.subject


def test_audit_event_refuses_update_and_delete(tenant, support_user):
    event = audit_log(action="test.action", actor=support_user, tenant=tenant, target=tenant)
    assert event.actor_email == support_user.email
    event.action = "changed"
    with pytest.raises(AuditImmutableError):
        event.save()
    with pytest.raises(AuditImmutableError):
        event.delete()
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.filter(pk=event.pk).update(action="changed")
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.action"


@pytest.mark.postgresql(reason="the database trigger is PostgreSQL-only")
def test_database_refuses_raw_update_of_audit_events(tenant):
    event = audit_log(action="test.action", tenant=tenant)
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE accounts_auditevent SET action = 'x' WHERE id = %s", [event.pk])


@pytest.mark.postgresql(reason="the database trigger is PostgreSQL-only")
def test_database_refuses_raw_delete_of_audit_events(tenant):
    event = audit_log(action="test.action", tenant=tenant)
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, action="test.action").exists()
