"""Every model, imported in one place so Alembic and tests see the whole schema."""

from app.db import Base
from app.geozones.models import Geozone
from app.pages.models import Page
from app.tenants.models import Tenant, TenantHost

__all__ = ["Base", "Geozone", "Page", "Tenant", "TenantHost"]
