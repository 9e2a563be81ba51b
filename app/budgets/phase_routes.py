"""A budget's phases at /admin/budgets/{id}/phases (dates, public descriptions, which take
place) and moving its current phase forward or back, audited with where it came from and went.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Form, Request
from starlette.responses import RedirectResponse, Response

from app.budgets import repository, service
from app.budgets.admin_routes import audit, budget_page, managed_budget
from app.budgets.models import PHASES, Budget
from app.budgets.pages import budget_outline
from app.budgets.router import router
from app.budgets.schemas import PhaseForm
from app.content.limits import TEXT_FORM_BYTES, TEXT_FORM_LIMITS
from app.deps import ClientAddress, IdPath, SessionDep, TenantDep, UserDep
from app.errors import DomainError, Invalid
from app.flash import flash
from app.forms import FieldError, FormInvalid, error_of, parse_form
from app.i18n import N_
from app.templating import render

Line = Annotated[str, Form(max_length=1000)]
Lines = Annotated[list[str], Form(max_length=len(PHASES))]
Texts = Annotated[list[str], Form(max_length=len(PHASES))]


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
        return budget_page(request, session, budget, Invalid(N_("Choose one of the options.")))
    try:
        before, after = service.move_phase(session, budget.id, 1 if direction == "next" else -1)
    except DomainError as error:
        return budget_page(request, session, budget, error)
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
