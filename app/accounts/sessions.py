"""Server-side login sessions: the signed cookie holds only a random id, revocable at logout."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
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
    session.execute(
        update(UserSession)
        .where(UserSession.id == session_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def end_all_sessions(session: Session, user_id: int) -> None:
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
