"""A resident's ballot: /budgets/{id}/ballot (every heading) and /budgets/{id}/ballot/{heading}.

Projects are added and removed one at a time by small forms (no JavaScript needed); the
heading's page shows the money left (knapsack) or the choices left (approval) after each.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Form, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

import app.budgets.paper_routes  # noqa: F401 - registers /budgets/{id}/paper on the same router
from app.authz.core import authorize, can
from app.authz.principal import Principal
from app.budgets import ballots, repository, service
from app.budgets.models import Budget, BudgetGroup, BudgetHeading
from app.budgets.pages import PHASE_NAMES, soles
from app.budgets.router import router
from app.config import Settings
from app.db import MAX_ID
from app.deps import IdPath, SessionDep, SettingsDep, TenantDep, UserDep
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.flash import flash
from app.forms import FieldError, error_of
from app.i18n import N_
from app.polls.eligibility import Voter, web_voter
from app.templating import render

Value = Annotated[str, Form(max_length=30)]


def _voter(session: Session, me: Principal, settings: Settings) -> Voter:
    voter = web_voter(session, me, settings.secret)
    if voter is None or not voter.verified:
        raise Forbidden(ballots.NOT_VERIFIED)
    return voter


def _budget(session: Session, me: Principal, budget_id: int, action: str, lock: bool) -> Budget:
    """A published budget; locked for a change (see ballots.py), so the phase cannot move
    while the ballot is checked."""
    if lock:
        found = ballots.locked_budget(session, budget_id)
        if found is None or found.published_at is None:
            raise NotFound()
        budget = found
    else:
        budget = service.visible_budget(session, budget_id, include_drafts=False)
    authorize(me, action, budget)
    return budget


def _heading(
    session: Session, budget: Budget, heading_id: int
) -> tuple[BudgetHeading, BudgetGroup]:
    heading = repository.get_heading(session, budget.id, heading_id)
    if heading is None:
        raise NotFound()
    group = repository.get_group(session, budget.id, heading.group_id)
    assert group is not None  # the heading's group is in the same budget
    return heading, group


def heading_page(
    request: Request,
    session: Session,
    me: Principal,
    budget: Budget,
    heading: BudgetHeading,
    group: BudgetGroup,
    voter: Voter,
    *,
    errors: Mapping[str, FieldError] | None = None,
    status: int = 200,
) -> Response:
    state = ballots.standing(session, budget, heading, group, voter)
    context: dict[str, Any] = {
        "budget": budget,
        "group": group,
        "heading": heading,
        "state": state,
        "projects": ballots.ballotable(session, heading),
        "left": heading.amount - state.spent,
        "open": can(me, "budgets.ballot", budget),
        "refusal": _refusal_text(state),
        "errors": errors or {},
        "soles": soles,
        "phase_names": PHASE_NAMES,
    }
    return render(request, "budgets/ballot_heading.html", context, status_code=status)


def _refusal_text(state: ballots.HeadingBallot) -> FieldError | None:
    if state.refusal is None:
        return None
    return (ballots.WEB_REFUSALS[state.refusal], {"limit": state.limit})


@router.get("/budgets/{budget_id}/ballot", name="budget_ballot")
def show_ballot(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    settings: SettingsDep,
    me: UserDep,
    budget_id: IdPath,
) -> Response:
    budget = _budget(session, me, budget_id, "budgets.view_ballot", lock=False)
    voter = _voter(session, me, settings)
    context = {
        "budget": budget,
        "groups": ballots.overview(session, budget, voter),
        "open": can(me, "budgets.ballot", budget),
        "refusals": ballots.WEB_REFUSALS,
        "soles": soles,
        "phase_names": PHASE_NAMES,
    }
    return render(request, "budgets/ballot.html", context)


@router.get("/budgets/{budget_id}/ballot/{heading_id}", name="budget_ballot_heading")
def show_heading_ballot(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    settings: SettingsDep,
    me: UserDep,
    budget_id: IdPath,
    heading_id: IdPath,
) -> Response:
    budget = _budget(session, me, budget_id, "budgets.view_ballot", lock=False)
    heading, group = _heading(session, budget, heading_id)
    voter = _voter(session, me, settings)
    return heading_page(request, session, me, budget, heading, group, voter)


def _project_id(value: str) -> int | None:
    try:
        number = int(value)
    except ValueError:
        return None
    return number if 1 <= number <= MAX_ID else None


def _change(
    request: Request,
    session: Session,
    settings: Settings,
    me: Principal,
    budget_id: int,
    heading_id: int,
    project_id: str,
    *,
    adding: bool,
) -> Response:
    budget = _budget(session, me, budget_id, "budgets.ballot", lock=True)
    heading, group = _heading(session, budget, heading_id)
    voter = _voter(session, me, settings)
    number = _project_id(project_id)
    field = f"project-{number}" if number is not None else "project"
    try:
        if number is None:
            raise Invalid(ballots.NOT_ON_HEADING)
        change = ballots.add_project if adding else ballots.remove_project
        changed = change(session, budget, heading, group, voter, number)
    except (Invalid, Conflict, Forbidden) as refused:
        # Every refusal comes before anything is written: the ballot is as it was.
        errors = {field: error_of(refused)}
        return heading_page(
            request,
            session,
            me,
            budget,
            heading,
            group,
            voter,
            errors=errors,
            status=refused.status_code,
        )
    if adding:
        done, same = N_("The project is on your ballot."), N_("It was already on your ballot.")
    else:
        done, same = N_("The project is off your ballot."), N_("It was not on your ballot.")
    text = done if changed else same
    flash(request, text, "success")
    return RedirectResponse(f"/budgets/{budget.id}/ballot/{heading.id}", status_code=303)


@router.post("/budgets/{budget_id}/ballot/{heading_id}/add", name="budget_ballot_add")
def add_to_ballot(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    settings: SettingsDep,
    me: UserDep,
    budget_id: IdPath,
    heading_id: IdPath,
    project_id: Value = "",
) -> Response:
    return _change(request, session, settings, me, budget_id, heading_id, project_id, adding=True)


@router.post("/budgets/{budget_id}/ballot/{heading_id}/remove", name="budget_ballot_remove")
def remove_from_ballot(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    settings: SettingsDep,
    me: UserDep,
    budget_id: IdPath,
    heading_id: IdPath,
    project_id: Value = "",
) -> Response:
    return _change(request, session, settings, me, budget_id, heading_id, project_id, adding=False)
