"""Writes on custom domains and a tenant's WebAuthn relying-party settings; each is audited."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tenants.audit import audit_log
from tenants.domains.dns_check import challenge_name, challenge_value, lookup_txt
from tenants.domains.models import CustomDomain
from tenants.domains.names import (
    DomainNameError,
    validate_custom_hostname,
    validate_related_origins,
    validate_rp_id,
)
from tenants.models import Tenant

MAX_DOMAINS_PER_TENANT = 5


def public_host() -> str:
    """The host name of PUBLIC_URL: never claimable as a custom domain."""
    return urlsplit(settings.PUBLIC_URL).hostname or ""


@transaction.atomic
def custom_domain_add(*, tenant: Tenant, actor, hostname: str, request=None) -> CustomDomain:
    """Claim a host name for the tenant; it serves nothing until its TXT record is verified."""
    host = validate_custom_hostname(hostname, reserved=(public_host(),))
    locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
    if CustomDomain.objects.filter(hostname=host).exists():
        raise DomainNameError(f"{host} is already claimed.")
    if CustomDomain.objects.for_tenant(locked).count() >= MAX_DOMAINS_PER_TENANT:
        raise DomainNameError(f"A tenant can have at most {MAX_DOMAINS_PER_TENANT} domains.")
    domain = CustomDomain.objects.create(tenant=locked, hostname=host)
    audit_log(
        action="custom_domain.added",
        actor=actor,
        tenant=locked,
        target=domain,
        details={"hostname": host, "txt_name": challenge_name(host)},
        request=request,
    )
    custom_domain_check_enqueue(domain=domain)
    return domain


def custom_domain_check_enqueue(*, domain: CustomDomain) -> None:
    """Queue an ownership check once the current transaction has committed."""
    from tenants.domains.tasks import verify_custom_domain

    transaction.on_commit(lambda: verify_custom_domain.delay(domain.pk))


@transaction.atomic
def custom_domain_recheck(*, domain: CustomDomain, actor, request=None) -> CustomDomain:
    """The admin asks for a new check (pending or failed domains); audited."""
    locked = CustomDomain.objects.select_for_update().get(pk=domain.pk)
    if locked.state == CustomDomain.State.FAILED:
        locked.state = CustomDomain.State.PENDING
        locked.check_count = 0
        locked.save(update_fields=["state", "check_count"])
    audit_log(
        action="custom_domain.check_requested",
        actor=actor,
        tenant=locked.tenant,
        target=locked,
        details={"hostname": locked.hostname},
        request=request,
    )
    custom_domain_check_enqueue(domain=locked)
    return locked


@transaction.atomic
def custom_domain_remove(*, domain: CustomDomain, actor, request=None) -> None:
    """Forget a domain: it stops serving at once; clients on its issuer go back to the default."""
    locked = CustomDomain.objects.select_for_update().get(pk=domain.pk)
    tenant = locked.tenant
    audit_log(
        action="custom_domain.removed",
        actor=actor,
        tenant=tenant,
        target=locked,
        details={"hostname": locked.hostname, "state": locked.state},
        request=request,
    )
    locked.delete()
    if not CustomDomain.objects.for_tenant(tenant).filter(state="verified").exists():
        # save(), not update(): per-process client caches are invalidated on save.
        for client in tenant.clients.filter(use_custom_domain_issuer=True):
            client.use_custom_domain_issuer = False
            client.save(update_fields=["use_custom_domain_issuer"])


def custom_domain_check(*, domain_id: int, final_attempt: bool) -> CustomDomain | None:
    """Look for the TXT record and record the outcome; the DNS query runs outside any lock."""
    domain = CustomDomain.objects.filter(pk=domain_id).first()
    if domain is None or domain.is_verified:
        return domain
    lookup = lookup_txt(challenge_name(domain.hostname))
    expected = challenge_value(domain.verification_token)
    with transaction.atomic():
        locked = CustomDomain.objects.select_for_update().filter(pk=domain_id).first()
        if locked is None or locked.is_verified:
            return locked
        locked.check_count += 1
        locked.last_checked_at = timezone.now()
        if expected in lookup.values:
            locked.state = CustomDomain.State.VERIFIED
            locked.verified_at = locked.last_checked_at
            locked.failure_reason = ""
            action = "custom_domain.verified"
        else:
            reason = lookup.problem or (
                f"{challenge_name(locked.hostname)} has TXT records, but none is {expected}."
            )
            locked.failure_reason = reason[:300]
            locked.state = CustomDomain.State.FAILED if final_attempt else locked.state
            action = "custom_domain.failed" if final_attempt else ""
        locked.save()
        if action:
            audit_log(
                action=action,
                tenant=locked.tenant,
                target=locked,
                details={"hostname": locked.hostname, "reason": locked.failure_reason},
            )
    return locked


@transaction.atomic
def tenant_relying_party_update(
    *,
    tenant: Tenant,
    actor,
    rp_id: str,
    related_origins: list[str],
    serving_host: str,
    users_with_passkeys: int,
    confirm_affected: bool = False,
    request=None,
) -> Tenant:
    """Set the tenant's RP ID and related origins; changing the RP ID needs confirmation."""
    locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
    try:
        new_rp_id = validate_rp_id(rp_id, host=serving_host) if rp_id.strip() else ""
    except DomainNameError as exc:
        raise DomainNameError(str(exc), field="rp_id") from exc
    try:
        origins = validate_related_origins(related_origins, rp_id=new_rp_id or serving_host)
    except DomainNameError as exc:
        raise DomainNameError(str(exc), field="related_origins") from exc
    before = {"rp_id": locked.webauthn_rp_id, "related_origins": locked.related_origins}
    # Blank means "the sign-in host": only a change of the RP ID in effect strands passkeys.
    changed = (new_rp_id or serving_host) != (locked.webauthn_rp_id or serving_host)
    affected = users_with_passkeys if changed else 0
    if affected and not confirm_affected:
        raise RelyingPartyChangeNeedsConfirmation(affected)
    locked.webauthn_rp_id = new_rp_id
    locked.related_origins = origins
    if affected:
        locked.passkeys_reset_at = timezone.now()
    locked.save(
        update_fields=["webauthn_rp_id", "related_origins", "passkeys_reset_at", "updated_at"]
    )
    audit_log(
        action="tenant.relying_party_changed",
        actor=actor,
        tenant=locked,
        target=locked,
        details={
            "before": before,
            "after": {"rp_id": new_rp_id, "related_origins": origins},
            "users_sent_to_recovery": affected,
        },
        request=request,
    )
    return locked


