"""``python -m bench [NAME ...]``: run the benchmarks, print the figures, fail over budget.

Exit status: 0 when every benchmark is within its budget, 1 when one is over budget, reported
a problem or could not run, 2 on a usage error.

``python -m bench participation [OPTIONS]`` runs the load benchmark of issue 4 instead (it has
options of its own: see ``python -m bench participation --help``); ``python -m bench polls``
the voting and counting benchmark of issue 5 (``python -m bench polls --help``);
``python -m bench budget-ballot`` the budget balloting pages under load (issue 6).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from bench import census_import, memory, page_weight, startup
from bench._harness import BenchError, Result

BENCHMARKS: dict[str, tuple[str, Callable[[], Result]]] = {
    "page_weight": (page_weight.NAME, page_weight.run),
    "startup": (startup.NAME, startup.run),
    "memory": (memory.NAME, memory.run),
    "census": (census_import.NAME, census_import.run),
}
# Too slow for every run (minutes, not seconds): only when asked for by name.
ON_REQUEST = {"census"}


def run_one(benchmark: Callable[[], Result]) -> tuple[Result | None, str | None]:
    try:
        return benchmark(), None
    except BenchError as error:
        return None, str(error)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["participation"]:
        from bench import participation

        return participation.main(argv[1:])
    if argv[:1] == ["budget-tally"]:
        from bench import budget_tally

        return budget_tally.main(argv[1:])
    if argv[:1] == ["budget-ballot"]:
        from bench import budget_ballot

        return budget_ballot.main(argv[1:])
    if argv[:1] == ["polls"]:
        from bench import polls

        return polls.main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=(
            f"benchmarks to run: {', '.join(BENCHMARKS)} "
            f"(default: all but {', '.join(sorted(ON_REQUEST))}); "
            "or `participation --help` for the load benchmark, `polls --help` for voting"
        ),
    )
    args = parser.parse_args(argv)
    selected: list[str] = args.names or [name for name in BENCHMARKS if name not in ON_REQUEST]
    unknown = [name for name in selected if name not in BENCHMARKS]
    if unknown:
        parser.error(
            f"unknown benchmark {', '.join(unknown)} (choose from {', '.join(BENCHMARKS)})"
        )

    rows: list[tuple[str, str, str, str]] = []
    failed = False
    for key in selected:
        title, benchmark = BENCHMARKS[key]
        print(f"== {title}", flush=True)
        started = time.perf_counter()
        result, error = run_one(benchmark)
        if result is None:
            failed = True
            print(f"  ERROR: {error}")
            rows.append((title, "-", "-", "ERROR"))
        else:
            failed = failed or not result.passed
            for line in result.details:
                print(f"  {line}")
            for problem in result.problems:
                print(f"  PROBLEM: {problem}")
            rows.append(
                (
                    title,
                    f"{result.value:.2f} {result.unit}",
                    f"{result.budget:.2f} {result.unit}",
                    "PASS" if result.passed else "FAIL",
                )
            )
        print(f"  ({time.perf_counter() - started:.1f} s)\n", flush=True)

    header = ("benchmark", "figure", "budget", "result")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # the servers were already stopped by their ``with`` blocks
        print("\ninterrupted", file=sys.stderr)
        sys.exit(130)
