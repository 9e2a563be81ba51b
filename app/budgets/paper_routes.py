"""Paper ballots collected at booths, typed in by poll officers: /budgets/{id}/paper.

The officer looks the person up by the DNI and date of birth on their ID card (the booth
look-up of app.polls: ``read_identity`` and ``booth_voter``), chooses the heading, sees
whether the person may ballot there, and types in the projects marked on paper. The rules
are the web's (ballots.py); a person with a web ballot for the heading is refused here, and
a paper ballot closes the heading to the web. Every look-up and ballot is audited, without
the DNI.

The same page lists the paper ballots entered (an officer's own; every one for an
administrator), each with a form to void it with a reason (``budgets.void_paper_ballot``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Form, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from app.accounts import throttle
from app.answers.calendar import lima_today
from app.audit.service import record
from app.authz.core import authorize, can
from app.authz.principal import Principal
from app.budgets import ballots, paper_ballots, repository, service
from app.budgets.models import Budget, BudgetGroup, BudgetHeading, BudgetProject
from app.budgets.pages import soles
from app.budgets.permissions import EnteredPaperBallot
from app.budgets.router import router
from app.config import Settings
from app.db import MAX_ID
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
# Longer than the reason's limit, so a long reason comes back in the form with its message.
ReasonField = Annotated[str, Form(max_length=5000)]
PageField = Annotated[str, Query(max_length=20)]
CHOOSE_HEADING = N_("Choose a heading from the list.")
MAX_PAGE = 1000


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


def _paper_budget(
    session: Session,
    me: Principal,
    budget_id: int,
    *,
    lock: bool,
    action: str = "budgets.enter_paper_ballots",
) -> Budget:
    if lock:
        found = ballots.locked_budget(session, budget_id)
        if found is None or found.published_at is None:
            raise NotFound()
        budget = found
    else:
        budget = service.visible_budget(session, budget_id, include_drafts=False)
    authorize(me, action, budget)
    return budget


def _page_number(value: str) -> int:
    if not value.isascii() or not value.isdigit():
        return 1
    return min(max(int(value), 1), MAX_PAGE)


def paper_page(
    request: Request,
    session: Session,
    me: Principal,
    budget: Budget,
    *,
    form: Mapping[str, Any] | None = None,
    errors: Mapping[str, FieldError] | None = None,
    lookup: PaperLookup | None = None,
    chosen: frozenset[int] = frozenset(),
    status: int = 200,
    page: int = 1,
    voiding: int | None = None,
) -> Response:
    """The look-up (officers) and the list of entered ballots (officers and administrators);
    ``voiding`` is the ballot whose void form comes back open with ``form``'s reason."""
    groups = repository.groups_of(session, budget.id)
    headings = repository.headings_by_group(session, budget.id)
    options = [("", "—")] + [
        (str(h.id), f"{group.name} · {h.name}") for group in groups for h in headings[group.id]
    ]
    projects: list[BudgetProject] = []
    if lookup is not None and lookup.may_ballot:
        projects = ballots.ballotable(session, lookup.heading)
    entered: list[paper_ballots.EnteredBallot] = []
    more = False
    if can(me, "budgets.review_paper_ballots", budget):
        mine = None if me.has_role("administrator") else me.user_id
        entered, more = paper_ballots.entered_ballots(session, budget, mine, page)
    context: dict[str, Any] = {
        "budget": budget,
        "may_enter": can(me, "budgets.enter_paper_ballots", budget),
        "may_review": can(me, "budgets.review_paper_ballots", budget),
        "entered": entered,
        "page": page,
        "has_next": more and page < MAX_PAGE,
        "voiding": voiding,
        "reason_max": paper_ballots.VOID_REASON_MAX,
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
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    budget_id: IdPath,
    page: PageField = "1",
) -> Response:
    budget = service.visible_budget(session, budget_id, include_drafts=False)
    if not can(me, "budgets.review_paper_ballots", budget):
        authorize(me, "budgets.enter_paper_ballots", budget)
    return paper_page(request, session, me, budget, page=_page_number(page))


def _heading_from(session: Session, budget: Budget, value: str) -> BudgetHeading | None:
    if not value.isascii() or not value.isdigit() or not 0 < int(value) <= MAX_ID:
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
        return paper_page(request, session, me, budget, form=form, errors=errors, status=422)
    if throttle.is_throttled(session, THROTTLE, str(me.user_id)):
        errors = {"dni": TOO_MANY}
        return paper_page(request, session, me, budget, form=form, errors=errors, status=429)
    try:
        digits, birth = read_identity(form["dni"], form["birth_date"], lima_today())
    except LookupInvalid as invalid:
        errors = {invalid.field: error_of(invalid)}
        return paper_page(request, session, me, budget, form=form, errors=errors, status=422)
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
    return paper_page(request, session, me, budget, form=form, lookup=found)


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
        return paper_page(request, session, me, budget, form=form, lookup=found, status=409)
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
        return paper_page(request, session, me, budget, form=form, lookup=refused, status=409)
    except Invalid as invalid:
        errors = {"projects": error_of(invalid)}
        return paper_page(
            request,
            session,
            me,
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


@router.post("/budgets/{budget_id}/paper/ballots/{ballot_id}/void", name="budget_paper_void")
def void_paper_ballot(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    budget_id: IdPath,
    ballot_id: IdPath,
    reason: ReasonField = "",
    page: Field = "1",
) -> Response:
    budget = _paper_budget(session, me, budget_id, lock=True, action="budgets.review_paper_ballots")
    form = {"reason": reason}
    number = _page_number(page)
    errors: dict[str, FieldError]
    found = paper_ballots.paper_ballot_in(session, budget, ballot_id)
    if found is None:
        voided = paper_ballots.was_voided(session, budget, ballot_id)
        message = paper_ballots.ALREADY_VOIDED if voided else paper_ballots.NO_SUCH_PAPER_BALLOT
        errors = {"entered": message}
        status = 409 if voided else 404
        return paper_page(
            request, session, me, budget, form=form, errors=errors, status=status, page=number
        )
    ballot, heading = found
    entered = EnteredPaperBallot(budget, ballot.recorded_by_id, heading.results_json is not None)
    authorize(me, "budgets.void_paper_ballot", entered)
    recorded_by_id, entered_at = ballot.recorded_by_id, ballot.created_at
    try:
        stored_reason = paper_ballots.read_void_reason(reason)
        projects = paper_ballots.void_paper_ballot(session, ballot.id, ballot.voter_key)
    except Invalid as invalid:
        errors = {f"reason-{ballot_id}": error_of(invalid)}
        return paper_page(
            request,
            session,
            me,
            budget,
            form=form,
            errors=errors,
            status=422,
            page=number,
            voiding=ballot_id,
        )
    except Conflict as taken:
        # Voided a moment ago by another request.
        errors = {"entered": error_of(taken)}
        return paper_page(
            request, session, me, budget, form=form, errors=errors, status=409, page=number
        )
    record(
        session,
        paper_ballots.VOIDED_AUDIT,
        actor=me,
        object_type="budget_ballot",
        object_id=ballot_id,
        client_address=address,
        details={
            "budget": budget.id,
            "heading": heading.id,
            "reason": stored_reason,
            "projects": projects,
            "entered_by": recorded_by_id,
            "entered_at": entered_at.isoformat(),
        },
    )
    flash(
        request, N_("The paper ballot has been voided. The person may be entered again."), "success"
    )
    return RedirectResponse(f"/budgets/{budget.id}/paper?page={number}", status_code=303)
