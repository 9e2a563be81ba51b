"""The one authorization entry point: ``can(principal, action, obj, ctx)``.

Each feature declares its actions in its own ``permissions.py`` with ``@rule("feature.action")``.
Routes call ``authorize`` (which raises) and templates call ``can`` (which answers), through the
same rule, so a button never shows when the request would be refused.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from app.authz.principal import Level, Principal, level_of
from app.errors import DomainError, Forbidden
from app.i18n import N_

Rule = Callable[[Principal | None, Any, Mapping[str, Any]], bool]
_RULES: dict[str, Rule] = {}


class LoginRequired(DomainError):
    status_code = 401
    message = N_("Please sign in to continue.")


def rule(action: str) -> Callable[[Rule], Rule]:
    def register(function: Rule) -> Rule:
        if action in _RULES:
            raise ValueError(f"permission {action} is declared twice")
        _RULES[action] = function
        return function

    return register


def actions() -> list[str]:
    return sorted(_RULES)


def can(
    principal: Principal | None,
    action: str,
    obj: Any = None,
    ctx: Mapping[str, Any] | None = None,
) -> bool:
    return _RULES[action](principal, obj, ctx or {})


def authorize(
    principal: Principal | None,
    action: str,
    obj: Any = None,
    ctx: Mapping[str, Any] | None = None,
) -> None:
    """Raise unless allowed: anonymous visitors are asked to sign in, others are refused."""
    if can(principal, action, obj, ctx):
        return
    if principal is None:
        raise LoginRequired()
    raise Forbidden()


def has_role(*roles: str) -> Rule:
    def check(principal: Principal | None, _obj: Any, _ctx: Mapping[str, Any]) -> bool:
        return principal is not None and principal.has_role(*roles)

    return check


def signed_in(principal: Principal | None, _obj: Any, _ctx: Mapping[str, Any]) -> bool:
    return principal is not None


def at_least(level: Level, *, organizations: bool = True) -> Rule:
    """A rule a module declares for an action, e.g. supporting: ``at_least(Level.VERIFIED,
    organizations=False)``."""

    def check(principal: Principal | None, _obj: Any, _ctx: Mapping[str, Any]) -> bool:
        if principal is not None and principal.is_organization and not organizations:
            return False
        return level_of(principal) >= level

    return check
