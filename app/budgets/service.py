"""The rules of setting a budget up: the budget, its phases, groups and headings.

Services flush and never commit; they raise domain errors the routes turn into pages.
Moving the current phase skips disabled phases and is refused past either end.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.budgets import repository
from app.budgets.models import PHASES, Budget, BudgetGroup, BudgetHeading, BudgetPhase
from app.budgets.permissions import structure_editable
from app.budgets.schemas import BudgetForm, GroupForm, HeadingForm, PhaseForm
from app.db import utcnow
from app.errors import Conflict, Invalid, NotFound
from app.i18n import N_

STRUCTURE_LOCKED = N_(
    "Balloting has started: the groups, the headings, their amounts, the counting rule and "
    "the ballot style are fixed."
)


class FormProblem(Invalid):
    """Invalid input that belongs beside one field of the form."""

    def __init__(self, field: str, message: str, **values: object) -> None:
        super().__init__(message, **values)
        self.field = field


def visible_budget(session: Session, budget_id: int, *, include_drafts: bool) -> Budget:
    budget = repository.get_budget(session, budget_id)
    if budget is None or (budget.published_at is None and not include_drafts):
        raise NotFound()
    return budget


def _check_structure(budget: Budget) -> None:
    if not structure_editable(budget):
        raise Conflict(STRUCTURE_LOCKED)


def create_budget(session: Session, form: BudgetForm) -> Budget:
    """A draft in its first phase, with every phase enabled and undated."""
    assert form.year is not None  # the form requires it
    budget = Budget(
        year=form.year,
        name=form.name,
        description=form.description,
        phase=PHASES[0],
        rule=form.rule,
        ballot_style=form.ballot_style,
        approval_limit=form.limit,
        created_at=utcnow(),
    )
    session.add(budget)
    session.flush()
    session.add_all(
        BudgetPhase(budget_id=budget.id, kind=kind, description="", enabled=True) for kind in PHASES
    )
    session.flush()
    return budget


def update_budget(session: Session, budget: Budget, form: BudgetForm) -> None:
    """Texts always; the rule and the ballot style only before balloting."""
    assert form.year is not None
    changes_counting = (form.rule, form.ballot_style, form.limit) != (
        budget.rule,
        budget.ballot_style,
        budget.approval_limit,
    )
    if changes_counting:
        _check_structure(budget)
    budget.year = form.year
    budget.name = form.name
    budget.description = form.description
    budget.rule = form.rule
    budget.ballot_style = form.ballot_style
    budget.approval_limit = form.limit
    session.flush()


def publish_budget(session: Session, budget: Budget) -> None:
    if budget.published_at is not None:
        raise Conflict(N_("This budget is already published."))
    budget.published_at = utcnow()
    session.flush()


def update_phases(session: Session, budget: Budget, forms: dict[str, PhaseForm]) -> None:
    """Dates, descriptions and which phases take place; the current phase stays enabled."""
    if not forms.get(budget.phase, PhaseForm(enabled=True)).enabled:
        raise FormProblem(
            f"{budget.phase}-enabled",
            N_("The current phase cannot be disabled: move to another phase first."),
        )
    phases = repository.phases_of(session, budget.id)
    for kind, form in forms.items():
        phase = phases.get(kind)
        if phase is None:
            phase = BudgetPhase(budget_id=budget.id, kind=kind)
            session.add(phase)
        phase.starts_on = form.starts_on
        phase.ends_on = form.ends_on
        phase.description = form.description
        phase.enabled = form.enabled
    session.flush()


def move_phase(session: Session, budget_id: int, step: int) -> tuple[str, str]:
    """Go to the next (step 1) or previous (-1) enabled phase; returns (from, to)."""
    budget = repository.get_budget_for_update(session, budget_id)
    if budget is None:
        raise NotFound()
    phases = repository.phases_of(session, budget.id)
    enabled = [kind for kind in PHASES if kind == budget.phase or _enabled(phases, kind)]
    index = enabled.index(budget.phase) + step
    if not 0 <= index < len(enabled):
        if step > 0:
            raise Conflict(N_("This is the last phase: the budget cannot move further."))
        raise Conflict(N_("This is the first phase: the budget cannot move back."))
    before, after = budget.phase, enabled[index]
    balloting = PHASES.index("balloting")
    if PHASES.index(after) < balloting <= PHASES.index(before) and repository.has_ballots(
        session, budget.id
    ):
        # Before balloting, amounts, prices and the selection can change again, which would
        # change what the ballots already cast meant (or let one exceed its heading's amount).
        raise Conflict(
            N_(
                "Ballots have been cast: the budget cannot go back before balloting, where "
                "amounts, prices and the selection could change under them."
            )
        )
    budget.phase = after
    session.flush()
    return before, budget.phase


def _enabled(phases: dict[str, BudgetPhase], kind: str) -> bool:
    phase = phases.get(kind)
    return phase is None or phase.enabled


def create_group(session: Session, budget: Budget, form: GroupForm) -> BudgetGroup:
    _check_structure(budget)
    group = BudgetGroup(
        budget_id=budget.id,
        name=form.name,
        position=repository.next_group_position(session, budget.id),
        max_supported_headings=form.max_supported_headings,
        max_balloted_headings=form.max_balloted_headings,
    )
    session.add(group)
    session.flush()
    return group


def update_group(session: Session, budget: Budget, group: BudgetGroup, form: GroupForm) -> None:
    _check_structure(budget)
    group.name = form.name
    group.max_supported_headings = form.max_supported_headings
    group.max_balloted_headings = form.max_balloted_headings
    session.flush()


def _check_geozone(session: Session, geozone_id: int | None) -> None:
    """Only this instance's zones: another instance's id is not found through this session."""
    if geozone_id is not None and repository.get_geozone(session, geozone_id) is None:
        raise FormProblem("geozone_id", N_("Choose a zone from the list."))


def create_heading(
    session: Session, budget: Budget, group: BudgetGroup, form: HeadingForm
) -> BudgetHeading:
    _check_structure(budget)
    _check_geozone(session, form.geozone_id)
    heading = BudgetHeading(
        budget_id=budget.id,
        group_id=group.id,
        name=form.name,
        amount=form.amount,
        geozone_id=form.geozone_id,
        population=form.population,
        position=repository.next_heading_position(session, group.id),
    )
    session.add(heading)
    session.flush()
    return heading


def update_heading(
    session: Session, budget: Budget, heading: BudgetHeading, form: HeadingForm
) -> None:
    _check_structure(budget)
    _check_geozone(session, form.geozone_id)
    heading.name = form.name
    heading.amount = form.amount
    heading.geozone_id = form.geozone_id
    heading.population = form.population
    session.flush()
