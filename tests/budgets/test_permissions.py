"""Every setup action × every kind of person × phases before, at and after balloting, through
the real routes; and the phase predicates the later steps build their rules from."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.authz.core import can
from app.authz.principal import Principal
from app.budgets.models import PHASES, Budget
from app.budgets.permissions import ACTION_PHASES, action_open, is_phase, prices_public
from app.db import utcnow
from app.tenants.models import Tenant
from tests.authz.matrix import ALL_KINDS, Action, answer, person_for
from tests.budgets.factories import groups_of, headings_of, make_budget
from tests.people import sign_in

MATRIX_PHASES = ("informing", "accepting", "balloting", "finished")
ADMIN = frozenset({"administrator"})
BEFORE_BALLOTING = frozenset({"informing", "accepting"})
HEADING = {"name": "Pataz", "amount": "900 000", "geozone_id": "", "population": ""}
GROUP = {"name": "Por provincia", "max_supported_headings": "1", "max_balloted_headings": "1"}
TEXTS = {"year": "2027", "name": "Presupuesto 2027", "rule": "greedy", "ballot_style": "knapsack"}

# action -> (method, path after /admin/budgets/{id} with {group}/{heading}, form, phases allowed)
BUDGET_ACTIONS: dict[str, tuple[str, str, dict[str, str], frozenset[str]]] = {
    "view": ("GET", "", {}, frozenset(MATRIX_PHASES)),
    "edit_form": ("GET", "/edit", {}, frozenset(MATRIX_PHASES)),
    "edit": ("POST", "/edit", TEXTS, frozenset(MATRIX_PHASES)),
    "phases_form": ("GET", "/phases", {}, frozenset(MATRIX_PHASES)),
    "move_phase": ("POST", "/phase", {"direction": "previous"}, frozenset(MATRIX_PHASES)),
    "publish": ("POST", "/publish", {}, frozenset(MATRIX_PHASES)),
    "new_group": ("GET", "/groups/new", {}, BEFORE_BALLOTING),
    "create_group": ("POST", "/groups/new", GROUP, BEFORE_BALLOTING),
    "edit_group": ("POST", "/groups/{group}/edit", GROUP, BEFORE_BALLOTING),
    "create_heading": ("POST", "/groups/{group}/headings/new", HEADING, BEFORE_BALLOTING),
    "edit_heading_form": ("GET", "/headings/{heading}/edit", {}, BEFORE_BALLOTING),
    "edit_heading": ("POST", "/headings/{heading}/edit", HEADING, BEFORE_BALLOTING),
}


def _refused(kind: str, status: int, where: str) -> None:
    expected = {303, 401} if kind == "anonymous" else {403}
    assert status in expected, f"allowed: {where}"


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_the_budget_setup_matrix(
    client_a: TestClient, db: Session, tenant_a: Tenant, kind: str
) -> None:
    person = person_for(kind, db, tenant_a)
    db.commit()
    if person is not None:
        sign_in(client_a, person)  # type: ignore[arg-type]
    for path in ("/admin/budgets", "/admin/budgets/new"):
        status = answer(client_a, Action(path, "GET", path, frozenset()), path)
        if kind in ADMIN:
            assert status == 200, f"{kind} {path}: {status}"
        else:
            _refused(kind, status, f"{kind} {path}")
    created = answer(
        client_a,
        Action("create", "POST", "/admin/budgets/new", frozenset(), {}),
        "/admin/budgets/new",
    )
    if kind in ADMIN:
        assert created == 422  # nothing typed: the form comes back
    else:
        _refused(kind, created, f"{kind} create")
    for action, (method, suffix, data, phases) in sorted(BUDGET_ACTIONS.items()):
        for phase in MATRIX_PHASES:
            budget = make_budget(db, tenant_a, phase=phase)
            group = groups_of(db, budget)[0]
            heading = headings_of(db, budget)[0]
            db.commit()
            path = f"/admin/budgets/{budget.id}" + suffix.format(group=group.id, heading=heading.id)
            status = answer(client_a, Action(action, method, path, frozenset(), data), path)
            where = f"{kind} {action} in {phase}: {status}"
            if kind in ADMIN and phase in phases:
                # 409: publishing a published budget, moving back from the first phase.
                assert status in {200, 303, 409}, f"refused: {where}"
            else:
                _refused(kind, status, where)


def _admin() -> Principal:
    return Principal(user_id=1, display_name="Ana", roles=frozenset({"administrator"}))


def test_structure_rule_follows_the_phase() -> None:
    for phase in PHASES:
        budget = Budget(phase=phase, published_at=None)
        editable = PHASES.index(phase) < PHASES.index("balloting")
        assert can(_admin(), "budgets.edit_structure", budget) is editable, phase
        assert can(None, "budgets.edit_structure", budget) is False
    assert can(_admin(), "budgets.manage") is True


def test_phase_predicates_for_the_later_steps() -> None:
    for phase in PHASES:
        budget = Budget(phase=phase, published_at=utcnow())
        assert is_phase(budget, phase)
        assert prices_public(budget) is (PHASES.index(phase) >= PHASES.index("publishing_prices"))
        for action, open_in in ACTION_PHASES.items():
            assert action_open(budget, action) is (phase in open_in), (action, phase)
    draft = Budget(phase="accepting", published_at=None)
    assert not is_phase(draft, "accepting")  # nothing is open in a draft
    assert not is_phase(object(), "accepting")
