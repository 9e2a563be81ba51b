from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, TenantOwned

METHODS = ("census", "claim", "desk")


class Resident(TenantOwned, Base):
    """One person (one DNI) of an instance: the holder of one voice.

    Supports and ballots of later modules belong to the resident, not to the account, so
    deleting an account and verifying a new one with the same DNI gives no second voice.
    """

    __tablename__ = "residents"
    __table_args__ = (
        UniqueConstraint("tenant_id", "dni_digest"),
        UniqueConstraint("user_id"),
        CheckConstraint("method IN ('census', 'claim', 'desk')", name="method"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dni_digest: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    method: Mapped[str] = mapped_column(String(10))
    verified_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Known when the person (or the desk) typed it and the census confirmed it; polls with a
    # minimum age need it. The census itself keeps only a keyed digest of it.
    born_on: Mapped[date | None] = mapped_column(Date)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class VerificationConflict(TenantOwned, Base):
    """A second account tried to verify a DNI that already has one; an administrator decides."""

    __tablename__ = "verification_conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), index=True
    )
    claimant_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    method: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution: Mapped[str | None] = mapped_column(String(20))
