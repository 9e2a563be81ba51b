"""The booth's tablet: set up by an officer, one ballot per person sent to it, nothing else."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import UserSession
from app.config import Settings
from app.db import scoped_to
from app.polls.booth_kiosk import KIOSK_COOKIE
from app.polls.models import PollBallot, PollBooth
from app.tenants.models import Tenant
from app.tokens import digest
from tests.conftest import client_for
from tests.people import csrf_of
from tests.polls.factories import Person, make_booth, make_person, questions_of
from tests.polls_booths.helpers import (
    booth_in_phase,
    fresh_booth,
    officer_at,
    poll_of,
    post,
    roll_of,
)
from tests.rendering import template_name


def _kiosk(db: Session, tenant: Tenant, client: TestClient, booth: PollBooth) -> str:
    """The officer turns the client's device into the booth's tablet; the kiosk token."""
    officer_at(db, tenant, client, booth)
    response = post(client, f"/booths/{booth.id}/kiosk")
    assert response.status_code == 303
    assert response.headers["location"] == "/kiosk"
    token = client.cookies.get(KIOSK_COOKIE)
    assert token
    return token


def _ballots(db: Session, tenant: Tenant) -> list[PollBallot]:
    with scoped_to(db, tenant.id):
        return list(db.scalars(select(PollBallot)))


def _choose_first(db: Session, tenant: Tenant, booth: PollBooth) -> dict[str, str]:
    question, answers = questions_of(db, poll_of(db, tenant, booth))[0]
    return {f"q{question.id}": str(answers[0].id)}


def _kiosk_post(client: TestClient, path: str, data: dict[str, str] | None = None) -> Response:
    token = csrf_of(client, "/kiosk")
    return client.post(path, data={**(data or {}), "csrf_token": token}, follow_redirects=False)


def test_turning_a_device_into_the_kiosk_ends_the_officers_login(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    booth = booth_in_phase(db, tenant_a)
    token = _kiosk(db, tenant_a, client_a, booth)
    assert fresh_booth(db, tenant_a, booth.id).kiosk_token_digest == digest(token)
    with scoped_to(db, tenant_a.id):
        logins = db.scalars(select(UserSession)).all()
    assert [login.revoked_at is not None for login in logins] == [True]
    # Whoever holds the tablet now has no staff powers.
    assert client_a.get(f"/booths/{booth.id}", follow_redirects=False).status_code == 303
    waiting = client_a.get("/kiosk")
    assert waiting.status_code == 200
    assert waiting.headers["cache-control"] == "no-store"
    assert "Esperando al siguiente votante" in waiting.text
    assert "Empezar mi voto" not in waiting.text
    assert 'http-equiv="refresh"' in waiting.text


def test_one_ballot_per_person_sent_to_the_tablet(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    booth = booth_in_phase(db, tenant_a)
    _kiosk(db, tenant_a, client_a, booth)
    choice = _choose_first(db, tenant_a, booth)
    # Nobody sent yet: neither the ballot form nor a ballot.
    assert _kiosk_post(client_a, "/kiosk/start").status_code == 409
    refused = _kiosk_post(client_a, "/kiosk/ballot", choice)
    assert refused.status_code == 409
    assert "Nadie espera votar en la tableta de esta mesa" in refused.text
    garbage = _kiosk_post(client_a, "/kiosk/ballot", {"q999999": "x"})
    assert garbage.status_code == 409
    assert template_name(garbage) == "polls/kiosk/waiting.html"
    assert _ballots(db, tenant_a) == []
    with scoped_to(db, tenant_a.id):
        fresh_booth(db, tenant_a, booth.id).kiosk_pending = 1
        db.flush()
    db.commit()
    waiting = client_a.get("/kiosk")
    assert "Empezar mi voto" in waiting.text
    form = _kiosk_post(client_a, "/kiosk/start")
    assert form.status_code == 200
    assert template_name(form) == "polls/kiosk/ballot.html"
    assert "&lt;script&gt;" in form.text
    assert "<script>alert" not in form.text
    done = _kiosk_post(client_a, "/kiosk/ballot", choice)
    assert done.status_code == 200
    assert "Gracias por votar" in done.text
    assert 'content="30;url=/kiosk"' in done.text
    assert done.headers["cache-control"] == "no-store"
    [ballot] = _ballots(db, tenant_a)
    assert ballot.receipt in done.text
    assert (ballot.channel, ballot.booth_id, ballot.replace_tag) == ("tablet", booth.id, None)
    assert fresh_booth(db, tenant_a, booth.id).kiosk_pending == 0
    # The same voter trying a second ballot: nobody is waiting any more.
    again = _kiosk_post(client_a, "/kiosk/ballot", choice)
    assert again.status_code == 409
    assert len(_ballots(db, tenant_a)) == 1


def test_a_bad_ballot_stores_nothing_and_keeps_the_turn(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    booth = booth_in_phase(db, tenant_a, questions=[("single", 3), ("ranked", 3)])
    _kiosk(db, tenant_a, client_a, booth)
    with scoped_to(db, tenant_a.id):
        fresh_booth(db, tenant_a, booth.id).kiosk_pending = 1
        db.flush()
    db.commit()
    (single, answers), (ranked, ranked_answers) = questions_of(db, poll_of(db, tenant_a, booth))
    bad = {
        f"q{single.id}": str(answers[0].id),
        f"q{ranked.id}_rank{ranked_answers[0].id}": "1",
        f"q{ranked.id}_rank{ranked_answers[1].id}": "1",
    }
    response = _kiosk_post(client_a, "/kiosk/ballot", bad)
    assert response.status_code == 422
    assert "Da a cada respuesta un número de orden distinto" in response.text
    assert "checked" in response.text  # the voter's choices come back
    assert _ballots(db, tenant_a) == []
    assert fresh_booth(db, tenant_a, booth.id).kiosk_pending == 1
    other_question = {f"q{single.id}": str(ranked_answers[0].id)}
    assert _kiosk_post(client_a, "/kiosk/ballot", other_question).status_code == 422
    assert _ballots(db, tenant_a) == []


def test_the_cookie_of_one_booth_does_nothing_for_another(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    booth = booth_in_phase(db, tenant_a)
    other = make_booth(db, tenant_a, poll_of(db, tenant_a, booth), kiosk_pending=1)
    _kiosk(db, tenant_a, client_a, booth)
    choice = _choose_first(db, tenant_a, booth)
    assert _kiosk_post(client_a, "/kiosk/start").status_code == 409
    assert _kiosk_post(client_a, "/kiosk/ballot", choice).status_code == 409
    assert fresh_booth(db, tenant_a, other.id).kiosk_pending == 1
    assert _ballots(db, tenant_a) == []


def test_a_kiosk_cookie_means_nothing_on_another_instance(
    db: Session, app: FastAPI, tenant_a: Tenant, tenant_b: Tenant, client_a: TestClient
) -> None:
    booth = booth_in_phase(db, tenant_a)
    token = _kiosk(db, tenant_a, client_a, booth)
    with scoped_to(db, tenant_a.id):
        fresh_booth(db, tenant_a, booth.id).kiosk_pending = 1
        db.flush()
    db.commit()
    with client_for(app, "beta.test") as client_b:
        client_b.cookies.set(KIOSK_COOKIE, token, domain="beta.test", path="/kiosk")
        page = client_b.get("/kiosk")
        assert page.status_code == 403
        assert "no es la tableta de una mesa" in page.text
        assert (
            _kiosk_post(client_b, "/kiosk/ballot", _choose_first(db, tenant_a, booth)).status_code
            == 403
        )
    assert _ballots(db, tenant_a) == []
    assert fresh_booth(db, tenant_a, booth.id).kiosk_pending == 1


def test_a_device_without_the_cookie_is_not_a_kiosk(client_a: TestClient) -> None:
    page = client_a.get("/kiosk")
    assert page.status_code == 403
    assert template_name(page) == "polls/kiosk/not_kiosk.html"


def test_setting_up_a_new_tablet_retires_the_old_one(
    db: Session, app: FastAPI, tenant_a: Tenant, client_a: TestClient
) -> None:
    booth = booth_in_phase(db, tenant_a)
    old = _kiosk(db, tenant_a, client_a, booth)
    with client_for(app, "alfa.test") as second:
        _kiosk(db, tenant_a, second, booth)
    client_a.cookies.set(KIOSK_COOKIE, old, domain="alfa.test", path="/kiosk")
    assert client_a.get("/kiosk").status_code == 403


def test_the_officer_cancels_a_waiting_tablet_voter(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    booth = booth_in_phase(db, tenant_a)
    with scoped_to(db, tenant_a.id):
        fresh_booth(db, tenant_a, booth.id).kiosk_pending = 2
        db.flush()
    officer_at(db, tenant_a, client_a, booth)
    assert post(client_a, f"/booths/{booth.id}/pending/cancel").status_code == 303
    assert fresh_booth(db, tenant_a, booth.id).kiosk_pending == 1
    page = client_a.get(f"/booths/{booth.id}")
    assert "1 persona espera votar en la tableta" in page.text
    post(client_a, f"/booths/{booth.id}/pending/cancel")
    post(client_a, f"/booths/{booth.id}/pending/cancel")
    assert fresh_booth(db, tenant_a, booth.id).kiosk_pending == 0


def test_the_tablet_stops_when_the_booth_closes(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    booth = booth_in_phase(db, tenant_a)
    _kiosk(db, tenant_a, client_a, booth)
    with scoped_to(db, tenant_a.id):
        row = fresh_booth(db, tenant_a, booth.id)
        row.kiosk_pending = 1
        row.closes_at = row.opens_at + timedelta(minutes=1)
        db.flush()
    db.commit()
    assert "cerrada" in client_a.get("/kiosk").text
    assert _kiosk_post(client_a, "/kiosk/start").status_code == 409
    assert (
        _kiosk_post(client_a, "/kiosk/ballot", _choose_first(db, tenant_a, booth)).status_code
        == 409
    )
    assert _ballots(db, tenant_a) == []
    assert fresh_booth(db, tenant_a, booth.id).kiosk_pending == 1


def test_a_tablet_set_up_before_opening_waits_for_the_opening(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    booth = booth_in_phase(db, tenant_a, "before")
    _kiosk(db, tenant_a, client_a, booth)
    page = client_a.get("/kiosk")
    assert "La mesa aún no abre" in page.text
    assert "Empezar mi voto" not in page.text


def test_the_tablet_takes_one_person_at_a_time(
    db: Session, tenant_a: Tenant, client_a: TestClient, app: FastAPI, settings: Settings
) -> None:
    """The kiosk knows no voter: with two people sent to it, the first could vote twice. So a
    second person is marked for the tablet only once the first one's ballot is in."""
    booth = booth_in_phase(db, tenant_a)
    first = make_person(db, tenant_a, census_secret=settings.census_secret, account=False)
    second = make_person(db, tenant_a, census_secret=settings.census_secret, account=False)
    db.commit()
    with client_for(app, "alfa.test") as tablet:
        _kiosk(db, tenant_a, tablet, booth)
        officer_at(db, tenant_a, client_a, booth)
        choice = _choose_first(db, tenant_a, booth)

        def send(person: Person) -> Response:
            data = {"dni": person.dni, "birth_date": "1980-01-01", "channel": "tablet"}
            return post(client_a, f"/booths/{booth.id}/voters", data)

        assert send(first).status_code == 303
        busy = send(second)
        assert busy.status_code == 409
        assert "Alguien enviado a la tableta aún no ha votado" in busy.text
        assert f'value="{second.dni}"' in busy.text
        assert [e.voter_key for e in roll_of(db, tenant_a, booth.poll_id)] == [first.dni_digest]
        assert fresh_booth(db, tenant_a, booth.id).kiosk_pending == 1
        # The first person votes, then tries a second ballot: the tablet is waiting again.
        assert _kiosk_post(tablet, "/kiosk/start").status_code == 200
        assert _kiosk_post(tablet, "/kiosk/ballot", choice).status_code == 200
        assert _kiosk_post(tablet, "/kiosk/start").status_code == 409
        assert _kiosk_post(tablet, "/kiosk/ballot", choice).status_code == 409
        assert len(_ballots(db, tenant_a)) == 1
        # Now the second person's turn.
        assert send(second).status_code == 303
        assert _kiosk_post(tablet, "/kiosk/ballot", choice).status_code == 200
    assert len(_ballots(db, tenant_a)) == 2
    assert len(roll_of(db, tenant_a, booth.poll_id)) == 2
