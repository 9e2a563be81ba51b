"""The topics administration has no GET route with an id (deleting is a POST)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from app.tenants.models import Tenant

ROUTES: dict[str, Callable[[Session, Tenant], tuple[str, str | None]]] = {}
