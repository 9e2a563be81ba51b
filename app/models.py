"""Every model, imported in one place so Alembic and tests see the whole schema."""

from app.accounts.models import AccountToken, ThrottleEvent, User, UserSession
from app.audit.models import AuditEntry
from app.authz.models import RoleAssignment
from app.census.models import CensusEntry
from app.db import Base
from app.geozones.models import Geozone
from app.oidc.models import Identity, OidcFlow, OidcProvider
from app.pages.models import Page
from app.tenants.models import Tenant, TenantHost
from app.verification.models import Resident, VerificationConflict

__all__ = [
    "AccountToken",
    "AuditEntry",
    "Base",
    "CensusEntry",
    "Geozone",
    "Identity",
    "OidcFlow",
    "OidcProvider",
    "Page",
    "Resident",
    "RoleAssignment",
    "Tenant",
    "TenantHost",
    "ThrottleEvent",
    "User",
    "UserSession",
    "VerificationConflict",
]
