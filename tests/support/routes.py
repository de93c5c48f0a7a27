"""Every route of the URL configuration as a concrete path, for tests that sweep them all."""

from __future__ import annotations

import re

from django.urls import URLPattern, URLResolver, get_resolver


def url_patterns(patterns=None, prefix=""):
    """(route text, pattern) of every URL pattern, includes flattened."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from url_patterns(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.pattern


def concrete_paths(tenant) -> list[str]:
    """Every route with its parameters filled in (the tenant's slug where a slug is asked)."""
    paths = []
    for route, _pattern in url_patterns():
        route = route.replace("^", "").replace("$", "")
        route = re.sub(r"\(\?P<app_label>[^)]*\)", "tenants", route)
        route = re.sub(r"\(\?P<\w+>[^)]*\)", "x", route)

        def fill(match):
            converter, name = match.group(1), match.group(2)
            if name in ("tenant_slug", "slug"):
                return tenant.slug
            return {"int": "1", "path": "1"}.get(converter, "x")

        paths.append("/" + re.sub(r"<(\w+):(\w+)>", fill, route))
    return sorted(set(paths))


def sweep_clients():
    """(tenant, {name: client}): anonymous, and one client signed in as support staff, as a
    read-write admin of the tenant and as an end user of it, all in one session."""
    from django.test import Client

    from tests import factories
    from tests.idp.oidc_support import make_rp, oidc_tenant, sign_in

    tenant = oidc_tenant()
    make_rp(tenant)
    staff = factories.portal_user(is_staff=True)
    factories.membership(tenant=tenant, user=staff, role="read_write")
    signed_in = Client()
    sign_in(signed_in, tenant, factories.end_user(tenant=tenant))
    # force_login keeps the end user's sign-in: it cycles the session key, not its contents.
    signed_in.force_login(staff, backend="accounts.backends.PortalUserBackend")
    return tenant, {"anonymous": Client(), "signed-in": signed_in}
