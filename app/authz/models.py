from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, TenantOwned, TimestampMixin

ROLES = ("administrator", "moderator", "official", "valuator", "desk_manager", "poll_officer")


class RoleAssignment(TenantOwned, TimestampMixin, Base):
    """A staff role of one user on one instance (an official also has an office and a badge)."""

    __tablename__ = "role_assignments"
    __table_args__ = (
        UniqueConstraint("user_id", "role"),
        CheckConstraint(
            "role IN ('administrator', 'moderator', 'official', 'valuator', "
            "'desk_manager', 'poll_officer')",
            name="role",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    office: Mapped[str | None] = mapped_column(String(200))
    badge: Mapped[str | None] = mapped_column(String(80))
