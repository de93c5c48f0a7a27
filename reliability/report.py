"""The closing table, and reliability/results/latest.json and latest.md."""

from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def table(summary: dict) -> str:
    """A plain-text table a person reads at the end of `make reliability`."""
    lines = ["", "Latchkey reliability drill", "=" * 60]
    for key in ("requests", "successes", "unexplained_5xx", "explained_5xx", "data_lost"):
        lines.append(f"{key:<40} {summary.get(key)}")
    lines.append(f"{'duration_seconds':<40} {summary.get('duration_seconds')}")
    lines.append("-" * 60)
    lines.append("errors by kind")
    for kind, count in sorted(summary["errors_by_kind"].items(), key=lambda kv: -kv[1]):
        lines.append(f"  {kind:<56} {count}")
    lines.append("-" * 60)
    lines.append("faults (injected at s into the load; recovered; seconds to recover)")
    for fault in summary["faults"]:
        lines.append(
            f"  {fault['name']:<34} {fault['injected_at']:>7}  "
            f"{'yes' if fault['recovered'] else 'NO ':<4} {fault['seconds_to_recover']}"
        )
    lines.append("-" * 60)
    lines.append("invariants")
    for name, passed in summary["invariants"].items():
        lines.append(f"  {'PASS' if passed else 'FAIL'}  {name}")
    lines.append("-" * 60)
    lines.append("figures")
    for name, value in summary.get("figures", {}).items():
        lines.append(f"  {name:<56} {value}")
    lines.append("=" * 60)
    verdict = "PASSED" if summary["passed"] else "FAILED"
    lines.append(f"reliability: {verdict}")
    return "\n".join(lines)


def markdown(summary: dict) -> str:
    """The same figures as a Markdown page."""
    out = ["# Reliability drill: latest run", ""]
    out.append(
        f"Result: **{'passed' if summary['passed'] else 'FAILED'}** "
        f"in {summary.get('duration_seconds')} s."
    )
    out += ["", "| Figure | Value |", "|---|---|"]
    for key in ("requests", "successes", "unexplained_5xx", "explained_5xx", "data_lost"):
        out.append(f"| {key} | {summary.get(key)} |")
    for name, value in summary.get("figures", {}).items():
        out.append(f"| {name} | {value} |")
    out += [
        "",
        "## Faults",
        "",
        "| Fault | Injected at (s) | Recovered | Seconds to recover |",
        "|---|---|---|---|",
    ]
    for f in summary["faults"]:
        out.append(
            f"| {f['name']} | {f['injected_at']} | {f['recovered']} | {f['seconds_to_recover']} |"
        )
    out += ["", "## Invariants", "", "| Invariant | Passed |", "|---|---|"]
    for name, passed in summary["invariants"].items():
        out.append(f"| {name} | {passed} |")
    out += ["", "## Errors by kind", "", "| Kind | Count |", "|---|---|"]
    for kind, count in sorted(summary["errors_by_kind"].items(), key=lambda kv: -kv[1]):
        out.append(f"| {kind} | {count} |")
    return "\n".join(out) + "\n"


def write(summary: dict) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "latest.json"
    path.write_text(json.dumps(summary, indent=2, sort_keys=False) + "\n")
    (RESULTS / "latest.md").write_text(markdown(summary))
    return path
