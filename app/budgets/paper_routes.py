"""Paper ballots collected at booths, typed in by poll officers: /budgets/{id}/paper.

The officer looks the person up by the DNI and date of birth on their ID card (the booth
look-up of app.polls: ``read_identity`` and ``booth_voter``), chooses the heading, sees
whether the person may ballot there, and types in the projects marked on paper. The rules
are the web's (ballots.py); a person with a web ballot for the heading is refused here, and
a paper ballot closes the heading to the web. Every look-up and ballot is audited, without
the DNI.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Form, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from app.accounts import throttle
from app.answers.calendar import lima_today
from app.audit.service import record
from app.authz.core import authorize
from app.authz.principal import Principal
from app.budgets import ballots, paper_ballots, repository, service
from app.budgets.models import Budget, BudgetGroup, BudgetHeading, BudgetProject
from app.budgets.pages import soles
from app.budgets.router import router
from app.config import Settings
from app.deps import ClientAddress, IdPath, SessionDep, SettingsDep, TenantDep, UserDep
from app.errors import Conflict, Invalid, NotFound
from app.flash import flash
from app.forms import FieldError, error_of
from app.i18n import N_
from app.polls.booth_routes import THROTTLE, TOO_MANY
from app.polls.booth_voters import NOT_IN_CENSUS, LookupInvalid, read_identity
from app.polls.eligibility import Voter, booth_voter
from app.templating import render
from app.tenants.schemas import CurrentTenant

Field = Annotated[str, Form(max_length=100)]
Choices = Annotated[list[str], Form(max_length=200)]
CHOOSE_HEADING = N_("Choose a heading from the list.")


@dataclass(frozen=True)
class PaperLookup:
    """The person in front of the officer, for one heading: may they ballot there, or why not."""

    voter: Voter | None
    heading: BudgetHeading
    group: BudgetGroup
    refusal: FieldError | None

    @property
    def may_ballot(self) -> bool:
        return self.voter is not None and self.refusal is None


def _paper_budget(session: Session, me: Principal, budget_id: int, *, lock: bool) -> Budget:
    if lock:
        found = ballots.locked_budget(session, budget_id)
        if found is None or found.published_at is None:
            raise NotFound()
        budget = found
    else:
        budget = service.visible_budget(session, budget_id, include_drafts=False)
    authorize(me, "budgets.enter_paper_ballots", budget)
    return budget


def paper_page(
    request: Request,
    session: Session,
    budget: Budget,
    *,
    form: Mapping[str, Any] | None = None,
    errors: Mapping[str, FieldError] | None = None,
    lookup: PaperLookup | None = None,
    chosen: frozenset[int] = frozenset(),
    status: int = 200,
) -> Response:
    groups = repository.groups_of(session, budget.id)
    headings = repository.headings_by_group(session, budget.id)
    options = [("", "—")] + [
        (str(h.id), f"{group.name} · {h.name}") for group in groups for h in headings[group.id]
    ]
    projects: list[BudgetProject] = []
    if lookup is not None and lookup.may_ballot:
        projects = ballots.ballotable(session, lookup.heading)
    context: dict[str, Any] = {
        "budget": budget,
        "options": options,
        "form": form or {},
        "errors": errors or {},
        "lookup": lookup,
        "projects": projects,
        "chosen": chosen,
        "soles": soles,
    }
    return render(request, "budgets/paper.html", context, status_code=status)


@router.get("/budgets/{budget_id}/paper", name="budget_paper_ballots")
def show_paper_form(
    request: Request, tenant: TenantDep, session: SessionDep, me: UserDep, budget_id: IdPath
) -> Response:
    budget = _paper_budget(session, me, budget_id, lock=False)
    return paper_page(request, session, budget)


def _heading_from(session: Session, budget: Budget, value: str) -> BudgetHeading | None:
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        return None
    return repository.get_heading(session, budget.id, int(value))


def _look_up(
    request: Request,
    session: Session,
    settings: Settings,
    tenant: CurrentTenant,
    me: Principal,
    address: str,
    budget: Budget,
    form: dict[str, str],
) -> PaperLookup | Response:
    """The census look-up, throttled per officer like the booths'; a page when it cannot run."""
    heading = _heading_from(session, budget, form["heading_id"])
    errors: dict[str, FieldError]
    if heading is None:
        errors = {"heading_id": CHOOSE_HEADING}
        return paper_page(request, session, budget, form=form, errors=errors, status=422)
    if throttle.is_throttled(session, THROTTLE, str(me.user_id)):
        errors = {"dni": TOO_MANY}
        return paper_page(request, session, budget, form=form, errors=errors, status=429)
    try:
        digits, birth = read_identity(form["dni"], form["birth_date"], lima_today())
    except LookupInvalid as invalid:
        errors = {invalid.field: error_of(invalid)}
        return paper_page(request, session, budget, form=form, errors=errors, status=422)
    group = repository.get_group(session, budget.id, heading.group_id)
    assert group is not None
    voter = booth_voter(session, settings.census_secret, tenant.slug, digits, birth)
    refusal: FieldError | None = NOT_IN_CENSUS
    if voter is None:
        throttle.note_event(session, THROTTLE, str(me.user_id))
    else:
        refusal = paper_ballots.paper_refusal(session, budget, heading, group, voter)
    found = PaperLookup(voter, heading, group, refusal)
    record(
        session,
        "budgets.paper_lookup",
        actor=me,
        object_type="budget_heading",
        object_id=heading.id,
        client_address=address,
        details={"found": voter is not None, "may_ballot": found.may_ballot},
    )
    return found


