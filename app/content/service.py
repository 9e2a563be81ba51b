"""Topics (tags) of an instance: listed for forms and filters, managed by administrators."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.content.models import Tag
from app.content.text import clean_line, readable
from app.db import MAX_ID
from app.errors import Conflict, Invalid, NotFound
from app.i18n import N_

# Other modules import these from here too.
__all__ = ["MAX_ID", "clean_line", "readable"]

TAG_NAME_MAX = 60


def list_tags(session: Session) -> list[Tag]:
    """Every topic of the session's instance, by name."""
    return list(session.scalars(select(Tag).order_by(Tag.name, Tag.id)))


def tags_by_ids(session: Session, ids: Iterable[int]) -> list[Tag]:
    """The topics with these ids, by name; Invalid if any is not a topic of this instance."""
    wanted = set(ids)
    if not wanted:
        return []
    if any(not 1 <= tag_id <= MAX_ID for tag_id in wanted):
        raise Invalid(N_("Choose topics from the list."))
    found = list(session.scalars(select(Tag).where(Tag.id.in_(wanted)).order_by(Tag.name, Tag.id)))
    if len(found) != len(wanted):
        raise Invalid(N_("Choose topics from the list."))
    return found


def get_tag(session: Session, tag_id: int) -> Tag:
    tag = session.scalars(select(Tag).where(Tag.id == tag_id)).one_or_none()
    if tag is None:
        raise NotFound()
    return tag


def create_tag(session: Session, name: str) -> Tag:
    """A new topic; Conflict when the instance already has one of that name (any case)."""
    taken = session.scalars(select(Tag.id).where(func.lower(Tag.name) == name.lower())).first()
    if taken is not None:
        raise Conflict(N_("There is already a topic called %(name)s."), name=name)
    tag = Tag(name=name)
    try:
        with session.begin_nested():
            session.add(tag)
            session.flush()
    except IntegrityError:
        raise Conflict(N_("There is already a topic called %(name)s."), name=name) from None
    return tag


def delete_tag(session: Session, tag: Tag) -> None:
    """Remove a topic; debates and proposals keep existing, without it."""
    # The link rows go with it (ON DELETE CASCADE in the database).
    session.delete(tag)
    session.flush()
