"""Who may assign, answer and follow up: every role × every state of the proposal."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.answers.permissions import AnswerSubject
from app.authz.core import can
from app.authz.principal import Principal
from app.proposals.models import STATES
from app.tenants.models import Tenant
from tests.answers.factories import OFFICIALS_OFFICE, make_answer, make_office
from tests.authz.matrix import ALL_KINDS, Action, check
from tests.proposals.factories import make_proposal

ADMIN = frozenset({"administrator"})
ANSWERING = frozenset({"administrator", "official"})
NOBODY: frozenset[str] = frozenset()


def _proposal_url(state: str, suffix: str) -> Callable[[Session, Tenant], str]:
    """A proposal in ``state`` assigned to the office of the test officials."""

    def url(db: Session, tenant: Tenant) -> str:
        office = make_office(db, tenant, OFFICIALS_OFFICE)
        proposal = make_proposal(db, tenant, state=state, office_id=office.id)
        if suffix == "assign":
            return f"/proposals/{proposal.id}/assign"
        return f"/proposals/{proposal.id}/{suffix}"

    return url


def _milestone_url(state: str) -> Callable[[Session, Tenant], str]:
    def url(db: Session, tenant: Tenant) -> str:
        from sqlalchemy import select

        from app.answers.models import ProposalMilestone
        from app.db import scoped_to

        office = make_office(db, tenant, OFFICIALS_OFFICE)
        proposal = make_proposal(db, tenant, state=state, office_id=office.id)
        make_answer(db, tenant, proposal, milestones=("Hito",))
        with scoped_to(db, tenant.id):
            milestone = db.scalars(select(ProposalMilestone)).one()
        return f"/proposals/{proposal.id}/milestones/{milestone.id}/done"

    return url


REASONS = "La Gerencia Regional estudiará la propuesta con el presupuesto del año próximo."

ACTIONS = [
    Action("admin.offices", "GET", "/admin/offices", ADMIN),
    Action("admin.offices.manage", "POST", "/admin/offices", ADMIN, {"name": "Nueva oficina"}),
    Action("admin.answers.settings", "GET", "/admin/answers/settings", ADMIN),
    Action(
        "admin.answers.settings.save",
        "POST",
        "/admin/answers/settings",
        ADMIN,
        {"working_days": "x"},  # refused or sent back (422): never stored
    ),
]
for _state in STATES:
    _on = _state == "successful"
    ACTIONS += [
        Action(
            f"answers.assign.form[{_state}]",
            "GET",
            _proposal_url(_state, "assign"),
            ADMIN if _on else NOBODY,
        ),
        Action(
            f"answers.assign[{_state}]",
            "POST",
            _proposal_url(_state, "assign"),
            ADMIN if _on else NOBODY,
            {"office_id": "0"},
        ),
        Action(
            f"answers.answer.form[{_state}]",
            "GET",
            _proposal_url(_state, "answer"),
            ANSWERING if _on else NOBODY,
        ),
        Action(
            f"answers.answer[{_state}]",
            "POST",
            _proposal_url(_state, "answer"),
            ANSWERING if _on else NOBODY,
            {"status": "under_study", "body": REASONS},
        ),
        Action(
            f"answers.milestone.done[{_state}]",
            "POST",
            _milestone_url(_state),
            ANSWERING if _on else NOBODY,
        ),
    ]


@pytest.mark.parametrize("kind", ALL_KINDS)
@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_role_matrix(
    action: Action, kind: str, client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    check(client_a, db, tenant_a, kind, action)


def test_officials_answer_only_for_their_own_office() -> None:
    subject = AnswerSubject(proposal_id=1, state="successful", office_name="Gerencia de Salud")
    official = Principal(
        user_id=1, display_name="x", roles=frozenset({"official"}), office=" gerencia de SALUD "
    )
    other = official.model_copy(update={"office": "Gerencia de Educación"})
    no_office = official.model_copy(update={"office": None})
    unassigned = AnswerSubject(proposal_id=1, state="successful", office_name=None)
    hidden = AnswerSubject(1, "successful", "Gerencia de Salud", hidden=True)
    assert can(official, "answers.answer", subject)
    assert can(official, "answers.milestone.done", subject)
    assert not can(other, "answers.answer", subject)
    assert not can(no_office, "answers.answer", subject)
    assert not can(official, "answers.answer", unassigned)
    assert not can(official, "answers.answer", hidden)
    assert not can(official, "answers.assign", subject)
    admin = Principal(user_id=2, display_name="a", roles=frozenset({"administrator"}))
    assert can(admin, "answers.answer", unassigned)
    assert can(admin, "answers.assign", subject)
    assert not can(admin, "answers.assign", hidden)
    assert not can(admin, "answers.answer", None)
