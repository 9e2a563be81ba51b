"""Who is making a request: a snapshot safe to use in routes, services and templates."""

from __future__ import annotations

from enum import IntEnum

from pydantic import BaseModel, ConfigDict

ROLE_ORDER = ("administrator", "moderator", "official", "valuator", "desk_manager", "poll_officer")


class Level(IntEnum):
    """Verification levels; later modules declare the level each action needs."""

    ANONYMOUS = 0
    REGISTERED = 1
    VERIFIED = 2


class Principal(BaseModel):
    model_config = ConfigDict(frozen=True)

    user_id: int
    display_name: str
    email: str | None = None
    is_organization: bool = False
    roles: frozenset[str] = frozenset()
    office: str | None = None
    badge: str | None = None
    resident_id: int | None = None
    session_id: int | None = None

    @property
    def level(self) -> Level:
        verified = self.resident_id is not None and not self.is_organization
        return Level.VERIFIED if verified else Level.REGISTERED

    @property
    def primary_role(self) -> str:
        for role in ROLE_ORDER:
            if role in self.roles:
                return role
        return "organization" if self.is_organization else "citizen"

    def has_role(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)


def level_of(principal: Principal | None) -> Level:
    return Level.ANONYMOUS if principal is None else principal.level
