"""Budget balloting under load: a heading's ballot page and adding projects, many residents.

``python -m bench budget-ballot [--database sqlite|postgresql] [--residents N] [--duration S]``

A fresh database is migrated and filled (bench/budget_ballot_data.py: La Libertad's budget in
its balloting phase, a few thousand verified residents with login sessions, some ballots
already cast), Minka is served by ``minka serve`` (one uvicorn worker) next to a FastAPI "hello
world" (bench/hello_app.py), and autocannon (bench/loadtool.py) measures, each right after
hello world: GET of the region-wide heading's ballot page, every request by the next resident
in turn; and POST adding a project to the ballot, every request by a different resident. No
target is set by issue 6: figures are printed, and the run fails only on a problem (errors,
5xx, answers other than predicted, ballots that differ from what the answered adds make, a
ballot over its heading's amount). See bench/README.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench import loadtool
from bench._harness import (
    BenchError,
    Instance,
    Response,
    Server,
    new_client,
    serving,
    throwaway_instance,
)
from bench.budget_ballot_data import (
    DEFAULT,
    Add,
    Generated,
    Scale,
    ballots_in,
    ballots_over_amount,
    differences,
    generate,
)
from bench.census_import import postgres_database
from bench.loadtool import Figures
from bench.participation import (
    COOKIE,
    POSTGRES_DEFAULT,
    POSTGRES_ENV,
    Options,
    get,
    gunzip,
    load,
    load_average,
    post_form,
    server_errors,
    serving_hello,
    signed_in,
)
from bench.participation_report import table

NAME = "budget-ballot"
DATABASE = "minka_bench_budget_ballot"
ADD_WARMUP = 100
PAGE_WARMUP_PER_SECOND = 100  # GETs sent to warm up, per second of --warmup
MIN_MEASURED = 200  # requests, however slow the warm-up was

SCENARIOS = {
    "hello_page": "hello world (FastAPI, GET /), before the page",
    "page": "ballot page, region heading (GET, residents in turn)",
    "hello_add": "hello world (FastAPI, GET /), before adding",
    "add": "add a project (POST, a different resident each)",
}
RATIOS = (("page", "hello_page"), ("add", "hello_add"))


@dataclasses.dataclass
class Run:
    database: str
    generated: Generated
    figures: dict[str, Figures] = dataclasses.field(default_factory=dict)
    sent: int = 0  # adds sent (probe, warm-up, measured): data.adds[:sent]
    notes: list[str] = dataclasses.field(default_factory=list)
    problems: list[str] = dataclasses.field(default_factory=list)


@contextmanager
def database_for(instance: Instance, options: Options) -> Iterator[str]:
    if options.database == "sqlite":
        yield f"sqlite:///{instance.directory / 'budget_ballot.db'}"
        return
    server = make_url(os.environ.get(POSTGRES_ENV) or POSTGRES_DEFAULT)
    with postgres_database(server.set(database=DATABASE).render_as_string(False)) as created:
        yield created


def page(url: str, cookie: str) -> Response:
    headers = {"Accept-Encoding": "gzip", "Cookie": f"{COOKIE}={cookie}"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (a loopback http URL)
    try:
        with new_client().open(request, timeout=30) as response:
            return Response(url, response.status, list(response.headers.items()), response.read())
    except urllib.error.HTTPError as error:
        with error:
            return Response(url, error.code, list(error.headers.items()), error.read())


def add_path(data: Generated, add: Add) -> str:
    return f"/budgets/{data.budget_id}/ballot/{add.heading_id}/add"


def add_request(data: Generated, add: Add) -> dict[str, Any]:
    return {
        "method": "POST",
        "path": add_path(data, add),
        "headers": {
            "cookie": f"{COOKIE}={add.cookie}",
            "content-type": "application/x-www-form-urlencoded",
        },
        "body": f"csrf_token={add.csrf}&project_id={add.project_id}",
    }


def sized(warm: Figures, options: Options) -> int:
    """As many requests as the warm-up's rate sends in ``--duration`` seconds."""
    return max(MIN_MEASURED, round(warm.rps * options.duration))


