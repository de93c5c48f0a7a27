"""Where passkeys live: the portal, or one tenant. RP ID and origins come from here only."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings

from accounts.models import User
from accounts.passkeys.webauthn import RelyingParty

# Audit action names per event. Some predate this module and tests pin them, so the two realms
# share what they can ("passkey.*") and keep their own names for the rest.
PORTAL_AUDIT = {
    "registered": "passkey.registered",
    "renamed": "passkey.renamed",
    "removed": "passkey.removed",
    "clone_suspected": "passkey.clone_suspected",
    "authenticate_failed": "portal.passkey_sign_in_failed",
    "reauth_failed": "portal.passkey_reauth_failed",
    "register_failed": "portal.passkey_register_failed",
}
TENANT_AUDIT = {
    **PORTAL_AUDIT,
    "renamed": "enduser.passkey_renamed",
    "removed": "enduser.passkey_removed",
    "authenticate_failed": "enduser.signin_failed",
    "reauth_failed": "enduser.signin_failed",
    "register_failed": "enduser.registration_failed",
}


@dataclass(frozen=True)
class Realm:
    """The portal (tenant None) or one tenant's directory of end users."""

    key: str  # binds challenges: "portal" or "tenant:<pk>"
    tenant: object | None
    rp: RelyingParty
    audit_names: dict = field(default_factory=dict, compare=False)

    def users(self):
        """The users whose passkeys this realm accepts."""
        if self.tenant is None:
            return User.objects.portal()
        return User.objects.for_tenant(self.tenant)

    def actor(self, user):
        """The audit actor: portal users act for themselves; end users are named in details."""
        return user if self.tenant is None else None

    def who(self, user) -> dict:
        """Audit details naming an end user (a portal user is the actor instead)."""
        return {} if self.tenant is None else {"user": user.subject}

    def action(self, event: str) -> str:
        """The audit action name of an event in this realm."""
        return self.audit_names[event]


def _public_origin() -> tuple[str, str]:
    public = urlsplit(settings.PUBLIC_URL)
    return public.hostname, f"{public.scheme}://{public.netloc}"


def portal_realm() -> Realm:
    """The portal: its own RP ID (PORTAL_RP_ID, default PUBLIC_URL's host) and PUBLIC_URL."""
    host, origin = _public_origin()
    rp = RelyingParty(id=settings.PORTAL_RP_ID or host, name="Latchkey portal", origins=(origin,))
    return Realm(key="portal", tenant=None, rp=rp, audit_names=PORTAL_AUDIT)


def tenant_realm(tenant) -> Realm:
    """One tenant: its RP ID (default: the host serving it) and every origin it allows.

    `served_origin` is set by the tenant resolver from a verified custom domain's record, so
    neither the RP ID nor the origins ever come from request headers.
    """
    host, origin = _public_origin()
    served = getattr(tenant, "served_origin", None)
    default_id = urlsplit(served).hostname if served else host
    # No query: the serving origin plus the tenant's related origins (a column of its row).
    origins = [served or tenant.webauthn_origin or origin, *tenant.related_origins]
    rp = RelyingParty(
        id=tenant.webauthn_rp_id or default_id,
        name=tenant.display_name or tenant.slug,
        origins=tuple(dict.fromkeys(origins)),
        top_origins=tuple(tenant.iframe_origins or ()),
    )
    return Realm(key=f"tenant:{tenant.pk}", tenant=tenant, rp=rp, audit_names=TENANT_AUDIT)
