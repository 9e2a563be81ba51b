from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.content.models import Tag, tag_link_table
from app.db import Base, TenantOwned, utcnow

proposal_tags = tag_link_table("proposal")

STATES = ("open", "successful", "archived", "retired")
RETIRE_REASONS = ("duplicated", "started", "unfeasible", "done", "other")
ANSWER_STATUSES = (
    "under_study",
    "accepted",
    "partly_accepted",
    "rejected",
    "forwarded",
    "done",
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class Proposal(TenantOwned, Base):
    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint(_in("state", STATES), name="state"),
        CheckConstraint(
            "retired_reason IS NULL OR " + _in("retired_reason", RETIRE_REASONS),
            name="retired_reason",
        ),
        CheckConstraint(
            "answer_status IS NULL OR " + _in("answer_status", ANSWER_STATUSES),
            name="answer_status",
        ),
        CheckConstraint("supports_count >= 0", name="supports_count"),
        Index(None, "tenant_id", "supports_count", "id"),
        Index(None, "tenant_id", "created_at", "id"),
        Index(None, "tenant_id", "last_activity_at", "id"),
        Index(None, "tenant_id", "state", "deadline_at"),
        Index(None, "tenant_id", "answer_due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(150))
    summary: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    video_url: Mapped[str | None] = mapped_column(String(300))
    image_name: Mapped[str | None] = mapped_column(String(80))
    image_alt: Mapped[str | None] = mapped_column(String(200))
    geozone_id: Mapped[int | None] = mapped_column(
        ForeignKey("geozones.id", ondelete="SET NULL"), index=True
    )
    state: Mapped[str] = mapped_column(String(12), default="open")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Fixed when the proposal is published, so later setting changes do not move the goal.
    deadline_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    supports_needed: Mapped[int] = mapped_column(Integer)
    supports_count: Mapped[int] = mapped_column(Integer, default=0)
    successful_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retired_reason: Mapped[str | None] = mapped_column(String(20))
    retired_explanation: Mapped[str | None] = mapped_column(String(500))
    comments_count: Mapped[int] = mapped_column(Integer, default=0)
    last_activity_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The official answer: assigned to an office with a due date, then answered.
    office_id: Mapped[int | None] = mapped_column(
        ForeignKey("offices.id", ondelete="SET NULL"), index=True
    )
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answer_due_on: Mapped[date | None] = mapped_column(Date)
    answer_status: Mapped[str | None] = mapped_column(String(20))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    tags: Mapped[list[Tag]] = relationship(secondary=proposal_tags, lazy="raise", order_by=Tag.name)


class ProposalSupport(TenantOwned, Base):
    """One support per resident (one DNI) and proposal, whoever clicked and wherever."""

    __tablename__ = "proposal_supports"
    __table_args__ = (UniqueConstraint("proposal_id", "resident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    resident_id: Mapped[int] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(String(10), default="web")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ProposalUpdate(TenantOwned, Base):
    """News the author sends to the supporters of a proposal."""

    __tablename__ = "proposal_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(150))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