class RelyingPartyChangeNeedsConfirmation(Exception):
    """Changing the RP ID strands existing passkeys; the caller must confirm."""

    def __init__(self, affected_users: int):
        self.affected_users = affected_users
        super().__init__(
            f"{affected_users} user(s) have passkeys for the current RP ID. They will need to "
            "recover their account on their next sign-in. Confirm to go ahead."
        )


@transaction.atomic
def client_issuer_choose(*, client, actor, use_custom_domain: bool, request=None):
    """Give the client the custom-domain issuer or the default one; audited."""
    locked = type(client).objects.select_for_update().get(pk=client.pk)
    tenant = locked.tenant
    if (
        use_custom_domain
        and not CustomDomain.objects.for_tenant(tenant)
        .filter(state=CustomDomain.State.VERIFIED)
        .exists()
    ):
        raise DomainNameError("Verify a custom domain before using it as the issuer.")
    before = locked.use_custom_domain_issuer
    locked.use_custom_domain_issuer = use_custom_domain
    locked.save(update_fields=["use_custom_domain_issuer"])
    audit_log(
        action="oidc.issuer_changed",
        actor=actor,
        tenant=tenant,
        target=locked,
        details={
            "before": "custom" if before else "default",
            "after": "custom" if use_custom_domain else "default",
        },
        request=request,
    )
    return locked
