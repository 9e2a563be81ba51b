"""Administrators set up a poll's booths and officers; the officers see them at /booths."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.db import scoped_to, utcnow
from app.polls.models import PollBooth, PollBoothOfficer, PollVoter
from app.polls.schemas import lima_input
from app.tenants.models import Tenant
from tests.factories import HOSTILE, make_geozone
from tests.people import make_user, sign_in
from tests.polls.factories import make_booth, make_poll
from tests.polls_booths.helpers import post
from tests.rendering import context_of


def _booths(db: Session, tenant: Tenant) -> list[PollBooth]:
    with scoped_to(db, tenant.id):
        return list(db.scalars(select(PollBooth).execution_options(populate_existing=True)))


def _admin(db: Session, tenant: Tenant, client: TestClient) -> None:
    admin = make_user(db, tenant, "administrator")
    db.commit()
    sign_in(client, admin)


def _form(**fields: str) -> dict[str, str]:
    now = utcnow()
    return {
        "name": HOSTILE,
        "place": "Local comunal de Huanchaco",
        "geozone_id": "",
        "opens_at": lima_input(now + timedelta(hours=1)),
        "closes_at": lima_input(now + timedelta(hours=9)),
        **fields,
    }


def test_an_administrator_creates_a_booth_and_assigns_an_officer(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    zone = make_geozone(db, tenant_a)
    poll = make_poll(db, tenant_a)
    officer = make_user(db, tenant_a, "poll_officer", name="Rosa Quispe")
    plain = make_user(db, tenant_a, name="Sin rol")
    _admin(db, tenant_a, client_a)
    page = client_a.get(f"/admin/polls/{poll.id}/booths")
    assert "Esta votación aún no tiene mesas" in page.text
    response = post(client_a, f"/admin/polls/{poll.id}/booths", _form(geozone_id=str(zone.id)))
    assert response.status_code == 303
    [booth] = _booths(db, tenant_a)
    assert (booth.name, booth.geozone_id) == (" ".join(HOSTILE.split()), zone.id)
    page = client_a.get(response.headers["location"])
    assert "Rosa Quispe" in page.text  # offered: holds the poll officer role
    assert "Sin rol" not in page.text
    assert "&lt;script&gt;" in page.text
    assert "<script>alert" not in page.text
    path = f"/admin/polls/{poll.id}/booths/{booth.id}/officers"
    assert post(client_a, path, {"user_id": str(officer.id)}).status_code == 303
    refused = post(client_a, path, {"user_id": str(plain.id)})
    assert refused.status_code == 422
    assert "rol de miembro de mesa" in refused.text
    with scoped_to(db, tenant_a.id):
        assert db.scalars(select(PollBoothOfficer.user_id)).all() == [officer.id]
        actions = db.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["polls.booth_created", "polls.booth_officer_added"]
    sign_in(client_a, officer)
    mine = client_a.get("/booths")
    assert f'href="/booths/{booth.id}"' in mine.text
    assert "Mis mesas" in mine.text


def test_booth_dates_stay_within_the_poll(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    poll = make_poll(db, tenant_a, opens=timedelta(hours=-1), closes=timedelta(days=1))
    _admin(db, tenant_a, client_a)
    late = _form(closes_at=lima_input(utcnow() + timedelta(days=2)))
    response = post(client_a, f"/admin/polls/{poll.id}/booths", late)
    assert response.status_code == 422
    assert "dentro del periodo de votación" in response.text
    assert 'value="Local comunal de Huanchaco"' in response.text
    backwards = _form(opens_at=late["opens_at"], closes_at=_form()["opens_at"])
    assert post(client_a, f"/admin/polls/{poll.id}/booths", backwards).status_code == 422
    nonsense = _form(opens_at="mañana temprano", name="")
    response = post(client_a, f"/admin/polls/{poll.id}/booths", nonsense)
    assert response.status_code == 422
    assert set(context_of(response)["errors"]) == {"opens_at", "name"}
    assert _booths(db, tenant_a) == []


def test_no_booths_for_a_poll_open_to_every_account(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    poll = make_poll(db, tenant_a, voter_level="registered")
    _admin(db, tenant_a, client_a)
    page = client_a.get(f"/admin/polls/{poll.id}/booths")
    assert "no tiene mesas: una mesa identifica" in page.text
    assert post(client_a, f"/admin/polls/{poll.id}/booths", _form()).status_code == 403
    assert _booths(db, tenant_a) == []


def test_editing_and_deleting_a_booth(db: Session, tenant_a: Tenant, client_a: TestClient) -> None:
    poll = make_poll(db, tenant_a)
    booth, used = make_booth(db, tenant_a, poll), make_booth(db, tenant_a, poll)
    with scoped_to(db, tenant_a.id):
        db.add(
            PollVoter(
                poll_id=poll.id, voter_key="k", channel="paper", booth_id=used.id, voted_on=utcnow()
            )
        )
        db.flush()
    _admin(db, tenant_a, client_a)
    base = f"/admin/polls/{poll.id}/booths"
    assert post(client_a, f"{base}/{booth.id}", _form(name="Mesa 2")).status_code == 303
    assert {b.name for b in _booths(db, tenant_a)} >= {"Mesa 2"}
    refused = post(client_a, f"{base}/{used.id}/delete")
    assert refused.status_code == 409
    assert post(client_a, f"{base}/{booth.id}/delete").status_code == 303
    assert [b.id for b in _booths(db, tenant_a)] == [used.id]
    # A booth of this instance under another poll's path is not found.
    other = make_poll(db, tenant_a)
    db.commit()
    assert client_a.get(f"/admin/polls/{other.id}/booths/{used.id}").status_code == 404
