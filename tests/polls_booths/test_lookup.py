"""An officer looks a person up by DNI and date of birth and marks them on the roll."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import ThrottleEvent
from app.audit.models import AuditEntry
from app.config import Settings
from app.db import scoped_to
from app.polls.models import PollVoter
from app.tenants.models import Tenant
from tests.factories import HOSTILE, make_geozone
from tests.polls.factories import make_booth, make_person, years_ago
from tests.polls_booths.helpers import (
    booth_in_phase,
    fresh_booth,
    officer_at,
    poll_of,
    post,
    roll_of,
)
from tests.rendering import context_of, template_name


def _lookup(client: TestClient, booth_id: int, dni: str, born: date | str) -> Response:
    birth = born if isinstance(born, str) else born.isoformat()
    return post(client, f"/booths/{booth_id}/lookup", {"dni": dni, "birth_date": birth})


def test_a_person_in_the_census_may_vote(
    db: Session, tenant_a: Tenant, client_a: TestClient, settings: Settings
) -> None:
    booth = booth_in_phase(db, tenant_a)
    officer_at(db, tenant_a, client_a, booth)
    person = make_person(db, tenant_a, census_secret=settings.census_secret, account=False)
    db.commit()
    response = _lookup(client_a, booth.id, person.dni, person.born_on)
    assert response.status_code == 200
    assert context_of(response)["lookup"].may_vote
    assert "Puede votar" in response.text
    assert "Vota en papel" in response.text
    assert "Vota en la tableta" in response.text
    # The booth's name is hostile text: shown escaped, never as markup.
    assert "<script>alert" not in response.text
    assert "&lt;script&gt;" in response.text


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("unknown", "no está en el padrón"),
        ("wrong_birth", "no está en el padrón"),
        ("wrong_zone", "vive en una zona"),
        ("under_age", "menor que la edad mínima"),
    ],
)
def test_why_a_person_may_not_vote(
    case: str,
    expected: str,
    db: Session,
    tenant_a: Tenant,
    client_a: TestClient,
    settings: Settings,
) -> None:
    north, south = make_geozone(db, tenant_a, "N1"), make_geozone(db, tenant_a, "S1")
    booth = booth_in_phase(db, tenant_a, geozones=[north], min_age=16)
    officer_at(db, tenant_a, client_a, booth)
    born = years_ago(16, days=1) if case == "under_age" else date(1990, 5, 17)
    zone = south.code if case == "wrong_zone" else north.code
    person = make_person(
        db, tenant_a, geozone_code=zone, born_on=born, census_secret=settings.census_secret
    )
    db.commit()
    dni = "12345678" if case == "unknown" else person.dni
    typed = date(1990, 5, 18) if case == "wrong_birth" else born
    response = _lookup(client_a, booth.id, dni, typed)
    assert response.status_code == 200
    assert not context_of(response)["lookup"].may_vote
    assert expected in response.text
    assert "Vota en papel" not in response.text


def test_a_person_exactly_of_age_may_vote(
    db: Session, tenant_a: Tenant, client_a: TestClient, settings: Settings
) -> None:
    booth = booth_in_phase(db, tenant_a, min_age=16)
    officer_at(db, tenant_a, client_a, booth)
    person = make_person(db, tenant_a, born_on=years_ago(16), census_secret=settings.census_secret)
    db.commit()
    assert context_of(_lookup(client_a, booth.id, person.dni, person.born_on))["lookup"].may_vote


def test_already_voted_says_where_never_how(
    db: Session, tenant_a: Tenant, client_a: TestClient, settings: Settings
) -> None:
    booth = booth_in_phase(db, tenant_a)
    other = make_booth(db, tenant_a, poll_of(db, tenant_a, booth))
    officer_at(db, tenant_a, client_a, booth)
    online = make_person(db, tenant_a, census_secret=settings.census_secret)
    elsewhere = make_person(db, tenant_a, census_secret=settings.census_secret)
    with scoped_to(db, tenant_a.id):
        for person, channel, at in ((online, "web", None), (elsewhere, "paper", other.id)):
            db.add(
                PollVoter(
                    poll_id=booth.poll_id,
                    voter_key=person.dni_digest,
                    channel=channel,
                    booth_id=at,
                    voted_on=date.today(),
                )
            )
        db.flush()
    db.commit()
    response = _lookup(client_a, booth.id, online.dni, online.born_on)
    assert "ya votó en línea" in response.text
    response = _lookup(client_a, booth.id, elsewhere.dni, elsewhere.born_on)
    assert "ya votó en la mesa" in response.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in response.text  # the booth's name
    assert "papel" not in response.text.split("ya votó")[1].split("</p>")[0]


def test_bad_input_comes_back_with_a_message(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    booth = booth_in_phase(db, tenant_a)
    officer_at(db, tenant_a, client_a, booth)
    response = _lookup(client_a, booth.id, "12 34", "1990-02-31")
    assert response.status_code == 422
    assert "8 dígitos" in response.text
    assert 'value="12 34"' in response.text
    response = _lookup(client_a, booth.id, "12345678", "mañana")
    assert response.status_code == 422
    assert context_of(response)["errors"].keys() == {"birth_date"}


def test_marking_on_paper_and_on_the_tablet(
    db: Session, tenant_a: Tenant, client_a: TestClient, settings: Settings
) -> None:
    booth = booth_in_phase(db, tenant_a)
    officer = officer_at(db, tenant_a, client_a, booth)
    paper = make_person(db, tenant_a, census_secret=settings.census_secret, account=False)
    tablet = make_person(db, tenant_a, census_secret=settings.census_secret)
    db.commit()
    for person, channel in ((paper, "paper"), (tablet, "tablet")):
        data = {"dni": person.dni, "birth_date": person.born_on.isoformat(), "channel": channel}
        response = post(client_a, f"/booths/{booth.id}/voters", data)
        assert response.status_code == 303
    roll = {entry.voter_key: entry for entry in roll_of(db, tenant_a, booth.poll_id)}
    assert roll[paper.dni_digest].channel == "paper"
    assert roll[tablet.dni_digest].channel == "tablet"
    assert {entry.booth_id for entry in roll.values()} == {booth.id}
    assert {entry.recorded_by_id for entry in roll.values()} == {officer.id}
    assert fresh_booth(db, tenant_a, booth.id).kiosk_pending == 1
    page = client_a.get(f"/booths/{booth.id}")
    assert "1 persona espera votar en la tableta" in page.text
    # The same person again: refused with where they voted, nothing added.
    again = {"dni": paper.dni, "birth_date": paper.born_on.isoformat(), "channel": "tablet"}
    response = post(client_a, f"/booths/{booth.id}/voters", again)
    assert response.status_code == 409
    assert "ya votó en la mesa" in response.text
    assert fresh_booth(db, tenant_a, booth.id).kiosk_pending == 1
    with scoped_to(db, tenant_a.id):
        audit = db.scalars(
            select(AuditEntry).where(AuditEntry.action == "polls.booth_voter_recorded")
        ).all()
    assert [entry.details for entry in audit] == [{"channel": "paper"}, {"channel": "tablet"}]
    assert all(paper.dni not in str(entry.details) for entry in audit)


def test_unknown_channel_is_refused(
    db: Session, tenant_a: Tenant, client_a: TestClient, settings: Settings
) -> None:
    booth = booth_in_phase(db, tenant_a)
    officer_at(db, tenant_a, client_a, booth)
    person = make_person(db, tenant_a, census_secret=settings.census_secret)
    db.commit()
    data = {"dni": person.dni, "birth_date": person.born_on.isoformat(), "channel": "web"}
    response = post(client_a, f"/booths/{booth.id}/voters", data)
    assert response.status_code == 422
    assert template_name(response) == "polls/booths/booth.html"
    assert "Elige cómo vota la persona" in response.text
    assert f'value="{person.dni}"' in response.text  # what was typed comes back
    assert roll_of(db, tenant_a, booth.poll_id) == []
    with scoped_to(db, tenant_a.id):
        audit = db.scalars(select(AuditEntry.action)).all()
    assert "polls.booth_lookup" not in audit


def test_failed_lookups_are_throttled_per_officer(
    db: Session, tenant_a: Tenant, client_a: TestClient, settings: Settings
) -> None:
    booth = booth_in_phase(db, tenant_a)
    officer = officer_at(db, tenant_a, client_a, booth)
    person = make_person(db, tenant_a, census_secret=settings.census_secret)
    with scoped_to(db, tenant_a.id):
        from app.accounts.throttle import note_event

        for _ in range(30):
            note_event(db, "booth_lookup_account", str(officer.id))
    db.commit()
    response = _lookup(client_a, booth.id, person.dni, person.born_on)
    assert response.status_code == 429
    assert "Demasiadas" in response.text
    with scoped_to(db, tenant_a.id):
        assert db.scalars(select(ThrottleEvent)).all()


def test_a_failed_lookup_counts_and_a_found_one_does_not(
    db: Session, tenant_a: Tenant, client_a: TestClient, settings: Settings
) -> None:
    booth = booth_in_phase(db, tenant_a)
    officer_at(db, tenant_a, client_a, booth)
    person = make_person(db, tenant_a, census_secret=settings.census_secret)
    db.commit()
    _lookup(client_a, booth.id, person.dni, person.born_on)
    _lookup(client_a, booth.id, "87654321", person.born_on)
    with scoped_to(db, tenant_a.id):
        events = db.scalars(
            select(ThrottleEvent).where(ThrottleEvent.kind == "booth_lookup_account")
        ).all()
    assert len(events) == 1


__all__ = ["HOSTILE"]
