"""Groups and headings of a budget at /admin/budgets/{id}/…: their forms, before balloting.

budgets.edit_structure refuses them from balloting on (see permissions.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Form, Request
from starlette.responses import RedirectResponse, Response

from app.authz.core import authorize
from app.authz.principal import Principal
from app.budgets import repository, service
from app.budgets.admin_routes import audit, managed_budget
from app.budgets.models import Budget, BudgetGroup, BudgetHeading
from app.budgets.router import router
from app.budgets.schemas import GroupForm, HeadingForm
from app.deps import ClientAddress, IdPath, SessionDep, TenantDep, UserDep
from app.errors import NotFound
from app.flash import flash
from app.forms import FieldError, FormInvalid, error_of, parse_form
from app.geozones.repository import list_geozones
from app.i18n import N_
from app.templating import render

Line = Annotated[str, Form(max_length=1000)]


def _structure_budget(session: SessionDep, me: Principal, budget_id: int) -> Budget:
    budget = managed_budget(session, me, budget_id)
    authorize(me, "budgets.edit_structure", budget)
    return budget


def _group_of(session: SessionDep, budget: Budget, group_id: int) -> BudgetGroup:
    group = repository.get_group(session, budget.id, group_id)
    if group is None:
        raise NotFound()
    return group


def _heading_of(session: SessionDep, budget: Budget, heading_id: int) -> BudgetHeading:
    heading = repository.get_heading(session, budget.id, heading_id)
    if heading is None:
        raise NotFound()
    return heading


def _group_page(
    request: Request,
    budget: Budget,
    form: Mapping[str, Any],
    errors: Mapping[str, FieldError],
    group: BudgetGroup | None = None,
    status: int = 200,
) -> Response:
    context = {"budget": budget, "group": group, "form": form, "errors": errors}
    return render(request, "budgets/admin_group_form.html", context, status_code=status)


@router.get("/admin/budgets/{budget_id}/groups/new", name="admin_new_budget_group")
def new_group(
    request: Request, tenant: TenantDep, session: SessionDep, me: UserDep, budget_id: IdPath
) -> Response:
    budget = _structure_budget(session, me, budget_id)
    form = {"max_supported_headings": 1, "max_balloted_headings": 1}
    return _group_page(request, budget, form, {})


@router.post("/admin/budgets/{budget_id}/groups/new", name="admin_create_budget_group")
def create_group(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    budget_id: IdPath,
    name: Line = "",
    max_supported_headings: Line = "",
    max_balloted_headings: Line = "",
) -> Response:
    budget = _structure_budget(session, me, budget_id)
    submitted = {
        "name": name,
        "max_supported_headings": max_supported_headings,
        "max_balloted_headings": max_balloted_headings,
    }
    try:
        group = service.create_group(session, budget, parse_form(GroupForm, submitted))
    except FormInvalid as invalid:
        return _group_page(request, budget, submitted, invalid.errors, status=422)
    audit(session, "budgets.group_created", me, budget.id, address, {"group": group.id})
    flash(request, N_("The group has been saved. Add its headings."), "success")
    return RedirectResponse(f"/admin/budgets/{budget.id}", status_code=303)


@router.get("/admin/budgets/{budget_id}/groups/{group_id}/edit", name="admin_edit_budget_group")
def edit_group(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    budget_id: IdPath,
    group_id: IdPath,
) -> Response:
    budget = _structure_budget(session, me, budget_id)
    group = _group_of(session, budget, group_id)
    form = {
        "name": group.name,
        "max_supported_headings": group.max_supported_headings,
        "max_balloted_headings": group.max_balloted_headings,
    }
    return _group_page(request, budget, form, {}, group)


@router.post("/admin/budgets/{budget_id}/groups/{group_id}/edit", name="admin_update_budget_group")
def update_group(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    budget_id: IdPath,
    group_id: IdPath,
    name: Line = "",
    max_supported_headings: Line = "",
    max_balloted_headings: Line = "",
) -> Response:
    budget = _structure_budget(session, me, budget_id)
    group = _group_of(session, budget, group_id)
    submitted = {
        "name": name,
        "max_supported_headings": max_supported_headings,
        "max_balloted_headings": max_balloted_headings,
    }
    try:
        service.update_group(session, budget, group, parse_form(GroupForm, submitted))
    except FormInvalid as invalid:
        return _group_page(request, budget, submitted, invalid.errors, group, 422)
    audit(session, "budgets.group_edited", me, budget.id, address, {"group": group.id})
    flash(request, N_("The group has been saved."), "success")
    return RedirectResponse(f"/admin/budgets/{budget.id}", status_code=303)


def _heading_page(
    request: Request,
    session: SessionDep,
    budget: Budget,
    group: BudgetGroup,
    form: Mapping[str, Any],
    errors: Mapping[str, FieldError],
    heading: BudgetHeading | None = None,
    status: int = 200,
) -> Response:
    context = {
        "budget": budget,
        "group": group,
        "heading": heading,
        "form": form,
        "errors": errors,
        "zone_options": [(zone.id, zone.name) for zone in list_geozones(session)],
    }
    return render(request, "budgets/admin_heading_form.html", context, status_code=status)


def _save_heading(
    request: Request,
    session: SessionDep,
    budget: Budget,
    group: BudgetGroup,
    submitted: dict[str, str],
    heading: BudgetHeading | None,
) -> Response | BudgetHeading:
    try:
        form = parse_form(HeadingForm, submitted)
        if heading is None:
            return service.create_heading(session, budget, group, form)
        service.update_heading(session, budget, heading, form)
        return heading
    except FormInvalid as invalid:
        errors: Mapping[str, FieldError] = invalid.errors
    except service.FormProblem as problem:
        errors = {problem.field: error_of(problem)}
    return _heading_page(request, session, budget, group, submitted, errors, heading, 422)


@router.get(
    "/admin/budgets/{budget_id}/groups/{group_id}/headings/new", name="admin_new_budget_heading"
)
def new_heading(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    budget_id: IdPath,
    group_id: IdPath,
) -> Response:
    budget = _structure_budget(session, me, budget_id)
    group = _group_of(session, budget, group_id)
    return _heading_page(request, session, budget, group, {}, {})


@router.post(
    "/admin/budgets/{budget_id}/groups/{group_id}/headings/new",
    name="admin_create_budget_heading",
)
def create_heading(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    budget_id: IdPath,
    group_id: IdPath,
    name: Line = "",
    amount: Line = "",
    geozone_id: Line = "",
    population: Line = "",
) -> Response:
    budget = _structure_budget(session, me, budget_id)
    group = _group_of(session, budget, group_id)
    submitted = {"name": name, "amount": amount, "geozone_id": geozone_id, "population": population}
    saved = _save_heading(request, session, budget, group, submitted, None)
    if isinstance(saved, Response):
        return saved
    audit(session, "budgets.heading_created", me, budget.id, address, {"heading": saved.id})
    flash(request, N_("The heading has been saved."), "success")
    return RedirectResponse(f"/admin/budgets/{budget.id}", status_code=303)


@router.get(
    "/admin/budgets/{budget_id}/headings/{heading_id}/edit", name="admin_edit_budget_heading"
)
def edit_heading(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    budget_id: IdPath,
    heading_id: IdPath,
) -> Response:
    budget = _structure_budget(session, me, budget_id)
    heading = _heading_of(session, budget, heading_id)
    group = _group_of(session, budget, heading.group_id)
    form = {
        "name": heading.name,
        "amount": heading.amount,
        "geozone_id": heading.geozone_id or "",
        "population": heading.population if heading.population is not None else "",
    }
    return _heading_page(request, session, budget, group, form, {}, heading)


@router.post(
    "/admin/budgets/{budget_id}/headings/{heading_id}/edit", name="admin_update_budget_heading"
)
def update_heading(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    budget_id: IdPath,
    heading_id: IdPath,
    name: Line = "",
    amount: Line = "",
    geozone_id: Line = "",
    population: Line = "",
) -> Response:
    budget = _structure_budget(session, me, budget_id)
    heading = _heading_of(session, budget, heading_id)
    group = _group_of(session, budget, heading.group_id)
    submitted = {"name": name, "amount": amount, "geozone_id": geozone_id, "population": population}
    saved = _save_heading(request, session, budget, group, submitted, heading)
    if isinstance(saved, Response):
        return saved
    audit(session, "budgets.heading_edited", me, budget.id, address, {"heading": heading.id})
    flash(request, N_("The heading has been saved."), "success")
    return RedirectResponse(f"/admin/budgets/{budget.id}", status_code=303)
