"""Polls: casting web ballots from concurrent clients, and publishing the results, on PostgreSQL.

``python -m bench polls [--ballots 200000] [--total 1000000] [--threads 8] [--processes 2]
[--rounds 4]``

A fresh database (MINKA_BENCH_POSTGRES_URL's server, database ``minka_bench_polls``) is
migrated and given a census and verified residents by COPY. Two identical open polls of three
questions (one answer, up to two, a ranking) receive the same votes from the same voters:

- through the service — ``web_voter`` + ``cast_web_ballot`` in a session of its own per vote,
  committed, exactly what the ballot route does after parsing the form;
- as bare INSERTs — the same roll row and ballot row per vote, one transaction per vote, the
  same number of client threads, rows prepared beforehand.

Both sides run their client threads in as many processes (``--processes``, by default one per
CPU), as a deployment runs ``minka serve --workers N``: one Python process is held to one CPU by
its interpreter lock, which a driver sending bare INSERTs never reaches but the route does.

The two alternate in rounds so that both see tables of the same size. Then a tenth of the
voters vote again (replacements), the results are counted (``count_poll``) and published
(``close_poll``) at the run's size, and again after ballots are added by COPY up to ``--total``.
Targets (issue 5): the service casts at least half as many votes per second as bare INSERTs
write, and the results of a million ballots are published in under 2 seconds. See
bench/README.md.
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import os
import random
import secrets
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import psycopg
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url

from app.db import make_engine, make_sessionmaker
from app.polls.ballots import TAG_LENGTH
from app.tokens import keyed_digest
from bench._harness import BenchError
from bench.census_import import postgres_database
from bench.polls_data import (
    PollShape,
    create_instance,
    create_poll,
    dni_digest,
    encode_choices,
    load_people,
    random_choices,
    receipt_code,
)
from bench.polls_service import ServiceClient

POSTGRES_ENV = "MINKA_BENCH_POSTGRES_URL"
POSTGRES_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DATABASE = "minka_bench_polls"
RATIO_TARGET = 0.5
REPLACING = 0.1


@dataclass(frozen=True)
class Options:
    ballots: int
    total: int
    threads: int
    rounds: int
    profile: int
    processes: int = 1


@dataclass
class Report:
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def add(self, label: str, figure: str, target: str = "", verdict: str = "") -> None:
        self.rows.append((label, figure, target, verdict))
        print(f"  {label}: {figure} {target} {verdict}".rstrip(), flush=True)


def concurrently(
    threads: int,
    items: Sequence[int],
    work: Callable[[Any, int], None],
    open_client: Callable[[], Any],
    close_client: Callable[[Any], None],
) -> float:
    """Run ``work(client, item)`` for every item from ``threads`` threads; return seconds."""
    taken = iter(items)
    lock = threading.Lock()
    failures: list[BaseException] = []

    def worker() -> None:
        client = open_client()
        try:
            while not failures:
                with lock:
                    item = next(taken, None)
                if item is None:
                    return
                work(client, item)
        except BaseException as error:  # reported once every thread has stopped
            failures.append(error)
        finally:
            close_client(client)

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(worker) for _ in range(threads)]:
            future.result()
    elapsed = time.perf_counter() - started
    if failures:
        raise BenchError(f"a client failed: {failures[0]!r}")
    return elapsed


@dataclass(frozen=True)
class Spent:
    seconds: float  # wall, from when every process was ready until the last one finished
    cpu: float  # client CPU seconds, all processes
    statements: int  # statements sent, all processes


def in_processes(
    processes: int,
    threads: int,
    items: Sequence[int],
    engine: Engine,
    client: Any,
    counter: Iterator[int],
) -> Spent:
    """``concurrently`` in ``processes`` forked processes sharing ``threads`` client threads;
    each takes every ``processes``-th item. The clock starts once all have forked."""
    if processes == 1:
        before, cpu = next(counter), time.process_time()
        seconds = concurrently(threads, items, client.vote, client.open, client.close)
        return Spent(seconds, time.process_time() - cpu, next(counter) - before - 1)
    context = multiprocessing.get_context("fork")
    ready, go, results = context.Queue(), context.Event(), context.Queue()
    share = max(1, threads // processes)

    def child(part: Sequence[int]) -> None:
        engine.dispose(close=False)  # the parent's pooled connections stay the parent's
        before, cpu = next(counter), time.process_time()
        ready.put(True)
        go.wait()
        try:
            concurrently(share, part, client.vote, client.open, client.close)
            failure = ""
        except BenchError as error:
            failure = str(error)
        results.put((time.process_time() - cpu, next(counter) - before - 1, failure))

    children = [
        context.Process(target=child, args=(items[number::processes],))
        for number in range(processes)
    ]
    for process in children:
        process.start()
    for _ in children:
        ready.get(timeout=60)
    started = time.perf_counter()
    go.set()
    finished = [results.get() for _ in children]
    seconds = time.perf_counter() - started
    for process in children:
        process.join()
    failures = [failure for _cpu, _statements, failure in finished if failure]
    if failures:
        raise BenchError(failures[0])
    return Spent(
        seconds,
        sum(cpu for cpu, _statements, _failure in finished),
        sum(statements for _cpu, statements, _failure in finished),
    )


class BareClient:
    """The baseline: a raw driver connection, two INSERTs and a COMMIT per vote."""

    def __init__(
        self, engine: Engine, tenant_id: int, shape: PollShape, ballots: dict[int, str]
    ) -> None:
        key = secrets.token_bytes(32)
        rng = random.Random(7)
        today = date.today()
        self.engine = engine
        # Everything is prepared before the clock starts: only the database work is timed.
        self.rows = {
            voter: (
                (tenant_id, shape.poll_id, dni_digest(voter), "web", today),
                (
                    receipt_code(rng),
                    tenant_id,
                    shape.poll_id,
                    "web",
                    choices,
                    keyed_digest(key, str(shape.poll_id), dni_digest(voter))[:TAG_LENGTH],
                ),
            )
            for voter, choices in ballots.items()
        }

    def open(self) -> Any:
        return self.engine.raw_connection()

    @staticmethod
    def close(connection: Any) -> None:
        connection.close()

    def vote(self, connection: Any, voter: int) -> None:
        roll, ballot = self.rows[voter]
        cursor = connection.cursor()
        cursor.execute(
            "INSERT INTO poll_voters (tenant_id, poll_id, voter_key, channel, voted_on) "
            "VALUES (%s, %s, %s, %s, %s)",
            roll,
        )
        cursor.execute(
            "INSERT INTO poll_ballots (receipt, tenant_id, poll_id, channel, choices, "
            "replace_tag) VALUES (%s, %s, %s, %s, %s, %s)",
            ballot,
        )
        cursor.close()
        connection.commit()


def count_rows(engine: Engine, poll_id: int) -> tuple[int, int]:
    with engine.connect() as connection:
        voters = connection.scalar(
            text("SELECT count(*) FROM poll_voters WHERE poll_id = :p"), {"p": poll_id}
        )
        ballots = connection.scalar(
            text("SELECT count(*) FROM poll_ballots WHERE poll_id = :p"), {"p": poll_id}
        )
    return int(voters or 0), int(ballots or 0)


def count_statements(engine: Engine, counter: Iterator[int]) -> None:
    """Count every statement sent on the engine's connections, SQLAlchemy's and those the
    ballot code runs on psycopg's cursor itself (app.polls.ballot_plan), by giving each new
    connection a cursor class that counts."""

    class CountingCursor(psycopg.Cursor[Any]):
        def execute(self, *args: Any, **kwargs: Any) -> Any:
            next(counter)
            return super().execute(*args, **kwargs)

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.cursor_factory = CountingCursor

    event.listen(engine, "connect", on_connect)


def measure_casting(
    engine: Engine, service: ServiceClient, bare: BareClient, options: Options, report: Report
) -> None:
    voters = list(range(options.ballots))
    size = -(-len(voters) // options.rounds)
    spent = {"service": 0.0, "bare": 0.0}
    cpu_spent = {"service": 0.0, "bare": 0.0}
    per_vote: list[float] = []
    for number in range(options.rounds):
        chunk = voters[number * size : (number + 1) * size]
        # Alternating keeps both on tables (and indexes) of about the same size.
        figures = {}
        for label, client in (("bare", bare), ("service", service)):
            figures[label] = in_processes(
                options.processes, options.threads, chunk, engine, client, service.statements
            )
            spent[label] += figures[label].seconds
            cpu_spent[label] += figures[label].cpu
        per_vote.append(figures["service"].statements / max(len(chunk), 1))
        print(
            f"  round {number + 1}: {len(chunk):,} votes, bare "
            f"{len(chunk) / figures['bare'].seconds:,.0f}/s, service "
            f"{len(chunk) / figures['service'].seconds:,.0f}/s",
            flush=True,
        )
    service_rate = options.ballots / spent["service"]
    bare_rate = options.ballots / spent["bare"]
    ratio = service_rate / bare_rate
    report.add("(b) bare INSERT, roll + ballot row per transaction", f"{bare_rate:,.0f} votes/s")
    report.add("(a) cast_online (the ballot route), committed", f"{service_rate:,.0f} votes/s")
    report.add(
        "    ratio a/b",
        f"{ratio:.2f}",
        f"≥ {RATIO_TARGET}",
        "PASS" if ratio >= RATIO_TARGET else "FAIL",
    )
    if ratio < RATIO_TARGET:
        report.problems.append(f"casting runs at {ratio:.2f} of bare INSERTs")
    report.notes.append(
        f"service: {max(per_vote):.1f} SQL statements per vote (COMMIT not counted); client "
        f"CPU per vote (all client threads and processes): service "
        f"{cpu_spent['service'] * 1000 / options.ballots:.2f} ms, bare "
        f"{cpu_spent['bare'] * 1000 / options.ballots:.2f} ms"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench polls",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--ballots", type=int, default=200_000)
    parser.add_argument("--total", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=8, help="client threads in all")
    parser.add_argument(
        "--processes",
        type=int,
        default=os.cpu_count() or 1,
        help="client processes sharing the threads, on both sides (default: one per CPU)",
    )
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="VOTES",
        help="also profile VOTES service votes in one thread (cProfile)",
    )
    args = parser.parse_args(argv)
    if args.total < args.ballots or args.ballots < args.rounds:
        parser.error("--total must be at least --ballots, which must be at least --rounds")
    if not 1 <= args.processes <= args.threads:
        parser.error("--processes must be between 1 and --threads")
    options = Options(
        args.ballots, args.total, args.threads, args.rounds, args.profile, args.processes
    )
    server = make_url(os.environ.get(POSTGRES_ENV) or POSTGRES_DEFAULT)
    url = server.set(database=DATABASE).render_as_string(hide_password=False)
    try:
        with postgres_database(url) as created:
            report = run(created, options)
    except BenchError as error:
        print(f"  ERROR: {error}", file=sys.stderr)
        return 1
    print_report(report)
    return 1 if report.problems else 0


def run(url: str, options: Options) -> Report:
    from bench.polls_tally import measure_tally

    report = Report()
    started = time.perf_counter()
    tenant_id, zone_ids = create_instance(url)
    census = options.total + options.profile + options.total // 5
    load_people(url, tenant_id, options.ballots + options.profile, census, seed=5)
    service_poll = create_poll(url, tenant_id, zone_ids, "Consulta por el servicio")
    bare_poll = create_poll(url, tenant_id, zone_ids, "Consulta por INSERT directo")
    print(
        f"  generated {census:,} census entries, {options.ballots:,} residents in "
        f"{time.perf_counter() - started:.1f} s",
        flush=True,
    )
    rng = random.Random(11)
    choices = {voter: random_choices(rng, service_poll) for voter in range(options.ballots)}
    # The bare poll's question and answer ids differ: the same choices, mapped by position.
    questions = dict(zip(*(question_ids(poll) for poll in (service_poll, bare_poll)), strict=True))
    answers = dict(zip(*(answer_ids(poll) for poll in (service_poll, bare_poll)), strict=True))
    bare_texts = {
        voter: encode_choices(
            bare_poll, {questions[q]: [answers[a] for a in chosen] for q, chosen in ballot.items()}
        )
        for voter, ballot in choices.items()
    }
    engine = make_engine(url, pool_size=options.threads, max_overflow=options.threads)
    counter = itertools.count()
    count_statements(engine, counter)
    secret = secrets.token_urlsafe(48)
    try:
        service = ServiceClient(
            make_sessionmaker(engine), tenant_id, service_poll, secret, choices, counter
        )
        bare = BareClient(engine, tenant_id, bare_poll, bare_texts)
        report.notes.append(settings_note(engine, options))
        measure_casting(engine, service, bare, options, report)
        measure_replacements(service, rng, options, report)
        for poll, label in ((service_poll, "service"), (bare_poll, "bare")):
            voters, ballots = count_rows(engine, poll.poll_id)
            if voters != options.ballots or ballots != options.ballots:
                report.problems.append(
                    f"{label} poll: {voters:,} roll rows and {ballots:,} ballots, "
                    f"expected {options.ballots:,} of each"
                )
        if options.profile:
            report.notes.append(
                service.profile(range(options.ballots, options.ballots + options.profile))
            )
        measure_tally(url, engine, tenant_id, service_poll, bare_poll, options, report)
    finally:
        engine.dispose()
    return report


def question_ids(shape: PollShape) -> list[int]:
    return [question_id for question_id, _kind, _answers, _most in shape.questions]


def answer_ids(shape: PollShape) -> list[int]:
    return [answer for _id, _kind, answers, _most in shape.questions for answer in answers]


def measure_replacements(
    service: ServiceClient, rng: random.Random, options: Options, report: Report
) -> None:
    again = sorted(rng.sample(range(options.ballots), int(options.ballots * REPLACING)))
    service.new_minds(again, rng)
    seconds = concurrently(options.threads, again, service.vote, service.open, service.close)
    report.add(
        f"(c) replacement votes ({len(again):,} voters vote again)",
        f"{len(again) / seconds:,.0f} votes/s",
    )


def settings_note(engine: Engine, options: Options) -> str:
    with engine.connect() as connection:
        values = {
            name: connection.exec_driver_sql(f"SHOW {name}").scalar()
            for name in ("server_version", "synchronous_commit", "fsync", "shared_buffers")
        }
    one, five, _ = os.getloadavg()
    return (
        f"PostgreSQL {values['server_version']} (synchronous_commit "
        f"{values['synchronous_commit']}, fsync {values['fsync']}, shared_buffers "
        f"{values['shared_buffers']}); {options.threads} client threads in "
        f"{options.processes} processes; load average "
        f"{one:.1f}/{five:.1f} on {os.cpu_count()} cores; {datetime.now(UTC):%Y-%m-%d}"
    )


def print_report(report: Report) -> None:
    header = ("figure", "measured", "target", "result")
    rows = [header, *report.rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    print()
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    for note in report.notes:
        print(f"note: {note}")
    for problem in report.problems:
        print(f"PROBLEM: {problem}")
