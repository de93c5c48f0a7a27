"""Seed N end users into the bench tenant, then time the portal's Users-page read.

Run as `python -m bench.users_page_probe N` with the stack's environment; prints one JSON line.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.directory import end_users_page  # noqa: E402
from accounts.models import User  # noqa: E402
from tenants.models import Tenant  # noqa: E402

REPS = 40


def seed(tenant, count: int) -> None:
    have = User.objects.filter(tenant=tenant).count()
    batch = []
    for n in range(have, count):
        batch.append(User(tenant=tenant, email=f"seed{n}@users.example", is_active=True))
        if len(batch) == 5000:
            User.objects.bulk_create(batch)
            batch = []
    if batch:
        User.objects.bulk_create(batch)


def main() -> None:
    count = int(sys.argv[1])
    tenant = Tenant.objects.get(slug="bench")
    seed(tenant, count)
    deep = User.objects.filter(tenant=tenant).order_by("id").values_list("id", flat=True)[
        count // 2
    ]
    cases = [{}, {"after": deep}, {"query": "seed777"}]
    times, sql = [], 0
    cpu_start = time.process_time()
    for _rep in range(REPS):
        for case in cases:
            start = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                page = end_users_page(tenant=tenant, actor=None, **case)
                assert page.users
            times.append((time.perf_counter() - start) * 1000)
            sql += len(queries)
    cpu_ms = (time.process_time() - cpu_start) * 1000
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"ops": len(times), "times": times, "sql": sql, "app_cpu_ms": cpu_ms,
                      "rss_mb": round(rss, 1)}))


if __name__ == "__main__":
    main()
