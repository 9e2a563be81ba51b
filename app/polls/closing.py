"""Closing a poll: the moment ballot secrecy becomes permanent and the results are counted.

``close_poll`` marks the poll closed, destroys the salt behind the replacement hashes, erases
every hash and stores the count. It runs every minute for each instance (job worker) and from
``minka polls close-due``; a ballot arriving after ``closes_at`` is refused even before.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.db import TENANT_KEY
from app.jobs.periodic import periodic_task
from app.polls.errors import PollStillOpen
from app.polls.models import Poll, PollBallot
from app.polls.tally import count_poll


def close_poll(session: Session, poll: Poll, now: datetime) -> None:
    """Close a poll whose time is up; closing one already closed does nothing.

    The first statement updates the poll's row, so it waits for ballots being cast (they
    share-lock that row) and every later ballot finds the poll closed: the tags erased and
    the count below see every ballot that was accepted.
    """
    if poll.closed_at is not None:
        return
    closes_at = poll.closes_at if poll.closes_at.tzinfo else poll.closes_at.replace(tzinfo=UTC)
    if now < closes_at:
        raise PollStillOpen()
    closed = session.execute(
        update(Poll)
        .where(Poll.id == poll.id, Poll.closed_at.is_(None))
        .values(closed_at=now, ballot_salt=None)
        .execution_options(synchronize_session=False)
    )
    session.refresh(poll)
    if closed.rowcount != 1:  # type: ignore[attr-defined]
        return  # another worker closed it meanwhile
    session.execute(
        update(PollBallot)
        .where(PollBallot.poll_id == poll.id, PollBallot.replace_tag.is_not(None))
        .values(replace_tag=None)
        .execution_options(synchronize_session=False)
    )
    poll.results_json = count_poll(session, poll, now).to_json()
    session.flush()


def due_polls(session: Session, now: datetime) -> list[Poll]:
    """Published polls of the session's instance whose closing time has passed, still open."""
    statement = (
        select(Poll)
        .where(Poll.closed_at.is_(None), Poll.published_at.is_not(None), Poll.closes_at <= now)
        .order_by(Poll.closes_at, Poll.id)
    )
    return list(session.scalars(statement))


@periodic_task("close_due_polls", timedelta(minutes=1))
def close_due_polls(session: Session, now: datetime) -> int:
    """Close every due poll of the session's instance; returns how many were closed."""
    assert session.info.get(TENANT_KEY) is not None
    polls = due_polls(session, now)
    for poll in polls:
        close_poll(session, poll, now)
    return len(polls)
