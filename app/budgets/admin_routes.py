"""Budget setup at /admin/budgets: the list, a budget's page and form, publishing. The phases:
phase_routes.py; groups and headings: structure_routes.py.

Administrators only (budgets.manage). Every change is written to the audit log with the
budget as its object; a phase move also records where it came from and went.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Form, Request
from starlette.responses import RedirectResponse, Response

from app.audit.service import record
from app.authz.core import authorize
from app.authz.principal import Principal
from app.budgets import repository, service
from app.budgets.models import Budget
from app.budgets.pages import budget_outline
from app.budgets.permissions import structure_editable
from app.budgets.router import router
from app.budgets.schemas import BudgetForm
from app.content.limits import TEXT_FIELD_CHARS, TEXT_FORM_BYTES, TEXT_FORM_LIMITS
from app.deps import ClientAddress, IdPath, SessionDep, TenantDep, UserDep
from app.errors import DomainError
from app.flash import flash
from app.forms import FieldError, FormInvalid, error_of, parse_form
from app.i18n import N_
from app.templating import render

Text = Annotated[str, Form(max_length=TEXT_FIELD_CHARS)]
Line = Annotated[str, Form(max_length=1000)]
BUDGET_FIELDS = ("year", "name", "description", "rule", "ballot_style", "approval_limit")


def managed_budget(session: SessionDep, me: Principal, budget_id: int) -> Budget:
    authorize(me, "budgets.manage")
    return service.visible_budget(session, budget_id, include_drafts=True)


def audit(
    session: SessionDep,
    action: str,
    me: Principal,
    budget_id: int,
    address: str,
    details: dict[str, Any] | None = None,
) -> None:
    record(
        session,
        action,
        actor=me,
        object_type="budget",
        object_id=budget_id,
        client_address=address,
        details=details,
    )


def _valid(submitted: dict[str, Any]) -> BudgetForm:
    form = parse_form(BudgetForm, submitted)
    if problems := form.problems():
        raise FormInvalid(problems)  # type: ignore[arg-type]
    return form


@router.get("/admin/budgets", name="admin_budgets")
def admin_budgets(
    request: Request, tenant: TenantDep, session: SessionDep, me: UserDep
) -> Response:
    authorize(me, "budgets.manage")
    budgets = repository.list_budgets(session, include_drafts=True)
    return render(request, "budgets/admin_list.html", {"budgets": budgets})


def _form_page(
    request: Request,
    form: Mapping[str, Any],
    errors: Mapping[str, FieldError],
    budget: Budget | None = None,
    status: int = 200,
) -> Response:
    locked = budget is not None and not structure_editable(budget)
    context = {"form": form, "errors": errors, "budget": budget, "locked": locked}
    return render(request, "budgets/admin_form.html", context, status_code=status)


@router.get("/admin/budgets/new", name="admin_new_budget")
def new_budget(request: Request, tenant: TenantDep, me: UserDep) -> Response:
    authorize(me, "budgets.manage")
    return _form_page(request, {"rule": "greedy", "ballot_style": "knapsack"}, {})


@router.post(
    "/admin/budgets/new",
    name="admin_create_budget",
    max_body_size=TEXT_FORM_BYTES,
    form_limits=TEXT_FORM_LIMITS,
)
def create_budget(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    year: Line = "",
    name: Line = "",
    description: Text = "",
    rule: Line = "greedy",
    ballot_style: Line = "knapsack",
    approval_limit: Line = "",
) -> Response:
    authorize(me, "budgets.manage")
    submitted = dict(
        zip(
            BUDGET_FIELDS,
            (year, name, description, rule, ballot_style, approval_limit),
            strict=True,
        )
    )
    try:
        budget = service.create_budget(session, _valid(submitted))
    except FormInvalid as invalid:
        return _form_page(request, submitted, invalid.errors, status=422)
    audit(session, "budgets.create", me, budget.id, address)
    flash(
        request, N_("The budget has been saved as a draft. Add its groups and headings."), "success"
    )
    return RedirectResponse(f"/admin/budgets/{budget.id}", status_code=303)


def budget_page(
    request: Request, session: SessionDep, budget: Budget, problem: DomainError | None = None
) -> Response:
    context = {
        **budget_outline(session, budget),
        "structure_editable": structure_editable(budget),
        "problem": error_of(problem) if problem is not None else None,
    }
    status = problem.status_code if problem is not None else 200
    return render(request, "budgets/admin_budget.html", context, status_code=status)


@router.get("/admin/budgets/{budget_id}", name="admin_budget")
def admin_budget(
    request: Request, tenant: TenantDep, session: SessionDep, me: UserDep, budget_id: IdPath
) -> Response:
    return budget_page(request, session, managed_budget(session, me, budget_id))


def _form_of(budget: Budget) -> dict[str, Any]:
    return {
        "year": budget.year,
        "name": budget.name,
        "description": budget.description,
        "rule": budget.rule,
        "ballot_style": budget.ballot_style,
        "approval_limit": budget.approval_limit or "",
    }


@router.get("/admin/budgets/{budget_id}/edit", name="admin_edit_budget")
def edit_budget(
    request: Request, tenant: TenantDep, session: SessionDep, me: UserDep, budget_id: IdPath
) -> Response:
    budget = managed_budget(session, me, budget_id)
    return _form_page(request, _form_of(budget), {}, budget)


@router.post(
    "/admin/budgets/{budget_id}/edit",
    name="admin_update_budget",
    max_body_size=TEXT_FORM_BYTES,
    form_limits=TEXT_FORM_LIMITS,
)
def update_budget(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    budget_id: IdPath,
    year: Line = "",
    name: Line = "",
    description: Text = "",
    rule: Line = "",
    ballot_style: Line = "",
    approval_limit: Line = "",
) -> Response:
    budget = managed_budget(session, me, budget_id)
    submitted = dict(
        zip(
            BUDGET_FIELDS,
            (year, name, description, rule, ballot_style, approval_limit),
            strict=True,
        )
    )
    if not structure_editable(budget):
        # The form shows the counting rules as facts; keep them as they are.
        fixed = _form_of(budget)
        submitted.update({key: fixed[key] for key in ("rule", "ballot_style", "approval_limit")})
    try:
        service.update_budget(session, budget, _valid(submitted))
    except FormInvalid as invalid:
        return _form_page(request, submitted, invalid.errors, budget, 422)
    audit(session, "budgets.edit", me, budget.id, address)
    flash(request, N_("The budget has been saved."), "success")
    return RedirectResponse(f"/admin/budgets/{budget.id}", status_code=303)


@router.post("/admin/budgets/{budget_id}/publish", name="admin_publish_budget")
def publish_budget(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    budget_id: IdPath,
) -> Response:
    budget = managed_budget(session, me, budget_id)
    try:
        service.publish_budget(session, budget)
    except DomainError as error:
        return budget_page(request, session, budget, error)
    audit(session, "budgets.publish", me, budget.id, address)
    flash(request, N_("The budget has been published."), "success")
    return RedirectResponse(f"/admin/budgets/{budget.id}", status_code=303)
