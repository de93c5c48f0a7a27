"""Run operations from several client processes and meter the servers around them."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
import traceback
from dataclasses import dataclass

from bench.stack import Service

_JOB: tuple = ()  # (function, target) of this client process


def _child_init(fn, target) -> None:
    global _JOB
    _JOB = (fn, target)
    # The parent's handlers (e.g. the stack's SIGTERM clean-up) are not the child's business.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if os.environ.get("BENCH_DEBUG"):
        import faulthandler

        faulthandler.dump_traceback_later(int(os.environ["BENCH_DEBUG"]), exit=True)


def _run_chunk(chunk: list[tuple[int, object]]) -> list[tuple]:
    fn, target = _JOB
    out = []
    for n, item in chunk:
        try:
            steps, payload = fn(target, n, item)
            out.append((True, steps, payload, ""))
        except Exception as exc:  # an error is a result: counted and shown, never fatal
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            out.append((False, {}, None, detail[:500]))
    return out


@dataclass
class Meter:
    """Reads CPU of the server processes, SQL statements and Redis commands."""

    app: list[Service]  # processes whose CPU is the app's (gunicorn masters, node primary)
    postgres: Service | None
    redis: Service | None
    pg_conn: object = None
    redis_conn: object = None

    def __post_init__(self):
        if self.postgres is not None:
            import psycopg

            self.pg_conn = psycopg.connect(self.postgres.url, autocommit=True)
        if self.redis is not None:
            import redis

            self.redis_conn = redis.Redis.from_url(self.redis.url)

    def sample(self) -> dict:
        sample = {
            "app": sum(s.cpu_seconds() for s in self.app),
            "postgres": self.postgres.cpu_seconds() if self.postgres else 0.0,
            "redis": self.redis.cpu_seconds() if self.redis else 0.0,
            "sql": 0,
            "redis_cmds": 0,
        }
        if self.pg_conn is not None:
            row = self.pg_conn.execute("SELECT coalesce(sum(calls), 0) FROM pg_stat_statements")
            sample["sql"] = int(row.fetchone()[0])
        if self.redis_conn is not None:
            stats = self.redis_conn.info("commandstats")
            sample["redis_cmds"] = sum(
                v["calls"] for k, v in stats.items() if k not in ("cmdstat_info",)
            )
        return sample

    def rss_mb_max(self) -> float:
        """Largest resident set of any worker process (the masters are not serving)."""
        sizes = [mb for s in self.app for mb in s.rss_mb()[1:]] or [0.0]
        return round(max(sizes), 1)

    def close(self):
        if self.pg_conn is not None:
            self.pg_conn.close()
        if self.redis_conn is not None:
            self.redis_conn.close()


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return round(ordered[index], 2)


def run(name: str, fn, target, items: list, *, meter: Meter, processes: int = 4) -> dict:
    """Run fn(target, n, item) for every item from `processes` client processes; measure."""
    chunks = [list(enumerate(items))[i::processes] for i in range(processes)]
    # forkserver: the clients fork from a clean single-threaded process, never from this one
    # (which holds threads and connections); fn and target must therefore be picklable.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["bench.scenarios"])
    pool = context.Pool(processes, initializer=_child_init, initargs=(fn, target))
    try:
        pool.map(len, [[]] * processes)  # the pool is up before the clock starts
        before = meter.sample()
        start = time.perf_counter()
        results = [r for chunk in pool.map(_run_chunk, chunks, chunksize=1) for r in chunk]
        wall = time.perf_counter() - start
        after = meter.sample()
        pool.close()
    finally:
        pool.terminate()
        pool.join()
    ok = [r for r in results if r[0]]
    errors = [r[3] for r in results if not r[0]]
    count = len(results) or 1
    totals = [sum(r[1].values()) for r in ok]
    step_names = sorted({k for r in ok for k in r[1]})
    cpu = {k: (after[k] - before[k]) * 1000 / count for k in ("app", "postgres", "redis")}
    server_cpu = sum(cpu.values())
    return {
        "name": name,
        "ops": len(results),
        "ops_per_s": round(len(results) / wall, 1) if wall else 0.0,
        "p50_ms": percentile(totals, 50),
        "p95_ms": percentile(totals, 95),
        "p99_ms": percentile(totals, 99),
        "errors": len(errors),
        "server_cpu_ms_per_op": round(server_cpu, 2),
        "app_cpu_ms_per_op": round(cpu["app"], 2),
        "postgres_cpu_ms_per_op": round(cpu["postgres"], 2),
        "redis_cpu_ms_per_op": round(cpu["redis"], 2),
        "sql_per_op": round(max(0, after["sql"] - before["sql"] - 1) / count, 2),
        "redis_per_op": round(max(0, after["redis_cmds"] - before["redis_cmds"]) / count, 2),
        "rss_mb_max": meter.rss_mb_max(),
        "step_p99_ms": {s: percentile([r[1][s] for r in ok if s in r[1]], 99) for s in step_names},
        "error_samples": sorted(set(errors))[:3],
        "payloads": [r[2] for r in ok if r[2] is not None],
    }
