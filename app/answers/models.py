from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, TenantOwned, utcnow
from app.proposals.models import ANSWER_STATUSES, _in


class Office(TenantOwned, Base):
    """A unit of the government that answers proposals (its officials carry its name)."""

    __tablename__ = "offices"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class ProposalAnswer(TenantOwned, Base):
    """One official answer; the newest one is the proposal's current answer."""

    __tablename__ = "proposal_answers"
    __table_args__ = (CheckConstraint(_in("status", ANSWER_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    official_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Who signed it, as shown then (the account may later change or go).
    official_name: Mapped[str] = mapped_column(String(120))
    office_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ProposalMilestone(TenantOwned, Base):
    """A step an answer commits to, with an optional date; marked done when it happens."""

    __tablename__ = "proposal_milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposal_answers.id", ondelete="SET NULL")
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)
