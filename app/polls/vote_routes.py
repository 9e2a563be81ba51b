"""Casting a web ballot. The receipt is shown once, in the answer to the POST itself: it is
stored nowhere that names the voter, not even in their session cookie."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from starlette.responses import Response

from app.answers.calendar import LIMA, lima_date
from app.authz.core import authorize
from app.db import utcnow
from app.deps import IdPath, SessionDep, SettingsDep, TenantDep, UserDep
from app.errors import Forbidden
from app.i18n import N_
from app.polls import service
from app.polls.ballots import ballot_rules, cast_web_ballot, parse_ballot
from app.polls.eligibility import ineligibility, web_voter
from app.polls.errors import BallotInvalid, NotEligible
from app.polls.pages import poll_page_context
from app.polls.permissions import aware, phase
from app.polls.router import router
from app.templating import render

# A ballot names at most a few hundred fields; anything beyond is not a form of ours.
MAX_BALLOT_FIELDS = 1000


async def ballot_fields(request: Request) -> dict[str, list[str]]:
    """Every field of the ballot form, repeated ones kept (FastAPI cannot declare q<id>)."""
    form = await request.form(max_fields=MAX_BALLOT_FIELDS)
    return {
        name: [value for value in form.getlist(name) if isinstance(value, str)]
        for name in form
        if name != "csrf_token"
    }


BallotFields = Annotated[dict[str, list[str]], Depends(ballot_fields)]


def lima_moment(moment: datetime) -> datetime:
    return aware(moment).astimezone(LIMA)


@router.post("/polls/{poll_id}/vote", name="vote_poll")
def vote_poll(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    settings: SettingsDep,
    me: UserDep,
    poll_id: IdPath,
    fields: BallotFields,
) -> Response:
    poll = service.visible_poll(session, poll_id, include_drafts=False)
    now = utcnow()
    # Refusals say why: not open yet or any more, someone else's ballot, or not eligible.
    current = phase(poll, now)
    if current == "upcoming":
        raise Forbidden(N_("Voting has not opened yet."))
    if current != "open":
        raise Forbidden(N_("Voting has ended: ballots are no longer accepted."))
    if getattr(request.state, "acting_for", None) is not None:
        raise Forbidden(service.SECRET_AT_DESK)
    voter = web_voter(session, me, settings.secret)
    reason = ineligibility(session, poll, voter, lima_date(now))
    if reason is not None:
        raise NotEligible(reason)
    authorize(me, "polls.vote", poll)
    assert voter is not None  # a signed-in person is always a voter
    questions, answers = ballot_rules(session, poll)
    try:
        choices = parse_ballot(questions, answers, fields)
    except BallotInvalid as invalid:
        key = f"q{invalid.question_id}" if invalid.question_id else "ballot"
        errors = {key: (invalid.message, invalid.values) if invalid.values else invalid.message}
        context = poll_page_context(request, session, settings, poll, fields, errors)
        return render(request, "polls/show.html", context, status_code=422)
    # Eligibility, the period and a vote already cast at a booth are checked here, under lock.
    receipt = cast_web_ballot(session, poll, voter, choices, settings.secret, now)
    context = {"poll": poll, "receipt": receipt, "closes_at": lima_moment(poll.closes_at)}
    response = render(request, "polls/receipt.html", context)
    # The next person at a shared computer must not find the code with the Back button.
    response.headers["Cache-Control"] = "no-store"
    return response
