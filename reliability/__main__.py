"""`python -m reliability [--quick]`: run the drill, print the table, write results/latest.*."""

from __future__ import annotations

import argparse
import sys

from reliability import report
from reliability.drill import Drill


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reliability", description=__doc__)
    parser.add_argument("--threads", type=int, default=32, help="people signing in at once")
    parser.add_argument("--max-journeys", type=int, default=6000, help="upper bound of journeys")
    parser.add_argument("--max-seconds", type=float, default=420, help="upper bound of the load")
    parser.add_argument("--quick", action="store_true", help="less hostile input (development)")
    args = parser.parse_args(argv)
    drill = Drill(
        threads=args.threads,
        max_journeys=args.max_journeys,
        max_seconds=args.max_seconds,
        quick=args.quick,
    )
    summary = drill.run()
    path = report.write(summary)
    print(report.table(summary))
    print(f"written: {path} and {path.with_suffix('.md')}")
    return 0 if summary["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
