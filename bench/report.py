"""latest.json and the Markdown table; the hook for scenarios other helpers add."""

from __future__ import annotations

import json
from pathlib import Path

FIELDS = ("ops_per_s", "p50_ms", "p95_ms", "p99_ms", "errors", "server_cpu_ms_per_op",
          "sql_per_op", "redis_per_op", "rss_mb_max")
PEERED = ("token_code", "discovery", "jwks")


def users_page_hook():
    """A callable(stack, env, pg) -> result for the Users-page query at 100k users, if built."""
    try:
        from bench import users_page  # added once the portal's Users page exists
    except ImportError:
        return None
    return users_page.run


def combine(results: list[dict]) -> list[dict]:
    """One entry per Latchkey scenario, with the peer's figures and the CPU ratio folded in."""
    by_name = {r["name"]: r for r in results}
    out = []
    for result in results:
        if result["name"].startswith("peer_"):
            continue
        entry = {k: v for k, v in result.items() if k not in ("payloads", "error_samples")}
        peer = by_name.get(f"peer_{result['name']}")
        if peer is not None:
            entry["peer_server_cpu_ms_per_op"] = peer["server_cpu_ms_per_op"]
            entry["peer_ops_per_s"] = peer["ops_per_s"]
            entry["peer_p99_ms"] = peer["p99_ms"]
            entry["peer_errors"] = peer["errors"]
            entry["peer_redis_per_op"] = peer["redis_per_op"]
            entry["peer_rss_mb_max"] = peer["rss_mb_max"]
            if peer["server_cpu_ms_per_op"]:
                entry["cpu_ratio_vs_peer"] = round(
                    result["server_cpu_ms_per_op"] / peer["server_cpu_ms_per_op"], 2
                )
        out.append(entry)
    return out


def markdown(entries: list[dict], meta: dict) -> str:
    head = (
        "| scenario | ops/s | p50 ms | p95 ms | p99 ms | errors | server CPU ms/op "
        "(app+pg+redis) | SQL/op | Redis/op | RSS MB max | peer CPU ms/op | peer ops/s | "
        "CPU ÷ peer |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    rows = []
    for e in entries:
        cpu = (
            f"{e['server_cpu_ms_per_op']} ({e.get('app_cpu_ms_per_op', '–')}+"
            f"{e.get('postgres_cpu_ms_per_op', '–')}+{e.get('redis_cpu_ms_per_op', '–')})"
        )
        rows.append(
            f"| {e['name']} | {e['ops_per_s']} | {e['p50_ms']} | {e['p95_ms']} | {e['p99_ms']} "
            f"| {e['errors']} | {cpu} | {e['sql_per_op']} | {e['redis_per_op']} "
            f"| {e['rss_mb_max']} | {e.get('peer_server_cpu_ms_per_op', '–')} "
            f"| {e.get('peer_ops_per_s', '–')} | {e.get('cpu_ratio_vs_peer', '–')} |"
        )
    steps = [
        f"- {e['name']}: " + ", ".join(f"{k} {v}" for k, v in e["step_p99_ms"].items())
        for e in entries
        if len(e.get("step_p99_ms", {})) > 1
    ]
    meta_line = ", ".join(f"{k}: {v}" for k, v in meta.items())
    return (
        f"# Latest `make bench`\n\n{meta_line}\n\n{head}" + "\n".join(rows)
        + "\n\np99 per step (ms):\n\n" + "\n".join(steps) + "\n"
    )


def write(results: list[dict], meta: dict, out: Path, *, quick: bool) -> str:
    """Write <out>/latest.json and latest.md (quick.json/quick.md for the smoke run)."""
    out.mkdir(parents=True, exist_ok=True)
    entries = combine(results)
    stem = "quick" if quick else "latest"
    (out / f"{stem}.json").write_text(json.dumps(entries, indent=2) + "\n")
    table = markdown(entries, meta)
    (out / f"{stem}.md").write_text(table)
    return table
