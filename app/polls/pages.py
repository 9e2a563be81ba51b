"""What the poll pages share: numbers from the query string and a poll's outline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from app.answers.calendar import LIMA, lima_date
from app.authz.core import can
from app.authz.principal import Principal
from app.config import Settings
from app.content.markdown import render_markdown
from app.db import utcnow
from app.polls import repository, service
from app.polls.eligibility import Voter, aware, ineligibility, roll_entry_of, web_voter
from app.polls.models import Poll
from app.polls.permissions import phase


def int_or_none(value: str | None) -> int | None:
    try:
        number = int(value) if value else None
    except ValueError:
        return None
    return number if number is not None and 1 <= number < 2**63 else None


def lima(moment: datetime) -> str:
    """A stored moment as people in the region read it (the pages say "Lima time")."""
    return aware(moment).astimezone(LIMA).strftime("%Y-%m-%d %H:%M")


def poll_outline(session: Session, poll: Poll) -> dict[str, Any]:
    """The poll with its questions, answers, zones and the proposal it comes from."""
    questions = repository.questions_of(session, poll.id)
    proposal = repository.get_proposal(session, poll.proposal_id) if poll.proposal_id else None
    return {
        "poll": poll,
        "questions": questions,
        "answers": repository.answers_by_question(session, [q.id for q in questions]),
        "zones": repository.geozones_of(session, poll.id),
        "proposal": proposal if proposal is not None and proposal.hidden_at is None else None,
        "description_html": render_markdown(poll.description) if poll.description else "",
        "lima": lima,
    }


def voter_of(request: Request, session: Session, settings: Settings) -> Voter | None:
    """The signed-in person as a voter; nobody while a desk manager acts for someone."""
    if getattr(request.state, "acting_for", None) is not None:
        return None
    principal: Principal | None = getattr(request.state, "principal", None)
    return web_voter(session, principal, settings.secret)


def poll_page_context(
    request: Request,
    session: Session,
    settings: Settings,
    poll: Poll,
    chosen: dict[str, list[str]] | None = None,
    errors: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything the poll page shows, for this visitor; also the 422 page of a bad ballot."""
    principal: Principal | None = getattr(request.state, "principal", None)
    now = utcnow()
    current = phase(poll, now)
    voter = voter_of(request, session, settings)
    entry = roll_entry_of(session, poll, voter) if voter is not None else None
    reason = None
    if current in ("open", "upcoming") and entry is None:
        if getattr(request.state, "acting_for", None) is not None:
            reason = service.SECRET_AT_DESK
        else:
            reason = ineligibility(session, poll, voter, lima_date(now))
    may_vote = (
        current == "open"
        and reason is None
        and can(principal, "polls.vote", poll)
        and (entry is None or entry.channel == "web")
    )
    return {
        **poll_outline(session, poll),
        "phase": current,
        "entry": entry,
        "reason": reason,
        "may_vote": may_vote,
        "has_booths": current in ("upcoming", "open") and repository.has_booths(session, poll.id),
        "chosen": chosen or {},
        "errors": errors or {},
        "now": now,
    }
