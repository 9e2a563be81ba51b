"""The booth's tablet: waiting for the next voter, the ballot, and the receipt.

Nobody is signed in here: the device is known by its kiosk cookie alone, which works only for
the booth it was made for, on this instance. Pages are never stored by the browser, so the
next person cannot go back to the previous one's ballot or receipt.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from starlette.responses import Response

from app.db import utcnow
from app.deps import SessionDep, TenantDep
from app.errors import Conflict
from app.forms import FieldError, error_of
from app.polls.booth_kiosk import KIOSK_COOKIE, ballot_questions, cast_kiosk_ballot, kiosk_desk
from app.polls.booth_router import FormFields, render_booth, router
from app.polls.booth_voters import pending_at
from app.polls.booths import BoothDesk, booth_open, booth_over
from app.polls.errors import BallotInvalid, KioskNotReady

WAITING_REFRESH_SECONDS = 5
THANKS_REFRESH_SECONDS = 30


def _kiosk(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    response = render_booth(request, f"polls/kiosk/{name}.html", context, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _device(request: Request, session: SessionDep) -> BoothDesk | None:
    return kiosk_desk(session, request.cookies.get(KIOSK_COOKIE))


def _waiting(
    request: Request,
    session: SessionDep,
    desk: BoothDesk,
    notice: FieldError | None = None,
    status: int = 200,
) -> Response:
    pending = pending_at(session, desk.booth.id)
    context = {
        "desk": desk,
        "is_open": booth_open(desk, utcnow()),
        "is_over": booth_over(desk, utcnow()),
        "pending": pending,
        "notice": notice,
        # Without JavaScript the page asks again now and then, until the officer sends someone.
        "refresh": None if pending else WAITING_REFRESH_SECONDS,
    }
    return _kiosk(request, "waiting", context, status)


def _not_a_kiosk(request: Request) -> Response:
    return _kiosk(request, "not_kiosk", {}, 403)


def _ballot(
    request: Request,
    session: SessionDep,
    desk: BoothDesk,
    chosen: Mapping[str, list[str]],
    error: BallotInvalid | None = None,
) -> Response:
    questions, answers = ballot_questions(session, desk.poll.id)
    context = {
        "desk": desk,
        "questions": questions,
        "answers": answers,
        "chosen": chosen,
        "error": error_of(error) if error else None,
        "error_question": error.question_id if error else None,
    }
    return _kiosk(request, "ballot", context, 422 if error else 200)


@router.get("/kiosk", name="kiosk")
def show_kiosk(request: Request, tenant: TenantDep, session: SessionDep) -> Response:
    desk = _device(request, session)
    if desk is None:
        return _not_a_kiosk(request)
    return _waiting(request, session, desk)


@router.post("/kiosk/start", name="kiosk_start")
def start_ballot(request: Request, tenant: TenantDep, session: SessionDep) -> Response:
    desk = _device(request, session)
    if desk is None:
        return _not_a_kiosk(request)
    if not booth_open(desk, utcnow()):
        return _waiting(request, session, desk, status=409)
    if pending_at(session, desk.booth.id) < 1:
        return _waiting(request, session, desk, KioskNotReady.message, 409)
    return _ballot(request, session, desk, {})


@router.post("/kiosk/ballot", name="kiosk_ballot")
def cast_ballot(
    request: Request, tenant: TenantDep, session: SessionDep, sent: FormFields
) -> Response:
    desk = _device(request, session)
    if desk is None:
        return _not_a_kiosk(request)
    try:
        receipt = cast_kiosk_ballot(session, desk, sent, utcnow())
    except BallotInvalid as invalid:
        return _ballot(request, session, desk, sent, invalid)
    except Conflict as refused:  # nobody waiting, or the booth or the poll closed meanwhile
        return _waiting(request, session, desk, error_of(refused), refused.status_code)
    context = {"desk": desk, "receipt": receipt, "refresh": THANKS_REFRESH_SECONDS}
    return _kiosk(request, "thanks", context)
