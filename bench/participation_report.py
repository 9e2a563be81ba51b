"""The tables the participation benchmark prints, and its verdict on the targets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.participation import ScaleRun

# The key of the hello-world figures measured right before each list page.
HELLO_BEFORE = "hello_before_"
# Issue 4: a list page serves at least a third of hello world's requests per second.
MIN_SHARE_OF_HELLO = 1 / 3
# "Does not grow with the number of proposals", allowing for run-to-run noise on a shared VM.
MIN_THROUGHPUT_KEPT = 0.8


def table(rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [
            cell.rjust(width) if i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def scale_table(run: ScaleRun, scenarios: dict[str, str]) -> list[str]:
    rows = [("scenario", "req/s", "p50 ms", "p99 ms", "KB/resp", "responses")]
    for key, label in scenarios.items():
        figures = run.figures.get(key)
        if figures is None:
            rows.append((label, "-", "-", "-", "-", f"skipped: {run.skipped.get(key, '?')}"))
            continue
        rows.append(
            (
                label,
                f"{figures.rps:,.0f}",
                f"{figures.p50:g}",
                f"{figures.p99:g}",
                f"{figures.bytes_per_request / 1000:.1f}",
                figures.status_summary,
            )
        )
    return table(rows, right=(1, 2, 3, 4))


def print_report(runs: list[ScaleRun], scenarios: dict[str, str], lists: Sequence[str]) -> int:
    problems: list[str] = []
    for run in runs:
        print(f"\n== {run.proposals:,} proposals, {run.database}")
        for line in scale_table(run, scenarios):
            print(f"  {line}")
        for note in run.notes:
            print(f"  note: {note}")
        problems += [f"{run.proposals:,}: {problem}" for problem in run.problems]
        for key in lists:
            # The hello world measured just before this page (see run_scenarios).
            hello = run.figures.get(HELLO_BEFORE + key) or run.figures.get("hello")
            figures = run.figures.get(key)
            if hello is None or figures is None:
                continue
            share = figures.rps / hello.rps
            verdict = "PASS" if share >= MIN_SHARE_OF_HELLO else "FAIL"
            print(
                f"  {scenarios[key]}: {figures.rps:,.0f} / {hello.rps:,.0f} req/s = {share:.3f} "
                f"of hello world measured just before (target ≥ 0.333) {verdict}"
            )
            if verdict == "FAIL":
                problems.append(
                    f"{run.proposals:,}: {scenarios[key]} at {share:.3f} of hello world"
                )
    if len(runs) == 2:
        problems += compare_scales(runs[0], runs[1], scenarios, lists)
    print()
    for problem in problems:
        print(f"PROBLEM: {problem}")
    measured = any(key in run.figures for run in runs for key in lists)
    if not measured:
        print("The list pages could not be measured (see 'skipped' above).")
    return 1 if problems or not measured else 0


def compare_scales(
    small: ScaleRun, large: ScaleRun, scenarios: dict[str, str], lists: Sequence[str]
) -> list[str]:
    head = f"{small.proposals:,} proposals"
    tail = f"{large.proposals:,} proposals"
    rows = [("list page", f"{head}: req/s", "p50", "p99", f"{tail}: req/s", "p50", "p99", "kept")]
    problems = []
    for key in (*lists, "detail", "support"):
        a, b = small.figures.get(key), large.figures.get(key)
        if a is None or b is None:
            continue
        kept = b.rps / a.rps
        rows.append(
            (
                scenarios[key],
                f"{a.rps:,.0f}",
                f"{a.p50:g}",
                f"{a.p99:g}",
                f"{b.rps:,.0f}",
                f"{b.p50:g}",
                f"{b.p99:g}",
                f"{kept:.2f}",
            )
        )
        if key in lists and kept < MIN_THROUGHPUT_KEPT:
            problems.append(f"{scenarios[key]}: {kept:.2f} of the throughput at {head}")
    print(f"\n== {head} against {tail} (kept = req/s ratio, target ≥ {MIN_THROUGHPUT_KEPT})")
    for line in table(rows, right=(1, 2, 3, 4, 5, 6, 7)):
        print(f"  {line}")
    return problems
