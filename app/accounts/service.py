"""Local accounts: registration, confirmation, sign-in with throttling, password reset,
profile, data export and deletion. Services flush; the request's session commits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.accounts import throttle
from app.accounts.models import AccountToken, User
from app.accounts.passwords import hash_password, needs_rehash, verify_password
from app.accounts.schemas import ProfileForm, RegistrationForm
from app.accounts.sessions import end_all_sessions
from app.audit.models import AuditEntry
from app.db import utcnow
from app.errors import DomainError, Invalid
from app.i18n import N_
from app.oidc.models import Identity
from app.tokens import digest, new_token
from app.verification.models import Resident

CONFIRM_LIFETIME = timedelta(days=3)
RESET_LIFETIME = timedelta(hours=1)


class SignInRefused(DomainError):
    status_code = 400
    message = N_("The email or the password is not correct.")


class TooManyAttempts(DomainError):
    status_code = 429
    message = N_("Too many attempts. Wait a few minutes and try again.")


@dataclass(frozen=True)
class Registration:
    """What to email: a confirmation link for a new account, or a notice to an existing one."""

    user: User
    confirm_token: str | None


def _issue_token(session: Session, user: User, purpose: str, lifetime: timedelta) -> str:
    token, token_digest = new_token()
    now = utcnow()
    session.add(
        AccountToken(
            token_digest=token_digest,
            user_id=user.id,
            purpose=purpose,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    session.flush()
    return token


def _consume_token(session: Session, token: str, purpose: str) -> User:
    """Mark a token used, atomically, so two clicks cannot both use it."""
    now = utcnow()
    found = session.scalars(
        select(AccountToken).where(
            AccountToken.token_digest == digest(token), AccountToken.purpose == purpose
        )
    ).one_or_none()
    used = session.execute(
        update(AccountToken)
        .where(
            AccountToken.token_digest == digest(token),
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if found is None or used.rowcount != 1:  # type: ignore[attr-defined]
        raise Invalid(N_("This link is not valid any more. Ask for a new one."))
    user = session.get(User, found.user_id)
    if user is None:
        raise Invalid(N_("This link is not valid any more. Ask for a new one."))
    return user


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == email)).one_or_none()


def register(session: Session, form: RegistrationForm, language: str) -> Registration:
    # Hash first, whatever happens next: a known address must take as long as a new one.
    password_hash = hash_password(form.password)
    existing = find_user_by_email(session, form.email)
    if existing is not None:
        return Registration(existing, None)
    user = User(
        email=form.email,
        display_name=form.display_name,
        password_hash=password_hash,
        language=language,
    )
    session.add(user)
    session.flush()
    return Registration(user, _issue_token(session, user, "confirm_email", CONFIRM_LIFETIME))


def confirm_email(session: Session, token: str) -> User:
    user = _consume_token(session, token, "confirm_email")
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    return user


def authenticate(session: Session, email: str, password: str, address: str) -> User:
    email = email.strip().lower()
    if throttle.is_throttled(session, "login_account", email) or throttle.is_throttled(
        session, "login_address", address
    ):
        raise TooManyAttempts()
    user = find_user_by_email(session, email)
    valid = verify_password(user.password_hash if user else None, password)
    if user is None or not valid or user.blocked_at is not None:
        throttle.note_event(session, "login_account", email)
        throttle.note_event(session, "login_address", address)
        raise SignInRefused()
    if user.email_confirmed_at is None:
        raise SignInRefused(N_("Confirm your email address first: we sent you a link."))
    assert user.password_hash is not None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    throttle.forget_events(session, "login_account", email)
    return user


def request_password_reset(session: Session, email: str, address: str) -> tuple[User, str] | None:
    """A reset token when the account exists and limits allow; the caller answers the same."""
    email = email.strip().lower()
    if throttle.is_throttled(session, "reset_account", email) or throttle.is_throttled(
        session, "reset_address", address
    ):
        return None
    throttle.note_event(session, "reset_account", email)
    throttle.note_event(session, "reset_address", address)
    user = find_user_by_email(session, email)
    if user is None or user.blocked_at is not None:
        return None
    return user, _issue_token(session, user, "reset_password", RESET_LIFETIME)


def reset_password(session: Session, token: str, password: str) -> User:
    user = _consume_token(session, token, "reset_password")
    session.execute(
        update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    user.password_hash = hash_password(password)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()  # the link proved the address
    end_all_sessions(session, user.id)
    return user


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise Invalid()
    return user


def update_profile(session: Session, user: User, form: ProfileForm) -> None:
    user.display_name = form.display_name
    user.gender = form.gender
    user.birth_year = form.birth_year
    user.geozone_id = form.geozone_id
    user.language = form.language
    session.flush()


def export_data(session: Session, user: User) -> dict[str, Any]:
    """Everything the platform holds about a person, for "download my data"."""
    from app.content.export import participation_of  # the features build on accounts

    resident = session.scalars(select(Resident).where(Resident.user_id == user.id)).one_or_none()
    identities = session.scalars(select(Identity).where(Identity.user_id == user.id)).all()
    actions = session.scalars(
        select(AuditEntry).where(AuditEntry.actor_id == user.id).order_by(AuditEntry.id)
    ).all()
    return {
        "account": {
            "display_name": user.display_name,
            "email": user.email,
            "email_confirmed_at": user.email_confirmed_at,
            "created_at": user.created_at,
            "last_login_at": user.last_login_at,
            "is_organization": user.is_organization,
        },
        "profile": {
            "gender": user.gender,
            "birth_year": user.birth_year,
            "geozone_id": user.geozone_id,
            "language": user.language,
            "email_notifications": user.email_notifications,
        },
        "participation": participation_of(session, user.id),
        "verification": (
            {"method": resident.method, "verified_at": resident.verified_at} if resident else None
        ),
        "identities": [{"issuer": i.issuer, "subject": i.subject} for i in identities],
        "staff_actions": [
            {"at": a.created_at, "action": a.action, "object": f"{a.object_type} {a.object_id}"}
            for a in actions
        ],
    }


# Features whose rows die with the account (votes cascade) register how to fix their counters.
ACCOUNT_DELETION_HOOKS: list[Callable[[Session, int], None]] = []


def delete_account(session: Session, user: User) -> None:
    """Remove the account. The resident (one voice per DNI) stays, detached, so a new account
    verified with the same DNI takes the same voice back instead of a second one."""
    end_all_sessions(session, user.id)
    for forget in ACCOUNT_DELETION_HOOKS:
        forget(session, user.id)
    session.delete(user)
    session.flush()
