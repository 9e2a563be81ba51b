"""The service desk verifies people in person and creates accounts for those without email."""

from __future__ import annotations

import base64

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
from tests.mailbox import Mailbox
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


def _serve(client: TestClient, db: Session, tenant: Tenant, settings: Settings, dni: str) -> int:
    """The desk verifies a walk-in person, which identifies them for this visit."""
    add_to_census(db, tenant, settings.census_secret, dni, "1961-06-24")
    done = client.post(
        "/desk/verify",
        data={
            "dni": dni,
            "birth_date": "1961-06-24",
            "display_name": "Doña Eulalia",
            "csrf_token": csrf_of(client, "/desk"),
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    with scoped_to(db, tenant.id):
        return db.scalars(select(User.id).where(User.display_name == "Doña Eulalia")).one()


def test_a_desk_manager_acts_only_for_the_person_served_and_without_roles(
    app: FastAPI, client_a: TestClient, db: Session, tenant_a: Tenant, settings: Settings
) -> None:
    def whoami(actor: ActorDep) -> dict[str, object]:
        manager = actor.manager.user_id if actor.manager else None
        return {
            "person": actor.person.user_id,
            "manager": manager,
            "channel": actor.channel,
            "roles": sorted(actor.person.roles),
        }

    app.add_api_route("/test-whoami", whoami)
    manager = make_user(db, tenant_a, "desk_manager")
    stranger = make_user(db, tenant_a, verified=True)
    admin = make_user(db, tenant_a, "administrator")
    db.commit()
    sign_in(client_a, manager)
    assert client_a.get("/test-whoami").json()["person"] == manager.id
    for not_served in (stranger.id, admin.id):
        refused = client_a.post(
            "/desk/act", data={"user_id": str(not_served), "csrf_token": csrf_of(client_a)}
        )
        assert refused.status_code == 422
    person = _serve(client_a, db, tenant_a, settings, DNI)
    client_a.post("/desk/act", data={"user_id": str(person), "csrf_token": csrf_of(client_a)})
    assert client_a.get("/test-whoami").json() == {
        "person": person,
        "manager": manager.id,
        "channel": "desk",
        "roles": [],
    }
    assert "Doña Eulalia" in client_a.get("/").text  # the banner says for whom
    cookie = str(client_a.cookies.get("minka_session")).split(".", 1)[0]
    assert "Eulalia" not in base64.b64decode(cookie + "==").decode()  # only ids in the cookie
    client_a.post("/desk/act/stop", data={"csrf_token": csrf_of(client_a)})
    assert client_a.get("/test-whoami").json()["person"] == manager.id
    with scoped_to(db, tenant_a.id):
        actions = db.scalars(
            select(AuditEntry.action).where(AuditEntry.object_id == str(person))
        ).all()
    assert actions[-2:] == ["desk.act_for.start", "desk.act_for.stop"]


def test_verifying_an_existing_account_tells_its_owner(
    client_a: TestClient, db: Session, tenant_a: Tenant, settings: Settings, mailbox: Mailbox
) -> None:
    add_to_census(db, tenant_a, settings.census_secret, DNI, "1950-05-05")
    owner = make_user(db, tenant_a, email="duena@correo.pe")
    verified_elsewhere = make_user(db, tenant_a, email="ya@correo.pe", verified=True)
    manager = make_user(db, tenant_a, "desk_manager")
    db.commit()
    sign_in(client_a, manager)
    data = {"dni": DNI, "birth_date": "1950-05-05"}
    refused = client_a.post(
        "/desk/verify",
        data={**data, "email": verified_elsewhere.email, "csrf_token": csrf_of(client_a, "/desk")},
    )
    assert refused.status_code == 422
    done = client_a.post(
        "/desk/verify",
        data={**data, "email": "Duena@Correo.pe", "csrf_token": csrf_of(client_a, "/desk")},
        follow_redirects=False,
    )
    assert done.status_code == 303
    [notice] = mailbox.to("duena@correo.pe")
    assert "mesa de atención" in Mailbox.text(notice)
    again = client_a.post(
        "/desk/verify",
        data={**data, "display_name": "Otra persona", "csrf_token": csrf_of(client_a, "/desk")},
    )
    assert again.status_code == 409  # the DNI is held now; no orphan account is created
    with scoped_to(db, tenant_a.id):
        assert db.scalars(select(User).where(User.display_name == "Otra persona")).all() == []
        holders = set(db.scalars(select(Resident.user_id)).all())
    assert holders == {verified_elsewhere.id, owner.id}
