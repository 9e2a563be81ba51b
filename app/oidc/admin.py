from __future__ import annotations

from sqlalchemy.orm import Session

from app.errors import Conflict
from app.i18n import N_
from app.oidc.models import OidcProvider
from app.oidc.repository import get_provider
from app.oidc.schemas import ProviderForm


def add_provider(session: Session, form: ProviderForm) -> OidcProvider:
    if get_provider(session, form.name) is not None:
        raise Conflict(N_("A provider named %(name)s already exists."), name=form.name)
    provider = OidcProvider(**form.model_dump())
    session.add(provider)
    session.flush()
    return provider
