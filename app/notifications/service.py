"""Following things and being told what happened to them.

Other modules call ``follow`` and ``notify``; they never write notifications themselves.
``notify`` also queues one email per notification for people who asked for them by email;
the mail is sent by the job worker, never inside the request.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.content.targets import TARGETS, load_target, target_path
from app.db import utcnow
from app.errors import NotFound
from app.jobs.queue import enqueue
from app.notifications.models import KINDS, Follow, Notification

PAGE_SIZE = 25
# The header shows "9+" beyond this: counting stops there, so the query stays cheap.
UNREAD_CAP = 10
EMAIL_JOB = "notification_email"


def follow(session: Session, user_id: int, target_type: str, target_id: int) -> None:
    """Idempotent: following twice leaves one follow."""
    if not is_following(session, user_id, target_type, target_id):
        session.add(Follow(user_id=user_id, target_type=target_type, target_id=target_id))
        session.flush()


def unfollow(session: Session, user_id: int, target_type: str, target_id: int) -> None:
    """Idempotent: unfollowing what one does not follow changes nothing."""
    session.execute(
        delete(Follow).where(
            Follow.user_id == user_id,
            Follow.target_type == target_type,
            Follow.target_id == target_id,
        )
    )
    session.flush()


def is_following(session: Session, user_id: int, target_type: str, target_id: int) -> bool:
    found = session.scalars(
        select(Follow.id).where(
            Follow.user_id == user_id,
            Follow.target_type == target_type,
            Follow.target_id == target_id,
        )
    ).first()
    return found is not None


def require_followable(
    session: Session, target_type: str, target_id: int, *, include_hidden: bool = False
) -> None:
    """NotFound unless the target exists in this tenant (and is visible, unless asked)."""
    load_target(session, target_type, target_id, include_hidden=include_hidden)


def followers_of(session: Session, target_type: str, target_id: int) -> list[int]:
    return list(
        session.scalars(
            select(Follow.user_id).where(
                Follow.target_type == target_type, Follow.target_id == target_id
            )
        )
    )


def notify(
    session: Session,
    user_ids: Iterable[int | None],
    kind: str,
    target_type: str,
    target_id: int,
    values: dict[str, Any] | None = None,
    *,
    actor_id: int | None = None,
) -> list[Notification]:
    """Tell each person once (never the one who caused it) that ``kind`` happened.

    ``values`` fill the message of the kind (see ``app.notifications.messages``): ``title``
    always, ``author`` for comments and replies, ``update`` for updates."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind}")
    recipients = sorted({uid for uid in user_ids if uid is not None and uid != actor_id})
    if not recipients:
        return []
    created = [
        Notification(
            user_id=uid,
            kind=kind,
            target_type=target_type,
            target_id=target_id,
            values=dict(values or {}),
        )
        for uid in recipients
    ]
    session.add_all(created)
    session.flush()
    by_email = _wants_email(session, recipients)
    for notification in created:
        if notification.user_id in by_email:
            enqueue(session, EMAIL_JOB, {"notification_id": notification.id})
    return created


def _wants_email(session: Session, user_ids: list[int]) -> set[int]:
    return set(
        session.scalars(
            select(User.id).where(
                User.id.in_(user_ids),
                User.email_notifications.is_(True),
                User.email.is_not(None),
                User.email_confirmed_at.is_not(None),
                User.blocked_at.is_(None),
            )
        )
    )


def unread_count(session: Session, user_id: int, cap: int = UNREAD_CAP) -> int:
    """Unread notifications, counted up to ``cap`` (on the (user, read_at, id) index)."""
    unread = (
        select(Notification.id)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .limit(cap)
        .subquery()
    )
    return int(session.scalar(select(func.count()).select_from(unread)) or 0)


def list_notifications(
    session: Session, user_id: int, page: int = 1
) -> tuple[list[Notification], bool]:
    """One page of a person's notifications, newest first, and whether there is a next page."""
    rows = list(
        session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id)
            .order_by(Notification.id.desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE + 1)
        )
    )
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def own_notification(session: Session, user_id: int, notification_id: int) -> Notification:
    """The person's own notification; anyone else's is NotFound, as if it did not exist."""
    found = session.scalars(
        select(Notification).where(
            Notification.id == notification_id, Notification.user_id == user_id
        )
    ).one_or_none()
    if found is None:
        raise NotFound()
    return found


def mark_read(session: Session, notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()
        session.flush()


def mark_all_read(session: Session, user_id: int) -> None:
    session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )


def set_email_notifications(session: Session, user: User, enabled: bool) -> None:
    user.email_notifications = enabled
    session.flush()


def notification_path(notification: Notification) -> str | None:
    """Where a notification leads: its target's page, at the comment when it is about one."""
    if notification.target_type not in TARGETS:
        return None
    path = target_path(notification.target_type, notification.target_id)
    comment_id = (notification.values or {}).get("comment_id")
    return f"{path}#comment-{comment_id}" if isinstance(comment_id, int) else path
