from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, TimestampMixin


class Tenant(TimestampMixin, Base):
    """One instance: a region or municipality with its own people, content and settings."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    default_language: Mapped[str] = mapped_column(String(8), default="es")
    languages: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["es", "qu", "en"])
    primary_color: Mapped[str] = mapped_column(String(7), default="#8a1538")
    accent_color: Mapped[str] = mapped_column(String(7), default="#f2c14e")
    logo_path: Mapped[str | None] = mapped_column(String(300))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    hosts: Mapped[list[TenantHost]] = relationship(
        back_populates="tenant", lazy="raise", cascade="all, delete-orphan"
    )


class TenantHost(Base):
    """A host name that serves one tenant; a host serves at most one."""

    __tablename__ = "tenant_hosts"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    host: Mapped[str] = mapped_column(String(253), unique=True)

    tenant: Mapped[Tenant] = relationship(back_populates="hosts", lazy="raise")
