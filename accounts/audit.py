"""The one function that writes audit events."""

from __future__ import annotations

from accounts.models import AuditEvent


def client_ip(request) -> str | None:
    """The caller's IP (TrustedProxyMiddleware has already applied X-Forwarded-For)."""
    return request.META.get("REMOTE_ADDR") if request is not None else None


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
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    user_agent = request.META.get("HTTP_USER_AGENT", "") if request is not None else ""
    # Headers are attacker-chosen; PostgreSQL text cannot hold NUL.
    user_agent = user_agent.replace("\x00", "")[:400]
    return AuditEvent.objects.create(
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
