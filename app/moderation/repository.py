"""Queries behind the moderation queue: a bounded number per page, whatever its length.

A page costs one query for its flagged targets, one per content type for the rows, one for the
reasons, one for the details and one for the authors and their roles — never one per row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.authz.models import RoleAssignment
from app.content.targets import TARGETS
from app.moderation.models import Flag

DETAILS_SHOWN = 3


@dataclass(frozen=True)
class FlaggedTarget:
    target_type: str
    target_id: int
    flags: int
    first_flag_at: datetime


@dataclass
class FlagSummary:
    reasons: dict[str, int] = field(default_factory=dict)
    details: list[str] = field(default_factory=list)


def _targets_clause(keys: Iterable[tuple[str, int]]) -> ColumnElement[bool]:
    by_type: dict[str, list[int]] = defaultdict(list)
    for target_type, target_id in keys:
        by_type[target_type].append(target_id)
    if not by_type:
        return false()
    return or_(
        *(
            and_(Flag.target_type == target_type, Flag.target_id.in_(ids))
            for target_type, ids in by_type.items()
        )
    )


def flagged_targets(session: Session, page: int, size: int) -> tuple[list[FlaggedTarget], int]:
    """Targets with unreviewed flags: most flagged first, then the longest waiting."""
    grouped = (
        select(
            Flag.target_type,
            Flag.target_id,
            func.count(Flag.id).label("flags"),
            func.min(Flag.created_at).label("first_flag_at"),
        )
        .where(Flag.reviewed_at.is_(None))
        .group_by(Flag.target_type, Flag.target_id)
    )
    flags = func.count(Flag.id)
    rows = session.execute(
        grouped.order_by(flags.desc(), func.min(Flag.created_at), Flag.target_type, Flag.target_id)
        .limit(size)
        .offset((page - 1) * size)
    ).all()
    total = session.scalar(select(func.count()).select_from(grouped.subquery())) or 0
    items = [
        FlaggedTarget(row.target_type, row.target_id, row.flags, row.first_flag_at) for row in rows
    ]
    return items, total


def flag_summaries(
    session: Session, keys: Sequence[tuple[str, int]]
) -> dict[tuple[str, int], FlagSummary]:
    """Unreviewed reasons with their counts, and the latest few details, per target."""
    summaries: dict[tuple[str, int], FlagSummary] = {key: FlagSummary() for key in keys}
    if not keys:
        return summaries
    where = and_(Flag.reviewed_at.is_(None), _targets_clause(keys))
    reasons = session.execute(
        select(Flag.target_type, Flag.target_id, Flag.reason, func.count(Flag.id))
        .where(where)
        .group_by(Flag.target_type, Flag.target_id, Flag.reason)
        .order_by(func.count(Flag.id).desc(), Flag.reason)
    )
    for target_type, target_id, reason, count in reasons:
        summaries[(target_type, target_id)].reasons[reason] = count
    position = (
        func.row_number()
        .over(
            partition_by=(Flag.target_type, Flag.target_id),
            order_by=(Flag.created_at.desc(), Flag.id.desc()),
        )
        .label("position")
    )
    latest = (
        select(Flag.target_type, Flag.target_id, Flag.details, position)
        .where(where, Flag.details.is_not(None))
        .subquery()
    )
    details = session.execute(
        select(latest.c.target_type, latest.c.target_id, latest.c.details)
        .where(latest.c.position <= DETAILS_SHOWN)
        .order_by(latest.c.position)
    )
    for target_type, target_id, text in details:
        summaries[(target_type, target_id)].details.append(text)
    return summaries


def targets_by_key(session: Session, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], Any]:
    """The content rows, hidden or not: one query per content type."""
    by_type: dict[str, set[int]] = defaultdict(set)
    for target_type, target_id in keys:
        if target_type in TARGETS:
            by_type[target_type].add(target_id)
    found: dict[tuple[str, int], Any] = {}
    for target_type, ids in by_type.items():
        model = TARGETS[target_type].model
        for row in session.scalars(select(model).where(model.id.in_(ids))):
            found[(target_type, row.id)] = row
    return found


def hidden_keys(session: Session, page: int, size: int) -> tuple[list[tuple[str, int]], int]:
    """Hidden content of every type, most recently hidden first.

    Each type gives at most ``page * size`` (id, hidden_at) pairs, merged here: the page
    number is bounded by the route, so this stays small without a cross-table union.
    """
    stamped: list[tuple[datetime, str, int]] = []
    total = 0
    for key, kind in TARGETS.items():
        model = kind.model
        hidden = model.hidden_at.is_not(None)
        total += session.scalar(select(func.count(model.id)).where(hidden)) or 0
        rows = session.execute(
            select(model.id, model.hidden_at)
            .where(hidden)
            .order_by(model.hidden_at.desc(), model.id.desc())
            .limit(page * size)
        )
        stamped.extend((hidden_at, key, row_id) for row_id, hidden_at in rows)
    stamped.sort(key=lambda item: (item[0], item[1], item[2]), reverse=True)
    start = (page - 1) * size
    return [(key, row_id) for _at, key, row_id in stamped[start : start + size]], total


def blocked_users(session: Session, page: int, size: int) -> tuple[list[User], int]:
    blocked = User.blocked_at.is_not(None)
    users = session.scalars(
        select(User)
        .where(blocked)
        .order_by(User.blocked_at.desc(), User.id.desc())
        .limit(size)
        .offset((page - 1) * size)
    ).all()
    total = session.scalar(select(func.count(User.id)).where(blocked)) or 0
    return list(users), total


def users_with_roles(
    session: Session, user_ids: Iterable[int]
) -> dict[int, tuple[User, frozenset[str]]]:
    ids = set(user_ids)
    if not ids:
        return {}
    users = session.scalars(select(User).where(User.id.in_(ids))).all()
    roles = roles_by_user(session, ids)
    return {user.id: (user, roles.get(user.id, frozenset())) for user in users}


def roles_by_user(session: Session, user_ids: Iterable[int]) -> dict[int, frozenset[str]]:
    ids = set(user_ids)
    if not ids:
        return {}
    roles: dict[int, set[str]] = defaultdict(set)
    for user_id, role in session.execute(
        select(RoleAssignment.user_id, RoleAssignment.role).where(RoleAssignment.user_id.in_(ids))
    ):
        roles[user_id].add(role)
    return {user_id: frozenset(found) for user_id, found in roles.items()}


def roles_of(session: Session, user_id: int) -> frozenset[str]:
    return frozenset(
        session.scalars(select(RoleAssignment.role).where(RoleAssignment.user_id == user_id))
    )
