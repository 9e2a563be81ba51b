"""A person's own account: optional profile, download of their data, deletion."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.db import scoped_to
from app.tenants.models import Tenant
from tests.factories import make_geozone
from tests.people import csrf_of, make_user, sign_in


def test_profile_is_optional_and_saved(client_a: TestClient, db: Session, tenant_a: Tenant) -> None:
    zone = make_geozone(db, tenant_a, code="R9")
    user = make_user(db, tenant_a)
    db.commit()
    sign_in(client_a, user)
    saved = client_a.post(
        "/account/profile",
        data={
            "display_name": "Killa Mamani",
            "gender": "non_binary",
            "birth_year": "1990",
            "geozone_id": str(zone.id),
            "language": "qu",
            "csrf_token": csrf_of(client_a),
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    with scoped_to(db, tenant_a.id):
        stored = db.scalars(select(User).where(User.id == user.id)).one()
        db.refresh(stored)
    assert (
        stored.display_name,
        stored.gender,
        stored.birth_year,
        stored.geozone_id,
        stored.language,
    ) == ("Killa Mamani", "non_binary", 1990, zone.id, "qu")
    cleared = client_a.post(
        "/account/profile",
        data={
            "display_name": "Killa Mamani",
            "gender": "",
            "birth_year": "",
            "geozone_id": "",
            "language": "",
            "csrf_token": csrf_of(client_a),
        },
        follow_redirects=False,
    )
    assert cleared.status_code == 303


def test_bad_profile_input_keeps_what_was_typed(
    client_a: TestClient, db: Session, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    foreign_zone = make_geozone(db, tenant_b, code="B9")
    sign_in(client_a, make_user(db, tenant_a))
    db.commit()
    response = client_a.post(
        "/account/profile",
        data={
            "display_name": "Killa",
            "birth_year": "mil novecientos",
            "gender": "alien",
            "geozone_id": str(foreign_zone.id),
            "csrf_token": csrf_of(client_a),
        },
    )
    assert response.status_code == 422
    assert 'value="mil novecientos"' in response.text
    assert 'aria-invalid="true"' in response.text


def test_download_my_data_has_mine_and_nobody_else(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    me = make_user(db, tenant_a, email="yo@correo.pe")
    make_user(db, tenant_a, email="otra@correo.pe")
    db.commit()
    sign_in(client_a, me)
    response = client_a.get("/account/export")
    assert response.headers["content-disposition"].startswith("attachment")
    data = json.loads(response.text)
    assert data["account"]["email"] == "yo@correo.pe"
    assert "otra@correo.pe" not in response.text


def test_deleting_requires_confirmation(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    me = make_user(db, tenant_a)
    db.commit()
    sign_in(client_a, me)
    client_a.post("/account/delete", data={"csrf_token": csrf_of(client_a)})
    with scoped_to(db, tenant_a.id):
        assert db.scalar(select(User.id).where(User.id == me.id)) == me.id
    client_a.post("/account/delete", data={"confirm": "yes", "csrf_token": csrf_of(client_a)})
    with scoped_to(db, tenant_a.id):
        assert db.scalar(select(User.id).where(User.id == me.id)) is None
    assert client_a.get("/account", follow_redirects=False).status_code == 303
