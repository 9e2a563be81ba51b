"""A resident's web ballot through the real routes: the amount, k, the headings of a group,
the heading's zone, bad input refused with nothing changed, and another instance's budget."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.budgets.models import BudgetBallot, BudgetBallotLine
from app.db import scoped_to, utcnow
from app.tenants.models import Tenant
from tests.budgets.ballot_helpers import ballot_budget, ballots_of, lines_of, post, selected_project
from tests.factories import make_geozone
from tests.people import make_user, sign_in
from tests.polls.factories import make_person
from tests.rendering import context_of, template_name


def _resident(db: Session, tenant: Tenant, client: TestClient, zone: str | None = None) -> str:
    person = make_person(db, tenant, geozone_code=zone)
    db.commit()
    assert person.user is not None
    sign_in(client, person.user)
    return person.dni_digest


def test_a_knapsack_ballot_shows_the_money_left_and_refuses_what_does_not_fit(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget, headings, projects = ballot_budget(db, tenant_a)
    heading = headings[0]  # S/ 1 000 000; projects of 400, 350, 300 and 250 thousand
    key = _resident(db, tenant_a, client_a)
    url = f"/budgets/{budget.id}/ballot/{heading.id}"
    first, second, third, fourth = projects[heading.id]
    for project in (first, second):
        assert post(client_a, f"{url}/add", {"project_id": str(project.id)}).status_code == 303
    page = client_a.get(url)
    assert page.status_code == 200
    assert template_name(page) == "budgets/ballot_heading.html"
    assert context_of(page)["left"] == 250_000
    assert "Dinero restante: S/ 250 000 de S/ 1 000 000" in page.text
    assert "<script>alert(1)</script>" not in page.text
    refused = post(client_a, f"{url}/add", {"project_id": str(third.id)})
    assert refused.status_code == 422
    assert "no cabe" in refused.text
    [ballot] = ballots_of(db, tenant_a)
    assert (ballot.voter_key, ballot.channel, ballot.heading_id) == (key, "web", heading.id)
    assert lines_of(db, tenant_a, ballot) == {first.id, second.id}
    # Adding again is a no-op; the fourth fits exactly.
    assert post(client_a, f"{url}/add", {"project_id": str(first.id)}).status_code == 303
    assert post(client_a, f"{url}/add", {"project_id": str(fourth.id)}).status_code == 303
    assert lines_of(db, tenant_a, ballot) == {first.id, second.id, fourth.id}
    # Removing: the emptied ballot goes away.
    for project in (first, second, fourth):
        assert post(client_a, f"{url}/remove", {"project_id": str(project.id)}).status_code == 303
    assert post(client_a, f"{url}/remove", {"project_id": str(first.id)}).status_code == 303
    assert ballots_of(db, tenant_a) == []


def test_an_approval_ballot_takes_at_most_k(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget, headings, projects = ballot_budget(db, tenant_a, approval_limit=2)
    heading = headings[0]
    _resident(db, tenant_a, client_a)
    url = f"/budgets/{budget.id}/ballot/{heading.id}"
    chosen = projects[heading.id]
    for project in chosen[:2]:
        assert post(client_a, f"{url}/add", {"project_id": str(project.id)}).status_code == 303
    page = client_a.get(url)
    assert "Elegidos: 2 de 2." in page.text
    refused = post(client_a, f"{url}/add", {"project_id": str(chosen[2].id)})
    assert refused.status_code == 422
    assert "como máximo 2 proyectos" in refused.text
    [ballot] = ballots_of(db, tenant_a)
    assert lines_of(db, tenant_a, ballot) == {chosen[0].id, chosen[1].id}


def test_bad_input_is_refused_and_changes_nothing(
    client_a: TestClient, client_b: TestClient, db: Session, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    budget, headings, projects = ballot_budget(db, tenant_a)
    other_budget, other_headings, _ = ballot_budget(db, tenant_a)
    heading, neighbour = headings[0], headings[1]
    unselected = selected_project(db, heading, 10, selected=False)
    unpriced = selected_project(db, heading, None)
    _resident(db, tenant_a, client_a)
    url = f"/budgets/{budget.id}/ballot/{heading.id}"
    assert post(client_a, f"{url}/add", {"project_id": str(projects[heading.id][0].id)}).is_redirect
    before = {
        (ballot.id, frozenset(lines_of(db, tenant_a, ballot)))
        for ballot in ballots_of(db, tenant_a)
    }
    cases = {
        "another heading's project": (url, str(projects[neighbour.id][0].id), 422),
        "a project not selected": (url, str(unselected.id), 422),
        "a project with no price": (url, str(unpriced.id), 422),
        "no such project": (url, "999999999", 422),
        "not a number": (url, "uno", 422),
        "empty": (url, "", 422),
        "a heading of another budget": (
            f"/budgets/{budget.id}/ballot/{other_headings[0].id}",
            str(projects[heading.id][1].id),
            404,
        ),
        "an unknown budget": (f"/budgets/999999999/ballot/{heading.id}", "1", 404),
    }
    for case, (path, value, status) in cases.items():
        for action in ("add", "remove"):
            response = post(client_a, f"{path}/{action}", {"project_id": value})
            expected = 303 if action == "remove" and status == 422 and value.isdigit() else status
            assert response.status_code == expected, f"{case} {action}: {response.status_code}"
    after = {
        (ballot.id, frozenset(lines_of(db, tenant_a, ballot)))
        for ballot in ballots_of(db, tenant_a)
    }
    assert after == before
    assert other_budget.id != budget.id
    # Another instance does not know this budget at all, whoever asks.
    _resident(db, tenant_b, client_b)
    assert client_b.get(url).status_code == 404
    assert post(client_b, f"{url}/add", {"project_id": "1"}).status_code == 404
    assert after == {
        (ballot.id, frozenset(lines_of(db, tenant_a, ballot)))
        for ballot in ballots_of(db, tenant_a)
    }


def test_a_draft_budget_has_no_ballot(client_a: TestClient, db: Session, tenant_a: Tenant) -> None:
    budget, headings, projects = ballot_budget(db, tenant_a, published=False)
    _resident(db, tenant_a, client_a)
    url = f"/budgets/{budget.id}/ballot/{headings[0].id}"
    assert client_a.get(f"/budgets/{budget.id}/ballot").status_code == 404
    assert client_a.get(url).status_code == 404
    project = projects[headings[0].id][0]
    assert post(client_a, f"{url}/add", {"project_id": str(project.id)}).status_code == 404
    assert ballots_of(db, tenant_a) == []


def test_a_group_takes_ballots_in_at_most_its_number_of_headings(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget, headings, projects = ballot_budget(db, tenant_a)
    region, first, second = headings  # the province group allows one heading
    _resident(db, tenant_a, client_a)
    base = f"/budgets/{budget.id}/ballot"
    for heading in (region, first):
        added = post(
            client_a, f"{base}/{heading.id}/add", {"project_id": str(projects[heading.id][0].id)}
        )
        assert added.status_code == 303
    refused = post(
        client_a, f"{base}/{second.id}/add", {"project_id": str(projects[second.id][0].id)}
    )
    assert refused.status_code == 409
    assert "tantas partidas de este grupo como se permite (1)" in refused.text
    overview = client_a.get(base)
    assert overview.status_code == 200
    assert template_name(overview) == "budgets/ballot.html"
    assert "S/ 400 000 usados" in overview.text
    # Emptying the first province's ballot frees the group for the second.
    assert post(
        client_a, f"{base}/{first.id}/remove", {"project_id": str(projects[first.id][0].id)}
    ).is_redirect
    again = post(
        client_a, f"{base}/{second.id}/add", {"project_id": str(projects[second.id][0].id)}
    )
    assert again.status_code == 303
    assert sorted(b.heading_id for b in ballots_of(db, tenant_a)) == sorted([region.id, second.id])


def test_a_heading_with_a_zone_is_for_its_residents(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    zone = make_geozone(db, tenant_a, "TRU")
    budget, headings, projects = ballot_budget(db, tenant_a, zones=[zone])
    heading = headings[0]
    url = f"/budgets/{budget.id}/ballot/{heading.id}"
    data = {"project_id": str(projects[heading.id][0].id)}
    _resident(db, tenant_a, client_a, zone="OTU")
    page = client_a.get(url)
    assert page.status_code == 200
    assert "otras zonas" in page.text or "otra zona" in page.text
    assert f"/ballot/{heading.id}/add" not in page.text
    assert post(client_a, f"{url}/add", data).status_code == 403
    assert ballots_of(db, tenant_a) == []
    client_a.cookies.clear()
    _resident(db, tenant_a, client_a, zone="TRU")
    assert post(client_a, f"{url}/add", data).status_code == 303
    assert len(ballots_of(db, tenant_a)) == 1


def test_a_paper_ballot_closes_the_heading_online(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget, headings, projects = ballot_budget(db, tenant_a)
    heading = headings[0]
    key = _resident(db, tenant_a, client_a)
    officer = make_user(db, tenant_a, "poll_officer")
    with scoped_to(db, tenant_a.id):
        ballot = BudgetBallot(
            heading_id=heading.id,
            group_id=heading.group_id,
            voter_key=key,
            channel="paper",
            recorded_by_id=officer.id,
            created_at=utcnow(),
            updated_at=utcnow(),
        )
        db.add(ballot)
        db.flush()
        db.add(BudgetBallotLine(ballot_id=ballot.id, project_id=projects[heading.id][0].id))
        db.commit()
    url = f"/budgets/{budget.id}/ballot/{heading.id}"
    page = client_a.get(url)
    assert "Ya votaste en una mesa" in page.text
    for action, project in (("add", projects[heading.id][1]), ("remove", projects[heading.id][0])):
        response = post(client_a, f"{url}/{action}", {"project_id": str(project.id)})
        assert response.status_code == 409, action
    [kept] = ballots_of(db, tenant_a)
    assert lines_of(db, tenant_a, kept) == {projects[heading.id][0].id}


def test_only_verified_residents_see_a_ballot(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget, _, _ = ballot_budget(db, tenant_a)
    assert client_a.get(f"/budgets/{budget.id}/ballot", follow_redirects=False).status_code == 303
    citizen = make_user(db, tenant_a)
    db.commit()
    sign_in(client_a, citizen)
    refused = client_a.get(f"/budgets/{budget.id}/ballot")
    assert refused.status_code == 403


def test_the_budget_page_leads_to_the_ballot(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget, _, _ = ballot_budget(db, tenant_a)
    finished, _, _ = ballot_budget(db, tenant_a, phase="finished")
    assert f"/budgets/{budget.id}/ballot" not in client_a.get(f"/budgets/{budget.id}").text
    _resident(db, tenant_a, client_a)
    assert "Votar por proyectos" in client_a.get(f"/budgets/{budget.id}").text
    page = client_a.get(f"/budgets/{finished.id}").text
    assert f"/budgets/{finished.id}/ballot" in page
    assert "Votar por proyectos" not in page
    assert f"/budgets/{budget.id}/paper" not in client_a.get(f"/budgets/{budget.id}").text
