"""Following and reading notifications: every role × every action, checked on the server."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.authz.core import can
from app.authz.principal import Principal
from app.db import scoped_to
from app.tenants.models import Tenant
from tests.authz.matrix import ALL_KINDS, Action, check
from tests.debates.factories import make_debate
from tests.notifications.factories import make_notification
from tests.people import make_user

SIGNED_IN = frozenset(set(ALL_KINDS) - {"anonymous"})
# Form data filled in when the action's URL is built (the matrix builds the URL first).
_target: dict[str, str] = {"target_type": "debate"}


def _debate(db: Session, tenant: Tenant) -> str:
    _target["target_id"] = str(make_debate(db, tenant).id)
    return "/follows"


def _own_notification(db: Session, tenant: Tenant) -> str:
    """A notification of the person the matrix just signed in (the newest account), or of
    someone new when nobody is signed in."""
    with scoped_to(db, tenant.id):
        newest = db.scalars(select(User).order_by(User.id.desc())).first()
    owner = newest or make_user(db, tenant)
    return f"/notifications/{make_notification(db, tenant, owner).id}/read"


ACTIONS = [
    Action("notifications.follow", "POST", _debate, SIGNED_IN, _target),
    Action(
        "notifications.unfollow",
        "POST",
        lambda db, t: _debate(db, t) + "/delete",
        SIGNED_IN,
        _target,
    ),
    Action("notifications.list", "GET", "/notifications", SIGNED_IN),
    Action("notifications.read", "POST", _own_notification, SIGNED_IN),
    Action("notifications.read_all", "POST", "/notifications/read-all", SIGNED_IN),
]


@pytest.mark.parametrize("kind", ALL_KINDS)
@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_matrix(
    kind: str, action: Action, db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    check(client_a, db, tenant_a, kind, action)


def test_reading_is_for_the_owner_only(db: Session, tenant_a: Tenant) -> None:
    owner, other = make_user(db, tenant_a), make_user(db, tenant_a)
    notification = make_notification(db, tenant_a, owner)

    def principal(user: User, *roles: str) -> Principal:
        return Principal(user_id=user.id, display_name="x", roles=frozenset(roles))

    assert can(principal(owner), "notifications.read", notification)
    assert not can(principal(other, "administrator"), "notifications.read", notification)
    assert not can(None, "notifications.read", notification)
    assert not can(None, "notifications.follow")
    assert can(principal(other), "notifications.follow")
