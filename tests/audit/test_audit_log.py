"""Every staff act lands in an append-only audit log that administrators can filter."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.db import scoped_to
from app.tenants.models import Tenant
from tests.factories import HOSTILE
from tests.people import csrf_of, make_user, sign_in


def test_role_changes_are_logged_and_shown_escaped(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    admin = make_user(db, tenant_a, "administrator")
    target = make_user(db, tenant_a)
    db.commit()
    sign_in(client_a, admin)
    client_a.post(
        f"/admin/users/{target.id}/roles",
        data={
            "role": "official",
            "operation": "add",
            "office": HOSTILE,
            "badge": "Gerencia",
            "csrf_token": csrf_of(client_a),
        },
    )
    with scoped_to(db, tenant_a.id):
        entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "role.assigned")).one()
    assert entry.actor_id == admin.id
    assert entry.actor_role == "administrator"
    assert entry.object_id == str(target.id)
    assert entry.details["office"] == HOSTILE
    page = client_a.get("/admin/audit", params={"action": "role."})
    assert page.status_code == 200
    assert "role.assigned" in page.text
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;" in page.text  # the actor's hostile name, escaped


def test_audit_filters(client_a: TestClient, db: Session, tenant_a: Tenant) -> None:
    admin = make_user(db, tenant_a, "administrator", name="Filtradora")
    db.commit()
    sign_in(client_a, admin)
    client_a.post(
        f"/admin/users/{admin.id}/organization",
        data={"is_organization": "", "csrf_token": csrf_of(client_a)},
    )
    shown = client_a.get("/admin/audit", params={"action": "user.", "channel": "web"}).text
    hidden = client_a.get("/admin/audit", params={"channel": "desk"}).text
    assert "user.organization" in shown
    assert "user.organization" not in hidden


@pytest.mark.parametrize("change", ["update", "delete"])
def test_the_database_refuses_to_change_the_log(
    change: str, db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    admin = make_user(db, tenant_a, "administrator")
    db.commit()
    sign_in(client_a, admin)
    client_a.post(
        f"/admin/users/{admin.id}/organization",
        data={"is_organization": "", "csrf_token": csrf_of(client_a)},
    )
    statement = (
        update(AuditEntry).values(action="edited") if change == "update" else delete(AuditEntry)
    )
    with scoped_to(db, tenant_a.id), pytest.raises(DatabaseError), db.begin_nested():
        db.execute(statement)


def test_no_route_edits_or_deletes_the_log() -> None:
    from fastapi.routing import APIRoute

    from app.main import ROUTERS

    for router in ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute) and route.path.startswith("/admin/audit"):
                assert route.methods == {"GET"}
