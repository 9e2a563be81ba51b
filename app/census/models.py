from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, TenantOwned


class CensusEntry(TenantOwned, Base):
    """A resident on the instance's census, kept only as keyed hashes (HMAC) of DNI and birth.

    The key lives outside the database (``MINKA_CENSUS_KEY``), so a copied database is not a
    list of residents: lookups hash what the person or the desk types.
    """

    __tablename__ = "census_entries"
    __table_args__ = (
        UniqueConstraint("tenant_id", "dni_digest"),
        # A poll's eligible census is counted by geozone at closing (app.polls.tally).
        Index(None, "tenant_id", "geozone_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dni_digest: Mapped[str] = mapped_column(String(64))
    birth_digest: Mapped[str] = mapped_column(String(64))
    extra_digest: Mapped[str | None] = mapped_column(String(64))
    geozone_code: Mapped[str | None] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
