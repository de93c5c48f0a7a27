"""Writes on portal accounts: sign-up, links, memberships, access requests, passkeys, policy."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.email_links import LinkInvalid, email_link_consume, email_link_issue
from accounts.errors import ServiceError
from accounts.mail import mail_send
from accounts.models import (
    AccessRequest,
    EmailLink,
    Membership,
    User,
    WebAuthnCredential,
    normalize_email,
)
from accounts.passkeys import manage
from accounts.passkeys.realm import portal_realm
from tenants.audit import audit_log
from tenants.models import Tenant

MAX_REASON = 1000
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class PolicyViolation(ServiceError):
    """The tenant's access policy refuses this user unless support overrides it."""


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("A reason is required.")
    if len(reason) > MAX_REASON:
        raise ServiceError(f"The reason must be at most {MAX_REASON} characters.")
    return reason


def _link_url(token: str) -> str:
    return settings.PUBLIC_URL + reverse("portal:email-link", kwargs={"token": token})


def _minutes() -> int:
    return max(1, settings.EMAIL_LINK_TTL_SECONDS // 60)


def email_domain(email: str) -> str:
    """The domain part of an address, lower-cased."""
    return normalize_email(email).rpartition("@")[2]


def domain_policy_allows(*, tenant: Tenant, user: User) -> bool:
    """True if the tenant has no domain policy or the user's VERIFIED email is inside it."""
    domains = [d.lower() for d in tenant.allowed_email_domains or []]
    if not domains:
        return True
    return user.email_verified and email_domain(user.email) in domains


def _check_policy(*, tenant: Tenant, user: User, override: bool) -> dict:
    """Apply the domain policy; return the audit details describing the decision."""
    allowed = domain_policy_allows(tenant=tenant, user=user)
    if not allowed and not override:
        why = "is not verified" if not user.email_verified else "is outside the allowed domains"
        raise PolicyViolation(
            f"{user.email} {why} ({', '.join(tenant.allowed_email_domains)}) of "
            f"{tenant.slug}; confirm the override to proceed."
        )
    return {
        "policy_domains": list(tenant.allowed_email_domains or []),
        "policy_allowed": allowed,
        "override": bool(override and not allowed),
    }


# --- sign-up and sign-in links ---------------------------------------------------------------


def portal_signup_start(*, email: str, given_name: str = "", family_name: str = "", request=None):
    """Email a verification link; an existing account gets a notice instead (no enumeration)."""
    email = normalize_email(email)
    existing = User.objects.portal().by_email(email).first()
    if existing is not None:
        token = email_link_issue(purpose=EmailLink.Purpose.SIGN_IN, email=email, user=existing)
        mail_send(
            template="signup_existing",
            to=email,
            context={"user": existing, "url": _link_url(token), "minutes": _minutes()},
        )
        audit_log(
            action="portal.signup_existing_account",
            target=existing,
            details={"email": email},
            request=request,
        )
        return
    token = email_link_issue(
        purpose=EmailLink.Purpose.SIGNUP,
        email=email,
        payload={"given_name": given_name[:150], "family_name": family_name[:150]},
    )
    mail_send(
        template="signup_verify",
        to=email,
        context={"given_name": given_name, "url": _link_url(token), "minutes": _minutes()},
    )
    audit_log(action="portal.signup_started", details={"email": email}, request=request)


@transaction.atomic
def portal_signup_complete(*, token: str, request=None) -> User:
    """Use a sign-up link: create the verified, unassigned portal user (or reuse one)."""
    link = email_link_consume(token=token, purpose=EmailLink.Purpose.SIGNUP)
    now = timezone.now()
    user = User.objects.portal().by_email(link.email).select_for_update().first()
    created = user is None
    if created:
        user = User.objects.create_user(
            link.email,
            given_name=str(link.payload.get("given_name", ""))[:150],
            family_name=str(link.payload.get("family_name", ""))[:150],
            email_verified_at=now,
        )
    elif user.email_verified_at is None:
        user.email_verified_at = now
        user.save(update_fields=["email_verified_at"])
    if not user.is_active:
        raise LinkInvalid("This account is disabled.")
    audit_log(
        action="portal.signup_completed",
        actor=user,
        target=user,
        details={"email": user.email, "created": created},
        request=request,
    )
    return user


def portal_sign_in_link_request(*, email: str, request=None) -> None:
    """Email a sign-in link to an active account; unknown addresses get a sign-up hint."""
    email = normalize_email(email)
    user = User.objects.portal().by_email(email).filter(is_active=True).first()
    if user is None:
        mail_send(
            template="signin_unknown",
            to=email,
            context={"url": settings.PUBLIC_URL + reverse("portal:home")},
        )
        return
    token = email_link_issue(purpose=EmailLink.Purpose.SIGN_IN, email=email, user=user)
    mail_send(
        template="signin_link",
        to=email,
        context={"user": user, "url": _link_url(token), "minutes": _minutes()},
    )
    audit_log(action="portal.sign_in_link_sent", target=user, request=request)


@transaction.atomic
def portal_sign_in_link_complete(*, token: str, request=None) -> User:
    """Use a sign-in link: the bound, active portal user; proves the email too."""
    link = email_link_consume(token=token, purpose=EmailLink.Purpose.SIGN_IN)
    user = User.objects.portal().select_for_update().filter(pk=link.user_id).first()
    if user is None or not user.is_active or user.email != link.email:
        raise LinkInvalid("This link is not valid for any active account.")
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    audit_log(
        action="portal.signed_in",
        actor=user,
        target=user,
        details={"method": "link"},
        request=request,
    )
    return user


@transaction.atomic
def portal_sign_in_passkey_complete(*, credential: WebAuthnCredential, request=None) -> User:
    """Record a portal sign-in with a verified passkey; returns its owner."""
    user = credential.user
    audit_log(
        action="portal.signed_in",
        actor=user,
        target=user,
        details={"method": "passkey", "credential": credential.pk},
        request=request,
    )
    return user


def profile_update(*, user: User, given_name: str, family_name: str, request=None) -> User:
    """Change the user's own name fields."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        before = {"given_name": locked.given_name, "family_name": locked.family_name}
        locked.given_name = given_name.strip()[:150]
        locked.family_name = family_name.strip()[:150]
        locked.save(update_fields=["given_name", "family_name"])
        after = {"given_name": locked.given_name, "family_name": locked.family_name}
        audit_log(
            action="portal.profile_updated",
            actor=user,
            target=locked,
            details={"before": before, "after": after},
            request=request,
        )
    return locked


# --- memberships and access requests ----------------------------------------------------------


def _support_reason(actor: User, reason: str) -> str:
    """Refuse anyone but support staff; return the required, trimmed reason."""
    if actor is None or not actor.is_support_staff:
        raise ServiceError("Only support staff may do this.")
    return _reason(reason)


def _check_role(role: str) -> None:
    if role not in Membership.Role.values:
        raise ServiceError("Unknown role.")


def _lock_membership(membership: Membership) -> Membership:
    return (
        Membership.objects.for_tenant(membership.tenant)
        .select_for_update()
        .select_related("user", "tenant")
        .get(pk=membership.pk)
    )


def _audit_membership(action: str, membership: Membership, *, actor, request, **details) -> None:
    details = {"user": membership.user.email, **details}
    audit_log(
        action=action,
        actor=actor,
        tenant=membership.tenant,
        target=membership,
        details=details,
        request=request,
    )


@transaction.atomic
def membership_assign(
    *,
    user: User,
    tenant: Tenant,
    role: str,
    actor: User,
    reason: str,
    override: bool = False,
    request=None,
) -> Membership:
    """Add a portal user to a tenant (support only), applying the tenant's domain policy."""
    reason = _support_reason(actor, reason)
    _check_role(role)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.tenant_id is not None or user.is_staff:
        raise ServiceError("Only portal users who are not support staff can be members.")
    if Membership.objects.for_tenant(tenant).filter(user=user).exists():
        raise ServiceError(f"{user.email} is already a member of {tenant.slug}.")
    policy = _check_policy(tenant=tenant, user=user, override=override)
    membership = Membership.objects.create(user=user, tenant=tenant, role=role)
    _audit_membership(
        "membership.assigned",
        membership,
        actor=actor,
        request=request,
        before=None,
        after=role,
        reason=reason,
        **policy,
    )
    return membership


@transaction.atomic
def membership_role_change(
    *,
    membership: Membership,
    role: str,
    actor: User,
    reason: str,
    override: bool = False,
    request=None,
) -> Membership:
    """Elevate or demote a member (support only); elevation applies the domain policy."""
    reason = _support_reason(actor, reason)
    _check_role(role)
    locked = _lock_membership(membership)
    before = locked.role
    if before == role:
        raise ServiceError(f"{locked.user.email} is already {locked.get_role_display()}.")
    policy = {}
    if role == Membership.Role.READ_WRITE:
        policy = _check_policy(tenant=locked.tenant, user=locked.user, override=override)
    locked.role = role
    locked.save(update_fields=["role", "updated_at"])
    action = "membership.elevated" if role == Membership.Role.READ_WRITE else "membership.demoted"
    _audit_membership(
        action,
        locked,
        actor=actor,
        request=request,
        before=before,
        after=role,
        reason=reason,
        **policy,
    )
    return locked


@transaction.atomic
def membership_remove(*, membership: Membership, actor: User, reason: str, request=None) -> None:
    """Remove a member from a tenant (support only)."""
    reason = _support_reason(actor, reason)
    locked = _lock_membership(membership)
    _audit_membership(
        "membership.removed",
        locked,
        actor=actor,
        request=request,
        before=locked.role,
        after=None,
        reason=reason,
    )
    AccessRequest.objects.for_tenant(locked.tenant).filter(
        user=locked.user, status=AccessRequest.Status.PENDING
    ).update(
        status=AccessRequest.Status.DENIED,
        resolved_at=timezone.now(),
        resolved_by=actor,
        resolution_reason=f"Membership removed: {reason}",
    )
    locked.delete()


@transaction.atomic
def access_request_create(
    *, user: User, tenant: Tenant, reason: str, request=None
) -> AccessRequest:
    """A read-only member asks for read-write access; one pending request per tenant."""
    reason = _reason(reason)
    membership = Membership.objects.for_tenant(tenant).select_for_update().filter(user=user).first()
    if membership is None:
        raise ServiceError("Only members of this tenant can ask for access.")
    if membership.can_write:
        raise ServiceError("You already have read-write access.")
    if (
        AccessRequest.objects.for_tenant(tenant)
        .filter(user=user, status=AccessRequest.Status.PENDING)
        .exists()
    ):
        raise ServiceError("You already have a pending request for this tenant.")
    access_request = AccessRequest.objects.create(user=user, tenant=tenant, reason=reason)
    audit_log(
        action="access_request.created",
        actor=user,
        tenant=tenant,
        target=access_request,
        details={"reason": reason, "role": membership.role},
        request=request,
    )
    return access_request


@transaction.atomic
def access_request_resolve(
    *,
    access_request: AccessRequest,
    approve: bool,
    actor: User,
    reason: str,
    override: bool = False,
    request=None,
) -> AccessRequest:
    """Approve (elevating the member, policy applied) or deny a pending request."""
    reason = _support_reason(actor, reason)
    locked = (
        AccessRequest.objects.for_tenant(access_request.tenant)
        .select_for_update()
        .select_related("user", "tenant")
        .get(pk=access_request.pk)
    )
    if locked.status != AccessRequest.Status.PENDING:
        raise ServiceError("This request has already been resolved.")
    if approve:
        membership = Membership.objects.for_tenant(locked.tenant).filter(user=locked.user).first()
        if membership is None:
            raise ServiceError("The requester is no longer a member of this tenant.")
        if not membership.can_write:
            membership_role_change(
                membership=membership,
                role=Membership.Role.READ_WRITE,
                actor=actor,
                reason=reason,
                override=override,
                request=request,
            )
    locked.status = AccessRequest.Status.APPROVED if approve else AccessRequest.Status.DENIED
    locked.resolved_at = timezone.now()
    locked.resolved_by = actor
    locked.resolution_reason = reason
    locked.save(update_fields=["status", "resolved_at", "resolved_by", "resolution_reason"])
    audit_log(
        action="access_request.approved" if approve else "access_request.denied",
        actor=actor,
        tenant=locked.tenant,
        target=locked,
        details={
            "user": locked.user.email,
            "before": "pending",
            "after": locked.status,
            "reason": reason,
        },
        request=request,
    )
    return locked


def parse_domains(text: str) -> list[str]:
    """Split a comma/space/newline separated domain list; raise ServiceError on a bad one."""
    domains = []
    for raw in re.split(r"[\s,;]+", text or ""):
        domain = raw.strip().lower().lstrip("@")
        if not domain:
            continue
        if not DOMAIN_RE.match(domain):
            raise ServiceError(f"“{raw[:100]}” is not a domain name.")
        if domain not in domains:
            domains.append(domain)
    if len(domains) > 50:
        raise ServiceError("At most 50 domains.")
    return domains


@transaction.atomic
def tenant_email_domains_change(
    *, tenant: Tenant, domains: list[str], actor: User, reason: str, request=None
) -> Tenant:
    """Set the email domains allowed for a tenant's members (support only)."""
    reason = _support_reason(actor, reason)
    locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
    before = list(locked.allowed_email_domains or [])
    locked.allowed_email_domains = list(domains)
    locked.save(update_fields=["allowed_email_domains", "updated_at"])
    audit_log(
        action="tenant.access_policy_changed",
        actor=actor,
        tenant=locked,
        target=locked,
        details={"before": before, "after": list(domains), "reason": reason},
        request=request,
    )
    return locked


# --- passkeys ---------------------------------------------------------------------------------


def passkey_rename(*, credential: WebAuthnCredential, user: User, name: str, request=None):
    """Rename one of a portal user's own passkeys (see accounts.passkeys.manage)."""
    return manage.passkey_rename(
        realm=portal_realm(), user=user, passkey_id=credential.pk, name=name, request=request
    )


def passkey_remove(*, credential: WebAuthnCredential, user: User, request=None) -> None:
    """Remove one of a portal user's passkeys, never the last (see accounts.passkeys.manage)."""
    manage.passkey_remove(
        realm=portal_realm(), user=user, passkey_id=credential.pk, request=request
    )
