"""Results, open data and execution tracking: every kind of person × every phase × every action,
through the real routes.

Each budget has its results stored already (by the real count) whatever its phase, as when an
administrator moves a finished budget back: what the public sees then follows the phase.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.budgets.models import PHASES, BudgetMilestone, BudgetPhoto
from app.budgets.results import publish_results
from app.db import scoped_to
from app.tenants.models import Tenant
from tests.authz.matrix import ALL_KINDS, Action, answer, person_for
from tests.budgets.factories import headings_of, make_budget, make_project
from tests.budgets.test_results import add_ballots
from tests.people import sign_in

ADMIN = "administrator"
AFTER_BALLOTING = frozenset({"reviewing_ballots", "finished"})
FINISHED = frozenset({"finished"})
EXECUTION = {
    "execution_status": "design",
    "progress": "10",
    "cui": "2345678",
    "amount_executed": "",
}


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # {budget} {heading} {project} {milestone} {doomed} {photo}
    data: dict[str, str]
    admin_phases: frozenset[str]  # where an administrator may; others never may
    public_phases: frozenset[str] = frozenset()  # where anybody may (public pages)
    admin_always_sees: bool = False


ADMIN_PAGE = "/admin/budgets/{budget}/executions/{project}"
CASES: dict[str, Case] = {
    "results_page": Case(
        "GET", "/budgets/{budget}/results", {}, frozenset(), AFTER_BALLOTING, True
    ),
    "ballots_pb": Case(
        "GET", "/budgets/{budget}/headings/{heading}/ballots.pb", {}, frozenset(), AFTER_BALLOTING
    ),
    "executions_list": Case(
        "GET", "/budgets/{budget}/executions", {}, frozenset(), frozenset(PHASES)
    ),
    "publish_results": Case("POST", "/admin/budgets/{budget}/results", {}, AFTER_BALLOTING),
    "execution_form": Case("GET", ADMIN_PAGE, {}, FINISHED),
    "update_execution": Case("POST", ADMIN_PAGE, EXECUTION, FINISHED),
    "add_milestone": Case("POST", ADMIN_PAGE + "/milestones", {"title": "Expediente"}, FINISHED),
    "edit_milestone_form": Case("GET", ADMIN_PAGE + "/milestones/{milestone}/edit", {}, FINISHED),
    "edit_milestone": Case(
        "POST", ADMIN_PAGE + "/milestones/{milestone}/edit", {"title": "Obra"}, FINISHED
    ),
    "delete_milestone": Case("POST", ADMIN_PAGE + "/milestones/{doomed}/delete", {}, FINISHED),
    # No file sent: an administrator gets the form back (422), everyone else a refusal.
    "add_photo": Case("POST", ADMIN_PAGE + "/photos", {"alt": "Zanja"}, FINISHED),
    "delete_photo": Case("POST", ADMIN_PAGE + "/photos/{photo}/delete", {}, FINISHED),
}


def _ids(db: Session, tenant: Tenant, phase: str) -> dict[str, int]:
    budget = make_budget(db, tenant, phase=phase, groups=(("G", (100,)),))
    (heading,) = headings_of(db, budget)
    project = make_project(db, heading, price=60)
    with scoped_to(db, tenant.id):
        project.selected = True
    add_ballots(db, heading, [[project]] * 2, prefix=f"m{budget.id}")
    with scoped_to(db, tenant.id):
        publish_results(db, budget.id)
        kept = BudgetMilestone(project_id=project.id, title="Perfil")
        doomed = BudgetMilestone(project_id=project.id, title="Borrar")
        photo = BudgetPhoto(project_id=project.id, file_name="missing.jpg", alt="Foto")
        db.add_all([kept, doomed, photo])
        db.flush()
    db.commit()
    return {
        "budget": budget.id,
        "heading": heading.id,
        "project": project.id,
        "milestone": kept.id,
        "doomed": doomed.id,
        "photo": photo.id,
    }


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_the_results_and_execution_matrix(
    client_a: TestClient, db: Session, tenant_a: Tenant, kind: str
) -> None:
    person = person_for(kind, db, tenant_a)
    db.commit()
    if person is not None:
        sign_in(client_a, person)  # type: ignore[arg-type]
    refused = {303, 401} if kind == "anonymous" else {403}
    for phase in PHASES:
        ids = _ids(db, tenant_a, phase)
        for name, case in CASES.items():
            path = case.path.format(**ids)
            status = answer(client_a, Action(name, case.method, path, frozenset(), case.data), path)
            where = f"{kind} {name} in {phase}: {status}"
            if phase in case.public_phases or (kind == ADMIN and case.admin_always_sees):
                assert status == 200, where
            elif case.public_phases or case.admin_always_sees:
                assert status == 404, where  # a page not public (yet) is not found
            elif kind == ADMIN and phase in case.admin_phases:
                expected = 422 if name == "add_photo" else (200 if case.method == "GET" else 303)
                assert status == expected, where
            else:
                assert status in refused, where
