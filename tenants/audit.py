"""Audit events: the append-only model and the one function that writes it."""

from __future__ import annotations

import threading
from contextlib import contextmanager

from django.conf import settings
from django.db import models

from tenants.querysets import TenantQuerySet
from tenants.rows import insert, insert_all


class AuditImmutableError(Exception):
    """Raised on any attempt to change or remove an audit event."""


class AuditEventQuerySet(TenantQuerySet):
    """Audit events cannot be changed or removed in bulk either."""

    def update(self, **kwargs):
        raise AuditImmutableError("audit events cannot be updated")

    def delete(self):
        raise AuditImmutableError("audit events cannot be deleted")


class AuditEvent(models.Model):
    """Append-only record of a privileged action; write it through tenants.audit.audit_log."""

    tenant_path = "tenant"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_email = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    tenant = models.ForeignKey(
        "tenants.Tenant",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=300, blank=True)
    details = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        app_label = "tenants"
        # Created by accounts before the model moved here; the table and its trigger stay.
        db_table = "accounts_auditevent"
        ordering = ["-created_at", "-id"]
        indexes = [
            # The tenant dashboard counts one tenant's events of a few actions over 30 days.
            models.Index(
                fields=["tenant", "action", "created_at"], name="audit_tenant_action_time"
            ),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditImmutableError("audit events cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditImmutableError("audit events cannot be deleted")


def client_ip(request) -> str | None:
    """The caller's IP (TrustedProxyMiddleware has already applied X-Forwarded-For)."""
    return request.META.get("REMOTE_ADDR") if request is not None else None


def audit_event(
    *,
    action: str,
    actor=None,
    tenant=None,
    target=None,
    details: dict | None = None,
    request=None,
) -> AuditEvent:
    """An audit event not saved yet (audit_log saves it; rows.insert_all writes it with others)."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    user_agent = request.META.get("HTTP_USER_AGENT", "") if request is not None else ""
    # Headers are attacker-chosen; PostgreSQL text cannot hold NUL.
    user_agent = user_agent.replace("\x00", "")[:400]
    return AuditEvent(
        action=action,
        actor=actor,
        actor_email=actor.email if actor is not None else "",
        tenant=tenant,
        target_type=target._meta.label if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:300] if target is not None else "",
        details=details or {},
        ip=client_ip(request),
        user_agent=user_agent,
    )


class _Batch(threading.local):
    events: list | None = None


_batch = _Batch()


@contextmanager
def audit_batch():
    """Inside the block, audit_log() collects its rows; they are written together, in one
    statement, when the block ends normally (nothing is written if it raises: use it inside
    the transaction whose rows the events describe, so both are kept or lost together)."""
    if _batch.events is not None:  # an outer batch writes them
        yield
        return
    _batch.events = []
    try:
        yield
        events = _batch.events
    finally:
        _batch.events = None
    insert_all(*events)


def audit_log(
    *,
    action: str,
    actor=None,
    tenant=None,
    target=None,
    details: dict | None = None,
    request=None,
) -> AuditEvent:
    """Record a privileged action: who, what, on which tenant and target, with context."""
    event = audit_event(
        action=action, actor=actor, tenant=tenant, target=target, details=details, request=request
    )
    if _batch.events is not None:
        _batch.events.append(event)  # written when the batch ends (its pk is set then)
        return event
    # One plain INSERT: the ORM's query building cost more than the row (docs/performance.md).
    return insert(event)
