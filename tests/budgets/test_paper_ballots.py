"""Paper ballots typed in by poll officers: the census look-up, the same rules as the web,
one ballot per person and heading across channels, and an audit trail without the DNI."""

from __future__ import annotations

import json
from collections.abc import Mapping

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.config import Settings
from app.db import scoped_to
from app.tenants.models import Tenant
from tests.budgets.ballot_helpers import ballot_budget, ballots_of, lines_of, post
from tests.conftest import client_for
from tests.factories import make_geozone
from tests.people import make_user, sign_in
from tests.polls.factories import Person, make_person
from tests.rendering import context_of, template_name


def _officer(db: Session, tenant: Tenant, client: TestClient) -> int:
    officer = make_user(db, tenant, "poll_officer")
    db.commit()
    sign_in(client, officer)
    return officer.id


def _person(db: Session, tenant: Tenant, settings: Settings, zone: str | None = None) -> Person:
    person = make_person(db, tenant, census_secret=settings.census_secret, geozone_code=zone)
    db.commit()
    return person


def _identity(person: Person, heading_id: int) -> dict[str, str]:
    return {
        "dni": person.dni,
        "birth_date": person.born_on.isoformat(),
        "heading_id": str(heading_id),
    }


def _audit(db: Session, tenant: Tenant) -> list[AuditEntry]:
    with scoped_to(db, tenant.id):
        statement = select(AuditEntry).where(AuditEntry.action.like("budgets.paper%"))
        return list(db.scalars(statement.order_by(AuditEntry.id)))


def test_an_officer_enters_a_paper_ballot_and_the_web_is_closed_to_it(
    client_a: TestClient, db: Session, tenant_a: Tenant, settings: Settings, app: FastAPI
) -> None:
    budget, headings, projects = ballot_budget(db, tenant_a)
    heading = headings[0]
    person = _person(db, tenant_a, settings)
    officer_id = _officer(db, tenant_a, client_a)
    form = client_a.get(f"/budgets/{budget.id}/paper")
    assert form.status_code == 200
    assert template_name(form) == "budgets/paper.html"
    identity = _identity(person, heading.id)
    found = post(client_a, f"/budgets/{budget.id}/paper/lookup", identity)
    assert found.status_code == 200
    assert context_of(found)["lookup"].may_ballot
    assert "Puede votar" in found.text
    assert "<script>alert(1)</script>" not in found.text
    chosen = [str(p.id) for p in projects[heading.id][:2]]
    recorded = post(
        client_a, f"/budgets/{budget.id}/paper/ballots", {**identity, "project": chosen}
    )
    assert recorded.status_code == 303
    [ballot] = ballots_of(db, tenant_a)
    assert (ballot.channel, ballot.recorded_by_id, ballot.voter_key) == (
        "paper",
        officer_id,
        person.dni_digest,
    )
    assert lines_of(db, tenant_a, ballot) == {int(c) for c in chosen}
    # A second entry for the same person and heading is refused, the first one kept.
    again = post(
        client_a, f"/budgets/{budget.id}/paper/ballots", {**identity, "project": chosen[0]}
    )
    assert again.status_code == 409
    assert "Ya se registró una cédula en papel" in again.text
    assert len(ballots_of(db, tenant_a)) == 1
    # Online, the heading is closed to this person.
    with client_for(app, "alfa.test") as resident:
        assert person.user is not None
        sign_in(resident, person.user)
        url = f"/budgets/{budget.id}/ballot/{heading.id}"
        refused = post(resident, f"{url}/add", {"project_id": str(projects[heading.id][3].id)})
        assert refused.status_code == 409
        assert "Ya votaste en una mesa de votación" in refused.text
    assert lines_of(db, tenant_a, ballot) == {int(c) for c in chosen}
    entries = _audit(db, tenant_a)
    lookup, recorded_entry = "budgets.paper_lookup", "budgets.paper_ballot_recorded"
    assert [e.action for e in entries] == [lookup, lookup, recorded_entry, lookup]
    assert all(e.actor_id == officer_id for e in entries)
    written = json.dumps([e.details for e in entries]) + " ".join(e.object_id for e in entries)
    assert person.dni not in written
    assert person.dni_digest not in written


def test_a_person_with_a_web_ballot_is_refused_at_the_booth(
    client_a: TestClient, db: Session, tenant_a: Tenant, settings: Settings, app: FastAPI
) -> None:
    budget, headings, projects = ballot_budget(db, tenant_a)
    heading = headings[0]
    person = _person(db, tenant_a, settings)
    with client_for(app, "alfa.test") as resident:
        assert person.user is not None
        sign_in(resident, person.user)
        url = f"/budgets/{budget.id}/ballot/{heading.id}/add"
        assert post(resident, url, {"project_id": str(projects[heading.id][0].id)}).is_redirect
    _officer(db, tenant_a, client_a)
    identity = _identity(person, heading.id)
    found = post(client_a, f"/budgets/{budget.id}/paper/lookup", identity)
    assert "Esta persona ya tiene un voto en línea para esta partida" in found.text
    assert not context_of(found)["lookup"].may_ballot
    data = {**identity, "project": str(projects[heading.id][1].id)}
    assert post(client_a, f"/budgets/{budget.id}/paper/ballots", data).status_code == 409
    [ballot] = ballots_of(db, tenant_a)
    assert ballot.channel == "web"
    assert lines_of(db, tenant_a, ballot) == {projects[heading.id][0].id}


