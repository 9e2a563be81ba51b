"""Balloting's permission matrix through the real routes: every kind of person × all nine
phases × viewing the ballot, adding, removing, and the paper look-up and entry; and the
named rules themselves. Voiding paper ballots has its own matrix (test_paper_void.py)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.authz.core import can
from app.authz.principal import Principal
from app.budgets.models import PHASES, Budget
from app.config import Settings
from app.db import utcnow
from app.tenants.models import Tenant
from tests.authz.matrix import ALL_KINDS, Action, answer, person_for
from tests.budgets.ballot_helpers import ballot_budget, ballots_of
from tests.people import sign_in
from tests.polls.factories import make_person

VIEW_PHASES = frozenset({"balloting", "reviewing_ballots", "finished"})
BALLOT_PHASES = frozenset({"balloting"})
PAPER_PHASES = frozenset({"balloting", "reviewing_ballots"})
# action -> (kinds allowed, phases allowed, answer when allowed)
EXPECTED: dict[str, tuple[frozenset[str], frozenset[str], int]] = {
    "view": (frozenset({"verified"}), VIEW_PHASES, 200),
    "view_heading": (frozenset({"verified"}), VIEW_PHASES, 200),
    "add": (frozenset({"verified"}), BALLOT_PHASES, 303),
    "remove": (frozenset({"verified"}), BALLOT_PHASES, 303),
    # Administrators see the page for the list of entered ballots (to void them), not the
    # look-up: entering stays the officers'.
    "paper_form": (frozenset({"poll_officer", "administrator"}), PAPER_PHASES, 200),
    "paper_lookup": (frozenset({"poll_officer"}), PAPER_PHASES, 200),
    "paper_record": (frozenset({"poll_officer"}), PAPER_PHASES, 303),
}


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_the_balloting_matrix(
    client_a: TestClient, db: Session, tenant_a: Tenant, settings: Settings, kind: str
) -> None:
    assert "poll_officer" in ALL_KINDS
    person = person_for(kind, db, tenant_a)
    voter = make_person(db, tenant_a, census_secret=settings.census_secret, account=False)
    db.commit()
    if person is not None:
        sign_in(client_a, person)  # type: ignore[arg-type]
    for phase in PHASES:
        budget, headings, projects = ballot_budget(db, tenant_a, phase=phase)
        heading = headings[0]
        project = str(projects[heading.id][0].id)
        db.commit()
        base = f"/budgets/{budget.id}"
        identity = {
            "dni": voter.dni,
            "birth_date": voter.born_on.isoformat(),
            "heading_id": str(heading.id),
        }
        actions = {
            "view": ("GET", f"{base}/ballot", {}),
            "view_heading": ("GET", f"{base}/ballot/{heading.id}", {}),
            "add": ("POST", f"{base}/ballot/{heading.id}/add", {"project_id": project}),
            "remove": ("POST", f"{base}/ballot/{heading.id}/remove", {"project_id": project}),
            "paper_form": ("GET", f"{base}/paper", {}),
            "paper_lookup": ("POST", f"{base}/paper/lookup", identity),
            "paper_record": ("POST", f"{base}/paper/ballots", {**identity, "project": project}),
        }
        for name, (method, path, data) in actions.items():
            status = answer(client_a, Action(name, method, path, frozenset(), data), path)
            allowed_kinds, phases, success = EXPECTED[name]
            where = f"{kind} {name} in {phase}: {status}"
            if kind in allowed_kinds and phase in phases:
                assert status == success, f"refused: {where}"
            elif kind == "anonymous":
                assert status in {303, 401}, f"allowed: {where}"
            else:
                assert status == 403, f"allowed: {where}"
    # What went through: the officer's paper ballots in the two paper phases, and no web
    # ballot left (every add was followed by its removal).
    channels = sorted(ballot.channel for ballot in ballots_of(db, tenant_a))
    assert channels == (["paper"] * 2 if kind == "poll_officer" else [])


def _person(*roles: str, resident: bool = False, organization: bool = False) -> Principal:
    return Principal(
        user_id=7,
        display_name="Rosa",
        roles=frozenset(roles),
        resident_id=3 if resident else None,
        is_organization=organization,
    )


def test_the_rules_follow_the_phase_and_the_person() -> None:
    resident, officer = _person(resident=True), _person("poll_officer")
    for phase in PHASES:
        budget = Budget(phase=phase, published_at=utcnow())
        assert can(resident, "budgets.ballot", budget) is (phase == "balloting")
        assert can(resident, "budgets.view_ballot", budget) is (phase in VIEW_PHASES)
        assert can(officer, "budgets.enter_paper_ballots", budget) is (phase in PAPER_PHASES)
        for other in (None, _person(), _person("administrator"), officer):
            assert not can(other, "budgets.ballot", budget)
        organization = _person(resident=True, organization=True)
        assert not can(organization, "budgets.ballot", budget)
        for other in (None, resident, _person("administrator", "desk_manager")):
            assert not can(other, "budgets.enter_paper_ballots", budget)
        for staff in (officer, _person("administrator")):
            assert can(staff, "budgets.review_paper_ballots", budget) is (phase in PAPER_PHASES)
        for other in (None, resident, _person("desk_manager", "moderator")):
            assert not can(other, "budgets.review_paper_ballots", budget)
        draft = Budget(phase=phase, published_at=None)
        assert not can(resident, "budgets.ballot", draft)
        assert not can(officer, "budgets.enter_paper_ballots", draft)
        assert not can(officer, "budgets.review_paper_ballots", draft)
