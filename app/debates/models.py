from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.content.models import Tag, tag_link_table
from app.db import Base, TenantOwned, utcnow

debate_tags = tag_link_table("debate")


class Debate(TenantOwned, Base):
    __tablename__ = "debates"
    __table_args__ = (
        Index(None, "tenant_id", "last_activity_at"),
        Index(None, "tenant_id", "created_at"),
        Index(None, "tenant_id", "votes_total"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(150))
    body: Mapped[str] = mapped_column(Text)
    geozone_id: Mapped[int | None] = mapped_column(
        ForeignKey("geozones.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Counters kept in the same transaction as the rows they count (see the service).
    votes_agree: Mapped[int] = mapped_column(Integer, default=0)
    votes_disagree: Mapped[int] = mapped_column(Integer, default=0)
    votes_total: Mapped[int] = mapped_column(Integer, default=0)
    comments_count: Mapped[int] = mapped_column(Integer, default=0)
    last_activity_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    tags: Mapped[list[Tag]] = relationship(secondary=debate_tags, lazy="raise", order_by=Tag.name)


class DebateVote(TenantOwned, Base):
    """Agree (+1) or disagree (-1): one per account and debate, changeable."""

    __tablename__ = "debate_votes"
    __table_args__ = (
        UniqueConstraint("debate_id", "user_id"),
        CheckConstraint("value IN (-1, 1)", name="value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    debate_id: Mapped[int] = mapped_column(ForeignKey("debates.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    value: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
