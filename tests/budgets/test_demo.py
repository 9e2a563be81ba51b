"""The demo budgets of La Libertad: 2027 accepting projects, 2026 finished with results and
execution; the whole region and one heading per province with its zone; loading twice changes
nothing; other instances get none."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.budgets.export import heading_ballots
from app.budgets.models import (
    Budget,
    BudgetBallot,
    BudgetGroup,
    BudgetHeading,
    BudgetMilestone,
    BudgetPhase,
    BudgetProject,
    BudgetSupport,
)
from app.budgets.results import stored_results
from app.budgets.tally import Method, VoteType, rule_for, tally
from app.db import scoped_to
from app.demo import LA_LIBERTAD_PROVINCES
from app.demo_budgets import NAME, NAME_2026, PROPOSALS_2027, load_demo_budgets
from app.demo_people import load_demo_people
from app.geozones.models import Geozone
from app.tenants.models import Tenant
from tests.factories import make_tenant


def _region(db: Session) -> Tenant:
    region = make_tenant(db, "lalibertad", "lalibertad.test")
    with scoped_to(db, region.id):
        for code, name, kind in LA_LIBERTAD_PROVINCES:
            db.add(Geozone(code=code, name=name, kind=kind))
        db.flush()
    codes = [code for code, _name, _kind in LA_LIBERTAD_PROVINCES]
    load_demo_people(db, region, 1, codes, b"demo-test-secret")
    return region


def _counts(db: Session) -> tuple[int, ...]:
    return tuple(
        db.scalar(select(func.count()).select_from(model)) or 0
        for model in (Budget, BudgetProject, BudgetSupport, BudgetBallot, BudgetMilestone)
    )


def test_the_demo_budgets_of_la_libertad(db: Session, tenant_a: Tenant) -> None:
    region = _region(db)
    load_demo_budgets(db, region)
    with scoped_to(db, region.id):
        before = _counts(db)
    load_demo_budgets(db, region)
    load_demo_budgets(db, tenant_a)
    with scoped_to(db, tenant_a.id):
        assert db.scalars(select(Budget)).all() == []
    with scoped_to(db, region.id):
        assert _counts(db) == before
        budgets = {budget.year: budget for budget in db.scalars(select(Budget))}
        assert sorted(budgets) == [2026, 2027]
        for budget in budgets.values():
            _check_structure(db, budget)
        current = budgets[2027]
        assert (current.name, current.phase, current.rule) == (NAME, "accepting", "equal_shares")
        proposals = db.scalars(select(BudgetProject).where(BudgetProject.budget_id == current.id))
        assert sorted(p.title for p in proposals) == sorted(p[2] for p in PROPOSALS_2027)
        past = budgets[2026]
        assert (past.name, past.phase, past.rule) == (NAME_2026, "finished", "greedy")


def _check_structure(db: Session, budget: Budget) -> None:
    assert budget.published_at is not None
    groups = db.scalars(
        select(BudgetGroup).where(BudgetGroup.budget_id == budget.id).order_by(BudgetGroup.position)
    ).all()
    assert [group.name for group in groups] == ["Toda la región", "Por provincia"]
    headings = db.scalars(select(BudgetHeading).where(BudgetHeading.budget_id == budget.id)).all()
    by_group = {group.id: [h for h in headings if h.group_id == group.id] for group in groups}
    assert len(by_group[groups[0].id]) == 1
    provinces = by_group[groups[1].id]
    zones = {zone.id: zone.name for zone in db.scalars(select(Geozone))}
    assert sorted(zones[h.geozone_id] for h in provinces if h.geozone_id) == sorted(
        name for _code, name, _kind in LA_LIBERTAD_PROVINCES
    )
    assert all(h.amount > 0 and h.population for h in headings)
    phases = db.scalars(select(BudgetPhase).where(BudgetPhase.budget_id == budget.id)).all()
    assert len(phases) == 9
    assert all(phase.description and phase.starts_on for phase in phases)


def test_the_finished_demo_budget_has_its_whole_history(db: Session) -> None:
    region = _region(db)
    load_demo_budgets(db, region)
    with scoped_to(db, region.id):
        budget = db.scalars(select(Budget).where(Budget.year == 2026)).one()
        projects = db.scalars(select(BudgetProject).where(BudgetProject.budget_id == budget.id))
        by_state: dict[str, list[BudgetProject]] = {}
        for project in projects:
            by_state.setdefault(project.review_state, []).append(project)
        (rejected,) = by_state["rejected"]
        assert rejected.rejection_reason
        assert not rejected.selected
        accepted = by_state["accepted"]
        assert {p.feasibility for p in accepted} == {"feasible", "unfeasible"}
        assert all(p.price for p in accepted if p.feasibility == "feasible")
        supported = [p for p in accepted if p.supports_count]
        rows = db.scalar(
            select(func.count()).where(BudgetSupport.project_id.in_([p.id for p in accepted]))
        )
        assert supported
        assert sum(p.supports_count for p in accepted) == rows

        # Every heading with a ballot was counted by the budget's own rule and published.
        headings = db.scalars(select(BudgetHeading).where(BudgetHeading.budget_id == budget.id))
        counted = 0
        for heading in headings:
            outcome = stored_results(heading)
            assert outcome is not None
            data = heading_ballots(db, heading)
            if not data.ballots:
                assert outcome["funded"] == []
                continue
            counted += 1
            codes = {project.code: project.id for project in data.projects}
            recount = tally(data.election(), rule_for(Method.GREEDY, VoteType.APPROVAL))
            assert [codes[code] for code in recount] == outcome["funded"]
            assert outcome["amount_used"] <= heading.amount
        assert counted >= 4
        winners = [p for p in accepted if p.winner]
        assert winners
        assert all(p.ballot_votes > 0 for p in winners)
        # The funded projects' execution: statuses, progress and milestones.
        assert {p.execution_status for p in winners} - {"not_started"}
        assert all(0 <= p.progress <= 100 for p in winners)
        milestones = db.scalar(
            select(func.count()).where(BudgetMilestone.project_id.in_([p.id for p in winners]))
        )
        assert milestones == 2 * len(winners)
