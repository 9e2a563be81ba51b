"""Forgetting what sign-in no longer needs: ended sessions, spent links, old throttle counts.

Run hourly for every instance by the job worker (app.jobs.tasks). Nothing here is needed once
it has ended: a session past its expiry or signed out cannot be used again, a link used or
expired cannot be followed again, and a failed attempt older than the longest throttle window
counts for nothing. What happened stays in the audit log, which this does not touch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from app.accounts.models import AccountToken, ThrottleEvent, UserSession
from app.accounts.throttle import LIMITS

# Kept a little while after ending, for an administrator looking into a sign-in problem.
KEEP_ENDED = timedelta(days=7)


@dataclass(frozen=True)
class Purged:
    sessions: int
    tokens: int
    throttle_events: int


def purge_ended_records(session: Session, now: datetime) -> Purged:
    """Delete the instance's (the session's tenant's) ended sessions and tokens and the throttle
    events no window counts any more."""
    ended_before = now - KEEP_ENDED
    sessions = session.execute(
        delete(UserSession)
        .where(or_(UserSession.expires_at < ended_before, UserSession.revoked_at < ended_before))
        .execution_options(synchronize_session=False)
    )
    tokens = session.execute(
        delete(AccountToken)
        .where(or_(AccountToken.expires_at < ended_before, AccountToken.used_at < ended_before))
        .execution_options(synchronize_session=False)
    )
    longest = max(window for _allowed, window in LIMITS.values())
    events = session.execute(
        delete(ThrottleEvent)
        .where(ThrottleEvent.created_at < now - longest)
        .execution_options(synchronize_session=False)
    )
    return Purged(
        sessions.rowcount,  # type: ignore[attr-defined]
        tokens.rowcount,  # type: ignore[attr-defined]
        events.rowcount,  # type: ignore[attr-defined]
    )
