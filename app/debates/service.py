"""Opening, editing and voting on debates. Services flush; the request commits.

The counters on a debate move in the same transaction as the vote rows, by relative SQL
UPDATEs (``votes_total = votes_total + 1``), so concurrent votes never overwrite each other
and the numbers shown always equal the rows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.service import ACCOUNT_DELETION_HOOKS
from app.content.service import tags_by_ids
from app.db import utcnow
from app.debates import repository
from app.debates.models import Debate, DebateVote
from app.debates.schemas import DebateForm
from app.errors import Conflict, Invalid, NotFound
from app.geozones.repository import get_geozone
from app.i18n import N_
from app.notifications.service import follow

AGREE, DISAGREE = 1, -1
VOTE_VALUES = {"agree": AGREE, "disagree": DISAGREE}


def _checked_zone(session: Session, geozone_id: int | None) -> int | None:
    if geozone_id is not None and get_geozone(session, geozone_id) is None:
        raise Invalid(N_("Choose one of the options."))
    return geozone_id


def create_debate(session: Session, author_id: int, form: DebateForm) -> Debate:
    """Publish a debate; its author follows it. Invalid for an unknown topic or zone."""
    tags = tags_by_ids(session, form.tags)
    debate = Debate(
        author_id=author_id,
        title=form.title,
        body=form.body,
        geozone_id=_checked_zone(session, form.geozone_id),
        tags=tags,
        last_activity_at=utcnow(),
    )
    session.add(debate)
    session.flush()
    follow(session, author_id, "debate", debate.id)
    return debate


def visible_debate(session: Session, debate_id: int, *, include_hidden: bool = False) -> Debate:
    debate = repository.get_debate(session, debate_id)
    if debate is None or (debate.hidden_at is not None and not include_hidden):
        raise NotFound()
    return debate


def edit_debate(session: Session, debate_id: int, form: DebateForm) -> Debate:
    """Change a debate nobody has voted on or answered yet (Conflict once someone has)."""
    debate = repository.get_debate(session, debate_id, for_update=True)
    if debate is None or debate.hidden_at is not None:
        raise NotFound()
    if debate.votes_total or debate.comments_count:
        raise Conflict(N_("This debate can no longer be edited: people have already taken part."))
    debate.title = form.title
    debate.body = form.body
    debate.geozone_id = _checked_zone(session, form.geozone_id)
    debate.tags = tags_by_ids(session, form.tags)
    debate.updated_at = utcnow()
    session.flush()
    return debate


def _move_counters(session: Session, debate_id: int, **deltas: int) -> None:
    values: dict[str, Any] = {
        name: getattr(Debate, name) + delta for name, delta in deltas.items() if delta
    }
    values["last_activity_at"] = utcnow()
    session.execute(
        update(Debate).where(Debate.id == debate_id).values(values),
        execution_options={"synchronize_session": False},
    )


def vote(session: Session, debate: Debate, user_id: int, value: int) -> None:
    """Agree (1) or disagree (-1): the first vote adds a row, a later one may change it.

    The insert runs in a SAVEPOINT: when another request of the same person got there first,
    the unique constraint refuses it and the vote is changed instead.
    """
    if value not in (AGREE, DISAGREE):
        raise ValueError(value)
    agree, disagree = (1, 0) if value == AGREE else (0, 1)
    try:
        with session.begin_nested():
            session.add(DebateVote(debate_id=debate.id, user_id=user_id, value=value))
            session.flush()
    except IntegrityError:
        changed = session.execute(
            update(DebateVote)
            .where(
                and_(
                    DebateVote.debate_id == debate.id,
                    DebateVote.user_id == user_id,
                    DebateVote.value != value,
                )
            )
            .values(value=value, updated_at=utcnow()),
            execution_options={"synchronize_session": False},
        )
        if getattr(changed, "rowcount", 0) == 1:
            _move_counters(
                session, debate.id, votes_agree=agree - disagree, votes_disagree=disagree - agree
            )
    else:
        _move_counters(
            session, debate.id, votes_total=1, votes_agree=agree, votes_disagree=disagree
        )
    session.expire(debate, ["votes_agree", "votes_disagree", "votes_total", "last_activity_at"])


def forget_votes_of(session: Session, user_id: int) -> None:
    """Before an account is deleted (its votes cascade): take its votes out of the counters."""
    votes = session.execute(
        select(DebateVote.debate_id, DebateVote.value).where(DebateVote.user_id == user_id)
    ).all()
    for debate_id, value in votes:
        _move_counters(
            session,
            debate_id,
            votes_agree=-int(value > 0),
            votes_disagree=-int(value < 0),
            votes_total=-1,
        )
    session.execute(
        delete(DebateVote).where(DebateVote.user_id == user_id),
        execution_options={"synchronize_session": False},
    )


ACCOUNT_DELETION_HOOKS.append(forget_votes_of)
