"""Things people comment on, flag and follow, named by a short type and an id.

Comments, flags, follows and notifications refer to their target as ``(target_type,
target_id)`` so every later module (budget projects, draft regulations…) can reuse them by
registering its kind here. Each registered model has ``id``, ``tenant_id``, ``hidden_at`` and
``author_id``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import NotFound


@dataclass(frozen=True)
class TargetKind:
    key: str
    model: type[Any]
    label: str
    path: Callable[[int], str]


TARGETS: dict[str, TargetKind] = {}


def register_target(kind: TargetKind) -> TargetKind:
    if kind.key in TARGETS:
        raise ValueError(f"target type {kind.key} is registered twice")
    TARGETS[kind.key] = kind
    return kind


def target_kind(target_type: str) -> TargetKind:
    kind = TARGETS.get(target_type)
    if kind is None:
        raise NotFound()
    return kind


def load_target(
    session: Session, target_type: str, target_id: int, *, include_hidden: bool = False
) -> Any:
    """The target in this session's tenant, or NotFound (hidden ones only when asked)."""
    model = target_kind(target_type).model
    found = session.scalars(select(model).where(model.id == target_id)).one_or_none()
    if found is None or (found.hidden_at is not None and not include_hidden):
        raise NotFound()
    return found


def target_path(target_type: str, target_id: int) -> str:
    return target_kind(target_type).path(target_id)
