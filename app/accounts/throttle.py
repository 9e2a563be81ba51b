"""Counting failed logins and reset requests in the database, so every worker sees them."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from app.accounts.models import ThrottleEvent
from app.db import utcnow

# kind: (events allowed, within this window)
LIMITS: dict[str, tuple[int, timedelta]] = {
    "login_account": (5, timedelta(minutes=15)),
    "login_address": (30, timedelta(minutes=15)),
    "reset_account": (3, timedelta(hours=1)),
    "reset_address": (10, timedelta(hours=1)),
    "verify_account": (5, timedelta(hours=1)),
    "verify_address": (30, timedelta(hours=1)),
    "booth_lookup_account": (30, timedelta(hours=1)),
}


def _key(value: str) -> str:
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()


def _serialize(session: Session, kind: str, key: str) -> None:
    """On PostgreSQL, requests counting the same key queue up until the first one's commit,
    so parallel attempts cannot all read the same count. (SQLite already runs writing
    requests one at a time: they begin IMMEDIATE.)"""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"{kind}:{key}"}
        )


def is_throttled(session: Session, kind: str, value: str) -> bool:
    allowed, window = LIMITS[kind]
    _serialize(session, kind, _key(value))
    count = session.scalar(
        select(func.count())
        .select_from(ThrottleEvent)
        .where(
            ThrottleEvent.kind == kind,
            ThrottleEvent.key_digest == _key(value),
            ThrottleEvent.created_at > utcnow() - window,
        )
    )
    return (count or 0) >= allowed


def note_event(session: Session, kind: str, value: str) -> None:
    session.add(ThrottleEvent(kind=kind, key_digest=_key(value), created_at=utcnow()))
    session.flush()


def forget_events(session: Session, kind: str, value: str) -> None:
    session.execute(
        delete(ThrottleEvent).where(
            ThrottleEvent.kind == kind, ThrottleEvent.key_digest == _key(value)
        )
    )
