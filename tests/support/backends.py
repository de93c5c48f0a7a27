"""One rule for tests that need PostgreSQL or Redis: skip locally, fail under CI.

`CI=true` alone never allows a silent skip. A CI pass that runs without a backend on purpose
(.ci/run's SQLite pass) names it in LATCHKEY_TESTS_WITHOUT, e.g. "postgresql,redis".
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.db import connection

BACKENDS = ("postgresql", "redis")
ABSENT_ON_PURPOSE = "LATCHKEY_TESTS_WITHOUT"


def backend_available(backend: str) -> bool:
    """Whether the test run is configured with this backend."""
    if backend == "postgresql":
        return connection.vendor == "postgresql"
    if backend == "redis":
        return bool(settings.REDIS_URL)
    raise ValueError(f"unknown backend {backend!r}; expected one of {BACKENDS}")


def intentionally_absent() -> set[str]:
    """Backends this run left out on purpose (LATCHKEY_TESTS_WITHOUT)."""
    return {b.strip() for b in os.environ.get(ABSENT_ON_PURPOSE, "").split(",") if b.strip()}


def require_backend(backend: str, why: str = "") -> None:
    """Return if the backend is configured; else skip, or fail under CI unless declared absent."""
    if backend_available(backend):
        return
    reason = f"needs {backend}" + (f" ({why})" if why else "")
    if os.environ.get("CI", "").lower() == "true" and backend not in intentionally_absent():
        pytest.fail(
            f"{reason}, but CI=true and {ABSENT_ON_PURPOSE} does not name {backend}",
            pytrace=False,
        )
    pytest.skip(reason)


def apply_backend_markers(item) -> None:
    """pytest_runtest_setup hook body: honour @pytest.mark.postgresql / @pytest.mark.redis."""
    for backend in BACKENDS:
        marker = item.get_closest_marker(backend)
        if marker is not None:
            require_backend(backend, marker.kwargs.get("reason", ""))
