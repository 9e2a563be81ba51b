from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, TenantOwned, utcnow

FLAG_REASONS = ("spam", "offensive", "personal_data", "off_topic", "other")


class Flag(TenantOwned, Base):
    """One person's report of one piece of content; reviewed when a moderator decides."""

    __tablename__ = "flags"
    __table_args__ = (
        UniqueConstraint("target_type", "target_id", "user_id"),
        CheckConstraint(
            "reason IN ('spam', 'offensive', 'personal_data', 'off_topic', 'other')",
            name="reason",
        ),
        Index(None, "tenant_id", "reviewed_at", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    details: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
