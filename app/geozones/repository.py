from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.geozones.models import Geozone


def list_geozones(session: Session) -> list[Geozone]:
    return list(session.scalars(select(Geozone).order_by(Geozone.code)))


def get_geozone(session: Session, geozone_id: int) -> Geozone | None:
    return session.scalars(select(Geozone).where(Geozone.id == geozone_id)).one_or_none()


def get_geozone_by_code(session: Session, code: str) -> Geozone | None:
    return session.scalars(select(Geozone).where(Geozone.code == code)).one_or_none()
