"""The question editor: a question, its kind and its answers (one per line) in one form.

Before voting starts everything can change; afterwards the form keeps the wording only, and
the answers must stay the same in number and order (service.correct_question_texts).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Form, Request
from starlette.responses import RedirectResponse, Response

from app.audit.service import record
from app.authz.core import authorize
from app.authz.principal import Principal
from app.content.limits import TEXT_FORM_BYTES, TEXT_FORM_LIMITS
from app.deps import ClientAddress, IdPath, SessionDep, TenantDep, UserDep
from app.errors import NotFound
from app.flash import flash
from app.forms import FieldError, FormInvalid, error_of, parse_form
from app.i18n import N_
from app.polls import repository, service
from app.polls.admin_routes import Line, Text, load_managed_poll
from app.polls.models import Poll, PollQuestion
from app.polls.router import router
from app.polls.schemas import QuestionForm, QuestionTextsForm
from app.templating import render

Direction = Annotated[str, Form(max_length=10)]


def _question(
    session: SessionDep, me: Principal, poll_id: int, question_id: int
) -> tuple[Poll, PollQuestion]:
    poll = load_managed_poll(session, me, poll_id)
    authorize(me, "polls.edit", poll)
    question = repository.get_question(session, poll.id, question_id)
    if question is None:
        raise NotFound()
    return poll, question


def _page(
    request: Request,
    session: SessionDep,
    poll: Poll,
    form: Mapping[str, Any],
    errors: Mapping[str, FieldError],
    question: PollQuestion | None = None,
    status: int = 200,
) -> Response:
    context = {
        "poll": poll,
        "question": question,
        "form": form,
        "errors": errors,
        "locked": service.is_locked(session, poll),
    }
    return render(request, "polls/admin_question.html", context, status_code=status)


def _form_of(session: SessionDep, question: PollQuestion) -> dict[str, Any]:
    answers = repository.answers_by_question(session, [question.id])[question.id]
    return {
        "title": question.title,
        "description": question.description,
        "kind": question.kind,
        "max_choices": question.max_choices,
        "answers": "\n".join(answer.title for answer in answers),
    }


def _valid(submitted: dict[str, Any], locked: bool) -> QuestionForm | QuestionTextsForm:
    if locked:
        return parse_form(QuestionTextsForm, submitted)
    form = parse_form(QuestionForm, submitted)
    problems = form.problems()
    if problems:
        raise FormInvalid(problems)  # type: ignore[arg-type]
    return form


def _audit(session: SessionDep, action: str, me: Principal, poll: Poll, address: str) -> None:
    record(session, action, actor=me, object_type="poll", object_id=poll.id, client_address=address)


@router.get("/admin/polls/{poll_id}/questions/new", name="admin_new_question")
def new_question(
    request: Request, tenant: TenantDep, session: SessionDep, me: UserDep, poll_id: IdPath
) -> Response:
    poll = load_managed_poll(session, me, poll_id)
    authorize(me, "polls.edit", poll)
    return _page(request, session, poll, {"kind": "single"}, {})


@router.post(
    "/admin/polls/{poll_id}/questions/new",
    name="admin_add_question",
    max_body_size=TEXT_FORM_BYTES,
    form_limits=TEXT_FORM_LIMITS,
)
def add_question(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    poll_id: IdPath,
    title: Line = "",
    description: Text = "",
    kind: Line = "single",
    max_choices: Line = "",
    answers: Text = "",
) -> Response:
    poll = load_managed_poll(session, me, poll_id)
    authorize(me, "polls.edit", poll)
    submitted = {
        "title": title,
        "description": description,
        "kind": kind,
        "max_choices": max_choices,
        "answers": answers,
    }
    try:
        form = _valid(submitted, locked=False)
    except FormInvalid as invalid:
        return _page(request, session, poll, submitted, invalid.errors, status=422)
    assert isinstance(form, QuestionForm)
    service.add_question(session, poll, form)
    _audit(session, "polls.question_added", me, poll, address)
    flash(request, N_("The question has been added."), "success")
    return RedirectResponse(f"/admin/polls/{poll.id}", status_code=303)


@router.get("/admin/polls/{poll_id}/questions/{question_id}", name="admin_edit_question")
def edit_question(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    poll_id: IdPath,
    question_id: IdPath,
) -> Response:
    poll, question = _question(session, me, poll_id, question_id)
    return _page(request, session, poll, _form_of(session, question), {}, question)


@router.post(
    "/admin/polls/{poll_id}/questions/{question_id}",
    name="admin_update_question",
    max_body_size=TEXT_FORM_BYTES,
    form_limits=TEXT_FORM_LIMITS,
)
def update_question(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    poll_id: IdPath,
    question_id: IdPath,
    title: Line = "",
    description: Text = "",
    kind: Line = "single",
    max_choices: Line = "",
    answers: Text = "",
) -> Response:
    poll, question = _question(session, me, poll_id, question_id)
    locked = service.is_locked(session, poll)
    submitted = {
        "title": title,
        "description": description,
        "kind": kind,
        "max_choices": max_choices,
        "answers": answers,
    }
    if locked:
        # The kind and the number of choices are fixed: show them as stored, not as sent.
        stored = _form_of(session, question)
        submitted.update(kind=stored["kind"], max_choices=stored["max_choices"])
    try:
        form = _valid(submitted, locked)
        if isinstance(form, QuestionForm):
            service.update_question(session, poll, question, form)
        else:
            service.correct_question_texts(session, poll, question, form)
    except FormInvalid as invalid:
        return _page(request, session, poll, submitted, invalid.errors, question, 422)
    except service.FormProblem as problem:
        errors = {problem.field: error_of(problem)}
        return _page(request, session, poll, submitted, errors, question, 422)
    _audit(session, "polls.question_edited", me, poll, address)
    flash(request, N_("The question has been saved."), "success")
    return RedirectResponse(f"/admin/polls/{poll.id}", status_code=303)


@router.post("/admin/polls/{poll_id}/questions/{question_id}/delete", name="admin_delete_question")
def delete_question(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    poll_id: IdPath,
    question_id: IdPath,
) -> Response:
    poll, question = _question(session, me, poll_id, question_id)
    service.delete_question(session, poll, question)
    _audit(session, "polls.question_deleted", me, poll, address)
    flash(request, N_("The question has been deleted."), "success")
    return RedirectResponse(f"/admin/polls/{poll.id}", status_code=303)


@router.post("/admin/polls/{poll_id}/questions/{question_id}/move", name="admin_move_question")
def move_question(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    poll_id: IdPath,
    question_id: IdPath,
    direction: Direction = "down",
) -> Response:
    poll, question = _question(session, me, poll_id, question_id)
    service.move_question(session, poll, question, -1 if direction == "up" else 1)
    return RedirectResponse(f"/admin/polls/{poll.id}#question-{question.id}", status_code=303)
