"""Server-side login sessions: the signed cookie holds only a random id, revocable at logout.

Looking a session up costs a few queries, so each process keeps what it found for a few
seconds (``RecentLogins``). Ending sessions (logout, password change, blocking) forgets them
in this process at once and again after the commit, and so does any change to a person's
account, roles or verification written through the ORM here; another worker of the same
deployment may still accept an ended session, or show the old roles, until its entry expires,
``MINKA_CACHE_SECONDS`` at most.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from datetime import timedelta
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from app.accounts.models import User, UserSession
from app.authz.models import RoleAssignment
from app.authz.principal import Principal
from app.db import utcnow
from app.tokens import digest, new_token
from app.verification.models import Resident

SESSION_LIFETIME = timedelta(days=14)
SESSION_TOKEN_KEY = "sid"  # noqa: S105 - the cookie key that holds the login token
ACTING_KEY = "acting_for"  # id of the person a desk manager is acting for
SERVED_KEY = "desk_served"  # id of the person the desk identified by DNI in this visit
# Until when (Unix time) the person's own requests skip every cache: set after each of their
# writes, in the cookie, so it holds whichever worker serves them next.
FRESH_KEY = "fresh_until"
FORGET_AFTER_COMMIT = "minka_forget_logins"
MAX_REMEMBERED = 10_000


def start_session(session: Session, user: User, channel: str = "web") -> tuple[str, UserSession]:
    token, token_digest = new_token()
    now = utcnow()
    login = UserSession(
        token_digest=token_digest,
        user_id=user.id,
        created_at=now,
        expires_at=now + SESSION_LIFETIME,
        channel=channel,
    )
    user.last_login_at = now
    session.add(login)
    session.flush()
    return token, login


def end_session(session: Session, session_id: int) -> None:
    _forget(session, session_id=session_id)
    session.execute(
        update(UserSession)
        .where(UserSession.id == session_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def end_all_sessions(session: Session, user_id: int) -> None:
    _forget(session, user_id=user_id)
    session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def principal_for_token(session: Session, token: str) -> Principal | None:
    """The signed-in person for a session token, or None if it is unknown, expired or revoked."""
    row = session.execute(
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(
            UserSession.token_digest == digest(token),
            UserSession.revoked_at.is_(None),
            UserSession.expires_at > utcnow(),
            User.blocked_at.is_(None),
        )
    ).one_or_none()
    if row is None:
        return None
    login, user = row
    return principal_for_user(session, user, session_id=login.id)


def principal_for_user(session: Session, user: User, session_id: int | None = None) -> Principal:
    roles = session.scalars(select(RoleAssignment).where(RoleAssignment.user_id == user.id)).all()
    official = next((role for role in roles if role.role == "official"), None)
    resident_id = session.scalar(select(Resident.id).where(Resident.user_id == user.id))
    return Principal(
        user_id=user.id,
        display_name=user.display_name,
        email=user.email,
        is_organization=user.is_organization,
        roles=frozenset(role.role for role in roles),
        office=official.office if official else None,
        badge=official.badge if official else None,
        resident_id=resident_id,
        session_id=session_id,
    )


def acting_principal(session: Session, manager: Principal, person_id: object) -> Principal | None:
    """The person a desk manager acts for, stripped of any role: acting for someone lends
    their voice, never their powers. None unless the manager still is a desk manager."""
    if not manager.has_role("desk_manager") or not isinstance(person_id, int):
        return None
    person = session.get(User, person_id)
    if person is None or person.blocked_at is not None:
        return None
    return principal_for_user(session, person).model_copy(
        update={"roles": frozenset(), "office": None, "badge": None, "session_id": None}
    )


def is_fresh(cookie: dict[str, Any], now: float | None = None) -> bool:
    """Whether this person wrote something recently enough that caches could still hide it."""
    until = cookie.get(FRESH_KEY)
    return isinstance(until, int) and until > (time.time() if now is None else now)


class RecentLogins:
    """What a session token resolved to (any value), per instance, for ``seconds``.

    A lookup that started before an ending of sessions is not kept (``generation``), so a
    reader racing a logout in this process cannot put the ended session back.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.generation = 0
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[int, str], tuple[float, Principal, object]] = OrderedDict()
        _ALL_RECENT_LOGINS.add(self)

    def get(self, tenant_id: int, token: str) -> tuple[Principal, object] | None:
        entry = self._entries.get((tenant_id, digest(token)))
        if entry is None or entry[0] <= time.monotonic():
            return None
        return entry[1], entry[2]

    def put(
        self, tenant_id: int, token: str, principal: Principal, value: object, generation: int
    ) -> None:
        if self.seconds <= 0:
            return
        key = (tenant_id, digest(token))
        with self._lock:
            if generation != self.generation:
                return
            self._entries[key] = (time.monotonic() + self.seconds, principal, value)
            self._entries.move_to_end(key)
            while len(self._entries) > MAX_REMEMBERED:
                self._entries.popitem(last=False)

    def forget(self, *, session_id: int | None = None, user_id: int | None = None) -> None:
        with self._lock:
            self.generation += 1
            gone = [
                key
                for key, (_until, principal, _value) in self._entries.items()
                if (session_id is not None and principal.session_id == session_id)
                or (user_id is not None and principal.user_id == user_id)
            ]
            for key in gone:
                del self._entries[key]


_ALL_RECENT_LOGINS: weakref.WeakSet[RecentLogins] = weakref.WeakSet()


def _forget(session: Session, **which: int) -> None:
    for logins in list(_ALL_RECENT_LOGINS):
        logins.forget(**which)
    session.info.setdefault(FORGET_AFTER_COMMIT, []).append(which)


@event.listens_for(Session, "after_flush")
def _forget_changed_people(session: Session, _flush_context: object) -> None:
    """A person's account, roles or verification written through the ORM in this process:
    forget what was remembered of them once it is committed (other processes: the TTL)."""
    for row in (*session.new, *session.dirty, *session.deleted):
        if isinstance(row, User):
            user_id: object = row.id
        elif isinstance(row, RoleAssignment | Resident):
            user_id = row.user_id
        else:
            continue
        if isinstance(user_id, int):
            session.info.setdefault(FORGET_AFTER_COMMIT, []).append({"user_id": user_id})


@event.listens_for(Session, "after_commit")
def _forget_after_commit(session: Session) -> None:
    # Again once the ending is visible to every reader: one that read the session while the
    # ending was not committed yet may have kept it in between.
    for which in session.info.pop(FORGET_AFTER_COMMIT, []):
        for logins in list(_ALL_RECENT_LOGINS):
            logins.forget(**which)


@event.listens_for(Session, "after_soft_rollback")
def _nothing_to_forget(session: Session, previous_transaction: object) -> None:
    session.info.pop(FORGET_AFTER_COMMIT, None)
