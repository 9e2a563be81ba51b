"""Who may set up a participatory budget, and in which phase each later action is open.

Administrators set budgets up (budgets.manage): texts, phases and moving the current phase,
in any phase. The money structure — groups, headings and their amounts, the counting rule and
the ballot style — can change only before balloting starts (budgets.edit_structure): once a
ballot is cast against a heading's amount, changing it would change what the ballot meant.

The later steps (proposing, supporting, valuating, balloting, paper ballots, results) build
their rules from ``is_phase`` and ``ACTION_PHASES`` below, so the permission matrix is role ×
phase × action everywhere in the module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import app.budgets.project_targets  # noqa: F401 - registers the "budget_project" target kind
from app.authz.core import has_role, rule
from app.authz.principal import Level, Principal, level_of
from app.budgets.models import PHASES, Budget, BudgetProject

_administrator = has_role("administrator")
rule("budgets.manage")(_administrator)

# The phase in which each citizen or staff action of the module is open.
ACTION_PHASES: Mapping[str, tuple[str, ...]] = {
    "propose": ("accepting",),
    "review": ("reviewing",),
    "support": ("selecting",),
    "valuate": ("valuating",),
    "ballot": ("balloting",),
    "enter_paper_ballots": ("balloting", "reviewing_ballots"),
    "void_paper_ballots": ("balloting", "reviewing_ballots"),
    "publish_results": ("reviewing_ballots", "finished"),
}
STRUCTURE_PHASES = PHASES[: PHASES.index("balloting")]


def is_phase(budget: Any, *phases: str) -> bool:
    """The budget is public and its current phase is one of ``phases``."""
    return isinstance(budget, Budget) and budget.published_at is not None and budget.phase in phases


def phase_at_least(budget: Budget, phase: str) -> bool:
    return PHASES.index(budget.phase) >= PHASES.index(phase)


def prices_public(budget: Budget) -> bool:
    """Prices and valuations stay hidden until the publishing_prices phase."""
    return phase_at_least(budget, "publishing_prices")


def action_open(budget: Any, action: str) -> bool:
    return is_phase(budget, *ACTION_PHASES[action])


def structure_editable(budget: Budget) -> bool:
    return budget.phase in STRUCTURE_PHASES


@rule("budgets.edit_structure")
def may_edit_structure(principal: Principal | None, budget: Any, _ctx: Mapping[str, Any]) -> bool:
    return (
        _administrator(principal, budget, {})
        and isinstance(budget, Budget)
        and structure_editable(budget)
    )


# Balloting (app/budgets/ballots.py). A verified resident ballots while the phase is open and
# sees their ballot from then on. Paper ballots are typed in by any poll officer of the
# instance (budgets have no booths of their own), while balloting and reviewing ballots.
BALLOT_VISIBLE_PHASES = ("balloting", "reviewing_ballots", "finished")


@rule("budgets.ballot")
def may_ballot(principal: Principal | None, budget: Any, _ctx: Mapping[str, Any]) -> bool:
    return level_of(principal) >= Level.VERIFIED and action_open(budget, "ballot")


@rule("budgets.view_ballot")
def may_view_ballot(principal: Principal | None, budget: Any, _ctx: Mapping[str, Any]) -> bool:
    return level_of(principal) >= Level.VERIFIED and is_phase(budget, *BALLOT_VISIBLE_PHASES)


@rule("budgets.enter_paper_ballots")
def may_enter_paper_ballots(
    principal: Principal | None, budget: Any, _ctx: Mapping[str, Any]
) -> bool:
    return (
        principal is not None
        and principal.has_role("poll_officer")
        and action_open(budget, "enter_paper_ballots")
    )


# Voiding a paper ballot typed in by mistake (paper_ballots.py): the officer who entered it, or
# an administrator, while balloting; in reviewing ballots only until its heading's results are
# published, so a published count never silently loses a ballot.
@dataclass(frozen=True)
class EnteredPaperBallot:
    """A paper ballot as the voiding rule judges it: whose it is and where its heading stands."""

    budget: Budget
    recorded_by_id: int | None
    results_published: bool


def _paper_staff(principal: Principal | None) -> bool:
    return principal is not None and principal.has_role("poll_officer", "administrator")


@rule("budgets.review_paper_ballots")
def may_review_paper_ballots(
    principal: Principal | None, budget: Any, _ctx: Mapping[str, Any]
) -> bool:
    """The list of entered paper ballots: officers see theirs, administrators every one."""
    return _paper_staff(principal) and action_open(budget, "void_paper_ballots")


@rule("budgets.void_paper_ballot")
def may_void_paper_ballot(
    principal: Principal | None, entered: Any, _ctx: Mapping[str, Any]
) -> bool:
    if not isinstance(entered, EnteredPaperBallot) or principal is None:
        return False
    budget = entered.budget
    if not action_open(budget, "void_paper_ballots"):
        return False
    if budget.phase == "reviewing_ballots" and entered.results_published:
        return False
    if principal.has_role("administrator"):
        return True
    return principal.has_role("poll_officer") and entered.recorded_by_id == principal.user_id


# Valuation (app/budgets/valuation.py). Being assigned to a heading is what lets a person
# valuate its projects: the "valuator" role alone grants nothing here, and removing the
# assignment is the one way to take the right away. Administrators may valuate every heading.
# Nobody valuates a project they wrote.
VALUATOR_PHASES = PHASES[: PHASES.index("balloting")]
SELECTION_PHASES = ("valuating", "publishing_prices")


@dataclass(frozen=True)
class ValuationSeat:
    """A budget, the headings of it the asking person valuates, and the project at hand."""

    budget: Budget
    headings: frozenset[int]
    project: BudgetProject | None = None


def _valuator(principal: Principal | None, seat: Any) -> bool:
    return (
        principal is not None
        and isinstance(seat, ValuationSeat)
        and (principal.has_role("administrator") or bool(seat.headings))
    )


@rule("budgets.assign_valuators")
def may_assign_valuators(principal: Principal | None, budget: Any, _ctx: Mapping[str, Any]) -> bool:
    return (
        _administrator(principal, budget, {})
        and isinstance(budget, Budget)
        and budget.phase in VALUATOR_PHASES
    )


@rule("budgets.view_valuations")
def may_view_valuations(principal: Principal | None, seat: Any, _ctx: Mapping[str, Any]) -> bool:
    """The valuator's list of projects, in every phase (read-only outside valuating)."""
    return _valuator(principal, seat) and seat.budget.published_at is not None


