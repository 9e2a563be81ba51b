"""After voting at a booth ends: its officer enters the paper count, corrects it, confirms it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Form, Request
from starlette.responses import RedirectResponse, Response

from app.audit.service import record
from app.authz.core import authorize
from app.db import utcnow
from app.deps import ClientAddress, IdPath, SessionDep, TenantDep, UserDep
from app.errors import Conflict
from app.flash import flash
from app.forms import FieldError, error_of
from app.i18n import N_
from app.polls import booths
from app.polls.ballot_form import decode_choices
from app.polls.booth_kiosk import ballot_questions
from app.polls.booth_paper import (
    PaperInvalid,
    add_paper_ballot,
    confirm_paper_count,
    paper_ballots,
    paper_sheet,
    remove_paper_ballot,
    save_paper_count,
)
from app.polls.booth_router import FormFields, render_booth, router
from app.polls.errors import BallotInvalid


def _paper_page(
    request: Request,
    session: SessionDep,
    desk: booths.BoothDesk,
    *,
    form: Mapping[str, str] | None = None,
    errors: Mapping[str, FieldError] | None = None,
    status: int = 200,
) -> Response:
    sheet = paper_sheet(session, desk.booth)
    ranked, ranked_answers = ballot_questions(session, desk.poll.id, ("ranked",))
    titles = {a.id: a.title for answers in ranked_answers.values() for a in answers}
    typed = [
        (
            ballot.receipt,
            [
                [titles.get(a, "?") for a in picked]
                for picked in decode_choices(ballot.choices).values()
            ],
        )
        for ballot in paper_ballots(session, desk.booth.id)
    ]
    if form is None:
        form = {f"q{q}_a{a}": str(votes) for (q, a), votes in sheet.totals.items()}
        if desk.booth.paper_ballots is not None:
            form["paper_ballots"] = str(desk.booth.paper_ballots)
    context: dict[str, Any] = {
        "desk": desk,
        "booth": desk.booth,
        "poll": desk.poll,
        "sheet": sheet,
        "ranked": ranked,
        "ranked_answers": ranked_answers,
        "typed": typed,
        "form": form,
        "errors": errors or {},
    }
    return render_booth(request, "polls/booths/paper.html", context, status)


@router.get("/booths/{booth_id}/paper", name="my_booth_paper")
def show_paper_count(
    request: Request, tenant: TenantDep, session: SessionDep, me: UserDep, booth_id: IdPath
) -> Response:
    desk = booths.get_desk(session, booth_id)
    authorize(me, "booths.view", desk)
    if not booths.booth_over(desk, utcnow()):
        raise Conflict(N_("The paper count is entered once voting at this booth has ended."))
    return _paper_page(request, session, desk)


def _audit(session: SessionDep, me: Any, action: str, desk: booths.BoothDesk, address: str) -> None:
    # Totals and typed papers are never copied here: the log names the act, not the votes.
    record(
        session,
        action,
        actor=me,
        object_type="poll_booth",
        object_id=desk.booth.id,
        client_address=address,
    )


@router.post("/booths/{booth_id}/paper", name="my_booth_paper_save")
def save_paper(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    booth_id: IdPath,
    sent: FormFields,
) -> Response:
    desk = booths.get_desk(session, booth_id)
    authorize(me, "booths.paper", desk)
    form = {key: values[0] for key, values in sent.items() if values}
    try:
        save_paper_count(session, desk, form)
    except PaperInvalid as invalid:
        return _paper_page(request, session, desk, form=form, errors=invalid.errors, status=422)
    _audit(session, me, "polls.booth_paper_saved", desk, address)
    flash(
        request,
        N_("The paper count has been saved. You can correct it until you confirm it."),
        "success",
    )
    return RedirectResponse(f"/booths/{desk.booth.id}/paper", status_code=303)


@router.post("/booths/{booth_id}/paper/ballots", name="my_booth_paper_ballot")
def type_paper_ballot(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    booth_id: IdPath,
    sent: FormFields,
) -> Response:
    desk = booths.get_desk(session, booth_id)
    authorize(me, "booths.paper", desk)
    try:
        add_paper_ballot(session, desk, sent)
    except BallotInvalid as invalid:
        errors = {"ballot": error_of(invalid)}
        return _paper_page(request, session, desk, errors=errors, status=422)
    _audit(session, me, "polls.booth_paper_ballot_added", desk, address)
    flash(request, N_("The paper ballot has been added."), "success")
    return RedirectResponse(f"/booths/{desk.booth.id}/paper#typed", status_code=303)


@router.post("/booths/{booth_id}/paper/ballots/remove", name="my_booth_paper_ballot_remove")
def remove_typed_ballot(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    booth_id: IdPath,
    receipt: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    desk = booths.get_desk(session, booth_id)
    authorize(me, "booths.paper", desk)
    remove_paper_ballot(session, desk, receipt)
    _audit(session, me, "polls.booth_paper_ballot_removed", desk, address)
    flash(request, N_("The typed paper ballot has been removed."), "success")
    return RedirectResponse(f"/booths/{desk.booth.id}/paper#typed", status_code=303)


@router.post("/booths/{booth_id}/paper/confirm", name="my_booth_paper_confirm")
def confirm_paper(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    booth_id: IdPath,
) -> Response:
    desk = booths.get_desk(session, booth_id)
    authorize(me, "booths.paper", desk)
    confirm_paper_count(session, desk, me.user_id, utcnow())
    _audit(session, me, "polls.booth_paper_confirmed", desk, address)
    flash(request, N_("The paper count of this booth is confirmed."), "success")
    return RedirectResponse(f"/booths/{desk.booth.id}/paper", status_code=303)
