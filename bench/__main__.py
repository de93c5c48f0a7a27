"""Run the benchmarks on a scratch database and print one line per measurement."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# A scratch var dir keeps the developer's SQLite database and cache untouched.
os.environ.setdefault("LATCHKEY_VAR_DIR", tempfile.mkdtemp(prefix="latchkey-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from bench import scenarios  # noqa: E402


def measure(label: str, fn, *, seconds: float = 2.0, warmup: int = 5) -> None:
    """Call fn repeatedly for about `seconds` and report calls per second and mean latency."""
    for _ in range(warmup):
        fn()
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn()
        count += 1
    elapsed = time.perf_counter() - start
    print(f"{label:<48} {count / elapsed:10.1f}/s {elapsed / count * 1000:9.3f} ms")


def main() -> None:
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    # Migrations run against a fresh test database created from DATABASE_URL or SQLite.
    from django.test.utils import setup_databases

    setup_databases(verbosity=0, interactive=False)
    call_command("check", verbosity=0)
    print(
        f"database: {settings.DATABASES['default']['ENGINE']}  cache: "
        f"{settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}"
    )
    for label, fn in scenarios.build():
        measure(label, fn)


if __name__ == "__main__":
    main()