@rule("budgets.valuate")
def may_valuate(principal: Principal | None, seat: Any, _ctx: Mapping[str, Any]) -> bool:
    if not _valuator(principal, seat) or seat.project is None:
        return False
    assert principal is not None
    project = seat.project
    return (
        action_open(seat.budget, "valuate")
        and project.review_state != "rejected"
        and project.hidden_at is None
        and project.author_id != principal.user_id
        and (principal.has_role("administrator") or project.heading_id in seat.headings)
    )


@rule("budgets.view_valuation")
def may_view_valuation(_principal: Principal | None, budget: Any, _ctx: Mapping[str, Any]) -> bool:
    """Anyone, once the budget publishes its prices; nobody before, staff included, so the
    public page never shows what the public cannot see."""
    return isinstance(budget, Budget) and budget.published_at is not None and prices_public(budget)


@rule("budgets.select")
def may_select(principal: Principal | None, budget: Any, _ctx: Mapping[str, Any]) -> bool:
    return _administrator(principal, budget, {}) and is_phase(budget, *SELECTION_PHASES)


# Results (result_routes.py): an administrator counts and publishes them after balloting.
@rule("budgets.publish_results")
def may_publish_results(principal: Principal | None, budget: Any, _ctx: Mapping[str, Any]) -> bool:
    return _administrator(principal, budget, {}) and action_open(budget, "publish_results")


# Execution of the funded projects (execution_routes.py): tracked once the budget is finished,
# when its results are final.
EXECUTION_PHASES = ("finished",)


@rule("budgets.track_execution")
def may_track_execution(principal: Principal | None, budget: Any, _ctx: Mapping[str, Any]) -> bool:
    return _administrator(principal, budget, {}) and is_phase(budget, *EXECUTION_PHASES)


# Projects and supports (app/budgets/projects.py; docs/budgets.md "Projects and supports").
# A project's rules take its budget in ``ctx["budget"]``: the phase is the budget's.


def _budget_of(project: Any, ctx: Mapping[str, Any]) -> Budget | None:
    """The budget of a visible project, or None when the two do not belong together."""
    budget = ctx.get("budget")
    if (
        isinstance(project, BudgetProject)
        and isinstance(budget, Budget)
        and project.budget_id == budget.id
        and project.hidden_at is None
    ):
        return budget
    return None


@rule("budgets.propose")
def may_propose(principal: Principal | None, budget: Any, _ctx: Mapping[str, Any]) -> bool:
    """Any registered account, as for proposals (organizations too), while accepting."""
    return principal is not None and action_open(budget, "propose")


@rule("budgets.edit_project")
def may_edit_project(principal: Principal | None, project: Any, ctx: Mapping[str, Any]) -> bool:
    """Its author, while the budget accepts projects, unless it was rejected already."""
    budget = _budget_of(project, ctx)
    return (
        principal is not None
        and budget is not None
        and project.author_id == principal.user_id
        and project.review_state != "rejected"
        and action_open(budget, "propose")
    )


@rule("budgets.review")
def may_review(principal: Principal | None, budget: Any, _ctx: Mapping[str, Any]) -> bool:
    return _administrator(principal, budget, {}) and action_open(budget, "review")


def supportable(project: BudgetProject) -> bool:
    return project.review_state != "rejected" and project.hidden_at is None


@rule("budgets.support")
def may_support(principal: Principal | None, project: Any, ctx: Mapping[str, Any]) -> bool:
    """Verified residents (never organizations), as for proposals, while selecting."""
    budget = _budget_of(project, ctx)
    return (
        level_of(principal) >= Level.VERIFIED
        and budget is not None
        and supportable(project)
        and action_open(budget, "support")
    )


@rule("budgets.unsupport")
def may_unsupport(principal: Principal | None, project: Any, ctx: Mapping[str, Any]) -> bool:
    """Withdrawing is open as long as supporting is (the heading is then free again)."""
    budget = _budget_of(project, ctx)
    return (
        level_of(principal) >= Level.VERIFIED
        and budget is not None
        and action_open(budget, "support")
    )
