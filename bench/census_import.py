"""Census import: ``minka census import`` of 1,000,000 generated rows, on SQLite and PostgreSQL.

A CSV of fictional residents (unique 8-digit DNIs, dates of birth of adults, a La Libertad
province code, a one-character extra) is written to the throwaway directory a row at a time,
then ``minka db upgrade``, ``minka demo load`` and ``minka census import --tenant lalibertad``
run against a fresh database. The figure is the import's wall-clock time (the slower database
when both run). Its peak resident memory is read from the kernel (``wait4``), and compared
with that of a 100,000-row import into the same database, to show memory does not grow with
the file.

PostgreSQL runs only when MINKA_BENCH_POSTGRES_URL names a database, e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/minka_bench``; that database is dropped and
created again, so its name must contain "bench".
"""

from __future__ import annotations

import dataclasses
import os
import random
import re
import resource
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from bench._harness import BenchError, Instance, Result, run_minka, throwaway_instance

NAME = "census"
BUDGET_SECONDS = 60.0
ROWS = 1_000_000
SMALL_ROWS = 100_000
IMPORT_TIMEOUT = 600.0
POSTGRES_ENV = "MINKA_BENCH_POSTGRES_URL"
ZONES = tuple(str(code) for code in range(1301, 1313))
# i -> (MULTIPLIER * i + OFFSET) mod 10⁸ is a permutation (the multiplier is prime to 10), so
# the DNIs are unique without remembering them.
MULTIPLIER = 48_271_237
OFFSET = 10_000_019
SUMMARY = re.compile(r"Imported (\d+) new, updated (\d+), (\d+) rows with errors")


def write_census(path: Path, first: int, count: int, seed: int) -> None:
    """``count`` rows for the DNIs numbered ``first`` … ``first + count - 1``."""
    rng = random.Random(seed)
    today = date.today()
    oldest = today.toordinal() - 100 * 365
    span = (today - timedelta(days=18 * 366)).toordinal() - oldest
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("dni,fecha_nacimiento,codigo_geozona,extra\n")
        for number in range(first, first + count):
            dni = (MULTIPLIER * number + OFFSET) % 10**8
            birth = date.fromordinal(oldest + rng.randrange(span))
            handle.write(f"{dni:08d},{birth.isoformat()},{rng.choice(ZONES)},{rng.randrange(10)}\n")


@dataclasses.dataclass(frozen=True)
class Measured:
    seconds: float
    peak_rss_kib: int
    stdout: str


def import_census(instance: Instance, path: Path) -> Measured:
    """Run ``minka census import`` and measure it; wait4 gives that process's own peak RSS."""
    command = [str(instance.minka), "census", "import", "--tenant", "lalibertad", str(path)]
    out_path, err_path = instance.directory / "import.out", instance.directory / "import.err"
    with out_path.open("w") as out, err_path.open("w") as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=instance.directory, env=dict(instance.env), stdout=out, stderr=err
        )
        status, usage = wait_with_usage(process, IMPORT_TIMEOUT)
        elapsed = time.perf_counter() - started
    stdout = out_path.read_text(encoding="utf-8")
    if status != 0:
        stderr = err_path.read_text(encoding="utf-8")
        raise BenchError(
            f"`minka census import` exited with {status}:\n  "
            + "\n  ".join((stderr or stdout).strip().splitlines()[-20:])
        )
    return Measured(elapsed, usage.ru_maxrss, stdout)


def wait_with_usage(
    process: subprocess.Popen[bytes], timeout: float
) -> tuple[int, resource.struct_rusage]:
    """Reap the process with wait4 (Popen.wait would discard its resource usage)."""
    deadline = time.perf_counter() + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid == process.pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return process.returncode, usage
        if time.perf_counter() > deadline:
            process.kill()
            process.wait()
            raise BenchError(f"the import took longer than {timeout:.0f} s")
        time.sleep(0.05)


def megabytes(kib: int) -> float:
    return kib * 1024 / 1e6  # ru_maxrss is in KiB on Linux; MB is read strictly here


def check_summary(measured: Measured, rows: int) -> list[str]:
    """Every row imported, none rejected. A few may update rather than add an entry: the demo
    instances come with a small census of their own."""
    match = SUMMARY.search(measured.stdout)
    if match is None:
        return [f"no summary line in the import's output: {measured.stdout.strip()[:200]!r}"]
    new, updated, errors = (int(group) for group in match.groups())
    if new + updated != rows or errors or updated > rows // 1000:
        return [f"expected {rows} rows added, no errors; got {match.group(0)!r}"]
    return []


@contextmanager
def postgres_database(url: str) -> Iterator[str]:
    """A re-created, empty database at ``url``; dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    target = make_url(url)
    name = target.database or ""
    if "bench" not in name or not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise BenchError(
            f"{POSTGRES_ENV}: refusing to drop database {name!r}; use a name with 'bench'"
        )
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")

    def run(statement: str) -> None:
        try:
            with admin.connect() as connection:
                connection.execute(text(statement))
        except SQLAlchemyError as error:
            raise BenchError(f"PostgreSQL: {str(error).splitlines()[0]}") from None

    try:
        run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        run(f'CREATE DATABASE "{name}"')
        yield target.render_as_string(hide_password=False)
    finally:
        try:
            run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            admin.dispose()


def measure(
    instance: Instance, label: str, big: Path, small: Path
) -> tuple[float, list[str], list[str]]:
    run_minka(instance, "db", "upgrade")
    run_minka(instance, "demo", "load")
    full = import_census(instance, big)
    problems = [f"{label}: {problem}" for problem in check_summary(full, ROWS)]
    again = import_census(instance, small)
    problems += [f"{label} (small file): {problem}" for problem in check_summary(again, SMALL_ROWS)]
    details = [
        f"{label:<10} {full.seconds:6.1f} s  {ROWS / full.seconds:>9,.0f} rows/s  "
        f"peak RSS {megabytes(full.peak_rss_kib):6.1f} MB  ({ROWS:,} rows)",
        f"{'':<10} {again.seconds:6.1f} s  {SMALL_ROWS / again.seconds:>9,.0f} rows/s  "
        f"peak RSS {megabytes(again.peak_rss_kib):6.1f} MB  ({SMALL_ROWS:,} more rows, for memory)",
    ]
    return full.seconds, details, problems


def run() -> Result:
    postgres_url = os.environ.get(POSTGRES_ENV, "")
    with throwaway_instance() as instance:
        big = instance.directory / "census.csv"
        small = instance.directory / "census-small.csv"
        started = time.perf_counter()
        write_census(big, 0, ROWS, seed=1)
        write_census(small, ROWS, SMALL_ROWS, seed=2)
        details = [
            f"generated {big.stat().st_size / 1e6:.1f} MB of CSV in "
            f"{time.perf_counter() - started:.1f} s"
        ]
        seconds, lines, problems = measure(instance, "SQLite", big, small)
        details += lines
        worst = seconds
        if postgres_url:
            with postgres_database(postgres_url) as url:
                on_postgres = dataclasses.replace(
                    instance, env={**instance.env, "MINKA_DATABASE_URL": url}
                )
                seconds, lines, more = measure(on_postgres, "PostgreSQL", big, small)
            details += lines
            problems += more
            worst = max(worst, seconds)
        else:
            details.append(f"PostgreSQL skipped: set {POSTGRES_ENV} to run it too")
    return Result(
        name=NAME, value=worst, budget=BUDGET_SECONDS, unit="s", details=details, problems=problems
    )
