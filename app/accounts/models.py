from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, TenantOwned, TimestampMixin

GENDERS = ("female", "male", "non_binary", "other", "prefer_not_to_say")
TOKEN_PURPOSES = ("confirm_email", "reset_password")


class User(TenantOwned, TimestampMixin, Base):
    """An account on one instance. People are matched to the census through ``Resident``."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("tenant_id", "email"),
        CheckConstraint(
            "gender IS NULL OR gender IN "
            "('female', 'male', 'non_binary', 'other', 'prefer_not_to_say')",
            name="gender",
        ),
        # Never reuse the id of a deleted account: the audit log refers to people by id.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254))
    email_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(120))
    is_organization: Mapped[bool] = mapped_column(Boolean, default=False)
    blocked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_desk: Mapped[bool] = mapped_column(Boolean, default=False)
    # Optional, self-declared data behind the participation indicators.
    gender: Mapped[str | None] = mapped_column(String(20))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    geozone_id: Mapped[int | None] = mapped_column(
        ForeignKey("geozones.id", ondelete="SET NULL"), index=True
    )
    language: Mapped[str | None] = mapped_column(String(8))
    # Opt-in: notifications also arrive by email (never without asking).
    email_notifications: Mapped[bool] = mapped_column(Boolean, default=False)


class UserSession(TenantOwned, Base):
    """A login. The cookie carries only its random id; logout revokes it on the server."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    channel: Mapped[str] = mapped_column(String(10), default="web")


class AccountToken(TenantOwned, Base):
    """A single-use, expiring token sent by email (confirmation, password reset)."""

    __tablename__ = "account_tokens"
    __table_args__ = (
        CheckConstraint("purpose IN ('confirm_email', 'reset_password')", name="purpose"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ThrottleEvent(TenantOwned, Base):
    """A failed login or a reset request, counted per account and per client address."""

    __tablename__ = "throttle_events"
    __table_args__ = (Index(None, "tenant_id", "kind", "key_digest", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    key_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
