"""In-person booths of a poll: where they are, when they open, and which officers run them.

A booth serves a poll whose voters are identified by DNI (the census), so polls open to every
registered account have no booths. Its dates lie within the poll's period. The clock decides
what its officers may do: look people up and mark them while it is open, enter the paper
count once it (or the poll) has closed. The rules themselves are in ``booth_permissions``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.answers.calendar import LIMA
from app.authz.models import RoleAssignment
from app.errors import Conflict, Invalid, NotFound
from app.geozones.models import Geozone
from app.i18n import N_
from app.polls.ballots import is_open
from app.polls.models import Poll, PollBallot, PollBooth, PollBoothOfficer, PollVoter

OFFICER_ROLE = "poll_officer"


def aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; every moment we store is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class BoothDesk:
    """What a permission rule needs to know about a booth: itself, its poll, its officers."""

    booth: PollBooth
    poll: Poll
    officer_ids: frozenset[int]

    def is_officer(self, user_id: int) -> bool:
        return user_id in self.officer_ids


def poll_over(poll: Poll, now: datetime) -> bool:
    return poll.closed_at is not None or aware(poll.closes_at) <= now


def booth_open(desk: BoothDesk, now: datetime) -> bool:
    booth = desk.booth
    return aware(booth.opens_at) <= now < aware(booth.closes_at) and is_open(desk.poll, now)


def booth_over(desk: BoothDesk, now: datetime) -> bool:
    """Voting here has ended: the booth's own closing time passed, or the poll's."""
    return aware(desk.booth.closes_at) <= now or poll_over(desk.poll, now)


def get_poll(session: Session, poll_id: int) -> Poll:
    poll = session.scalars(select(Poll).where(Poll.id == poll_id)).one_or_none()
    if poll is None:
        raise NotFound()
    return poll


def get_desk(session: Session, booth_id: int, poll_id: int | None = None) -> BoothDesk:
    booth = session.scalars(select(PollBooth).where(PollBooth.id == booth_id)).one_or_none()
    if booth is None or (poll_id is not None and booth.poll_id != poll_id):
        raise NotFound()
    officers = session.scalars(
        select(PollBoothOfficer.user_id).where(PollBoothOfficer.booth_id == booth.id)
    )
    return BoothDesk(booth, get_poll(session, booth.poll_id), frozenset(officers))


def booths_of_poll(session: Session, poll_id: int) -> list[PollBooth]:
    return list(
        session.scalars(
            select(PollBooth)
            .where(PollBooth.poll_id == poll_id)
            .order_by(PollBooth.opens_at, PollBooth.id)
        )
    )


def booths_of_officer(session: Session, user_id: int) -> list[tuple[PollBooth, Poll]]:
    rows = session.execute(
        select(PollBooth, Poll)
        .join(PollBoothOfficer, PollBoothOfficer.booth_id == PollBooth.id)
        .join(Poll, Poll.id == PollBooth.poll_id)
        .where(PollBoothOfficer.user_id == user_id, Poll.published_at.is_not(None))
        .order_by(PollBooth.opens_at.desc(), PollBooth.id)
    )
    return [(booth, poll) for booth, poll in rows]


def officers_of(session: Session, booth_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(PollBoothOfficer, PollBoothOfficer.user_id == User.id)
            .where(PollBoothOfficer.booth_id == booth_id)
            .order_by(User.display_name, User.id)
        )
    )


def officer_candidates(session: Session) -> list[User]:
    """Accounts of this instance holding the poll officer role."""
    return list(
        session.scalars(
            select(User)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(RoleAssignment.role == OFFICER_ROLE)
            .order_by(User.display_name, User.id)
        )
    )


class BoothFieldInvalid(Invalid):
    """A booth form's value is refused; ``field`` names the form field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class BoothData:
    name: str
    place: str
    geozone_id: int | None
    opens_at: datetime
    closes_at: datetime


def save_booth(
    session: Session, poll: Poll, data: BoothData, booth: PollBooth | None = None
) -> PollBooth:
    """Create a booth (``booth`` None) or change one; raises ``Invalid`` naming the field."""
    if poll.voter_level == "registered":
        raise Invalid(
            N_(
                "This poll is open to every registered account, so it has no booths: a booth "
                "identifies people by DNI in the census."
            )
        )
    if data.geozone_id is not None:
        zone = session.scalars(select(Geozone.id).where(Geozone.id == data.geozone_id)).first()
        if zone is None:
            raise BoothFieldInvalid("geozone_id", N_("Choose a territory from the list."))
    if data.closes_at <= data.opens_at:
        raise BoothFieldInvalid("closes_at", N_("The booth must close after it opens."))
    if data.opens_at < aware(poll.opens_at) or data.closes_at > aware(poll.closes_at):
        raise BoothFieldInvalid(
            "opens_at", N_("The booth's dates must lie within the voting period of the poll.")
        )
    if booth is None:
        booth = PollBooth(poll_id=poll.id, kiosk_pending=0)
        session.add(booth)
    booth.name = data.name
    booth.place = data.place
    booth.geozone_id = data.geozone_id
    booth.opens_at = data.opens_at
    booth.closes_at = data.closes_at
    session.flush()
    return booth


def delete_booth(session: Session, booth: PollBooth) -> None:
    """Only a booth nobody voted at: its roll entries and ballots are part of the count."""
    marked = session.scalar(
        select(func.count()).select_from(PollVoter).where(PollVoter.booth_id == booth.id)
    )
    cast = session.scalar(
        select(func.count()).select_from(PollBallot).where(PollBallot.booth_id == booth.id)
    )
    if marked or cast:
        raise Conflict(N_("People have voted at this booth, so it can no longer be deleted."))
    session.delete(booth)
    session.flush()


def assign_officer(session: Session, booth: PollBooth, user_id: int) -> bool:
    """True if the officer was added, False if they already served here."""
    role = session.scalar(
        select(RoleAssignment.id).where(
            RoleAssignment.user_id == user_id, RoleAssignment.role == OFFICER_ROLE
        )
    )
    if role is None:
        raise BoothFieldInvalid(
            "user_id", N_("Choose an account that holds the poll officer role.")
        )
    try:
        with session.begin_nested():
            session.add(PollBoothOfficer(booth_id=booth.id, user_id=user_id))
    except IntegrityError:
        return False
    return True


def remove_officer(session: Session, booth: PollBooth, user_id: int) -> bool:
    result = session.execute(
        delete(PollBoothOfficer).where(
            PollBoothOfficer.booth_id == booth.id, PollBoothOfficer.user_id == user_id
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def lima_time(moment: datetime) -> str:
    """A stored moment as people in Lima read it: 01/12/2026 08:00."""
    return aware(moment).astimezone(LIMA).strftime("%d/%m/%Y %H:%M")
