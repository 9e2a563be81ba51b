"""``python -m bench budget-tally``: our tally against the reference on every Pabulib file.

For each file of ``../shared/pabulib/data`` and both rules an administrator can choose (greedy,
equal-shares: the exact variant follows the file's vote type), it times ``app.budgets.tally``
and the reference (pabutools 1.2.3), and checks they fund the same projects.

The reference runs live, in the same run, from its own environment
``bench/.pabutools-venv`` (``python3.11 -m venv bench/.pabutools-venv &&
bench/.pabutools-venv/bin/pip install pabutools==1.2.3``), one process per file and rule with a
time limit; ``--reference recorded`` uses the seconds and outcomes recorded in
``expected.json`` instead (quick). Parsing is excluded from both sides' seconds; ours are the
fastest of ``--repeat`` counts (3) of the same file, the reference's are one run.

Exit status: 0 when every outcome matches and the Method of Equal Shares is at least 100 times
faster than the reference wherever the reference needs over 10 s; 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from app.budgets.tally.equal_shares_batch import warm_up
from app.budgets.tally.pabulib import read_pabulib
from app.budgets.tally.rules import Method, Rule, rule_for, tally

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_PYTHON = ROOT / "bench" / ".pabutools-venv" / "bin" / "python"
REFERENCE_SCRIPT = ROOT / "bench" / "budget_tally_reference.py"
TARGET_RATIO = 100.0
SLOW_REFERENCE = 10.0  # seconds: the target applies where the reference needs more


def pabulib_dir() -> Path:
    return Path(os.environ.get("MINKA_PABULIB_DIR", ROOT.parent / "shared" / "pabulib"))


@dataclass(frozen=True)
class Row:
    file: str
    rule: Rule
    ours: float  # wall-clock seconds
    ours_cpu: float  # CPU seconds of this process (what a loaded machine inflates least)
    reference: float | None  # None: no result (timed out, or none recorded)
    matches: bool | None
    note: str = ""
    by_cpu: bool = False  # ratio from our CPU seconds (recorded reference) or wall seconds (live)

    @property
    def ratio(self) -> float | None:
        ours = self.ours_cpu if self.by_cpu else self.ours
        return None if self.reference is None else self.reference / max(ours, 1e-6)


def run_reference(path: Path, rule: Rule, timeout: float) -> tuple[float | None, list[str], str]:
    try:
        done = subprocess.run(
            [str(REFERENCE_PYTHON), str(REFERENCE_SCRIPT), str(path), rule.value],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None, [], f"reference over {timeout:.0f} s"
    if done.returncode != 0:
        return None, [], "reference failed: " + (done.stderr.strip().splitlines() or ["?"])[-1]
    answer = json.loads(done.stdout)
    return float(answer["seconds"]), list(answer["selected"]), ""


Recorded = dict[tuple[str, str], dict[str, object]]


def recorded_results() -> Recorded:
    expected = json.loads((pabulib_dir() / "expected.json").read_text())
    return {(r["file"], r["rule"]): r for r in expected["results"] if r["status"] == "ok"}


def measure(
    path: Path,
    method: Method,
    live: bool,
    timeout: float,
    recorded: dict[tuple[str, str], dict[str, object]],
    repeat: int = 1,
) -> Row:
    data = read_pabulib(path)
    rule = rule_for(method, data.vote_type)
    election = data.election()
    # The fastest of ``repeat`` counts (a shared machine only ever adds time to one); a count
    # over 5 s is not repeated.
    ours, ours_cpu = float("inf"), float("inf")
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        funded = set(tally(election, rule))
        ours = min(ours, time.perf_counter() - started)
        ours_cpu = min(ours_cpu, time.process_time() - started_cpu)
        if ours > 5.0:
            break
    if live:
        seconds, selected, note = run_reference(path, rule, timeout)
    else:
        entry = recorded.get((path.name, rule.value))
        seconds = float(entry["seconds"]) if entry else None  # type: ignore[arg-type]
        selected = list(entry["selected_project_ids"]) if entry else []  # type: ignore[call-overload]
        note = "" if entry else "no reference result"
    matches = None if seconds is None else funded == set(selected)
    # The recorded seconds come from an idle machine, where wall and CPU time agree; on a shared
    # machine our wall time counts the other processes' turns, our CPU time does not.
    return Row(path.name, rule, ours, ours_cpu, seconds, matches, note, by_cpu=not live)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench budget-tally", description=__doc__)
    parser.add_argument("--reference", choices=["live", "recorded"], default="live")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per reference rule")
    parser.add_argument("--files", default="", help="only files whose name contains this text")
    parser.add_argument("--rule", choices=[m.value for m in Method], action="append")
    parser.add_argument(
        "--repeat", type=int, default=3, help="count each file this many times, keep the fastest"
    )
    args = parser.parse_args(argv)
    live = args.reference == "live"
    if live and not REFERENCE_PYTHON.exists():
        parser.error(f"no reference environment at {REFERENCE_PYTHON} (see --help)")
    data_dir = pabulib_dir() / "data"
    if not data_dir.is_dir():
        parser.error(f"no Pabulib data at {data_dir} (set MINKA_PABULIB_DIR)")
    methods = [Method(m) for m in args.rule] if args.rule else list(Method)
    recorded = recorded_results()
    files = sorted(p for p in data_dir.glob("*.pb") if args.files in p.name)
    files.sort(key=lambda p: p.stat().st_size)
    print(f"reference: {'pabutools 1.2.3, live' if live else 'seconds recorded in expected.json'}")
    if Method.EQUAL_SHARES in methods:
        # Once per process, outside the per-file seconds as the reference's imports are.
        started = time.perf_counter()
        warm_up()
        print(f"compiled kernel loaded in {time.perf_counter() - started:.2f} s (once per process)")
    print("ratio: reference seconds / our " + ("wall seconds" if live else "CPU seconds"))
    header = (
        f"{'file':44} {'rule':24} {'ours s':>8} {'cpu s':>8} {'ref s':>9} {'ratio':>8}  outcome"
    )
    print(header)
    failed = False
    for path in files:
        for method in methods:
            row = measure(path, method, live, args.timeout, recorded, max(1, args.repeat))
            ratio = "-" if row.ratio is None else f"{row.ratio:.1f}"
            reference = "-" if row.reference is None else f"{row.reference:.3f}"
            outcome = {True: "same", False: "DIFFERENT", None: "-"}[row.matches]
            short_of_target = (
                method is Method.EQUAL_SHARES
                and row.reference is not None
                and row.reference > SLOW_REFERENCE
                and (row.ratio or 0) < TARGET_RATIO
            )
            failed = failed or row.matches is False or short_of_target
            flag = "  below 100x" if short_of_target else ""
            note = f"  ({row.note})" if row.note else ""
            print(
                f"{row.file[:44]:44} {row.rule.value:24} {row.ours:8.3f} {row.ours_cpu:8.3f} "
                f"{reference:>9} "
                f"{ratio:>8}  {outcome}{flag}{note}",
                flush=True,
            )
    return 1 if failed else 0
