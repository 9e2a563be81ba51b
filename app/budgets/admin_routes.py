"""Budget setup at /admin/budgets: the list, a budget's page and form, publishing, its phases
and moving the current phase. Groups and headings: structure_routes.py.

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
from app.budgets.models import PHASES, Budget
from app.budgets.pages import budget_outline
from app.budgets.permissions import structure_editable
from app.budgets.router import router
from app.budgets.schemas import BudgetForm, PhaseForm
from app.content.limits import TEXT_FIELD_CHARS, TEXT_FORM_BYTES, TEXT_FORM_LIMITS
from app.deps import ClientAddress, IdPath, SessionDep, TenantDep, UserDep
from app.errors import DomainError, Invalid
from app.flash import flash
from app.forms import FieldError, FormInvalid, error_of, parse_form
from app.i18n import N_
from app.templating import render

Text = Annotated[str, Form(max_length=TEXT_FIELD_CHARS)]
Line = Annotated[str, Form(max_length=1000)]
Lines = Annotated[list[str], Form(max_length=len(PHASES))]
Texts = Annotated[list[str], Form(max_length=len(PHASES))]
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


def _budget_page(
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
    return _budget_page(request, session, managed_budget(session, me, budget_id))


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
        return _budget_page(request, session, budget, error)
    audit(session, "budgets.publish", me, budget.id, address)
    flash(request, N_("The budget has been published."), "success")
    return RedirectResponse(f"/admin/budgets/{budget.id}", status_code=303)


@router.post("/admin/budgets/{budget_id}/phase", name="admin_move_budget_phase")
def move_phase(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    budget_id: IdPath,
    direction: Line = "",
) -> Response:
    budget = managed_budget(session, me, budget_id)
    if direction not in ("next", "previous"):
        return _budget_page(request, session, budget, Invalid(N_("Choose one of the options.")))
    try:
        before, after = service.move_phase(session, budget.id, 1 if direction == "next" else -1)
    except DomainError as error:
        return _budget_page(request, session, budget, error)
    audit(session, "budgets.phase_changed", me, budget.id, address, {"from": before, "to": after})
    flash(request, N_("The budget has moved to another phase."), "success")
    return RedirectResponse(f"/admin/budgets/{budget.id}", status_code=303)


def _phases_page(
    request: Request,
    session: SessionDep,
    budget: Budget,
    form: Mapping[str, Mapping[str, Any]] | None = None,
    errors: Mapping[str, FieldError] | None = None,
    status: int = 200,
) -> Response:
    if form is None:
        stored = repository.phases_of(session, budget.id)
        form = {
            kind: {
                "starts_on": phase.starts_on.isoformat() if phase and phase.starts_on else "",
                "ends_on": phase.ends_on.isoformat() if phase and phase.ends_on else "",
                "description": phase.description if phase else "",
                "enabled": phase.enabled if phase else True,
            }
            for kind in PHASES
            for phase in [stored.get(kind)]
        }
    context = {**budget_outline(session, budget), "form": form, "errors": errors or {}}
    return render(request, "budgets/admin_phases.html", context, status_code=status)


@router.get("/admin/budgets/{budget_id}/phases", name="admin_budget_phases")
def edit_phases(
    request: Request, tenant: TenantDep, session: SessionDep, me: UserDep, budget_id: IdPath
) -> Response:
    return _phases_page(request, session, managed_budget(session, me, budget_id))


@router.post(
    "/admin/budgets/{budget_id}/phases",
    name="admin_update_budget_phases",
    max_body_size=TEXT_FORM_BYTES,
    form_limits=TEXT_FORM_LIMITS,
)
def update_phases(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    budget_id: IdPath,
    starts_on: Lines = [],  # noqa: B006 - FastAPI copies defaults
    ends_on: Lines = [],  # noqa: B006
    description: Texts = [],  # noqa: B006
    enabled: Lines = [],  # noqa: B006
) -> Response:
    """One row per phase, in the order of PHASES; ``enabled`` lists the kinds ticked."""
    budget = managed_budget(session, me, budget_id)
    rows = (starts_on, ends_on, description)
    if any(len(column) != len(PHASES) for column in rows):
        return _phases_page(
            request, session, budget, errors={"__all__": N_("Enter a valid value.")}, status=422
        )
    submitted = {
        kind: {
            "starts_on": starts_on[i],
            "ends_on": ends_on[i],
            "description": description[i],
            "enabled": kind in enabled,
        }
        for i, kind in enumerate(PHASES)
    }
    forms: dict[str, PhaseForm] = {}
    errors: dict[str, FieldError] = {}
    for kind, values in submitted.items():
        try:
            forms[kind] = parse_form(
                PhaseForm, {**values, "enabled": "1" if values["enabled"] else ""}
            )
        except FormInvalid as invalid:
            errors.update({f"{kind}-{field}": text for field, text in invalid.errors.items()})
            continue
        errors.update({f"{kind}-{field}": text for field, text in forms[kind].problems().items()})
    try:
        if errors:
            raise FormInvalid(errors)  # type: ignore[arg-type]
        service.update_phases(session, budget, forms)
    except FormInvalid as invalid:
        return _phases_page(request, session, budget, submitted, invalid.errors, 422)
    except service.FormProblem as problem:
        return _phases_page(
            request, session, budget, submitted, {problem.field: error_of(problem)}, 422
        )
    audit(session, "budgets.phases", me, budget.id, address)
    flash(request, N_("The phases have been saved."), "success")
    return RedirectResponse(f"/admin/budgets/{budget.id}", status_code=303)
