"""The Users-page query at 100,000 users (the portal's keyset page, deep page and search)."""

from __future__ import annotations

import json
import os

from bench import runner

USERS = int(os.environ.get("BENCH_USERS", "100000"))


def run(stack, env, pg) -> dict:
    """Seed the users, then measure first page, a page halfway down and an email search."""
    stack.python(env, "-m", "bench.users_page_probe", "1000")  # warm imports and caches
    pg_before = pg.cpu_seconds()
    out = json.loads(stack.python(env, "-m", "bench.users_page_probe", str(USERS)).splitlines()[-1])
    pg_cpu_ms = (pg.cpu_seconds() - pg_before) * 1000
    ops, times = out["ops"], out["times"]
    seconds = sum(times) / 1000
    return {
        "name": f"users_page_{USERS // 1000}k",
        "ops": ops,
        "ops_per_s": round(ops / seconds, 1) if seconds else 0.0,
        "p50_ms": runner.percentile(times, 50),
        "p95_ms": runner.percentile(times, 95),
        "p99_ms": runner.percentile(times, 99),
        "errors": 0,
        # PostgreSQL's share includes seeding the users; the app's is the reads only.
        "server_cpu_ms_per_op": round(out["app_cpu_ms"] / ops, 2),
        "app_cpu_ms_per_op": round(out["app_cpu_ms"] / ops, 2),
        "postgres_cpu_ms_seeding_and_reads": round(pg_cpu_ms, 1),
        "sql_per_op": round(out["sql"] / ops, 2),
        "redis_per_op": 0.0,
        "rss_mb_max": out["rss_mb"],
        "step_p99_ms": {},
        "error_samples": [],
        "payloads": [],
    }
