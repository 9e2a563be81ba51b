from __future__ import annotations

from sqlalchemy import CheckConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, TenantOwned

GEOZONE_KINDS = ("rural", "urban")


class Geozone(TenantOwned, Base):
    """A territory of an instance (province, district…), marked rural or urban for indicators."""

    __tablename__ = "geozones"
    __table_args__ = (
        UniqueConstraint("tenant_id", "code"),
        CheckConstraint("kind IN ('rural', 'urban')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