def measure_page(base: str, run: Run, options: Options) -> None:
    data = run.generated
    path = f"/budgets/{data.budget_id}/ballot/{data.region.id}"
    first = data.adds[0]
    if not signed_in(base, first.cookie):
        raise BenchError("a minted session cookie does not sign in (has the format changed?)")
    probe = page(base + path, first.cookie)
    html = gunzip(probe).decode("utf-8", "replace")
    if probe.status != 200 or f'action="{path}/add"' not in html:
        raise BenchError(f"GET {path} answered {probe.status} without the forms to add projects")
    residents = len(data.adds)

    def requests(start: int, count: int) -> list[dict[str, Any]]:
        turn = (data.adds[(start + i) % residents] for i in range(count))
        return [get(path, add.cookie) for add in turn]

    warm_count = max(options.connections, round(PAGE_WARMUP_PER_SECOND * options.warmup))
    connections = options.connections
    warm = loadtool.drive(base, requests(0, warm_count), connections=connections, rotate=True)
    count = sized(warm, options)
    run.figures["page"] = loadtool.drive(
        base, requests(warm_count, count), connections=connections, rotate=True
    )
    heading = data.region
    run.notes.append(
        f"page: {path}, {len(heading.projects)} projects, {count:,} requests after "
        f"{warm_count:,} to warm up, by {min(residents, count):,} residents in turn; "
        f"{len(html.encode()) / 1000:.1f} KB uncompressed"
    )


def expect(figures: Figures, adds: list[Add], label: str, run: Run) -> None:
    """The answers must be those predicted: 303 for every add that fits, 422 for the rest."""
    fits = sum(add.fits for add in adds)
    wanted = {"303": fits, "422": len(adds) - fits}
    got = {code: figures.statuses.get(code, 0) for code in wanted}
    others = {code: n for code, n in figures.statuses.items() if code not in wanted}
    if got != wanted or others:
        run.problems.append(
            f"{label}: answers {figures.status_summary}, predicted 303×{fits} "
            f"422×{len(adds) - fits}"
        )


def measure_adds(base: str, run: Run, options: Options) -> None:
    data = run.generated
    probe = data.adds[0]
    response = post_form(
        new_client(),
        base + add_path(data, probe),
        {"csrf_token": probe.csrf, "project_id": str(probe.project_id)},
        probe.cookie,
    )
    run.sent = 1
    if response.status != (303 if probe.fits else 422):
        raise BenchError(
            f"POST {add_path(data, probe)} answered {response.status}, "
            f"predicted {303 if probe.fits else 422}"
        )
    warm = data.adds[1 : 1 + ADD_WARMUP]
    connections = options.connections
    warmed = loadtool.drive(
        base, [add_request(data, a) for a in warm], connections=connections, rotate=True
    )
    run.sent += len(warm)
    expect(warmed, warm, "add warm-up", run)
    left = len(data.adds) - run.sent
    measured = data.adds[run.sent : run.sent + min(left, sized(warmed, options))]
    figures = loadtool.drive(
        base, [add_request(data, a) for a in measured], connections=connections, rotate=True
    )
    run.sent += len(measured)
    run.figures["add"] = figures
    expect(figures, measured, "add", run)
    refused = sum(not add.fits for add in measured)
    run.notes.append(
        f"add: {len(measured):,} requests after {len(warm) + 1} to warm up, each by a "
        f"different verified resident to their province's heading; {refused:,} of them "
        f"predicted over the amount (422){'' if left > len(measured) else ' (every resident)'}"
    )


def run_scenarios(app: Server, hello: Server, run: Run, options: Options) -> None:
    run.figures["hello_page"] = load(hello.base_url, get("/"), options)
    measure_page(app.base_url, run, options)
    # Hello world again right before adding: other work on a shared machine comes and goes.
    run.figures["hello_add"] = load(hello.base_url, get("/"), options)
    measure_adds(app.base_url, run, options)


