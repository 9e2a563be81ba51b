from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.oidc.models import Identity, OidcProvider


def enabled_providers(session: Session) -> list[OidcProvider]:
    statement = select(OidcProvider).where(OidcProvider.enabled.is_(True)).order_by(OidcProvider.id)
    return list(session.scalars(statement))


def all_providers(session: Session) -> list[OidcProvider]:
    return list(session.scalars(select(OidcProvider).order_by(OidcProvider.id)))


def get_provider(session: Session, name: str) -> OidcProvider | None:
    return session.scalars(select(OidcProvider).where(OidcProvider.name == name)).one_or_none()


def find_identity(session: Session, issuer: str, subject: str) -> Identity | None:
    statement = select(Identity).where(Identity.issuer == issuer, Identity.subject == subject)
    return session.scalars(statement).one_or_none()