@router.post("/budgets/{budget_id}/paper/lookup", name="budget_paper_lookup")
def look_up_person(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    settings: SettingsDep,
    me: UserDep,
    address: ClientAddress,
    budget_id: IdPath,
    dni: Field = "",
    birth_date: Field = "",
    heading_id: Field = "",
) -> Response:
    budget = _paper_budget(session, me, budget_id, lock=False)
    form = {"dni": dni, "birth_date": birth_date, "heading_id": heading_id}
    found = _look_up(request, session, settings, tenant, me, address, budget, form)
    if isinstance(found, Response):
        return found
    return paper_page(request, session, budget, form=form, lookup=found)


def _chosen(values: list[str]) -> frozenset[int] | None:
    numbers = set()
    for value in values:
        if not value.isascii() or not value.isdigit() or len(value) > 18:
            return None
        numbers.add(int(value))
    return frozenset(numbers)


@router.post("/budgets/{budget_id}/paper/ballots", name="budget_paper_record")
def record_paper_ballot(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    settings: SettingsDep,
    me: UserDep,
    address: ClientAddress,
    budget_id: IdPath,
    dni: Field = "",
    birth_date: Field = "",
    heading_id: Field = "",
    project: Choices | None = None,
) -> Response:
    budget = _paper_budget(session, me, budget_id, lock=True)
    form = {"dni": dni, "birth_date": birth_date, "heading_id": heading_id}
    # Looked up again: the page the officer saw may be minutes old, and a form can be forged.
    found = _look_up(request, session, settings, tenant, me, address, budget, form)
    if isinstance(found, Response):
        return found
    if not found.may_ballot or found.voter is None:
        return paper_page(request, session, budget, form=form, lookup=found, status=409)
    chosen = _chosen(project or [])
    try:
        if chosen is None:
            raise Invalid(ballots.NOT_ON_HEADING)
        ballot = paper_ballots.record_paper_ballot(
            session, budget, found.heading, found.group, found.voter, chosen, me.user_id
        )
    except Conflict as taken:
        # Entered a moment ago, online or by another officer.
        refused = PaperLookup(found.voter, found.heading, found.group, error_of(taken))
        return paper_page(request, session, budget, form=form, lookup=refused, status=409)
    except Invalid as invalid:
        errors = {"projects": error_of(invalid)}
        return paper_page(
            request,
            session,
            budget,
            form=form,
            errors=errors,
            lookup=found,
            chosen=chosen or frozenset(),
            status=422,
        )
    record(
        session,
        "budgets.paper_ballot_recorded",
        actor=me,
        object_type="budget_ballot",
        object_id=ballot.id,
        client_address=address,
        details={"heading": found.heading.id, "projects": len(chosen or ())},
    )
    flash(request, N_("The paper ballot has been entered."), "success")
    return RedirectResponse(f"/budgets/{budget.id}/paper", status_code=303)
