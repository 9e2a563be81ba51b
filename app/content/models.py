from __future__ import annotations

from sqlalchemy import Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, TenantOwned


class Tag(TenantOwned, Base):
    """A topic an instance offers for classifying debates and proposals (chosen, not typed)."""

    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))


def tag_link_table(owner: str) -> Table:
    """The association of one kind of content with its tags (rows die with either side)."""
    return Table(
        f"{owner}_tags",
        Base.metadata,
        Column(
            f"{owner}_id",
            ForeignKey(f"{owner}s.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
    )
