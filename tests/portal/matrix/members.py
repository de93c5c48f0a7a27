"""Matrix cases: a tenant's members, audit log and access requests."""

from tests.portal.matrix.spec import Case, expect, tenant_slug

RW_ONLY = expect(302, 403, 200, 404, 200)
# The other tenant's pages: only its own read-write member and support get in.
OTHER_TENANT = expect(302, 404, 404, 200, 200)


def _other_slug(w):
    return {"slug": w.other_tenant.slug}


CASES = [
    *(
        case
        for name in ("portal:tenant-members", "portal:tenant-audit")
        for case in (
            Case(name, RW_ONLY, kwargs=tenant_slug),
            Case(name, OTHER_TENANT, kwargs=_other_slug, id="other"),
        )
    ),
    Case("portal:tenant-access-request", expect(302, 200, 200, 404, 403), kwargs=tenant_slug),
    Case(
        "portal:tenant-access-request",
        expect(302, 302, 400, 404, 403),
        method="POST",
        kwargs=tenant_slug,
        data=lambda w: {"reason": "I maintain the integration"},
    ),
]
