"""Poll pages: the list (open, upcoming, closed) and a poll's page with its ballot.

Voting (vote_routes.py), results and exports (results_routes.py) and the editor
(admin_routes.py, question_routes.py) register on the same router.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import Request
from starlette.responses import Response

from app.answers.calendar import lima_date
from app.authz.core import can
from app.authz.principal import Principal
from app.content.markdown import shorten
from app.db import utcnow
from app.deps import IdPath, PrincipalDep, SessionDep, SettingsDep, TenantDep

# The other modules register their routes on import; the editor's /admin paths and the
# results' longer paths do not collide with /polls/{poll_id}.
from app.polls import (
    admin_routes,  # noqa: F401 - registers /admin/polls
    publish_routes,  # noqa: F401 - registers publish, back to draft and delete
    question_routes,  # noqa: F401 - registers the question editor
    repository,
    results_routes,  # noqa: F401 - registers results, receipts and exports
    service,
    vote_routes,  # noqa: F401 - registers the ballot
)
from app.polls.eligibility import Voter, ineligibility
from app.polls.models import Poll
from app.polls.pages import int_or_none, lima, poll_page_context, voter_of
from app.polls.permissions import phase
from app.polls.repository import LIST_STATES, MAX_PAGE
from app.polls.router import router as router
from app.templating import render


def _marks(
    session: SessionDep,
    principal: Principal | None,
    voter: Voter | None,
    polls: list[Poll],
    now: datetime,
) -> dict[int, str]:
    """ "voted" or "can_vote" per open poll, in a fixed number of queries."""
    open_polls = [poll for poll in polls if phase(poll, now) == "open"]
    if voter is None or not open_polls:
        return {}
    ids = [poll.id for poll in open_polls]
    voted = repository.voted_in(session, ids, voter.key)
    if voter.user_key and voter.user_key != voter.key:
        voted = {**repository.voted_in(session, ids, voter.user_key), **voted}
    zones = repository.geozone_codes_by_poll(session, ids)
    today = lima_date(now)
    marks: dict[int, str] = {}
    for poll in open_polls:
        if poll.id in voted:
            marks[poll.id] = "voted"
        elif can(principal, "polls.vote", poll) and (
            ineligibility(session, poll, voter, today, frozenset(zones.get(poll.id, ()))) is None
        ):
            marks[poll.id] = "can_vote"
    return marks


@router.get("/polls", name="list_polls")
def list_polls(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    state: str = "open",
    page: str = "1",
) -> Response:
    chosen = state if state in LIST_STATES else "open"
    number = min(int_or_none(page) or 1, MAX_PAGE)
    now = utcnow()
    polls, more = repository.list_page(session, chosen, now, number)
    voter = voter_of(request, session, settings)
    context = {
        "polls": polls,
        "state": chosen,
        "page": number,
        "has_next": more,
        "marks": _marks(session, principal, voter, polls, now),
        "excerpts": {poll.id: shorten(poll.summary, 200) for poll in polls},
        "phase": phase,
        "now": now,
        "lima": lima,
    }
    return render(request, "polls/list.html", context)


@router.get("/polls/{poll_id}", name="show_poll")
def show_poll(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    poll_id: IdPath,
) -> Response:
    poll = service.visible_poll(session, poll_id, include_drafts=can(principal, "polls.manage"))
    context = poll_page_context(request, session, settings, poll)
    return render(request, "polls/show.html", context)
