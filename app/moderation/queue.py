"""The rows of the moderation pages, assembled from a fixed number of queries per page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from app.accounts.models import User
from app.content.markdown import plain_excerpt
from app.content.targets import TARGETS
from app.moderation import repository
from app.moderation.permissions import Account

PAGE_SIZE = 25
MAX_PAGE = 200  # bounded offset: a queue that deep is read by filtering, not by paging
EXCERPT_LENGTH = 240


@dataclass
class QueueRow:
    target_type: str
    target_id: int
    kind_label: str
    title: str | None = None
    excerpt: str = ""
    path: str | None = None
    exists: bool = False
    hidden_at: datetime | None = None
    author: User | None = None
    author_account: Account | None = None
    flags: int = 0
    first_flag_at: datetime | None = None
    reasons: dict[str, int] = field(default_factory=dict)
    details: list[str] = field(default_factory=list)


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    total: int
    page: int
    size: int = PAGE_SIZE

    @property
    def has_next(self) -> bool:
        return self.page * self.size < self.total and self.page < MAX_PAGE


def _rows(session: Session, keys: list[tuple[str, int]]) -> list[QueueRow]:
    targets = repository.targets_by_key(session, keys)
    author_ids = {target.author_id for target in targets.values() if target.author_id}
    authors = repository.users_with_roles(session, author_ids)
    rows = []
    for target_type, target_id in keys:
        kind = TARGETS.get(target_type)
        row = QueueRow(target_type, target_id, kind.label if kind else target_type)
        target: Any = targets.get((target_type, target_id))
        if kind is not None and target is not None:
            row.exists = True
            row.title = getattr(target, "title", None)
            row.excerpt = plain_excerpt(target.body, EXCERPT_LENGTH)
            row.path = kind.path(target_id)
            row.hidden_at = target.hidden_at
            if target.author_id in authors:
                row.author, roles = authors[target.author_id]
                row.author_account = Account(target.author_id, roles)
        rows.append(row)
    return rows


def pending_page(session: Session, page: int) -> Page[QueueRow]:
    flagged, total = repository.flagged_targets(session, page, PAGE_SIZE)
    keys = [(item.target_type, item.target_id) for item in flagged]
    rows = _rows(session, keys)
    summaries = repository.flag_summaries(session, keys)
    for row, item in zip(rows, flagged, strict=True):
        row.flags = item.flags
        row.first_flag_at = item.first_flag_at
        summary = summaries[(item.target_type, item.target_id)]
        row.reasons = summary.reasons
        row.details = summary.details
    return Page(rows, total, page)


def hidden_page(session: Session, page: int) -> Page[QueueRow]:
    keys, total = repository.hidden_keys(session, page, PAGE_SIZE)
    return Page(_rows(session, keys), total, page)


@dataclass(frozen=True)
class BlockedRow:
    user: User
    account: Account


def blocked_page(session: Session, page: int) -> Page[BlockedRow]:
    users, total = repository.blocked_users(session, page, PAGE_SIZE)
    roles = repository.roles_by_user(session, [user.id for user in users])
    rows = [BlockedRow(user, Account(user.id, roles.get(user.id, frozenset()))) for user in users]
    return Page(rows, total, page)
