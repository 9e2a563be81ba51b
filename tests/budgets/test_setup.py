"""Setting a budget up through the real routes: a draft, its groups and headings, its phases,
publishing and moving the phase; bad input kept in the form; the structure fixed at balloting."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.budgets.models import (
    PHASES,
    Budget,
    BudgetBallot,
    BudgetBallotLine,
    BudgetGroup,
    BudgetHeading,
    BudgetPhase,
)
from app.db import scoped_to
from app.tenants.models import Tenant
from tests.budgets.factories import groups_of, headings_of, make_budget, make_project
from tests.factories import HOSTILE, make_geozone
from tests.people import csrf_of, make_user, sign_in
from tests.rendering import context_of

ESCAPED = "&lt;script&gt;alert("


def _post(client: TestClient, path: str, data: dict[str, Any]) -> Response:
    return client.post(
        path, data={**data, "csrf_token": csrf_of(client, "/budgets")}, follow_redirects=False
    )


def _admin(client: TestClient, db: Session, tenant: Tenant) -> None:
    admin = make_user(db, tenant, "administrator")
    db.commit()
    sign_in(client, admin)


def _fresh(db: Session, tenant: Tenant, model: Any) -> list[Any]:
    with scoped_to(db, tenant.id):
        db.expire_all()  # the app wrote through its own session
        return list(db.scalars(select(model).order_by(model.id)))


def _audited(db: Session, tenant: Tenant) -> list[tuple[str, dict[str, Any] | None]]:
    with scoped_to(db, tenant.id):
        rows = db.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    return [(row.action, row.details) for row in rows if row.action.startswith("budgets.")]


BUDGET = {
    "year": "2027",
    "name": HOSTILE,
    "description": f"{HOSTILE}\n\n**negrita**",
    "rule": "equal_shares",
    "ballot_style": "knapsack",
    "approval_limit": "",
}


def test_an_administrator_sets_up_a_budget_and_publishes_it(
    client_a: TestClient, client_b: TestClient, db: Session, tenant_a: Tenant
) -> None:
    zone = make_geozone(db, tenant_a, code="1306")
    _admin(client_a, db, tenant_a)
    created = _post(client_a, "/admin/budgets/new", BUDGET)
    assert created.status_code == 303, created.text[:2000]
    (budget,) = _fresh(db, tenant_a, Budget)
    assert (budget.year, budget.rule, budget.phase, budget.published_at) == (
        2027,
        "equal_shares",
        "informing",
        None,
    )
    phases = _fresh(db, tenant_a, BudgetPhase)
    assert sorted(phase.kind for phase in phases) == sorted(PHASES)
    assert client_b.get(f"/budgets/{budget.id}").status_code == 404  # a draft, another host
    group = _post(
        client_a,
        f"/admin/budgets/{budget.id}/groups/new",
        {"name": "Por provincia", "max_supported_headings": "2", "max_balloted_headings": "1"},
    )
    assert group.status_code == 303, group.text[:2000]
    (stored_group,) = _fresh(db, tenant_a, BudgetGroup)
    assert stored_group.max_supported_headings == 2
    heading = _post(
        client_a,
        f"/admin/budgets/{budget.id}/groups/{stored_group.id}/headings/new",
        {
            "name": "Otuzco",
            "amount": "S/ 1 250 000",
            "geozone_id": str(zone.id),
            "population": "88 817",
        },
    )
    assert heading.status_code == 303, heading.text[:2000]
    (stored,) = _fresh(db, tenant_a, BudgetHeading)
    assert (stored.amount, stored.geozone_id, stored.population) == (1_250_000, zone.id, 88_817)
    assert _post(client_a, f"/admin/budgets/{budget.id}/publish", {}).status_code == 303
    moved = _post(client_a, f"/admin/budgets/{budget.id}/phase", {"direction": "next"})
    assert moved.status_code == 303
    assert _fresh(db, tenant_a, Budget)[0].phase == "accepting"
    page = client_a.get(f"/budgets/{budget.id}")
    assert page.status_code == 200
    assert "S/ 1 250 000" in page.text
    assert "Aceptando proyectos" in page.text
    assert ESCAPED in page.text
    assert "<script>alert" not in page.text
    assert [action for action, _details in _audited(db, tenant_a)] == [
        "budgets.create",
        "budgets.group_created",
        "budgets.heading_created",
        "budgets.publish",
        "budgets.phase_changed",
    ]
    assert _audited(db, tenant_a)[-1][1] == {"from": "informing", "to": "accepting"}


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-5", "soles enteros"),
        ("1250000.50", "soles enteros"),
        ("1 250 000,5", "soles enteros"),
        ("doce", "soles enteros"),
        ("", "Escribe el monto"),
        ("10000000000000", "demasiado grande"),
    ],
)
def test_a_bad_amount_comes_back_with_the_input_and_a_message(
    client_a: TestClient, db: Session, tenant_a: Tenant, amount: str, message: str
) -> None:
    budget = make_budget(db, tenant_a, phase="informing")
    group = groups_of(db, budget)[0]
    before = len(headings_of(db, budget))
    _admin(client_a, db, tenant_a)
    form = {"name": HOSTILE, "amount": amount, "geozone_id": "", "population": ""}
    answer = _post(client_a, f"/admin/budgets/{budget.id}/groups/{group.id}/headings/new", form)
    assert answer.status_code == 422
    assert message in answer.text
    assert context_of(answer)["form"]["amount"] == amount
    assert ESCAPED in answer.text  # the name typed is kept, escaped
    assert len(headings_of(db, budget)) == before


def test_a_zone_of_another_instance_is_refused(
    client_a: TestClient, db: Session, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    foreign = make_geozone(db, tenant_b, code="B1")
    budget = make_budget(db, tenant_a, phase="informing")
    group = groups_of(db, budget)[0]
    _admin(client_a, db, tenant_a)
    form = {"name": "Ascope", "amount": "100", "geozone_id": str(foreign.id), "population": ""}
    answer = _post(client_a, f"/admin/budgets/{budget.id}/groups/{group.id}/headings/new", form)
    assert answer.status_code == 422
    assert "Elige una zona de la lista" in answer.text


def test_a_heading_of_another_budget_or_instance_is_not_found(
    client_a: TestClient, db: Session, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    mine = make_budget(db, tenant_a, phase="informing")
    other = make_budget(db, tenant_a, phase="informing")
    foreign = make_budget(db, tenant_b, phase="informing")
    _admin(client_a, db, tenant_a)
    form = {"name": "X", "amount": "1", "geozone_id": "", "population": ""}
    for heading in (headings_of(db, other)[0], headings_of(db, foreign)[0]):
        path = f"/admin/budgets/{mine.id}/headings/{heading.id}/edit"
        assert _post(client_a, path, form).status_code == 404
    assert _post(client_a, f"/admin/budgets/{foreign.id}/edit", BUDGET).status_code == 404
    assert headings_of(db, other)[0].name != "X"


def test_budget_form_errors_keep_the_input(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    _admin(client_a, db, tenant_a)
    bad = {**BUDGET, "year": "27", "name": "", "ballot_style": "approval", "approval_limit": ""}
    answer = _post(client_a, "/admin/budgets/new", bad)
    assert answer.status_code == 422
    assert "cuatro cifras" in answer.text
    assert "Escribe un nombre" in answer.text
    assert context_of(answer)["form"]["description"] == BUDGET["description"]
    missing_k = _post(client_a, "/admin/budgets/new", {**BUDGET, "ballot_style": "approval"})
    assert missing_k.status_code == 422
    assert "cuántos proyectos" in missing_k.text
    approval = _post(
        client_a,
        "/admin/budgets/new",
        {**BUDGET, "ballot_style": "approval", "approval_limit": "5"},
    )
    assert approval.status_code == 303
    assert [b.approval_limit for b in _fresh(db, tenant_a, Budget)] == [5]


def _phase_form(**overrides: dict[str, str]) -> dict[str, Any]:
    rows = {kind: {"starts_on": "", "ends_on": "", "description": ""} for kind in PHASES}
    for kind, values in overrides.items():
        rows[kind].update(values)
    return {
        "starts_on": [rows[kind]["starts_on"] for kind in PHASES],
        "ends_on": [rows[kind]["ends_on"] for kind in PHASES],
        "description": [rows[kind]["description"] for kind in PHASES],
        "enabled": [kind for kind in PHASES if kind not in ("reviewing", "publishing_prices")],
    }


def test_phases_dates_descriptions_and_skipping_disabled_ones(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget = make_budget(db, tenant_a, phase="accepting")
    _admin(client_a, db, tenant_a)
    dated = {"starts_on": "2027-04-01", "ends_on": "2027-04-30", "description": HOSTILE}
    saved = _post(client_a, f"/admin/budgets/{budget.id}/phases", _phase_form(accepting=dated))
    assert saved.status_code == 303, saved.text[:2000]
    stored = {phase.kind: phase for phase in _fresh(db, tenant_a, BudgetPhase)}
    assert stored["accepting"].description == HOSTILE
    assert not stored["reviewing"].enabled
    moved = _post(client_a, f"/admin/budgets/{budget.id}/phase", {"direction": "next"})
    assert moved.status_code == 303
    assert _fresh(db, tenant_a, Budget)[0].phase == "selecting"  # reviewing is skipped
    back = _post(client_a, f"/admin/budgets/{budget.id}/phase", {"direction": "previous"})
    assert back.status_code == 303
    assert _fresh(db, tenant_a, Budget)[0].phase == "accepting"
    backwards = {"starts_on": "2027-05-01", "ends_on": "2027-04-01"}
    refused = _post(
        client_a, f"/admin/budgets/{budget.id}/phases", _phase_form(valuating=backwards)
    )
    assert refused.status_code == 422
    assert "debe terminar" in refused.text
    assert 'value="2027-05-01"' in refused.text
    current_off = _phase_form()
    current_off["enabled"] = [kind for kind in PHASES if kind != "accepting"]
    refused = _post(client_a, f"/admin/budgets/{budget.id}/phases", current_off)
    assert refused.status_code == 422
    assert "fase actual" in refused.text


def test_the_phase_stops_at_both_ends(client_a: TestClient, db: Session, tenant_a: Tenant) -> None:
    first = make_budget(db, tenant_a, phase="informing")
    last = make_budget(db, tenant_a, phase="finished")
    _admin(client_a, db, tenant_a)
    assert (
        _post(client_a, f"/admin/budgets/{first.id}/phase", {"direction": "previous"}).status_code
        == 409
    )
    assert (
        _post(client_a, f"/admin/budgets/{last.id}/phase", {"direction": "next"}).status_code == 409
    )
    assert [b.phase for b in _fresh(db, tenant_a, Budget)] == ["informing", "finished"]


def test_the_structure_is_fixed_from_balloting_on(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget = make_budget(db, tenant_a, phase="balloting")
    heading = headings_of(db, budget)[0]
    _admin(client_a, db, tenant_a)
    form = {"name": "Otra", "amount": "1", "geozone_id": "", "population": ""}
    edit = f"/admin/budgets/{budget.id}/headings/{heading.id}/edit"
    assert _post(client_a, edit, form).status_code == 403
    counting = {**BUDGET, "rule": "greedy", "name": "Nuevo nombre"}
    assert _post(client_a, f"/admin/budgets/{budget.id}/edit", counting).status_code == 303
    (stored,) = _fresh(db, tenant_a, Budget)
    assert (stored.name, stored.rule) == ("Nuevo nombre", "greedy")  # the rule stays as it was
    assert headings_of(db, budget)[0].amount == heading.amount


def test_once_ballots_are_cast_the_budget_does_not_go_back_before_balloting(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    """Before balloting, amounts, prices and the selection may change; the ballots cast would
    then mean something else, or exceed their heading's amount."""
    empty = make_budget(db, tenant_a, phase="balloting")
    voted = make_budget(db, tenant_a, phase="reviewing_ballots")
    heading = headings_of(db, voted)[0]
    project = make_project(db, heading, price=100)
    with scoped_to(db, tenant_a.id):
        ballot = BudgetBallot(heading_id=heading.id, group_id=heading.group_id, voter_key="k-1")
        db.add(ballot)
        db.flush()
        db.add(BudgetBallotLine(ballot_id=ballot.id, project_id=project.id))
        db.flush()
    _admin(client_a, db, tenant_a)
    path = f"/admin/budgets/{voted.id}/phase"
    assert _post(client_a, path, {"direction": "previous"}).status_code == 303  # to balloting
    refused = _post(client_a, path, {"direction": "previous"})
    assert refused.status_code == 409
    assert "no puede volver antes de la votación" in refused.text
    back = _post(client_a, f"/admin/budgets/{empty.id}/phase", {"direction": "previous"})
    assert back.status_code == 303  # no ballot yet: going back is allowed
    phases = {budget.id: budget.phase for budget in _fresh(db, tenant_a, Budget)}
    assert phases == {voted.id: "balloting", empty.id: "publishing_prices"}
