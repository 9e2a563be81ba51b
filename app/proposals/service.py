"""The rules of proposals: publishing, supporting, reaching the goal, retiring, archiving.

Counters move in SQL in the same transaction as the rows they count, so the number shown is
always the number of supports stored, however many people click at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.answers.service import start_answer_clock
from app.content.models import Tag
from app.db import utcnow
from app.errors import Conflict, Invalid, NotFound
from app.geozones.repository import get_geozone
from app.i18n import N_
from app.notifications.service import follow, followers_of, notify
from app.proposals import repository
from app.proposals.models import Proposal, ProposalSupport, ProposalUpdate
from app.proposals.schemas import ProposalForm, RetireForm, UpdateForm
from app.proposals.settings import deadline_from, load_settings, supports_needed

TARGET = "proposal"
COUNTED = ["supports_count", "state", "successful_at", "last_activity_at"]


@dataclass(frozen=True)
class SupportOutcome:
    added: bool
    reached_goal: bool = False


def visible_proposal(session: Session, proposal_id: int, *, include_hidden: bool) -> Proposal:
    proposal = repository.get_proposal(session, proposal_id)
    if proposal is None or (proposal.hidden_at is not None and not include_hidden):
        raise NotFound()
    return proposal


def chosen_tags(session: Session, tag_ids: list[int]) -> list[Tag]:
    """The tags of this instance with these ids; an unknown id is a mistake in the form."""
    wanted = set(tag_ids)
    tags = repository.tags_by_ids(session, wanted)
    if len(tags) != len(wanted):
        raise Invalid(N_("Choose topics from the list."))
    return tags


def check_geozone(session: Session, geozone_id: int | None) -> None:
    if geozone_id is not None and get_geozone(session, geozone_id) is None:
        raise Invalid(N_("Choose one of the options."))


def create_proposal(
    session: Session,
    tenant_id: int,
    author_id: int,
    form: ProposalForm,
    tags: list[Tag],
    image_name: str | None,
    now: datetime | None = None,
) -> Proposal:
    now = now or utcnow()
    settings = load_settings(session, tenant_id)
    proposal = Proposal(
        author_id=author_id,
        title=form.title,
        summary=form.summary,
        body=form.body,
        video_url=form.video_url,
        image_name=image_name,
        image_alt=form.image_alt if image_name else None,
        geozone_id=form.geozone_id,
        state="open",
        created_at=now,
        last_activity_at=now,
        deadline_at=deadline_from(now, settings),
        supports_needed=supports_needed(session, settings),
        supports_count=0,
    )
    proposal.tags = tags
    session.add(proposal)
    session.flush()
    follow(session, author_id, TARGET, proposal.id)
    return proposal


def edit_proposal(
    session: Session,
    proposal: Proposal,
    form: ProposalForm,
    tags: list[Tag],
    image_name: str | None,
    now: datetime | None = None,
) -> str | None:
    """Apply the form; answer the name of an image the proposal no longer uses."""
    now = now or utcnow()
    replaced = None
    proposal.title = form.title
    proposal.summary = form.summary
    proposal.body = form.body
    proposal.video_url = form.video_url
    proposal.geozone_id = form.geozone_id
    proposal.tags = tags
    if image_name is not None:
        replaced, proposal.image_name = proposal.image_name, image_name
    proposal.image_alt = form.image_alt if proposal.image_name else None
    proposal.updated_at = now
    proposal.last_activity_at = now
    session.flush()
    return replaced


def support_proposal(
    session: Session,
    proposal: Proposal,
    *,
    resident_id: int,
    user_id: int,
    channel: str,
    now: datetime | None = None,
) -> SupportOutcome:
    """Add this resident's support once; a second one is a no-op, never an error."""
    now = now or utcnow()
    try:
        with session.begin_nested():
            session.add(
                ProposalSupport(
                    proposal_id=proposal.id,
                    resident_id=resident_id,
                    user_id=user_id,
                    channel=channel,
                    created_at=now,
                )
            )
            session.flush()
    except IntegrityError:
        return SupportOutcome(added=False)
    counted = repository.add_to_count(session, proposal.id, +1, now)
    if counted is None:
        # Retired, archived or hidden in the meantime: the route's transaction rolls back.
        raise Conflict(N_("This proposal no longer takes supports."))
    count, needed, state = counted
    follow(session, user_id, TARGET, proposal.id)
    reached = False
    if state == "open" and count >= needed:
        reached = repository.mark_successful(session, proposal.id, now)
    session.refresh(proposal, COUNTED)
    if reached:
        start_answer_clock(session, proposal)
        notify(
            session,
            [proposal.author_id, *followers_of(session, TARGET, proposal.id)],
            "threshold",
            TARGET,
            proposal.id,
            {"title": proposal.title, "supports": count},
        )
    return SupportOutcome(added=True, reached_goal=reached)


def withdraw_support(
    session: Session, proposal: Proposal, *, resident_id: int, now: datetime | None = None
) -> bool:
    now = now or utcnow()
    if not repository.delete_support(session, proposal.id, resident_id):
        return False
    if repository.add_to_count(session, proposal.id, -1, now) is None:
        # The goal was reached meanwhile: the route's transaction rolls the deletion back.
        raise Conflict(
            N_("This proposal has reached its goal: supports can no longer be withdrawn.")
        )
    session.refresh(proposal, COUNTED)
    return True


def retire_proposal(
    session: Session, proposal: Proposal, form: RetireForm, now: datetime | None = None
) -> None:
    if proposal.state not in ("open", "successful"):
        raise Conflict(N_("This proposal is already closed."))
    now = now or utcnow()
    proposal.state = "retired"
    proposal.retired_at = now
    proposal.retired_reason = form.reason
    proposal.retired_explanation = form.explanation
    proposal.last_activity_at = now
    session.flush()


def send_update(
    session: Session,
    proposal: Proposal,
    form: UpdateForm,
    actor_id: int,
    now: datetime | None = None,
) -> ProposalUpdate:
    now = now or utcnow()
    news = ProposalUpdate(proposal_id=proposal.id, title=form.title, body=form.body, created_at=now)
    session.add(news)
    proposal.last_activity_at = now
    session.flush()
    readers = [
        *repository.supporter_accounts(session, proposal.id),
        *followers_of(session, TARGET, proposal.id),
    ]
    notify(
        session,
        readers,
        "update",
        TARGET,
        proposal.id,
        {"title": proposal.title, "update": form.title},
        actor_id=actor_id,
    )
    return news


def archive_expired(session: Session, now: datetime | None = None) -> int:
    """Close the open proposals whose time ran out (successful ones stay successful)."""
    return repository.archive_expired(session, now or utcnow())