def check_database(url: str, run: Run) -> None:
    """The ballots are exactly those before plus every accepted add; none over its amount."""
    data = run.generated
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            found = ballots_in(connection)
            over = ballots_over_amount(connection)
            lines = connection.scalar(text("SELECT count(*) FROM budget_ballot_lines"))
    finally:
        engine.dispose()
    expected = data.expected(data.adds[: run.sent])
    run.problems += [f"after the run: {problem}" for problem in differences(expected, found)]
    if over:
        run.problems.append(f"{over:,} ballots cost more than their heading's amount")
    before = sum(len(chosen) for chosen in data.ballots.values())
    run.notes.append(
        f"ballots before → after: {len(data.ballots):,} → {len(found):,} "
        f"(lines {before:,} → {lines:,}); every ballot as the answered adds make it: "
        f"{found == expected}; ballots over their heading's amount: {over}"
    )


def measure(options: Options, scale: Scale) -> Run:
    label = "PostgreSQL" if options.database == "postgresql" else "SQLite"
    with throwaway_instance() as instance, database_for(instance, options) as url:
        print(f"== budget ballots on {label}: generating …", flush=True)
        generated = generate(url, scale, instance.env["MINKA_SECRET_KEY"])
        run = Run(label, generated)
        counts = ", ".join(f"{table} {n:,}" for table, n in generated.counts.items())
        print(f"  generated in {generated.seconds:.1f} s: {counts}", flush=True)
        on_database = dataclasses.replace(instance, env={**instance.env, "MINKA_DATABASE_URL": url})
        run.notes.append("load average before measuring: " + load_average())
        with serving(on_database) as app, serving_hello(instance) as hello:
            print("  measuring …", flush=True)
            run_scenarios(app, hello, run, options)
        log = instance.log_path.read_text(encoding="utf-8", errors="replace")
        run.problems += server_errors(log)
        run.notes.append("load average after measuring: " + load_average())
        check_database(url, run)
    return run


def print_report(run: Run) -> int:
    problems = list(run.problems)
    rows = [("scenario", "req/s", "p50 ms", "p99 ms", "KB/resp", "responses")]
    for key, label in SCENARIOS.items():
        figures = run.figures.get(key)
        if figures is None:
            rows.append((label, "-", "-", "-", "-", "not measured"))
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
        if figures.errors or figures.timeouts or figures.count("5"):
            problems.append(f"{label}: {figures.status_summary}")
    page = run.figures.get("page")
    if page is not None and set(page.statuses) != {"200"}:
        problems.append(f"{SCENARIOS['page']}: {page.status_summary}, not only 200")
    print(f"\n== budget ballots, {run.database}, {len(run.generated.adds):,} residents")
    for line in table(rows, right=(1, 2, 3, 4)):
        print(f"  {line}")
    for key, hello_key in RATIOS:
        figures, hello = run.figures.get(key), run.figures.get(hello_key)
        if figures is not None and hello is not None and hello.rps:
            print(
                f"  {SCENARIOS[key]}: {figures.rps:,.0f} / {hello.rps:,.0f} req/s = "
                f"{figures.rps / hello.rps:.3f} of hello world measured just before"
            )
    for note in run.notes:
        print(f"  note: {note}")
    print()
    for problem in problems:
        print(f"PROBLEM: {problem}")
    return 1 if problems else 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench budget-ballot", description=__doc__)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--residents", type=int, default=DEFAULT.residents, help="verified, signed in"
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per scenario")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before each")
    parser.add_argument("--connections", type=int, default=10)
    args = parser.parse_args(argv)
    if args.residents < 1 + ADD_WARMUP + MIN_MEASURED:
        parser.error(f"--residents must be at least {1 + ADD_WARMUP + MIN_MEASURED}")
    options = Options(args.database, args.duration, args.connections, args.warmup)
    scale = dataclasses.replace(DEFAULT, residents=args.residents)
    try:
        loadtool.ensure_installed()
        run = measure(options, scale)
    except BenchError as error:
        print(f"  ERROR: {error}", file=sys.stderr)
        return 1
    return print_report(run)
