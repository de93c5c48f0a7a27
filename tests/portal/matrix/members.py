"""Matrix cases: a tenant's members, audit log and access requests."""

from tests.portal.matrix.spec import Case

RW_ONLY = {
    "anonymous": 302,
    "read_only": 403,
    "read_write": 200,
    "other_tenant": 404,
    "support": 200,
}
# The other tenant's pages: only its own read-write member and support get in.
OTHER_TENANT = {
    "anonymous": 302,
    "read_only": 404,
    "read_write": 404,
    "other_tenant": 200,
    "support": 200,
}

CASES = [
    Case("portal:tenant-members", RW_ONLY, kwargs=lambda w: {"slug": w.tenant.slug}),
    Case(
        "portal:tenant-members",
        OTHER_TENANT,
        kwargs=lambda w: {"slug": w.other_tenant.slug},
        id="other",
    ),
    Case("portal:tenant-audit", RW_ONLY, kwargs=lambda w: {"slug": w.tenant.slug}),
    Case(
        "portal:tenant-audit",
        OTHER_TENANT,
        kwargs=lambda w: {"slug": w.other_tenant.slug},
        id="other",
    ),
    Case(
        "portal:tenant-access-request",
        {
            "anonymous": 302,
            "read_only": 200,
            "read_write": 200,
            "other_tenant": 404,
            "support": 403,
        },
        kwargs=lambda w: {"slug": w.tenant.slug},
    ),
    Case(
        "portal:tenant-access-request",
        {
            "anonymous": 302,
            "read_only": 302,
            "read_write": 400,
            "other_tenant": 404,
            "support": 403,
        },
        method="POST",
        kwargs=lambda w: {"slug": w.tenant.slug},
        data=lambda w: {"reason": "I maintain the integration"},
    ),
]
