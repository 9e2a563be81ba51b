"""Email and password accounts, with confirmation and reset mails through a real SMTP server."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.accounts.models import AccountToken, User
from app.db import scoped_to, utcnow
from app.tenants.models import Tenant
from tests.mailbox import Mailbox
from tests.people import PASSWORD, csrf_of, make_user, sign_in

NEW_PASSWORD = "otra-clave-segura-9"


def register(client: TestClient, email: str, **overrides: str) -> Response:
    data = {
        "display_name": "Rosa Huamán <b>",
        "email": email,
        "password": "una-clave-larga-1",
        "password_confirmation": "una-clave-larga-1",
        "accept_terms": "true",
        "csrf_token": csrf_of(client, "/register"),
        **overrides,
    }
    return client.post("/register", data=data)


def test_registration_confirms_by_email_then_signs_in(
    client_a: TestClient, mailbox: Mailbox, db: Session, tenant_a: Tenant
) -> None:
    response = register(client_a, "rosa@correo.pe")
    assert response.status_code == 200
    [message] = mailbox.to("rosa@correo.pe")
    link = mailbox.link(message, "/account/confirm?token=")
    assert link.startswith("http://alfa.test/")
    refused = client_a.post(
        "/login",
        data={
            "email": "rosa@correo.pe",
            "password": "una-clave-larga-1",
            "csrf_token": csrf_of(client_a, "/login"),
        },
    )
    assert refused.status_code == 400  # not confirmed yet
    confirmed = client_a.get(link.removeprefix("http://alfa.test"), follow_redirects=False)
    assert confirmed.status_code == 303
    assert client_a.get("/account", follow_redirects=False).status_code == 303  # no session yet
    signed = client_a.post(
        "/login",
        data={
            "email": "rosa@correo.pe",
            "password": "una-clave-larga-1",
            "next": "/account",
            "csrf_token": csrf_of(client_a, "/login"),
        },
    )
    assert signed.status_code == 200
    page = client_a.get("/account")
    assert page.status_code == 200
    assert "Rosa Huamán &lt;b&gt;" in page.text
    again = client_a.get(link.removeprefix("http://alfa.test"))
    assert again.status_code == 422  # single use


def test_registering_a_known_email_answers_the_same(
    client_a: TestClient, mailbox: Mailbox, db: Session, tenant_a: Tenant
) -> None:
    owner = make_user(db, tenant_a, email="usado@correo.pe")
    db.commit()
    fresh = register(client_a, "nuevo@correo.pe")
    known = register(client_a, "usado@correo.pe")
    assert fresh.status_code == known.status_code == 200
    assert fresh.text.replace("nuevo@correo.pe", "X") == known.text.replace("usado@correo.pe", "X")
    [notice] = mailbox.to("usado@correo.pe")
    assert "/password/forgot" in mailbox.text(notice)
    with scoped_to(db, tenant_a.id):
        assert db.scalar(select(func.count()).select_from(User)) == 2
        assert db.get(User, owner.id) is not None


def test_registration_form_keeps_input_and_says_what_is_wrong(client_a: TestClient) -> None:
    response = register(
        client_a,
        "no-es-un-correo",
        display_name="Ñusta Quispe",
        password="corta",
        password_confirmation="otra",
        accept_terms="",
    )
    assert response.status_code == 422
    assert 'value="Ñusta Quispe"' in response.text
    assert 'value="no-es-un-correo"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert "corta" not in response.text  # passwords are never echoed


def test_unknown_email_and_wrong_password_get_the_same_answer(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    user = make_user(db, tenant_a)
    db.commit()
    answers = []
    for email, password in ((user.email, "equivocada-123"), ("nadie@correo.pe", "equivocada-123")):
        response = client_a.post(
            "/login",
            data={"email": email, "password": password, "csrf_token": csrf_of(client_a, "/login")},
        )
        answers.append((response.status_code, response.text.replace(str(email), "X")))
    assert answers[0] == answers[1]
    assert answers[0][0] == 400


def test_failed_logins_are_throttled_per_account(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    user = make_user(db, tenant_a)
    db.commit()
    for _ in range(5):
        client_a.post(
            "/login",
            data={
                "email": user.email,
                "password": "equivocada-123",
                "csrf_token": csrf_of(client_a, "/login"),
            },
        )
    blocked = client_a.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_of(client_a, "/login")},
        follow_redirects=False,
    )
    assert blocked.status_code == 429
    assert client_a.get("/account", follow_redirects=False).status_code == 303


def test_login_gives_a_new_session_and_logout_ends_it(
    client_a: TestClient, db: Session, tenant_a: Tenant, app
) -> None:
    user = make_user(db, tenant_a)
    db.commit()
    client_a.get("/")
    before = client_a.cookies.get("minka_session")
    sign_in(client_a, user)
    after = client_a.cookies.get("minka_session")
    assert before != after
    stolen = dict(client_a.cookies)
    client_a.post("/logout", data={"csrf_token": csrf_of(client_a)})
    with TestClient(app, base_url="http://alfa.test", cookies=stolen) as replay:
        assert replay.get("/account", follow_redirects=False).status_code == 303


def test_password_reset_through_email_is_single_use(
    client_a: TestClient, mailbox: Mailbox, db: Session, tenant_a: Tenant
) -> None:
    user = make_user(db, tenant_a, email="olvido@correo.pe")
    db.commit()
    known = client_a.post(
        "/password/forgot", data={"email": "olvido@correo.pe", "csrf_token": csrf_of(client_a)}
    )
    unknown = client_a.post(
        "/password/forgot", data={"email": "nadie@correo.pe", "csrf_token": csrf_of(client_a)}
    )
    assert known.status_code == unknown.status_code == 200
    assert mailbox.to("nadie@correo.pe") == []
    [message] = mailbox.to("olvido@correo.pe")
    token = mailbox.link(message, "/password/reset?token=").split("token=", 1)[1]
    data = {"token": token, "password": NEW_PASSWORD, "password_confirmation": NEW_PASSWORD}
    done = client_a.post(
        "/password/reset", data={**data, "csrf_token": csrf_of(client_a)}, follow_redirects=False
    )
    assert done.status_code == 303
    reused = client_a.post("/password/reset", data={**data, "csrf_token": csrf_of(client_a)})
    assert reused.status_code == 422
    sign_in(client_a, user, NEW_PASSWORD)


def test_expired_reset_token_is_refused(
    client_a: TestClient, mailbox: Mailbox, db: Session, tenant_a: Tenant
) -> None:
    make_user(db, tenant_a, email="tarde@correo.pe")
    db.commit()
    client_a.post(
        "/password/forgot", data={"email": "tarde@correo.pe", "csrf_token": csrf_of(client_a)}
    )
    [message] = mailbox.to("tarde@correo.pe")
    token = mailbox.link(message, "/password/reset?token=").split("token=", 1)[1]
    with scoped_to(db, tenant_a.id):
        db.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(minutes=1)))
        db.commit()
    data = {
        "token": token,
        "password": NEW_PASSWORD,
        "password_confirmation": NEW_PASSWORD,
        "csrf_token": csrf_of(client_a),
    }
    assert client_a.post("/password/reset", data=data).status_code == 422


def test_reset_requests_are_throttled(
    client_a: TestClient, mailbox: Mailbox, db: Session, tenant_a: Tenant
) -> None:
    make_user(db, tenant_a, email="muchas@correo.pe")
    db.commit()
    for _ in range(5):
        client_a.post(
            "/password/forgot", data={"email": "muchas@correo.pe", "csrf_token": csrf_of(client_a)}
        )
    assert len(mailbox.to("muchas@correo.pe")) == 3
