"""Shared fixtures: factories, a clean shared cache, and the browser harness."""

import pytest
from django.core.cache import cache

from tests import factories
from tests.support.backends import apply_backend_markers

pytest_plugins = ["tests.support.browser"]


def pytest_runtest_setup(item):
    """@pytest.mark.postgresql / @pytest.mark.redis: skip locally, fail under CI if missing."""
    apply_backend_markers(item)


@pytest.fixture(autouse=True)
def _clean_cache():
    """Rate-limit counters and challenges must not leak between tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def tenant(db):
    return factories.tenant()


@pytest.fixture
def other_tenant(db):
    return factories.tenant()


@pytest.fixture
def support_user(db):
    return factories.portal_user(is_staff=True)


@pytest.fixture
def public_live_server(live_server, settings):
    """A live server whose URL is PUBLIC_URL, so issuers and WebAuthn origins match it."""
    settings.PUBLIC_URL = live_server.url
    return live_server
