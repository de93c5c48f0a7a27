"""Per-process copies of tenants, checked against one version counter in the shared cache.

A request then reads one small Redis key instead of the tenant row. Every save or delete of a
tenant bumps the counter (when it happens and again after its transaction commits, so no
process can keep a copy read in between), and every process drops its copies when it sees a
new value. TENANT_PROCESS_CACHE_SECONDS also bounds a copy's life; 0 turns the copies off.

Both counters (tenants and OIDC rows) are read together, with one MGET, once per request: a
request sees the rows as they were when it first looked, and a change it makes itself drops
its reading at once. Outside a request (tasks, shells) every look reads the counters again.
"""

from __future__ import annotations

import copy
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction

from tenants import sharedcache

VERSION_KEY = "tenants:version"
OIDC_VERSION_KEY = "tenants:oidc-version"

_copies: dict[str, tuple[object, float]] = {}  # slug -> (tenant, expires)
_seen_version: list = [None]


def enabled() -> bool:
    """Whether this process keeps copies."""
    return settings.TENANT_PROCESS_CACHE_SECONDS > 0


class _RequestState(threading.local):
    in_request = False
    versions: tuple | None = None  # (tenants, oidc) as this request first read them


_request = _RequestState()


def _request_began(**kwargs) -> None:
    _request.in_request = True
    _request.versions = None


def _request_ended(**kwargs) -> None:
    _request.in_request = False
    _request.versions = None


request_started.connect(_request_began, dispatch_uid="tenants.cache.request_started")
request_finished.connect(_request_ended, dispatch_uid="tenants.cache.request_finished")


def _versions() -> tuple:
    """(tenants version, OIDC version): one MGET, kept for the rest of the request."""
    versions = _request.versions
    if versions is None:
        tenants, oidc = sharedcache.get_ints([VERSION_KEY, OIDC_VERSION_KEY])
        versions = (tenants or 0, oidc or 0)
        if _request.in_request:
            _request.versions = versions
    return versions


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.add(VERSION_KEY, 1, timeout=None)
    _copies.clear()
    _request.versions = None


def tenant_changed(**kwargs) -> None:
    """Signal receiver: any tenant's save or delete invalidates every process's copies."""
    _bump()
    transaction.on_commit(_bump)


def cached_tenant(slug: str, load):
    """A private copy of the tenant with this slug, from `load(slug)` when not held or stale."""
    version = _versions()[0]
    if version != _seen_version[0]:
        _copies.clear()
        _seen_version[0] = version
    now = time.monotonic()
    held = _copies.get(slug)
    if held is None or held[1] <= now:
        tenant = load(slug)
        if tenant is None:
            return None
        held = (tenant, now + settings.TENANT_PROCESS_CACHE_SECONDS)
        _copies[slug] = held
    # A copy per request: nothing a request sets on it can leak into the next one.
    return _model_copy(held[0])


def _model_copy(instance):
    """copy.copy() of a model instance, as Model.__getstate__ makes it, without pickle's
    round trip (a quarter of the time)."""
    clone = instance.__class__.__new__(instance.__class__)
    state = instance.__dict__.copy()
    state["_state"] = copy.copy(state["_state"])
    state["_state"].fields_cache = state["_state"].fields_cache.copy()
    clone.__dict__.update(state)
    return clone


def clear() -> None:
    """Forget this process's copies."""
    _copies.clear()
    _seen_version[0] = None
    _oidc_copies.clear()
    _oidc_seen[0] = None
    _request.versions = None


# --- OIDC clients (with their redirect URLs and the active kid) ------------------------------

_oidc_copies: dict[tuple, tuple[object, float]] = {}
_oidc_seen: list = [None]


def _bump_oidc() -> None:
    try:
        cache.incr(OIDC_VERSION_KEY)
    except ValueError:
        cache.add(OIDC_VERSION_KEY, 1, timeout=None)
    _oidc_copies.clear()
    _request.versions = None


def oidc_changed(**kwargs) -> None:
    """Signal receiver: a client, redirect URL, secret or signing key changed somewhere."""
    _bump_oidc()
    transaction.on_commit(_bump_oidc)


def cached_oidc(key: tuple, load):
    """A private copy of `load()` for this key (e.g. a client), while no OIDC row changed."""
    version = _versions()[1]
    if version != _oidc_seen[0]:
        _oidc_copies.clear()
        _oidc_seen[0] = version
    now = time.monotonic()
    held = _oidc_copies.get(key)
    if held is None or held[1] <= now:
        value = load()
        if value is None:
            return None
        held = (value, now + settings.TENANT_PROCESS_CACHE_SECONDS)
        _oidc_copies[key] = held
    return copy.copy(held[0])


def tenants_version():
    """The tenants' version counter as this request read it; None when copies are off."""
    return _versions()[0] if enabled() else None
