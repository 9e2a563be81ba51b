"""Administration, desk and account pages: every role × every action, checked on the server."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.authz.core import actions, can
from app.authz.principal import Principal
from app.db import scoped_to
from app.tenants.models import Tenant
from tests.authz.matrix import ALL_KINDS, Action, check
from tests.people import make_conflict, make_user

ADMIN = frozenset({"administrator"})
DESK = frozenset({"desk_manager"})
SIGNED_IN = frozenset(set(ALL_KINDS) - {"anonymous"})


def _someone(db: Session, tenant: Tenant) -> str:
    return f"/admin/users/{make_user(db, tenant, name='Objetivo').id}"


def _conflict(db: Session, tenant: Tenant) -> str:
    _resident, conflict, _holder, _claimant = make_conflict(db, tenant)
    return f"/admin/conflicts/{conflict.id}"


def _provider(db: Session, tenant: Tenant) -> str:
    from app.oidc.models import OidcProvider

    with scoped_to(db, tenant.id):
        provider = OidcProvider(
            name="p-matrix",
            label="P",
            issuer="https://idp.example.pe",
            client_id="c",
            client_secret="s",
        )
        db.add(provider)
        db.flush()
    return f"/admin/providers/{provider.id}/enabled"


ACTIONS = [
    Action("admin.home", "GET", "/admin", ADMIN),
    Action("admin.users", "GET", "/admin/users", ADMIN),
    Action("admin.user", "GET", _someone, ADMIN),
    Action(
        "admin.roles.assign",
        "POST",
        lambda db, t: _someone(db, t) + "/roles",
        ADMIN,
        {"role": "moderator", "operation": "add"},
    ),
    Action(
        "admin.organization",
        "POST",
        lambda db, t: _someone(db, t) + "/organization",
        ADMIN,
        {"is_organization": "yes"},
    ),
    Action("admin.audit", "GET", "/admin/audit", ADMIN),
    Action("admin.conflicts", "GET", "/admin/conflicts", ADMIN),
    Action("admin.conflict.resolve", "POST", _conflict, ADMIN, {"decision": "keep"}),
    Action("admin.census", "GET", "/admin/census", ADMIN),
    Action("admin.providers", "GET", "/admin/providers", ADMIN),
    Action(
        "admin.providers.add",
        "POST",
        "/admin/providers",
        ADMIN,
        {
            "name": "idgob",
            "label": "ID Gob.pe",
            "issuer": "https://idp.example.pe",
            "client_id": "c",
            "client_secret": "s",
        },
    ),
    Action("admin.providers.enable", "POST", _provider, ADMIN, {"enabled": "no"}),
    Action("desk.home", "GET", "/desk", DESK),
    Action(
        "desk.lookup", "POST", "/desk/lookup", DESK, {"dni": "12345678", "birth_date": "1980-01-01"}
    ),
    Action(
        "desk.verify",
        "POST",
        "/desk/verify",
        DESK,
        {"dni": "12345678", "birth_date": "1980-01-01", "display_name": "Persona"},
    ),
    Action("desk.act.stop", "POST", "/desk/act/stop", DESK),
    Action("account.view", "GET", "/account", SIGNED_IN),
    Action("account.profile", "POST", "/account/profile", SIGNED_IN, {"display_name": "Nuevo"}),
    Action("account.export", "GET", "/account/export", SIGNED_IN),
    Action(
        "account.verify",
        "POST",
        "/account/verify",
        SIGNED_IN - {"organization", "verified"},
        {"dni": "12345678", "birth_date": "1980-01-01"},
    ),
]


@pytest.mark.parametrize("kind", ALL_KINDS)
@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_role_matrix(
    action: Action, kind: str, client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    check(client_a, db, tenant_a, kind, action)


@pytest.mark.parametrize(
    "action", [a for a in ACTIONS if not isinstance(a.path, str)], ids=lambda a: a.name
)
def test_staff_of_another_instance_get_404(
    action: Action,
    db: Session,
    tenant_a: Tenant,
    tenant_b: Tenant,
    client_b: TestClient,
) -> None:
    from tests.authz.matrix import answer
    from tests.people import sign_in

    url = action.url(db, tenant_a)
    sign_in(client_b, make_user(db, tenant_b, "administrator", "desk_manager"))
    db.commit()
    assert answer(client_b, action, url) == 404


def test_every_declared_action_is_pure_and_refuses_anonymous() -> None:
    staff = Principal(user_id=1, display_name="x", roles=frozenset({"administrator"}))
    for action in actions():
        assert can(None, action) is False, action
        assert isinstance(can(staff, action), bool)
