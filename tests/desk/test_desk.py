"""The service desk verifies people in person and creates accounts for those without email."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.audit.models import AuditEntry
from app.config import Settings
from app.db import scoped_to
from app.deps import ActorDep
from app.tenants.models import Tenant
from app.verification.models import Resident
from tests.people import add_to_census, csrf_of, make_user, sign_in

DNI = "40111222"


def test_desk_creates_an_account_without_email_and_verifies_it(
    client_a: TestClient, db: Session, tenant_a: Tenant, settings: Settings
) -> None:
    add_to_census(db, tenant_a, settings.census_secret, DNI, "1950-05-05")
    manager = make_user(db, tenant_a, "desk_manager")
    db.commit()
    sign_in(client_a, manager)
    found = client_a.post(
        "/desk/lookup",
        data={"dni": DNI, "birth_date": "1950-05-05", "csrf_token": csrf_of(client_a, "/desk")},
    )
    assert found.status_code == 200
    done = client_a.post(
        "/desk/verify",
        data={
            "dni": DNI,
            "birth_date": "1950-05-05",
            "display_name": "Doña Juana Ccori",
            "csrf_token": csrf_of(client_a, "/desk"),
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    with scoped_to(db, tenant_a.id):
        person = db.scalars(select(User).where(User.display_name == "Doña Juana Ccori")).one()
        resident = db.scalars(select(Resident)).one()
        actions = db.scalars(select(AuditEntry).where(AuditEntry.actor_id == manager.id)).all()
    assert person.email is None
    assert person.created_by_desk
    assert (resident.user_id, resident.method, resident.verified_by_id) == (
        person.id,
        "desk",
        manager.id,
    )
    assert {a.action for a in actions} >= {"desk.lookup", "desk.account_created", "desk.verify"}
    assert {a.channel for a in actions} == {"desk"}


def test_desk_refuses_someone_outside_the_census(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    sign_in(client_a, make_user(db, tenant_a, "desk_manager"))
    response = client_a.post(
        "/desk/verify",
        data={
            "dni": "49999999",
            "birth_date": "1970-01-01",
            "display_name": "Nadie",
            "csrf_token": csrf_of(client_a, "/desk"),
        },
    )
    assert response.status_code == 422
    assert 'value="49999999"' in response.text
    with scoped_to(db, tenant_a.id):
        assert db.scalars(select(Resident)).all() == []


def test_acting_on_behalf_is_logged(client_a: TestClient, db: Session, tenant_a: Tenant) -> None:
    manager = make_user(db, tenant_a, "desk_manager")
    person = make_user(db, tenant_a, verified=True)
    db.commit()
    sign_in(client_a, manager)
    client_a.post("/desk/act", data={"user_id": str(person.id), "csrf_token": csrf_of(client_a)})
    client_a.post("/desk/act/stop", data={"csrf_token": csrf_of(client_a)})
    with scoped_to(db, tenant_a.id):
        actions = db.scalars(
            select(AuditEntry.action).where(AuditEntry.object_id == str(person.id))
        ).all()
    assert actions == ["desk.act_for.start", "desk.act_for.stop"]


def test_a_desk_manager_acting_on_behalf_acts_as_that_person(
    app: FastAPI, client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    def whoami(actor: ActorDep) -> dict[str, object]:
        manager = actor.manager.user_id if actor.manager else None
        return {"person": actor.person.user_id, "manager": manager, "channel": actor.channel}

    app.add_api_route("/test-whoami", whoami)
    manager = make_user(db, tenant_a, "desk_manager")
    person = make_user(db, tenant_a, verified=True, name="Doña Eulalia")
    db.commit()
    sign_in(client_a, manager)
    assert client_a.get("/test-whoami").json()["person"] == manager.id
    client_a.post("/desk/act", data={"user_id": str(person.id), "csrf_token": csrf_of(client_a)})
    assert client_a.get("/test-whoami").json() == {
        "person": person.id,
        "manager": manager.id,
        "channel": "desk",
    }
    assert "Doña Eulalia" in client_a.get("/").text  # the banner says for whom
    client_a.post("/desk/act/stop", data={"csrf_token": csrf_of(client_a)})
    assert client_a.get("/test-whoami").json()["person"] == manager.id
