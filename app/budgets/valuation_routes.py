"""Valuation pages: valuators per heading (/admin/budgets/{id}/valuators), a valuator's list
and form (/budgets/{id}/valuation…), and the selection for the ballot
(/admin/budgets/{id}/selection). The rules are in permissions.py, the work in valuation.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Form, Request
from starlette.responses import RedirectResponse, Response

from app.authz.core import authorize, can
from app.authz.principal import Principal
from app.budgets import repository, valuation
from app.budgets.admin_routes import audit, managed_budget
from app.budgets.models import Budget, BudgetProject
from app.budgets.pages import PHASE_NAMES, budget_outline, soles
from app.budgets.permissions import ValuationSeat
from app.budgets.router import router
from app.budgets.service import visible_budget
from app.content.limits import TEXT_FIELD_CHARS, TEXT_FORM_BYTES, TEXT_FORM_LIMITS
from app.deps import ClientAddress, IdPath, SessionDep, TenantDep, UserDep
from app.flash import flash
from app.forms import FieldError, FormInvalid, error_of, parse_form
from app.i18n import N_
from app.templating import render

Line = Annotated[str, Form(max_length=1000)]
Text = Annotated[str, Form(max_length=TEXT_FIELD_CHARS)]
Ids = Annotated[list[str], Form(max_length=5000)]
FEASIBILITY_NAMES = {
    "undecided": N_("Not valuated yet"),
    "feasible": N_("Feasible"),
    "unfeasible": N_("Unfeasible"),
}
VALUATION_FIELDS = ("feasibility", "explanation", "price", "price_explanation", "duration")


def _seat(
    session: SessionDep,
    me: Principal,
    budget_id: int,
    project_id: int | None = None,
    *,
    lock: bool = False,
) -> ValuationSeat:
    budget = visible_budget(session, budget_id, include_drafts=False)
    project = None
    if project_id is not None:
        project = valuation.get_project(session, budget.id, project_id, lock=lock)
    return valuation.seat_of(session, budget, me, project)


def _names() -> dict[str, Any]:
    return {"feasibility_names": FEASIBILITY_NAMES, "phase_names": PHASE_NAMES, "soles": soles}


# ---------------------------------------------------------------- valuators


def _valuators_page(
    request: Request,
    session: SessionDep,
    budget: Budget,
    form: Mapping[str, Any] | None = None,
    errors: Mapping[str, FieldError] | None = None,
    status: int = 200,
) -> Response:
    context = {
        **budget_outline(session, budget),
        "valuators": valuation.valuators_by_heading(session, budget.id),
        "form": form or {},
        "errors": errors or {},
    }
    return render(request, "budgets/admin_valuators.html", context, status_code=status)


@router.get("/admin/budgets/{budget_id}/valuators", name="admin_budget_valuators")
def valuators(
    request: Request, tenant: TenantDep, session: SessionDep, me: UserDep, budget_id: IdPath
) -> Response:
    return _valuators_page(request, session, managed_budget(session, me, budget_id))


@router.post("/admin/budgets/{budget_id}/valuators", name="admin_add_budget_valuator")
def add_valuator(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    budget_id: IdPath,
    heading_id: Line = "",
    account: Line = "",
) -> Response:
    budget = managed_budget(session, me, budget_id)
    authorize(me, "budgets.assign_valuators", budget)
    submitted = {"heading_id": heading_id, "account": account}
    heading = (
        repository.get_heading(session, budget.id, int(heading_id))
        if heading_id.isdigit() and len(heading_id) < 19
        else None
    )
    try:
        if heading is None:
            raise valuation.FieldProblem("heading_id", N_("Choose a heading from the list."))
        user = valuation.find_account(session, account)
    except valuation.FieldProblem as problem:
        errors = {problem.field: error_of(problem)}
        return _valuators_page(request, session, budget, submitted, errors, 422)
    if valuation.assign_valuator(session, heading, user):
        details = {"heading": heading.id, "valuator": user.id}
        audit(session, "budgets.valuator_added", me, budget.id, address, details)
        flash(request, N_("The person now valuates the projects of this heading."), "success")
    else:
        flash(request, N_("The person already valuated the projects of this heading."), "info")
    return RedirectResponse(f"/admin/budgets/{budget.id}/valuators", status_code=303)


@router.post(
    "/admin/budgets/{budget_id}/valuators/{assignment_id}/remove",
    name="admin_remove_budget_valuator",
)
def remove_valuator(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    budget_id: IdPath,
    assignment_id: IdPath,
) -> Response:
    budget = managed_budget(session, me, budget_id)
    authorize(me, "budgets.assign_valuators", budget)
    removed = valuation.remove_valuator(session, budget.id, assignment_id)
    details = {"heading": removed.heading_id, "valuator": removed.user_id}
    audit(session, "budgets.valuator_removed", me, budget.id, address, details)
    flash(request, N_("The person no longer valuates the projects of this heading."), "success")
    return RedirectResponse(f"/admin/budgets/{budget.id}/valuators", status_code=303)


# ---------------------------------------------------------------- valuating


@router.get("/budgets/{budget_id}/valuation", name="budget_valuation")
def valuation_list(
    request: Request, tenant: TenantDep, session: SessionDep, me: UserDep, budget_id: IdPath
) -> Response:
    seat = _seat(session, me, budget_id)
    authorize(me, "budgets.view_valuations", seat)
    every = me.has_role("administrator")
    projects = valuation.projects_to_valuate(
        session, seat.budget.id, None if every else seat.headings
    )
    valuable = {
        project.id
        for items in projects.values()
        for project in items
        if can(me, "budgets.valuate", ValuationSeat(seat.budget, seat.headings, project))
    }
    context = {
        **budget_outline(session, seat.budget),
        **_names(),
        "projects": projects,
        "valuable": valuable,
        "shown_headings": None if every else seat.headings,
    }
    return render(request, "budgets/valuation_list.html", context)


def _form_page(
    request: Request,
    seat: ValuationSeat,
    form: Mapping[str, Any],
    errors: Mapping[str, FieldError],
    status: int = 200,
) -> Response:
    context = {"seat": seat, "form": form, "errors": errors, **_names()}
    return render(request, "budgets/valuation_form.html", context, status_code=status)


def _form_of(project: BudgetProject) -> dict[str, Any]:
    return {
        "feasibility": "" if project.feasibility == "undecided" else project.feasibility,
        "explanation": project.feasibility_explanation or "",
        "price": project.price if project.price is not None else "",
        "price_explanation": project.price_explanation or "",
        "duration": project.duration or "",
    }


@router.get("/budgets/{budget_id}/valuation/{project_id}", name="budget_valuation_form")
def valuation_form(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    budget_id: IdPath,
    project_id: IdPath,
) -> Response:
    seat = _seat(session, me, budget_id, project_id)
    authorize(me, "budgets.valuate", seat)
    assert seat.project is not None
    return _form_page(request, seat, _form_of(seat.project), {})


@router.post(
    "/budgets/{budget_id}/valuation/{project_id}",
    name="budget_valuate",
    max_body_size=TEXT_FORM_BYTES,
    form_limits=TEXT_FORM_LIMITS,
)
def valuate(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    budget_id: IdPath,
    project_id: IdPath,
    feasibility: Line = "",
    explanation: Text = "",
    price: Line = "",
    price_explanation: Text = "",
    duration: Line = "",
) -> Response:
    seat = _seat(session, me, budget_id, project_id, lock=True)
    authorize(me, "budgets.valuate", seat)
    assert seat.project is not None
    submitted = dict(
        zip(
            VALUATION_FIELDS,
            (feasibility, explanation, price, price_explanation, duration),
            strict=True,
        )
    )
    try:
        form = parse_form(valuation.ValuationForm, submitted)
        if problems := form.problems():
            raise FormInvalid(problems)  # type: ignore[arg-type]
    except FormInvalid as invalid:
        return _form_page(request, seat, submitted, invalid.errors, 422)
    valuation.valuate(session, seat.project, form, me, address)
    flash(request, N_("The valuation has been saved."), "success")
    return RedirectResponse(f"/budgets/{seat.budget.id}/valuation", status_code=303)


# ---------------------------------------------------------------- selection for the ballot


def _selection_page(
    request: Request,
    session: SessionDep,
    budget: Budget,
    chosen: set[int] | None = None,
    errors: Mapping[str, FieldError] | None = None,
    status: int = 200,
) -> Response:
    projects = valuation.projects_to_valuate(session, budget.id, None)
    if chosen is None:
        chosen = {p.id for items in projects.values() for p in items if p.selected}
    context = {
        **budget_outline(session, budget),
        **_names(),
        "projects": projects,
        "chosen": chosen,
        "errors": errors or {},
    }
    return render(request, "budgets/valuation_selection.html", context, status_code=status)


def _selection_budget(session: SessionDep, me: Principal, budget_id: int) -> Budget:
    budget = managed_budget(session, me, budget_id)
    authorize(me, "budgets.select", budget)
    return budget


@router.get("/admin/budgets/{budget_id}/selection", name="admin_budget_selection")
def selection(
    request: Request, tenant: TenantDep, session: SessionDep, me: UserDep, budget_id: IdPath
) -> Response:
    return _selection_page(request, session, _selection_budget(session, me, budget_id))


@router.post("/admin/budgets/{budget_id}/selection", name="admin_select_budget_projects")
def select_projects(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    budget_id: IdPath,
    projects: Ids = [],  # noqa: B006 - FastAPI copies defaults
) -> Response:
    budget = _selection_budget(session, me, budget_id)
    chosen = {int(value) for value in projects if value.isdigit() and len(value) < 19}
    try:
        if len(chosen) != len(set(projects)):
            raise valuation.FieldProblem("projects", N_("Choose projects from the list."))
        added, removed = valuation.select_for_ballot(session, budget, chosen)
    except valuation.FieldProblem as problem:
        errors = {problem.field: error_of(problem)}
        return _selection_page(request, session, budget, chosen, errors, 422)
    if added or removed:
        details = {"added": added, "removed": removed}
        audit(session, "budgets.projects_selected", me, budget.id, address, details)
    flash(request, N_("The projects that go to the ballot have been saved."), "success")
    return RedirectResponse(f"/admin/budgets/{budget.id}/selection", status_code=303)
