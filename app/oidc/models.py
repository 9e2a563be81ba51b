from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, TenantOwned, TimestampMixin


class OidcProvider(TenantOwned, TimestampMixin, Base):
    """An OpenID Connect identity provider configured for one instance."""

    __tablename__ = "oidc_providers"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(80))
    issuer: Mapped[str] = mapped_column(String(300))
    client_id: Mapped[str] = mapped_column(String(200))
    client_secret: Mapped[str] = mapped_column(String(300))
    scope: Mapped[str] = mapped_column(String(300), default="openid email profile")
    national_id_claim: Mapped[str | None] = mapped_column(String(80))
    min_acr: Mapped[str | None] = mapped_column(String(120))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class Identity(TenantOwned, TimestampMixin, Base):
    """A user's account at a provider, keyed by (issuer, subject) — never by email alone."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("issuer", "subject", "tenant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[int | None] = mapped_column(
        ForeignKey("oidc_providers.id", ondelete="SET NULL")
    )
    issuer: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(255))


class OidcFlow(TenantOwned, Base):
    """One sign-in attempt in progress: state, nonce and PKCE verifier kept on the server.

    The browser's session holds only the state; the callback must present it, and the row is
    used once.
    """

    __tablename__ = "oidc_flows"

    id: Mapped[int] = mapped_column(primary_key=True)
    state_digest: Mapped[str] = mapped_column(String(64), unique=True)
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("oidc_providers.id", ondelete="CASCADE"), index=True
    )
    nonce: Mapped[str] = mapped_column(String(100))
    code_verifier: Mapped[str] = mapped_column(String(200))
    next_path: Mapped[str] = mapped_column(String(2000), default="/")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
