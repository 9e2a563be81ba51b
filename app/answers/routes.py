"""Official answers: the public accountability list, assigning, answering, offices, settings."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import RedirectResponse, Response

from app.answers import repository, service
from app.answers.calendar import days_overdue, lima_today
from app.answers.panel import answer_panel
from app.answers.schemas import (
    MAX_EXTRA_HOLIDAYS,
    MAX_MILESTONES,
    STATUS_LABELS,
    AnswerForm,
    AnswerSettings,
    MilestoneForm,
    OfficeForm,
    WorkingDaysForm,
)
from app.authz.core import authorize
from app.authz.principal import Principal
from app.content.limits import TEXT_FIELD_CHARS, TEXT_FORM_BYTES, TEXT_FORM_LIMITS
from app.deps import ActorDep, ClientAddress, IdPath, SessionDep, TenantDep, UserDep
from app.errors import Conflict, DomainError
from app.flash import flash
from app.forms import FieldError, FormInvalid, error_of, parse_form
from app.i18n import N_
from app.proposals.models import Proposal
from app.templating import render

router = APIRouter()
Short = Annotated[str, Form(max_length=200)]
Text = Annotated[str, Form(max_length=TEXT_FIELD_CHARS)]
PageNumber = Annotated[int, Query(ge=1, le=repository.MAX_PAGE)]


class AnswerFields(BaseModel):
    """The answer form as sent (abuse caps only; real limits are in ``AnswerForm``)."""

    status: str = Field("", max_length=200)
    body: str = Field("", max_length=TEXT_FIELD_CHARS)
    milestone_title_1: str = Field("", max_length=20_000)
    milestone_title_2: str = Field("", max_length=20_000)
    milestone_title_3: str = Field("", max_length=20_000)
    milestone_title_4: str = Field("", max_length=20_000)
    milestone_title_5: str = Field("", max_length=20_000)
    milestone_due_1: str = Field("", max_length=200)
    milestone_due_2: str = Field("", max_length=200)
    milestone_due_3: str = Field("", max_length=200)
    milestone_due_4: str = Field("", max_length=200)
    milestone_due_5: str = Field("", max_length=200)


# ---- public accountability list ------------------------------------------------------------


@router.get("/proposals/answers", name="awaiting_answers")
def awaiting_answers(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    tab: Annotated[Literal["awaiting", "answered"], Query()] = "awaiting",
    page: PageNumber = 1,
) -> Response:
    today = lima_today()
    context: dict[str, object] = {"tab": tab, "page": page, "today": today}
    if tab == "answered":
        answered, total = repository.latest_answered(session, page)
        context.update(answered=answered, status_labels=STATUS_LABELS)
    else:
        awaiting, total = repository.awaiting_answers(session, page)
        overdue = {row.id: days_overdue(row.due_on, today) for row in awaiting}
        context.update(awaiting=awaiting, overdue=overdue)
    pages = min(-(-total // repository.PAGE_SIZE), repository.MAX_PAGE)
    context.update(total=total, pages=pages)
    return render(request, "answers/list.html", context)


# ---- answering ------------------------------------------------------------------------------


def _proposal_for(
    session: SessionDep, me: Principal, permission: str, proposal_id: int
) -> Proposal:
    """The proposal, if it exists and this person may do this on it (404 or 403 if not)."""
    proposal = service.require_proposal(session, proposal_id)
    authorize(me, permission, service.subject_of(session, proposal))
    return proposal


def _answer_page(
    request: Request,
    session: SessionDep,
    proposal: Proposal,
    form: Mapping[str, str],
    errors: Mapping[str, FieldError],
    status: int = 200,
) -> Response:
    context = {
        "proposal": proposal,
        "answer": answer_panel(session, proposal),
        "form": form,
        "errors": errors,
        "status_labels": STATUS_LABELS,
        "rows": range(1, MAX_MILESTONES + 1),
    }
    return render(request, "answers/answer.html", context, status_code=status)


@router.get("/proposals/{proposal_id}/answer", name="answer_form")
def answer_form(
    request: Request, proposal_id: IdPath, tenant: TenantDep, session: SessionDep, me: UserDep
) -> Response:
    proposal = _proposal_for(session, me, "answers.answer", proposal_id)
    return _answer_page(request, session, proposal, {}, {})


def _milestones(fields: AnswerFields) -> tuple[list[MilestoneForm], dict[str, FieldError]]:
    milestones: list[MilestoneForm] = []
    errors: dict[str, FieldError] = {}
    for row in range(1, MAX_MILESTONES + 1):
        title = getattr(fields, f"milestone_title_{row}").strip()
        due = getattr(fields, f"milestone_due_{row}").strip()
        if not title and not due:
            continue
        if not title:
            errors[f"milestone_title_{row}"] = N_("Give the milestone a title, or clear its date.")
            continue
        try:
            milestones.append(parse_form(MilestoneForm, {"title": title, "due_on": due}))
        except FormInvalid as invalid:
            for name, text in invalid.errors.items():
                key = "milestone_due" if name == "due_on" else "milestone_title"
                errors[f"{key}_{row}"] = text
    return milestones, errors


@router.post(
    "/proposals/{proposal_id}/answer",
    name="answer_proposal",
    max_body_size=TEXT_FORM_BYTES,
    form_limits=TEXT_FORM_LIMITS,
)
def answer_proposal(
    request: Request,
    proposal_id: IdPath,
    tenant: TenantDep,
    session: SessionDep,
    actor: ActorDep,
    address: ClientAddress,
    fields: Annotated[AnswerFields, Form()],
) -> Response:
    me = actor.person
    proposal = _proposal_for(session, me, "answers.answer", proposal_id)
    submitted = fields.model_dump()
    errors: dict[str, FieldError] = {}
    form: AnswerForm | None = None
    try:
        form = parse_form(AnswerForm, {"status": fields.status, "body": fields.body})
    except FormInvalid as invalid:
        errors.update(invalid.errors)
    milestones, milestone_errors = _milestones(fields)
    errors.update(milestone_errors)
    if form is None or errors:
        return _answer_page(request, session, proposal, submitted, errors, 422)
    service.answer_proposal(
        session, proposal, form, milestones, actor=me, channel=actor.channel, address=address
    )
    flash(request, N_("The answer has been published and its followers notified."), "success")
    return RedirectResponse(f"/proposals/{proposal.id}#official-answer", status_code=303)


@router.post("/proposals/{proposal_id}/milestones/{milestone_id}/done", name="milestone_done")
def milestone_done(
    request: Request,
    proposal_id: IdPath,
    milestone_id: IdPath,
    tenant: TenantDep,
    session: SessionDep,
    actor: ActorDep,
    address: ClientAddress,
) -> Response:
    proposal = _proposal_for(session, actor.person, "answers.milestone.done", proposal_id)
    service.mark_milestone_done(
        session,
        proposal,
        milestone_id,
        actor=actor.person,
        channel=actor.channel,
        address=address,
    )
    flash(request, N_("The milestone is marked as done."), "success")
    return RedirectResponse(f"/proposals/{proposal.id}#official-answer", status_code=303)


# ---- assigning ------------------------------------------------------------------------------


def _assign_page(
    request: Request,
    session: SessionDep,
    proposal: Proposal,
    errors: Mapping[str, FieldError],
    status: int = 200,
) -> Response:
    context = {
        "proposal": proposal,
        "answer": answer_panel(session, proposal),
        "offices": repository.list_offices(session),
        "errors": errors,
    }
    return render(request, "answers/assign.html", context, status_code=status)


@router.get("/proposals/{proposal_id}/assign", name="assign_form")
def assign_form(
    request: Request, proposal_id: IdPath, tenant: TenantDep, session: SessionDep, me: UserDep
) -> Response:
    proposal = _proposal_for(session, me, "answers.assign", proposal_id)
    return _assign_page(request, session, proposal, {})


@router.post("/proposals/{proposal_id}/assign", name="assign_proposal")
def assign_proposal(
    request: Request,
    proposal_id: IdPath,
    tenant: TenantDep,
    session: SessionDep,
    actor: ActorDep,
    address: ClientAddress,
    office_id: Short = "",
) -> Response:
    proposal = _proposal_for(session, actor.person, "answers.assign", proposal_id)
    chosen = int(office_id) if office_id.isdigit() and len(office_id) < 19 else 0
    try:
        office = service.assign_proposal(
            session, proposal, chosen, actor=actor.person, channel=actor.channel, address=address
        )
    except DomainError as error:
        return _assign_page(request, session, proposal, {"office_id": error_of(error)}, 422)
    flash(request, N_("The proposal is assigned to %(office)s."), "success", office=office.name)
    return RedirectResponse(f"/proposals/{proposal.id}#official-answer", status_code=303)


# ---- administration: offices and settings ---------------------------------------------------


def _offices_page(
    request: Request,
    session: SessionDep,
    form: Mapping[str, str],
    errors: Mapping[str, FieldError],
    status: int = 200,
) -> Response:
    context = {
        "offices": repository.list_offices(session),
        "pending": repository.pending_by_office(session),
        "form": form,
        "errors": errors,
    }
    return render(request, "answers/offices.html", context, status_code=status)


@router.get("/admin/offices", name="admin_offices")
def admin_offices(
    request: Request, tenant: TenantDep, session: SessionDep, me: UserDep
) -> Response:
    authorize(me, "admin.offices.manage")
    return _offices_page(request, session, {}, {})


@router.post("/admin/offices", name="admin_create_office")
def admin_create_office(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    name: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    authorize(me, "admin.offices.manage")
    submitted = {"name": name}
    try:
        form = parse_form(OfficeForm, submitted)
        service.create_office(session, form.name, actor=me, address=address)
    except FormInvalid as invalid:
        return _offices_page(request, session, submitted, invalid.errors, 422)
    except Conflict as conflict:
        return _offices_page(request, session, submitted, {"name": error_of(conflict)}, 422)
    flash(request, N_("The office %(name)s has been added."), "success", name=form.name)
    return RedirectResponse("/admin/offices", status_code=303)


def _settings_page(
    request: Request,
    form: Mapping[str, str],
    errors: Mapping[str, FieldError],
    status: int = 200,
) -> Response:
    context = {"form": form, "errors": errors, "max_holidays": MAX_EXTRA_HOLIDAYS}
    return render(request, "answers/settings.html", context, status_code=status)


@router.get("/admin/answers/settings", name="admin_answer_settings")
def admin_answer_settings(
    request: Request, tenant: TenantDep, session: SessionDep, me: UserDep
) -> Response:
    authorize(me, "admin.answers.settings")
    settings = service.load_settings(session, tenant.id)
    form = {
        "working_days": str(settings.working_days),
        "extra_holidays": "\n".join(day.isoformat() for day in settings.extra_holidays),
    }
    return _settings_page(request, form, {})


def _parse_days(text: str) -> tuple[list[date], FieldError | None]:
    days: list[date] = []
    for item in text.replace(",", "\n").splitlines():
        value = item.strip()
        if not value:
            continue
        try:
            days.append(date.fromisoformat(value))
        except ValueError:
            return [], (
                N_("“%(value)s” is not a date: write it as YYYY-MM-DD."),
                {"value": value[:40]},
            )
    if len(set(days)) > MAX_EXTRA_HOLIDAYS:
        return [], (N_("Give at most %(count)s extra days."), {"count": MAX_EXTRA_HOLIDAYS})
    return sorted(set(days)), None


@router.post("/admin/answers/settings", name="admin_save_answer_settings")
def admin_save_answer_settings(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    working_days: Short = "",
    extra_holidays: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    authorize(me, "admin.answers.settings")
    submitted = {"working_days": working_days, "extra_holidays": extra_holidays}
    errors: dict[str, FieldError] = {}
    days_form: WorkingDaysForm | None = None
    try:
        days_form = parse_form(WorkingDaysForm, {"working_days": working_days.strip()})
    except FormInvalid as invalid:
        errors.update(invalid.errors)
    holidays, problem = _parse_days(extra_holidays)
    if problem is not None:
        errors["extra_holidays"] = problem
    if days_form is None or errors:
        return _settings_page(request, submitted, errors, 422)
    settings = AnswerSettings(working_days=days_form.working_days, extra_holidays=tuple(holidays))
    service.save_settings(session, tenant.id, settings, actor=me, address=address)
    flash(request, N_("The answer settings have been saved."), "success")
    return RedirectResponse("/admin/answers/settings", status_code=303)
