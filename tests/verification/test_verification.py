"""Becoming a verified resident: by census, one voice per DNI, conflicts for an administrator."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.audit.models import AuditEntry
from app.config import Settings
from app.db import scoped_to
from app.tenants.models import Tenant
from app.verification.models import Resident, VerificationConflict
from tests.conftest import client_for
from tests.people import add_to_census, csrf_of, make_user, sign_in

DNI = "45678912"


def verify(client: TestClient, dni: str = DNI, birth: str = "1980-01-01") -> Response:
    return client.post(
        "/account/verify",
        data={"dni": dni, "birth_date": birth, "csrf_token": csrf_of(client, "/account/verify")},
        follow_redirects=False,
    )


def test_census_match_makes_a_verified_resident(
    client_a: TestClient, db: Session, tenant_a: Tenant, settings: Settings
) -> None:
    add_to_census(db, tenant_a, settings.census_secret, DNI)
    user = make_user(db, tenant_a)
    db.commit()
    sign_in(client_a, user)
    response = verify(client_a, "45.678.912")
    assert response.status_code == 303
    assert "Residente verificado" in client_a.get("/account").text
    with scoped_to(db, tenant_a.id):
        assert db.scalars(select(Resident)).one().user_id == user.id
        assert (
            db.scalars(select(AuditEntry.action)).all() == ["census.import", "verification.census"]
            or "verification.census" in db.scalars(select(AuditEntry.action)).all()
        )


def test_wrong_birth_date_keeps_the_form_and_explains(
    client_a: TestClient, db: Session, tenant_a: Tenant, settings: Settings
) -> None:
    add_to_census(db, tenant_a, settings.census_secret, DNI)
    sign_in(client_a, make_user(db, tenant_a))
    response = verify(client_a, birth="1981-01-01")
    assert response.status_code == 422
    assert f'value="{DNI}"' in response.text
    assert "mesa de atención" in response.text.lower()


def test_a_dni_verified_elsewhere_becomes_a_conflict_not_a_merge(
    app: FastAPI, client_a: TestClient, db: Session, tenant_a: Tenant, settings: Settings
) -> None:
    add_to_census(db, tenant_a, settings.census_secret, DNI)
    first, second = make_user(db, tenant_a), make_user(db, tenant_a)
    db.commit()
    sign_in(client_a, first)
    assert verify(client_a).status_code == 303
    with client_for(app, "alfa.test") as other:
        sign_in(other, second)
        assert verify(other).status_code == 409
    with scoped_to(db, tenant_a.id):
        resident = db.scalars(select(Resident)).one()
        conflict = db.scalars(select(VerificationConflict)).one()
    assert resident.user_id == first.id
    assert (conflict.claimant_id, conflict.holder_id) == (second.id, first.id)


def test_deleting_the_account_gives_no_second_voice(
    app: FastAPI, client_a: TestClient, db: Session, tenant_a: Tenant, settings: Settings
) -> None:
    add_to_census(db, tenant_a, settings.census_secret, DNI)
    first = make_user(db, tenant_a)
    db.commit()
    sign_in(client_a, first)
    verify(client_a)
    with scoped_to(db, tenant_a.id):
        voice = db.scalars(select(Resident)).one().id
    deleted = client_a.post(
        "/account/delete", data={"confirm": "yes", "csrf_token": csrf_of(client_a, "/account")}
    )
    assert deleted.status_code == 200
    second = make_user(db, tenant_a)
    db.commit()
    with client_for(app, "alfa.test") as again:
        sign_in(again, second)
        assert verify(again).status_code == 303
    with scoped_to(db, tenant_a.id):
        residents = db.scalars(select(Resident)).all()
        assert db.scalar(select(User.id).where(User.id == first.id)) is None
    assert [(r.id, r.user_id) for r in residents] == [(voice, second.id)]


def test_organizations_are_never_verified(
    client_a: TestClient, db: Session, tenant_a: Tenant, settings: Settings
) -> None:
    add_to_census(db, tenant_a, settings.census_secret, DNI)
    sign_in(client_a, make_user(db, tenant_a, organization=True))
    assert verify(client_a).status_code == 403
    with scoped_to(db, tenant_a.id):
        assert db.scalar(select(func.count()).select_from(Resident)) == 0


def test_guessing_birth_dates_is_throttled(
    client_a: TestClient, db: Session, tenant_a: Tenant, settings: Settings
) -> None:
    add_to_census(db, tenant_a, settings.census_secret, DNI)
    sign_in(client_a, make_user(db, tenant_a))
    for day in range(1, 6):
        assert verify(client_a, birth=f"1979-01-{day:02d}").status_code == 422
    assert verify(client_a).status_code == 429
