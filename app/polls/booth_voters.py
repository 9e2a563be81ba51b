"""At the booth: may this person vote here, and marking them on the voter roll.

The officer types the DNI and the date of birth from the ID card; the census confirms both.
The answer says whether the person may vote, or why not — and if they already voted, where
(online, or at which booth), never how. Marking them writes their roll entry (one per person
and poll, whatever the channel: the unique constraint refuses a second one, even from a
request running at the same moment) and, for the tablet, lets one ballot through it — only
when nobody else is waiting for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.census.digests import normalize_dni, parse_birth_date
from app.errors import Conflict, Invalid
from app.forms import FieldError
from app.i18n import N_
from app.polls.ballots import (
    Voter,
    age_on,
    booth_voter,
    ineligibility,
    poll_geozone_codes,
    roll_entry,
)
from app.polls.booths import BoothDesk
from app.polls.models import PollBooth, PollVoter

NOT_IN_CENSUS = N_("This person is not in the census with this DNI and date of birth.")
VOTED_ONLINE = N_("This person already voted online.")
VOTED_AT_BOOTH = N_("This person already voted at the booth %(booth)s.")
WRONG_ZONE = N_("This person lives in an area this poll is not for.")
UNDER_AGE = N_("This person is younger than the minimum age of this poll.")
VOTE_CHANNELS = ("paper", "tablet")
CHOOSE_CHANNEL = N_("Choose how the person votes: on paper or on the tablet.")
TABLET_BUSY = N_(
    "Someone sent to the tablet has not voted yet. Wait until the tablet shows it is waiting "
    "for the next voter, or take that person off the queue, then mark this one again."
)


class LookupInvalid(Invalid):
    """What was typed cannot be looked up; ``field`` names the form field at fault."""

    def __init__(self, field: str, cause: Invalid) -> None:
        super().__init__(cause.message, **cause.values)
        self.field = field


@dataclass(frozen=True)
class Lookup:
    """The person in front of the officer: a voter, or why they may not vote here."""

    voter: Voter | None
    refusal: FieldError | None

    @property
    def may_vote(self) -> bool:
        return self.voter is not None and self.refusal is None


def read_identity(dni: str, birth_text: str, today: date) -> tuple[str, date]:
    try:
        digits = normalize_dni(dni)
    except Invalid as invalid:
        raise LookupInvalid("dni", invalid) from None
    try:
        birth = parse_birth_date(birth_text, today=today)
    except Invalid as invalid:
        raise LookupInvalid("birth_date", invalid) from None
    return digits, birth


def where_voted(session: Session, entry: PollVoter) -> FieldError:
    if entry.booth_id is None:
        return VOTED_ONLINE
    name = session.scalar(select(PollBooth.name).where(PollBooth.id == entry.booth_id))
    values: dict[str, Any] = {"booth": name or "?"}
    return (VOTED_AT_BOOTH, values)


def look_up(
    session: Session,
    census_secret: bytes,
    tenant_slug: str,
    desk: BoothDesk,
    dni: str,
    birth_text: str,
    today: date,
) -> Lookup:
    digits, birth = read_identity(dni, birth_text, today)
    voter = booth_voter(session, census_secret, tenant_slug, digits, birth)
    if voter is None:
        return Lookup(None, NOT_IN_CENSUS)
    entry = roll_entry(session, desk.poll, voter.key)
    if entry is not None:
        return Lookup(voter, where_voted(session, entry))
    return Lookup(voter, _refusal(session, desk, voter, today))


def _refusal(session: Session, desk: BoothDesk, voter: Voter, today: date) -> FieldError | None:
    """Why not, in words for the officer (the shared rule speaks to the voter)."""
    zones = poll_geozone_codes(session, desk.poll)
    if zones and voter.geozone_code not in zones:
        return WRONG_ZONE
    minimum = desk.poll.min_age
    if minimum is not None and voter.born_on is not None and age_on(voter.born_on, today) < minimum:
        return UNDER_AGE
    return ineligibility(session, desk.poll, voter, today, zones)


def record_voter(
    session: Session, desk: BoothDesk, voter: Voter, channel: str, officer_id: int, today: date
) -> None:
    """Put the person on the roll as voting here; ``Conflict`` says where they already voted."""
    if channel not in VOTE_CHANNELS:
        raise Invalid(CHOOSE_CHANNEL)
    try:
        with session.begin_nested():
            if channel == "tablet":
                _take_the_tablet(session, desk)
            session.add(
                PollVoter(
                    poll_id=desk.poll.id,
                    voter_key=voter.key,
                    channel=channel,
                    booth_id=desk.booth.id,
                    recorded_by_id=officer_id,
                    voted_on=today,
                )
            )
    except IntegrityError:
        # Another request (online, or another booth) put them on the roll a moment ago.
        entry = roll_entry(session, desk.poll, voter.key)
        refusal = where_voted(session, entry) if entry is not None else VOTED_ONLINE
        message, values = refusal if isinstance(refusal, tuple) else (refusal, {})
        raise Conflict(message, **values) from None


def _take_the_tablet(session: Session, desk: BoothDesk) -> None:
    """The tablet serves one person at a time. The kiosk knows no voter, so with two people
    sent to it the first could cast both ballots; the conditional UPDATE also makes two
    officers marking at once take turns (the second finds the turn taken)."""
    taken = session.execute(
        update(PollBooth)
        .where(PollBooth.id == desk.booth.id, PollBooth.kiosk_pending == 0)
        .values(kiosk_pending=1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(TABLET_BUSY)


def cancel_pending(session: Session, desk: BoothDesk) -> bool:
    """One person sent to the tablet will not use it: free their turn. Their roll entry stays
    (they were admitted here, and the tablet cannot tell whether they voted); they may still
    take a paper ballot. False when nobody was waiting."""
    result = session.execute(
        update(PollBooth)
        .where(PollBooth.id == desk.booth.id, PollBooth.kiosk_pending > 0)
        .values(kiosk_pending=PollBooth.kiosk_pending - 1)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def pending_at(session: Session, booth_id: int) -> int:
    """The tablet's queue as it is now in the database (not as loaded earlier)."""
    return session.scalar(select(PollBooth.kiosk_pending).where(PollBooth.id == booth_id)) or 0
