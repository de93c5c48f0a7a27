"""Matrix cases: the support console (support staff only)."""

from django.utils import timezone

from accounts.models import AccessRequest, Membership
from tests import factories
from tests.portal.matrix.spec import Case, expect, tenant_slug


def _support_only(status: int) -> dict:
    return expect(302, 403, 403, 403, status)


def _membership_id(w):
    return {"membership_id": w.extra["membership"].pk}


def _newcomer(world):
    world.extra["newcomer"] = factories.portal_user(
        email="newcomer@example.com", email_verified_at=timezone.now()
    )


def _ro_membership(world):
    world.extra["membership"] = Membership.objects.get(
        user=world.users["read_only"], tenant=world.tenant
    )


def _access_request(world):
    world.extra["request"] = AccessRequest.objects.create(
        user=world.users["read_only"], tenant=world.tenant, reason="please"
    )


CASES = [
    Case("portal:support", _support_only(200)),
    Case(
        "portal:support-user",
        _support_only(200),
        kwargs=lambda w: {"user_id": w.users["read_only"].pk},
    ),
    Case(
        "portal:support-membership-assign",
        _support_only(302),
        method="POST",
        setup=_newcomer,
        kwargs=lambda w: {"user_id": w.extra["newcomer"].pk},
        data=lambda w: {"tenant": w.tenant.slug, "role": "read_only", "reason": "ticket 1"},
    ),
    Case(
        "portal:support-membership-role",
        _support_only(302),
        method="POST",
        setup=_ro_membership,
        kwargs=_membership_id,
        # The matrix users' emails are unverified, so elevation needs the explicit override.
        data=lambda w: {"role": "read_write", "reason": "ticket 2", "override": "on"},
    ),
    Case(
        "portal:support-membership-role",
        _support_only(409),
        method="POST",
        setup=_ro_membership,
        kwargs=_membership_id,
        data=lambda w: {"role": "read_write", "reason": "ticket 2"},
        id="policy-refused",
    ),
    Case(
        "portal:support-membership-remove",
        _support_only(302),
        method="POST",
        setup=_ro_membership,
        kwargs=_membership_id,
        data=lambda w: {"reason": "left the company"},
    ),
    Case(
        "portal:support-access-request-resolve",
        _support_only(302),
        method="POST",
        setup=_access_request,
        kwargs=lambda w: {"request_id": w.extra["request"].pk},
        data=lambda w: {"decision": "deny", "reason": "not confirmed"},
    ),
    Case(
        "portal:support-tenant-create",
        _support_only(302),
        method="POST",
        data=lambda w: {"slug": "brand-new", "display_name": "Brand New", "reason": "ticket 3"},
    ),
    Case("portal:support-tenant", _support_only(200), kwargs=tenant_slug),
    Case(
        "portal:support-tenant-status",
        _support_only(302),
        method="POST",
        kwargs=tenant_slug,
        data=lambda w: {"status": "suspended", "reason": "unpaid"},
    ),
    Case(
        "portal:support-tenant-policy",
        _support_only(302),
        method="POST",
        kwargs=tenant_slug,
        data=lambda w: {"domains": "contoso.com, example.com", "reason": "ticket 4"},
    ),
]