def test_paper_ballots_keep_the_web_rules(
    client_a: TestClient, db: Session, tenant_a: Tenant, settings: Settings
) -> None:
    zone = make_geozone(db, tenant_a, "TRU")
    budget, headings, projects = ballot_budget(db, tenant_a, zones=[zone])
    zoned, first, second = headings
    other_budget, other_headings, _ = ballot_budget(db, tenant_a)
    outsider = _person(db, tenant_a, settings, zone="OTU")
    person = _person(db, tenant_a, settings, zone="TRU")
    _officer(db, tenant_a, client_a)
    paper = f"/budgets/{budget.id}/paper/ballots"
    cases: list[tuple[str, Mapping[str, object], int, str]] = [
        (
            "over the amount",
            {**_identity(person, zoned.id), "project": [str(p.id) for p in projects[zoned.id][:3]]},
            422,
            "más que los",
        ),
        ("nothing chosen", _identity(person, zoned.id), 422, "Marca los proyectos"),
        (
            "another heading's project",
            {**_identity(person, zoned.id), "project": str(projects[first.id][0].id)},
            422,
            "no está en la votación",
        ),
        (
            "not a number",
            {**_identity(person, zoned.id), "project": "uno"},
            422,
            "no está en la votación",
        ),
        (
            "another zone",
            {**_identity(outsider, zoned.id), "project": str(projects[zoned.id][0].id)},
            409,
            "zona",
        ),
        (
            "another budget's heading",
            {**_identity(person, other_headings[0].id), "project": "1"},
            422,
            "Elige una partida",
        ),
        ("no heading", {**_identity(person, 0), "heading_id": ""}, 422, "Elige una partida"),
        # Beyond PostgreSQL's integer: refused before any query, not a 500.
        ("too large a heading", _identity(person, 10**15), 422, "Elige una partida"),
        ("a bad DNI", {**_identity(person, zoned.id), "dni": "123"}, 422, "8 dígitos"),
        (
            "not in the census",
            {
                **_identity(person, zoned.id),
                "birth_date": "1970-02-03",
                "project": str(projects[zoned.id][0].id),
            },
            409,
            "no está en el padrón",
        ),
    ]
    for case, data, status, text in cases:
        response = post(client_a, paper, data)
        assert response.status_code == status, f"{case}: {response.status_code}"
        assert text in response.text, case
    assert ballots_of(db, tenant_a) == []
    # The chosen boxes come back ticked after an error.
    over = post(client_a, paper, cases[0][1])
    assert context_of(over)["chosen"] == {p.id for p in projects[zoned.id][:3]}
    # One heading of the province group only.
    ok = {**_identity(person, first.id), "project": str(projects[first.id][0].id)}
    assert post(client_a, paper, ok).status_code == 303
    limited = {**_identity(person, second.id), "project": str(projects[second.id][0].id)}
    refused = post(client_a, paper, limited)
    assert refused.status_code == 409
    assert "tantas partidas de este grupo como se permite (1)" in refused.text
    assert [b.heading_id for b in ballots_of(db, tenant_a)] == [first.id]
    assert other_budget.id != budget.id


def test_approval_paper_ballots_take_at_most_k(
    client_a: TestClient, db: Session, tenant_a: Tenant, settings: Settings
) -> None:
    budget, headings, projects = ballot_budget(db, tenant_a, approval_limit=2)
    heading = headings[0]
    person = _person(db, tenant_a, settings)
    _officer(db, tenant_a, client_a)
    data = {
        **_identity(person, heading.id),
        "project": [str(p.id) for p in projects[heading.id][:3]],
    }
    refused = post(client_a, f"/budgets/{budget.id}/paper/ballots", data)
    assert refused.status_code == 422
    assert "como máximo 2 proyectos" in refused.text
    data["project"] = [str(p.id) for p in projects[heading.id][:2]]
    assert post(client_a, f"/budgets/{budget.id}/paper/ballots", data).status_code == 303


def test_another_instance_cannot_enter_paper_ballots_here(
    client_b: TestClient, db: Session, tenant_a: Tenant, tenant_b: Tenant, settings: Settings
) -> None:
    budget, headings, projects = ballot_budget(db, tenant_a)
    person = _person(db, tenant_a, settings)
    _officer(db, tenant_b, client_b)
    data = {**_identity(person, headings[0].id), "project": str(projects[headings[0].id][0].id)}
    assert client_b.get(f"/budgets/{budget.id}/paper").status_code == 404
    assert post(client_b, f"/budgets/{budget.id}/paper/lookup", data).status_code == 404
    assert post(client_b, f"/budgets/{budget.id}/paper/ballots", data).status_code == 404
    assert ballots_of(db, tenant_a) == []


def test_the_budget_page_leads_officers_to_paper_ballots(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget, _, _ = ballot_budget(db, tenant_a)
    earlier, _, _ = ballot_budget(db, tenant_a, phase="publishing_prices")
    _officer(db, tenant_a, client_a)
    assert f"/budgets/{budget.id}/paper" in client_a.get(f"/budgets/{budget.id}").text
    assert f"/budgets/{earlier.id}/paper" not in client_a.get(f"/budgets/{earlier.id}").text
