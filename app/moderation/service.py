"""Reports from people and the decisions of moderators. Services flush; the request commits.

Hiding never deletes: ``hidden_at`` takes the content out of every list, page, search and API
answer, and restoring puts it back unchanged. Blocking an account hides all its content with
the very same timestamp as ``users.blocked_at``, so unblocking can later restore exactly what
the block hid (and nothing a moderator had hidden on its own merits before).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Executable, and_, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.models import User, UserSession
from app.accounts.sessions import end_all_sessions
from app.content.targets import TARGETS, TargetKind, load_target, target_kind
from app.db import utcnow
from app.errors import Conflict
from app.i18n import N_
from app.moderation.hooks import HOOKS
from app.moderation.models import Flag
from app.moderation.schemas import FlagForm


@dataclass(frozen=True)
class Decision:
    """What a moderator's action changed, for the flash message and the audit log."""

    changed: bool
    flags_reviewed: int
    reasons: dict[str, int] = field(default_factory=dict)


def report_content(
    session: Session, user_id: int, target_type: str, target_id: int, form: FlagForm
) -> bool:
    """Store one person's report; False when they had already reported this content.

    The unique constraint decides, inside a SAVEPOINT, so a double click or two tabs never
    raise an error nor undo the rest of the request.
    """
    flag = Flag(
        target_type=target_type,
        target_id=target_id,
        user_id=user_id,
        reason=form.reason,
        details=form.details,
        created_at=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(flag)
    except IntegrityError:
        return False
    return True


def _execute_update(session: Session, statement: Executable) -> int:
    """Run an UPDATE; the number of rows it changed."""
    return cast(CursorResult[Any], session.execute(statement)).rowcount


def _open_reasons(session: Session, target_type: str, target_id: int) -> dict[str, int]:
    rows = session.execute(
        select(Flag.reason, func.count(Flag.id))
        .where(
            Flag.target_type == target_type,
            Flag.target_id == target_id,
            Flag.reviewed_at.is_(None),
        )
        .group_by(Flag.reason)
    )
    return {reason: count for reason, count in rows}  # noqa: C416 - rows are Row pairs


def _review_flags(session: Session, where: ColumnElement[bool], now: datetime) -> int:
    statement = update(Flag).where(where, Flag.reviewed_at.is_(None)).values(reviewed_at=now)
    return _execute_update(session, statement)


def _flags_of(target_type: str, target_id: int) -> ColumnElement[bool]:
    return and_(Flag.target_type == target_type, Flag.target_id == target_id)


def _set_hidden(session: Session, kind: TargetKind, target: Any, when: datetime | None) -> bool:
    """Hide (``when`` set) or restore (None) one row; False when it already was so.

    The condition is in the UPDATE itself, so two moderators acting at once change the row
    (and move any counter through the hooks) only once.
    """
    model = kind.model
    current = model.hidden_at.is_(None) if when is not None else model.hidden_at.is_not(None)
    statement = update(model).where(model.id == target.id, current).values(hidden_at=when)
    if _execute_update(session, statement) != 1:
        return False
    hooks = HOOKS.get(kind.key)
    if hooks is not None:
        (hooks.hidden if when is not None else hooks.restored)(session, [target])
    return True


def hide_content(session: Session, target_type: str, target_id: int) -> Decision:
    kind = target_kind(target_type)
    target = load_target(session, target_type, target_id, include_hidden=True)
    reasons = _open_reasons(session, target_type, target_id)
    now = utcnow()
    changed = _set_hidden(session, kind, target, now)
    reviewed = _review_flags(session, _flags_of(target_type, target_id), now)
    return Decision(changed, reviewed, reasons)


def restore_content(session: Session, target_type: str, target_id: int) -> Decision:
    kind = target_kind(target_type)
    target = load_target(session, target_type, target_id, include_hidden=True)
    return Decision(_set_hidden(session, kind, target, None), 0)


def keep_content(session: Session, target_type: str, target_id: int) -> Decision:
    """The reports were reviewed and the content stays as it is."""
    load_target(session, target_type, target_id, include_hidden=True)
    reasons = _open_reasons(session, target_type, target_id)
    reviewed = _review_flags(session, _flags_of(target_type, target_id), utcnow())
    return Decision(reviewed > 0, reviewed, reasons)


def _hide_all_by(session: Session, kind: TargetKind, author_id: int, now: datetime) -> int:
    model = kind.model
    visible = and_(model.author_id == author_id, model.hidden_at.is_(None))
    hooks = HOOKS.get(kind.key)
    if hooks is None:
        return _execute_update(session, update(model).where(visible).values(hidden_at=now))
    rows = session.scalars(select(model).where(visible).with_for_update()).all()
    for row in rows:
        row.hidden_at = now
    session.flush()
    hooks.hidden(session, rows)
    return len(rows)


def _restore_all_by(session: Session, kind: TargetKind, author_id: int, hidden_at: datetime) -> int:
    model = kind.model
    hidden_by_block = and_(model.author_id == author_id, model.hidden_at == hidden_at)
    hooks = HOOKS.get(kind.key)
    if hooks is None:
        statement = update(model).where(hidden_by_block).values(hidden_at=None)
        return _execute_update(session, statement)
    rows = session.scalars(select(model).where(hidden_by_block).with_for_update()).all()
    for row in rows:
        row.hidden_at = None
    session.flush()
    hooks.restored(session, rows)
    return len(rows)


def block_account(session: Session, user: User) -> dict[str, int]:
    """Block sign-in, end every open session and hide all the account's content.

    Returns counts per content type (plus ``sessions`` and ``flags``) for the audit log.
    """
    if user.blocked_at is not None:
        raise Conflict(N_("This account is already blocked."))
    now = utcnow()
    user.blocked_at = now
    counts: dict[str, int] = {
        "sessions": session.scalar(
            select(func.count(UserSession.id)).where(
                UserSession.user_id == user.id, UserSession.revoked_at.is_(None)
            )
        )
        or 0
    }
    end_all_sessions(session, user.id)
    flags = 0
    for key, kind in TARGETS.items():
        counts[key] = _hide_all_by(session, kind, user.id, now)
        model = kind.model
        own_hidden = select(model.id).where(
            model.author_id == user.id, model.hidden_at.is_not(None)
        )
        flags += _review_flags(
            session, and_(Flag.target_type == key, Flag.target_id.in_(own_hidden)), now
        )
    counts["flags"] = flags
    session.flush()
    return counts


def unblock_account(session: Session, user: User, *, restore: bool) -> dict[str, int]:
    """Let the person sign in again; with ``restore``, also show again what the block hid."""
    blocked_at = user.blocked_at
    if blocked_at is None:
        raise Conflict(N_("This account is not blocked."))
    user.blocked_at = None
    counts: dict[str, int] = {}
    if restore:
        for key, kind in TARGETS.items():
            counts[key] = _restore_all_by(session, kind, user.id, blocked_at)
    session.flush()
    return counts
