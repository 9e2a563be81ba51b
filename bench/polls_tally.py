"""The counting side of the polls benchmark: ``count_poll`` and ``close_poll`` by poll size."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

from app.db import bind_tenant, make_sessionmaker
from app.polls.closing import close_poll, erase_replacement_tags
from app.polls.models import Poll
from app.polls.results import PollResults
from app.polls.tally import count_poll
from bench.polls_data import PollShape, load_extra_ballots
from bench.polls_service import now

if TYPE_CHECKING:
    from bench.polls import Options, Report

REPEATS = 3
PUBLISH_BUDGET = 2.0


def timed_count(engine: Engine, tenant_id: int, poll_id: int) -> list[float]:
    """``count_poll`` in a fresh session each time (nothing cached between runs)."""
    factory = make_sessionmaker(engine)
    seconds = []
    for _ in range(REPEATS):
        session = bind_tenant(factory(), tenant_id)
        try:
            started = time.perf_counter()
            poll = session.get(Poll, poll_id)
            assert poll is not None
            count_poll(session, poll)
            seconds.append(time.perf_counter() - started)
            session.rollback()
        finally:
            session.close()
    return seconds


@contextmanager
def statement_times(engine: Engine) -> Iterator[list[tuple[float, str]]]:
    """(seconds, statement) of every SQL statement the engine runs inside the block."""
    timings: list[tuple[float, str]] = []
    starts: list[float] = []

    def before(*_args: Any) -> None:
        starts.append(time.perf_counter())

    def after(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        timings.append((time.perf_counter() - starts.pop(), " ".join(statement.split())[:70]))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield timings
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def slowest(timings: list[tuple[float, str]], count: int = 4) -> str:
    return "; ".join(f"{seconds:.2f} s {sql}" for seconds, sql in sorted(timings)[::-1][:count])


def timed_close(engine: Engine, tenant_id: int, poll_id: int) -> tuple[float, Session]:
    """Publishing: ``close_poll`` and its commit, as the periodic task runs it."""
    with engine.begin() as connection:  # the poll's time is up (close_poll refuses otherwise)
        connection.execute(
            text("UPDATE polls SET closes_at = now() - interval '1 second' WHERE id = :poll"),
            {"poll": poll_id},
        )
    session = bind_tenant(make_sessionmaker(engine)(), tenant_id)
    started = time.perf_counter()
    poll = session.get(Poll, poll_id)
    assert poll is not None
    close_poll(session, poll, now())
    session.commit()
    return time.perf_counter() - started, session


def timed_erasure(engine: Engine, tenant_id: int) -> tuple[float, int, float]:
    """The hashes blanked after closing, a batch per transaction as the periodic task does:
    total seconds, batches, the slowest batch's seconds."""
    factory = make_sessionmaker(engine)
    batches: list[float] = []
    while True:
        session = bind_tenant(factory(), tenant_id)
        try:
            started = time.perf_counter()
            done = erase_replacement_tags(session)
            session.commit()
            batches.append(time.perf_counter() - started)
        finally:
            session.close()
        if done == 0:
            return sum(batches), len(batches) - 1, max(batches)


def check_closed(session: Session, poll_id: int, ballots: int, report: Report) -> None:
    poll = session.get(Poll, poll_id)
    session.close()
    if poll is None or poll.closed_at is None or not poll.results_json:
        report.problems.append(f"poll {poll_id} is not closed with results after close_poll")
    elif poll.ballot_salt is not None:
        report.problems.append(f"poll {poll_id} kept its ballot salt after close_poll")
    elif (counted := PollResults.from_json(poll.results_json).ballots) != ballots:
        report.problems.append(f"poll {poll_id}: {counted:,} ballots counted, not {ballots:,}")


def measure_tally(
    url: str,
    engine: Engine,
    tenant_id: int,
    service_poll: PollShape,
    bare_poll: PollShape,
    options: Options,
    report: Report,
) -> None:
    budget = f"< {PUBLISH_BUDGET:.0f} s at {options.total:,}"
    counted = timed_count(engine, tenant_id, service_poll.poll_id)
    report.add(f"(d) count_poll, {options.ballots:,} ballots", spread(counted))
    closing, session = timed_close(engine, tenant_id, bare_poll.poll_id)
    check_closed(session, bare_poll.poll_id, options.ballots, report)
    report.add(f"(d) close_poll + commit, {options.ballots:,} ballots", f"{closing:.2f} s")
    extra = options.total - options.ballots
    started = time.perf_counter()
    first = options.ballots + options.profile
    load_extra_ballots(url, tenant_id, service_poll, first, extra, seed=13)
    print(f"  loaded {extra:,} more ballots by COPY in {time.perf_counter() - started:.1f} s")
    with statement_times(engine) as timings:
        counted = timed_count(engine, tenant_id, service_poll.poll_id)
    report.add(f"(d) count_poll, {options.total:,} ballots", spread(counted))
    report.notes.append(
        f"count_poll at {options.total:,} (3 runs), slowest statements: {slowest(timings, 6)}"
    )
    with statement_times(engine) as timings:
        closing, session = timed_close(engine, tenant_id, service_poll.poll_id)
    # The profiled votes (--profile) went into the same poll.
    check_closed(session, service_poll.poll_id, options.total + options.profile, report)
    report.notes.append(f"close_poll at {options.total:,}, slowest statements: {slowest(timings)}")
    passed = closing < PUBLISH_BUDGET
    report.add(
        f"(d) close_poll + commit, {options.total:,} ballots",
        f"{closing:.2f} s",
        budget,
        "PASS" if passed else "FAIL",
    )
    if not passed:
        report.problems.append(f"publishing {options.total:,} ballots took {closing:.2f} s")
    seconds, batches, slowest_batch = timed_erasure(engine, tenant_id)
    report.add(
        f"(d) hashes blanked after closing, {options.total + options.ballots:,} ballots",
        f"{seconds:.1f} s in {batches} batches (slowest {slowest_batch:.1f} s)",
    )
    with engine.connect() as connection:
        left = connection.scalar(
            text("SELECT count(*) FROM poll_ballots WHERE replace_tag IS NOT NULL")
        )
        ballots = connection.scalar(
            text("SELECT count(*) FROM poll_ballots WHERE poll_id = :p"),
            {"p": service_poll.poll_id},
        )
    if left or ballots != options.total + options.profile:
        report.problems.append(f"after erasure: {left} hashes left, {ballots:,} ballots")


def spread(seconds: list[float]) -> str:
    return f"{min(seconds):.2f} s (best of {len(seconds)}; worst {max(seconds):.2f} s)"
