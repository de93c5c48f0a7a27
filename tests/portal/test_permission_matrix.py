"""Every portal view and API endpoint, tried as each role; generated from the URL config."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from django.apps import apps
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import get_resolver, reverse
from django.urls.resolvers import URLPattern, URLResolver

from tests import factories
from tests.portal import matrix
from tests.portal.matrix.spec import ROLES, Case, World

EXEMPT_PREFIXES = ("admin:",)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
REFUSED = (400, 401, 403, 404, 405, 409)
SNAPSHOT_APPS = ("accounts", "tenants", "portal", "idp", "oauth2_provider")
# Refusals are audited on purpose; everything else must stay exactly as it was.
NOT_SNAPSHOT = ("auditevent",)


def _load_cases() -> list[Case]:
    cases: list[Case] = []
    for info in pkgutil.iter_modules(matrix.__path__):
        if info.name == "spec":
            continue
        module = importlib.import_module(f"tests.portal.matrix.{info.name}")
        cases.extend(module.CASES)
    return cases


def _names(patterns, namespace="") -> set[str]:
    names = set()
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            prefix = f"{namespace}{ns}:" if ns else namespace
            names |= _names(entry.url_patterns, prefix)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(f"{namespace}{entry.name}")
    return names


CASES = _load_cases()


def _snapshot() -> dict:
    """Every row of the product's own tables (bar the audit trail), for before/after checks."""
    rows = {}
    for label in SNAPSHOT_APPS:
        for model in apps.get_app_config(label).get_models():
            if model._meta.model_name in NOT_SNAPSHOT:
                continue
            rows[model._meta.label] = list(model._base_manager.order_by("pk").values())
    return rows


def _refused(response) -> bool:
    """A refusal: an error status, or the redirect to sign in."""
    if response.status_code in REFUSED:
        return True
    login = resolve_url(settings.LOGIN_URL)
    return response.status_code == 302 and response["Location"].split("?")[0] == login


def test_every_portal_and_api_url_has_a_case():
    names = {n for n in _names(get_resolver().url_patterns) if n.startswith(("portal:", "api:"))}
    covered = {case.name for case in CASES}
    missing = sorted(names - covered)
    assert not missing, f"URL names without a permission-matrix case: {missing}"
    unknown = sorted(covered - names)
    assert not unknown, f"cases for URL names that do not exist: {unknown}"


@pytest.fixture
def world(db):
    tenant = factories.tenant(slug="matrix-a", allowed_email_domains=["example.com"])
    other = factories.tenant(slug="matrix-b")
    read_only = factories.membership(tenant=tenant, role="read_only").user
    read_write = factories.membership(tenant=tenant, role="read_write").user
    outsider = factories.membership(tenant=other, role="read_write").user
    support = factories.portal_user(is_staff=True)
    users = {
        "anonymous": None,
        "read_only": read_only,
        "read_write": read_write,
        "other_tenant": outsider,
        "support": support,
    }
    return World(tenant=tenant, other_tenant=other, users=users)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=[c.label() for c in CASES])
def test_permission_matrix(client, world, case: Case, role: str):
    if case.setup is not None:
        case.setup(world)
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    url = reverse(case.name, kwargs=case.kwargs(world))
    body = case.data(world) if case.data is not None else None
    method = getattr(client, case.method.lower())
    before = _snapshot() if case.method not in SAFE_METHODS else None
    if case.json:
        response = method(url, data=body or {}, content_type="application/json")
    elif body is not None:
        response = method(url, data=body)
    else:
        response = method(url)
    expected = case.expect[role]
    allowed = expected if isinstance(expected, tuple) else (expected,)
    assert response.status_code in allowed, (
        f"{case.label()} as {role}: got {response.status_code}, expected {expected}"
    )
    if before is not None and _refused(response):
        assert _snapshot() == before, f"{case.label()} as {role} was refused but changed data"
