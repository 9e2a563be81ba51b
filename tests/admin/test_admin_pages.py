"""Administration: roles, providers, census upload and conflicts, as an administrator uses them."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.authz.models import RoleAssignment
from app.census.models import CensusEntry
from app.db import scoped_to
from app.oidc.models import OidcProvider
from app.tenants.models import Tenant
from tests.people import csrf_of, make_conflict, make_user, sign_in


def _admin(client: TestClient, db: Session, tenant: Tenant) -> int:
    admin = make_user(db, tenant, "administrator")
    db.commit()
    sign_in(client, admin)
    return admin.id


def test_an_official_needs_an_office(client_a: TestClient, db: Session, tenant_a: Tenant) -> None:
    _admin(client_a, db, tenant_a)
    target = make_user(db, tenant_a)
    db.commit()
    refused = client_a.post(
        f"/admin/users/{target.id}/roles",
        data={
            "role": "official",
            "operation": "add",
            "office": "",
            "badge": "Insignia",
            "csrf_token": csrf_of(client_a),
        },
    )
    assert refused.status_code == 422
    assert 'value="Insignia"' in refused.text
    client_a.post(
        f"/admin/users/{target.id}/roles",
        data={
            "role": "official",
            "operation": "add",
            "office": "Gerencia Social",
            "csrf_token": csrf_of(client_a),
        },
    )
    client_a.post(
        f"/admin/users/{target.id}/roles",
        data={"role": "valuator", "operation": "add", "csrf_token": csrf_of(client_a)},
    )
    client_a.post(
        f"/admin/users/{target.id}/roles",
        data={"role": "valuator", "operation": "remove", "csrf_token": csrf_of(client_a)},
    )
    with scoped_to(db, tenant_a.id):
        roles = db.scalars(select(RoleAssignment).where(RoleAssignment.user_id == target.id)).all()
    assert [(r.role, r.office) for r in roles] == [("official", "Gerencia Social")]


def test_census_upload_reports_bad_lines_and_keeps_good_ones(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    _admin(client_a, db, tenant_a)
    body = "dni,fecha_nacimiento\n12345678,1980-02-03\nabc,1980-02-03\n23456789,31/12/1990\n"
    response = client_a.post(
        "/admin/census",
        data={"csrf_token": csrf_of(client_a)},
        files={"census_file": ("padron.csv", body.encode(), "text/csv")},
    )
    assert response.status_code == 200
    assert "3" in response.text
    with scoped_to(db, tenant_a.id):
        stored = db.scalars(select(CensusEntry)).all()
    assert len(stored) == 2
    assert all("12345678" not in (e.dni_digest + e.birth_digest) for e in stored)


def test_census_upload_refuses_a_file_that_is_not_utf8(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    _admin(client_a, db, tenant_a)
    body = b"dni,fecha_nacimiento\n12345678,1980-02-03\n" + b"\xff\xfe,\n"
    response = client_a.post(
        "/admin/census",
        data={"csrf_token": csrf_of(client_a)},
        files={"census_file": ("padron.csv", body, "text/csv")},
    )
    assert response.status_code == 422
    assert "UTF-8" in response.text
    with scoped_to(db, tenant_a.id):
        assert db.scalars(select(CensusEntry)).all() == []


def test_providers_can_be_added_and_disabled(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    _admin(client_a, db, tenant_a)
    bad = client_a.post(
        "/admin/providers",
        data={
            "name": "ID Gob",
            "label": "ID Gob.pe",
            "issuer": "http://idp.example.pe",
            "client_id": "c",
            "client_secret": "secreto",
            "csrf_token": csrf_of(client_a),
        },
    )
    assert bad.status_code == 422
    assert "secreto" not in bad.text  # secrets are never echoed back
    assert 'value="ID Gob.pe"' in bad.text
    good = client_a.post(
        "/admin/providers",
        data={
            "name": "idgob",
            "label": "ID Gob.pe",
            "issuer": "https://idp.example.pe",
            "client_id": "c",
            "client_secret": "secreto",
            "national_id_claim": "dni",
            "csrf_token": csrf_of(client_a),
        },
    )
    assert good.status_code == 200
    assert "http://alfa.test/auth/idgob/callback" in good.text
    with scoped_to(db, tenant_a.id):
        provider = db.scalars(select(OidcProvider)).one()
    client_a.post(
        f"/admin/providers/{provider.id}/enabled",
        data={"enabled": "no", "csrf_token": csrf_of(client_a)},
    )
    assert "ID Gob.pe" not in client_a.get("/login").text
    assert client_a.get("/auth/idgob/login").status_code == 404


def test_conflict_can_be_given_to_the_claimant(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    _admin(client_a, db, tenant_a)
    resident, conflict, _holder, claimant = make_conflict(db, tenant_a)
    db.commit()
    page = client_a.get("/admin/conflicts")
    assert f"/admin/users/{claimant.id}" in page.text
    client_a.post(
        f"/admin/conflicts/{conflict.id}",
        data={"decision": "transfer", "csrf_token": csrf_of(client_a)},
    )
    with scoped_to(db, tenant_a.id):
        db.refresh(resident)
        db.refresh(conflict)
    assert resident.user_id == claimant.id
    assert conflict.resolution == "transfer"
    assert (
        client_a.post(
            f"/admin/conflicts/{conflict.id}",
            data={"decision": "keep", "csrf_token": csrf_of(client_a)},
        ).status_code
        == 404
    )  # already decided
