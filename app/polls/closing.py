"""Closing a poll: the moment ballot secrecy becomes permanent and the results are counted.

``close_poll`` marks the poll closed, destroys the salt behind the replacement hashes and
stores the count. Without the salt no one can compute a hash again, whatever else they hold;
``erase_replacement_tags`` then blanks the hashes themselves, in batches, because rewriting a
million rows takes far longer than the count. Both run every minute for each instance (job
worker) and from ``minka polls close-due``; a ballot arriving after ``closes_at`` is refused
even before.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from app.db import TENANT_KEY
from app.jobs.periodic import periodic_task
from app.polls.errors import PollStillOpen
from app.polls.models import Poll, PollBallot
from app.polls.tally import count_poll

# Ballots rewritten without their hash per run of the periodic task. On PostgreSQL a batch
# (about ten seconds for 50,000 on the benchmark machine) blocks no one, and a poll with a
# million web ballots is clean within about twenty minutes. SQLite holds its one write lock
# meanwhile, so there a batch must stay around a second.
TAG_BATCH = 50_000
TAG_BATCH_SQLITE = 5_000


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
    rewrite_booth_ballots(session, poll)
    poll.results_json = count_poll(session, poll, now).to_json()
    session.flush()


def rewrite_booth_ballots(session: Session, poll: Poll) -> None:
    """Write the poll's tablet and paper ballots again in receipt-code order.

    A tablet ballot is stored right after its voter was marked at the booth, so while the poll
    is open the ballots' physical order (SQLite's ``rowid``, PostgreSQL's ``ctid``) follows the
    booth's roll entries. They carry no replacement hash, so ``erase_replacement_tags`` never
    rewrites them; a booth takes a few thousand at most, so it is done here, at once.
    """
    booth_ballots = (PollBallot.poll_id == poll.id, PollBallot.channel != "web")
    rows = session.execute(
        select(
            PollBallot.receipt,
            PollBallot.poll_id,
            PollBallot.channel,
            PollBallot.booth_id,
            PollBallot.choices,
            PollBallot.tenant_id,
            PollBallot.replace_tag,
        )
        .where(*booth_ballots)
        .order_by(PollBallot.receipt)
    ).all()
    if not rows:
        return
    session.execute(
        delete(PollBallot).where(*booth_ballots).execution_options(synchronize_session=False)
    )
    session.execute(insert(PollBallot), [row._asdict() for row in rows])


def erase_replacement_tags(session: Session, limit: int | None = None) -> int:
    """Rewrite up to ``limit`` web ballots of the instance's closed polls without their hash;
    returns how many (fewer than ``limit``: none remain).

    Each batch is deleted and inserted again in receipt-code order, which is random: the new
    rows (SQLite's ``rowid``, PostgreSQL's physical position) no longer follow the order in
    which people voted, as they did while the poll was open (docs/polls.md).
    """
    if limit is None:
        sqlite = session.get_bind().dialect.name == "sqlite"
        limit = TAG_BATCH_SQLITE if sqlite else TAG_BATCH
    closed = select(Poll.id).where(Poll.closed_at.is_not(None))
    tagged = (PollBallot.poll_id.in_(closed), PollBallot.replace_tag.is_not(None))
    rows = session.execute(
        select(
            PollBallot.receipt,
            PollBallot.poll_id,
            PollBallot.channel,
            PollBallot.booth_id,
            PollBallot.choices,
            PollBallot.tenant_id,
        )
        .where(*tagged)
        .order_by(PollBallot.receipt)
        .limit(limit)
    ).all()
    if not rows:
        return 0
    # Closed polls take no web ballots, so the tagged ballots between the first and the last
    # code of the batch are exactly the batch.
    session.execute(
        delete(PollBallot)
        .where(*tagged, PollBallot.receipt.between(rows[0].receipt, rows[-1].receipt))
        .execution_options(synchronize_session=False)
    )
    session.execute(insert(PollBallot), [{**row._asdict(), "replace_tag": None} for row in rows])
    return len(rows)


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
    """Close every due poll of the session's instance, then blank a batch of the hashes of
    closed polls; returns how many polls were closed."""
    assert session.info.get(TENANT_KEY) is not None
    polls = due_polls(session, now)
    for poll in polls:
        close_poll(session, poll, now)
    erase_replacement_tags(session)
    return len(polls)
