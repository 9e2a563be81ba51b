"""Casting a web ballot. The receipt is shown once, in the answer to the POST itself: it is
stored nowhere that names the voter, not even in their session cookie."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from starlette.responses import Response

from app.answers.calendar import LIMA
from app.db import utcnow
from app.deps import IdPath, SessionDep, SettingsDep, TenantDep, UserDep
from app.polls import service
from app.polls.ballots import cast_online
from app.polls.errors import BallotInvalid
from app.polls.pages import poll_page_context
from app.polls.permissions import aware
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
    # Refusals say why: not open yet or any more, someone else's ballot, or not eligible.
    # Eligibility, the period and a vote already cast at a booth are checked under the poll
    # row's lock, in the statements that record the vote (app.polls.ballots.cast_online).
    at_desk = getattr(request.state, "acting_for", None) is not None
    try:
        vote = cast_online(session, me, poll_id, fields, settings.secret, utcnow(), at_desk=at_desk)
    except BallotInvalid as invalid:
        session.rollback()
        poll = service.visible_poll(session, poll_id, include_drafts=False)
        key = f"q{invalid.question_id}" if invalid.question_id else "ballot"
        errors = {key: (invalid.message, invalid.values) if invalid.values else invalid.message}
        context = poll_page_context(request, session, settings, poll, fields, errors)
        return render(request, "polls/show.html", context, status_code=422)
    context = {
        "poll": vote.poll,
        "receipt": vote.receipt,
        "closes_at": lima_moment(vote.poll.closes_at),
    }
    response = render(request, "polls/receipt.html", context)
    # The next person at a shared computer must not find the code with the Back button.
    response.headers["Cache-Control"] = "no-store"
    return response
