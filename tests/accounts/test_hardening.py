"""Regressions for problems a security review found: each one is an attack that must fail."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.accounts.models import AccountToken
from app.config import Settings
from app.db import MAX_ID, scoped_to
from app.main import create_app
from app.tenants.models import Tenant
from app.verification.models import VerificationConflict
from tests.conftest import SECRET, client_for
from tests.mailbox import Mailbox, SmtpServer
from tests.people import add_to_census, csrf_of, make_user, sign_in

PARAM = re.compile(r"{(\w+)}")


def _api_routes(router: Any) -> Iterator[APIRoute]:
    """Every route of the application, through the routers it includes (no prefixes are added
    at inclusion: each router carries its own)."""
    for route in router.routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from _api_routes(route.original_router)


def test_a_forged_host_never_reaches_a_reset_link(
    tmp_path, database_url: str, sessions: sessionmaker[Session], db: Session, tenant_a: Tenant
) -> None:
    make_user(db, tenant_a, email="victima@correo.pe")
    db.commit()
    with SmtpServer() as smtp:
        settings = Settings(
            var_dir=tmp_path,
            database_url=database_url,
            secret_key=SECRET,
            default_tenant="alfa",
            base_url="http://participa.example.pe:8080",
            mail_host="127.0.0.1",
            mail_port=smtp.port,
        )
        application = create_app(settings)
        application.state.sessionmaker = sessions
        with client_for(application, "evil.example") as attacker:
            attacker.post(
                "/password/forgot",
                data={"email": "victima@correo.pe", "csrf_token": csrf_of(attacker)},
            )
        application.state.engine.dispose()
        [message] = smtp.mailbox.to("victima@correo.pe")
    link = smtp.mailbox.link(message, "/password/reset?token=")
    assert link.startswith("http://alfa.test:8080/password/reset?token=")
    assert "evil.example" not in Mailbox.text(message)


def test_huge_ids_are_a_clear_422(client_a: TestClient, db: Session, tenant_a: Tenant) -> None:
    sign_in(client_a, make_user(db, tenant_a, "administrator"))
    assert client_a.get("/admin/users/99999999999999999999").status_code == 422
    assert client_a.get("/geozones/99999999999999999999").status_code == 422


def test_ids_past_the_database_integer_are_a_clear_422_everywhere(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    """Row ids are 32-bit on PostgreSQL, which fails (rather than finding nothing) when one is
    compared with a larger number: every route with an id in its address refuses it first."""
    sign_in(client_a, make_user(db, tenant_a, "administrator"))
    too_large = MAX_ID + 1
    checked = []
    for route in _api_routes(client_a.app.router):  # type: ignore[attr-defined]
        names = PARAM.findall(route.path)
        if not names or not all(name.endswith("_id") for name in names):
            continue
        path = route.path.format(**dict.fromkeys(names, too_large))
        for method in sorted(route.methods or ()):
            if method not in {"GET", "POST"}:
                continue
            data = {"csrf_token": csrf_of(client_a)} if method == "POST" else None
            response = client_a.request(method, path, data=data)
            assert response.status_code == 422, (method, path, response.status_code)
            checked.append(path)
    assert len(checked) > 50  # the crawl did find the application's routes
    assert client_a.get(f"/budgets/{MAX_ID}").status_code == 404  # the largest id is fine


def test_addresses_that_smuggle_a_second_recipient_are_refused(client_a: TestClient) -> None:
    for address in ("x<atacante@evil.com>", "(v)a@evil.com", "a,b@x.com", "a@b@c.pe"):
        response = client_a.post(
            "/register",
            data={
                "display_name": "Nombre",
                "email": address,
                "password": "una-clave-larga-1",
                "password_confirmation": "una-clave-larga-1",
                "accept_terms": "true",
                "csrf_token": csrf_of(client_a, "/register"),
            },
        )
        assert response.status_code == 422, address


def test_odd_form_values_keep_the_form(client_a: TestClient) -> None:
    response = client_a.post(
        "/register",
        data={
            "display_name": "Wayra",
            "email": "wayra@correo.pe",
            "password": "x" * 600,
            "password_confirmation": "x" * 600,
            "accept_terms": "maybe",
            "csrf_token": csrf_of(client_a, "/register"),
        },
    )
    assert response.status_code == 422
    assert 'value="Wayra"' in response.text


def test_repeated_claims_make_one_conflict(
    client_a: TestClient, db: Session, tenant_a: Tenant, settings: Settings
) -> None:
    add_to_census(db, tenant_a, settings.census_secret, "45454545")
    holder = make_user(db, tenant_a)
    db.commit()
    with client_for(client_a.app, "alfa.test") as first:  # type: ignore[arg-type]
        sign_in(first, holder)
        first.post(
            "/account/verify",
            data={
                "dni": "45454545",
                "birth_date": "1980-01-01",
                "csrf_token": csrf_of(first, "/account/verify"),
            },
        )
    sign_in(client_a, make_user(db, tenant_a))
    for _ in range(3):
        client_a.post(
            "/account/verify",
            data={
                "dni": "45454545",
                "birth_date": "1980-01-01",
                "csrf_token": csrf_of(client_a, "/account/verify"),
            },
        )
    with scoped_to(db, tenant_a.id):
        assert db.scalar(select(func.count()).select_from(VerificationConflict)) == 1


def test_a_verified_resident_cannot_become_an_organization(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    resident = make_user(db, tenant_a, verified=True)
    sign_in(client_a, make_user(db, tenant_a, "administrator"))
    db.commit()
    client_a.post(
        f"/admin/users/{resident.id}/organization",
        data={"is_organization": "yes", "csrf_token": csrf_of(client_a)},
    )
    db.refresh(resident)
    assert resident.is_organization is False


def test_a_reset_retires_every_other_link(
    client_a: TestClient, db: Session, tenant_a: Tenant, mailbox: Mailbox
) -> None:
    make_user(db, tenant_a, email="dos@correo.pe")
    db.commit()
    for _ in range(2):
        client_a.post(
            "/password/forgot", data={"email": "dos@correo.pe", "csrf_token": csrf_of(client_a)}
        )
    first, second = (
        mailbox.link(m, "token=").split("token=")[1] for m in mailbox.to("dos@correo.pe")
    )
    client_a.post(
        "/password/reset",
        data={
            "token": first,
            "password": "nueva-clave-123",
            "password_confirmation": "nueva-clave-123",
            "csrf_token": csrf_of(client_a),
        },
    )
    with scoped_to(db, tenant_a.id):
        unused = db.scalar(
            select(func.count()).select_from(AccountToken).where(AccountToken.used_at.is_(None))
        )
    assert unused == 0
    reused = client_a.post(
        "/password/reset",
        data={
            "token": second,
            "password": "otra-clave-123",
            "password_confirmation": "otra-clave-123",
            "csrf_token": csrf_of(client_a),
        },
    )
    assert reused.status_code == 422
