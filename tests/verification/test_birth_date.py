"""The date of birth the census confirmed is kept with the resident: polls with a minimum age."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.audit.models import AuditEntry
from app.config import Settings
from app.db import scoped_to, utcnow
from app.tenants.models import Tenant
from app.verification.models import Resident
from tests.authz.matrix import ALL_KINDS, Action, check
from tests.people import add_to_census, csrf_of, make_user, sign_in

DNI = "45678912"


def _resident(db: Session, tenant: Tenant) -> Resident:
    with scoped_to(db, tenant.id):
        return db.scalars(select(Resident).execution_options(populate_existing=True)).one()


def test_census_verification_keeps_the_confirmed_date_of_birth(
    client_a: TestClient, db: Session, tenant_a: Tenant, settings: Settings
) -> None:
    add_to_census(db, tenant_a, settings.census_secret, DNI, "1984-07-28")
    sign_in(client_a, make_user(db, tenant_a))
    response = client_a.post(
        "/account/verify",
        data={
            "dni": DNI,
            "birth_date": "28/07/1984",
            "csrf_token": csrf_of(client_a, "/account/verify"),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert _resident(db, tenant_a).born_on == date(1984, 7, 28)


def test_desk_verification_and_lookup_keep_the_date_of_birth(
    client_a: TestClient, db: Session, tenant_a: Tenant, settings: Settings
) -> None:
    add_to_census(db, tenant_a, settings.census_secret, DNI, "1950-05-05")
    sign_in(client_a, make_user(db, tenant_a, "desk_manager"))
    form = {"dni": DNI, "birth_date": "1950-05-05", "display_name": "Doña Juana Ccori"}
    done = client_a.post("/desk/verify", data={**form, "csrf_token": csrf_of(client_a, "/desk")})
    assert done.status_code == 200  # followed to the desk page
    resident = _resident(db, tenant_a)
    assert resident.born_on == date(1950, 5, 5)
    # Someone verified before dates were kept: looking them up with their ID card fills it in.
    with scoped_to(db, tenant_a.id):
        resident.born_on = None
        db.commit()
    found = client_a.post("/desk/lookup", data={**form, "csrf_token": csrf_of(client_a, "/desk")})
    assert found.status_code == 200
    assert _resident(db, tenant_a).born_on == date(1950, 5, 5)


def test_a_wrong_date_at_the_desk_keeps_nothing(
    client_a: TestClient, db: Session, tenant_a: Tenant, settings: Settings
) -> None:
    add_to_census(db, tenant_a, settings.census_secret, DNI, "1950-05-05")
    user = make_user(db, tenant_a)
    with scoped_to(db, tenant_a.id):
        db.add(
            Resident(
                dni_digest=_digest(settings, tenant_a),
                user_id=user.id,
                method="census",
                verified_at=utcnow(),
            )
        )
        db.commit()
    sign_in(client_a, make_user(db, tenant_a, "desk_manager"))
    client_a.post(
        "/desk/lookup",
        data={"dni": DNI, "birth_date": "1950-05-06", "csrf_token": csrf_of(client_a, "/desk")},
    )
    assert _resident(db, tenant_a).born_on is None


def _digest(settings: Settings, tenant: Tenant) -> str:
    from app.census.digests import census_key, dni_digest

    return dni_digest(census_key(settings.census_secret, tenant.slug), DNI)


def _verified_without_birth(db: Session, tenant: Tenant, settings: Settings) -> User:
    add_to_census(db, tenant, settings.census_secret, DNI, "1990-02-14")
    user = make_user(db, tenant)
    with scoped_to(db, tenant.id):
        db.add(
            Resident(
                dni_digest=_digest(settings, tenant),
                user_id=user.id,
                method="census",
                verified_at=utcnow(),
            )
        )
        db.commit()
    return user


def test_a_verified_resident_confirms_the_date_of_birth_later(
    client_a: TestClient, db: Session, tenant_a: Tenant, settings: Settings
) -> None:
    user = _verified_without_birth(db, tenant_a, settings)
    sign_in(client_a, user)
    page = client_a.get("/account/verify")
    assert page.status_code == 200
    assert "Confirmar mi fecha de nacimiento" in page.text
    sent = {
        "dni": DNI,
        "birth_date": "1990-02-14",
        "csrf_token": csrf_of(client_a, "/account/verify"),
    }
    response = client_a.post("/account/verify/birth", data=sent, follow_redirects=False)
    assert response.status_code == 303
    assert _resident(db, tenant_a).born_on == date(1990, 2, 14)
    with scoped_to(db, tenant_a.id):
        assert "verification.birth_date" in db.scalars(select(AuditEntry.action)).all()
    # Known now: the page is no longer offered.
    assert client_a.get("/account/verify", follow_redirects=False).status_code == 303


def test_another_persons_dni_does_not_set_the_date(
    client_a: TestClient, db: Session, tenant_a: Tenant, settings: Settings
) -> None:
    user = _verified_without_birth(db, tenant_a, settings)
    add_to_census(db, tenant_a, settings.census_secret, "45678913", "1970-03-03")
    sign_in(client_a, user)
    sent = {
        "dni": "45678913",
        "birth_date": "1970-03-03",
        "csrf_token": csrf_of(client_a, "/account/verify"),
    }
    response = client_a.post("/account/verify/birth", data=sent)
    assert response.status_code == 422
    assert 'value="45678913"' in response.text
    assert _resident(db, tenant_a).born_on is None


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_only_verified_residents_confirm_a_date_of_birth(
    kind: str, client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    action = Action(
        "account.confirm_birth",
        "POST",
        "/account/verify/birth",
        frozenset({"verified"}),
        {"dni": "12345678", "birth_date": "1980-01-01"},
    )
    check(client_a, db, tenant_a, kind, action)
