"""Every moderation action × every kind of person, through the real routes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.authz.core import can
from app.authz.principal import Principal
from app.db import utcnow
from app.moderation.permissions import Account
from app.tenants.models import Tenant
from tests.authz.matrix import ALL_KINDS, Action, answer, check
from tests.debates.factories import make_debate
from tests.moderation.factories import make_flag
from tests.people import make_user, sign_in

SIGNED_IN = frozenset(set(ALL_KINDS) - {"anonymous"})
MODERATORS = frozenset({"moderator", "administrator"})


@dataclass(frozen=True)
class Case:
    """An action whose form data names an object made for the test (hence built late)."""

    name: str
    build: Callable[[Session, Tenant], Action]


def _on_debate(
    name: str, path: str, allowed: frozenset[str], *, hidden: bool = False, flagged: bool = False
) -> Case:
    def build(db: Session, tenant: Tenant) -> Action:
        debate = make_debate(db, tenant, hidden=hidden)
        if flagged:
            make_flag(db, tenant, "debate", debate.id)
        data = {"target_type": "debate", "target_id": str(debate.id), "reason": "spam"}
        return Action(name, "POST", path, allowed, data)

    return Case(name, build)


def _on_account(name: str, operation: str, *, blocked: bool = False) -> Case:
    def build(db: Session, tenant: Tenant) -> Action:
        person = make_user(db, tenant)
        person.blocked_at = utcnow() if blocked else None
        return Action(name, "POST", f"/moderation/users/{person.id}/{operation}", MODERATORS)

    return Case(name, build)


def _report_page(db: Session, tenant: Tenant) -> Action:
    debate = make_debate(db, tenant)
    path = f"/flags/new?target_type=debate&target_id={debate.id}"
    return Action("moderation.flag.page", "GET", path, SIGNED_IN)


CASES = [
    _on_debate("moderation.flag", "/flags", SIGNED_IN),
    Case("moderation.flag.page", _report_page),
    Case(
        "moderation.view",
        lambda db, t: Action("moderation.view", "GET", "/moderation", MODERATORS),
    ),
    Case(
        "moderation.view.hidden",
        lambda db, t: Action("moderation.view", "GET", "/moderation?tab=hidden", MODERATORS),
    ),
    Case(
        "moderation.view.blocked",
        lambda db, t: Action("moderation.view", "GET", "/moderation?tab=blocked", MODERATORS),
    ),
    _on_debate("moderation.hide", "/moderation/hide", MODERATORS),
    _on_debate("moderation.restore", "/moderation/restore", MODERATORS, hidden=True),
    _on_debate("moderation.keep", "/moderation/keep", MODERATORS, flagged=True),
    _on_account("moderation.block", "block"),
    _on_account("moderation.unblock", "unblock", blocked=True),
]


@pytest.mark.parametrize("kind", ALL_KINDS)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_role_matrix(
    case: Case, kind: str, client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    check(client_a, db, tenant_a, kind, case.build(db, tenant_a))


# The lists show only the instance's own content: see test_queue_shows_only_this_instance.
ABOUT_ONE_OBJECT = [case for case in CASES if not case.name.startswith("moderation.view")]


@pytest.mark.parametrize("case", ABOUT_ONE_OBJECT, ids=lambda case: case.name)
def test_staff_of_another_instance_get_404(
    case: Case, db: Session, tenant_a: Tenant, tenant_b: Tenant, client_b: TestClient
) -> None:
    action = case.build(db, tenant_a)
    sign_in(client_b, make_user(db, tenant_b, "administrator"))
    db.commit()
    assert answer(client_b, action, action.url(db, tenant_a)) == 404


def _principal(*roles: str, user_id: int = 1) -> Principal:
    return Principal(user_id=user_id, display_name="x", roles=frozenset(roles))


def test_block_rule_protects_moderating_staff_and_oneself() -> None:
    moderator, admin = _principal("moderator"), _principal("administrator")
    assert can(moderator, "moderation.block", Account(2))
    assert can(moderator, "moderation.block", Account(2, frozenset({"official"})))
    assert not can(moderator, "moderation.block", Account(2, frozenset({"moderator"})))
    assert not can(moderator, "moderation.block", Account(2, frozenset({"administrator"})))
    assert can(admin, "moderation.block", Account(2, frozenset({"administrator"})))
    assert not can(admin, "moderation.block", Account(1))
    assert not can(_principal("official"), "moderation.block", Account(2))


def test_flag_rule_refuses_one_own_content() -> None:
    me = _principal()
    assert can(me, "moderation.flag", None, {"author_id": 2})
    assert not can(me, "moderation.flag", None, {"author_id": 1})
    assert can(me, "moderation.flag", None, {"author_id": None})
    assert not can(None, "moderation.flag")
