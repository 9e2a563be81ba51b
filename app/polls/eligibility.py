"""Who may vote in a poll, and who already did: voters, eligibility, the period, the roll.

A voter is known by ``Voter.key``: for a verified person their keyed DNI digest, the value
the census holds, so the same person voting online and marked at a booth is one roll entry.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.authz.principal import Principal
from app.census.digests import Digester, census_key, normalize_dni
from app.census.models import CensusEntry
from app.db import TENANT_KEY, UnscopedQueryError
from app.geozones.models import Geozone
from app.i18n import N_
from app.polls.ballot_plan import ResidentRow, resident_row
from app.polls.models import Poll, PollVoter, poll_geozones
from app.tokens import keyed_digest


@dataclass(frozen=True)
class Voter:
    """A person about to vote, as far as eligibility and the roll need to know them.

    ``key`` goes into the roll: a verified person's keyed DNI digest (the census's own value,
    so the web and a booth agree on who they are), else a keyed digest of the account.
    ``user_key`` is the account's key for a verified person, so someone who voted before
    being verified is still recognised in a poll open to registered accounts.
    """

    key: str
    geozone_code: str | None
    born_on: date | None
    verified: bool
    user_key: str | None = None
    organization: bool = False


def _user_key(secret: str, user_id: int) -> str:
    return keyed_digest(secret.encode(), "poll-voter-user", str(user_id))


def web_voter(session: Session, principal: Principal | None, secret: str) -> Voter | None:
    if principal is None:
        return None
    user_key = _user_key(secret, principal.user_id)
    if principal.is_organization:
        return Voter(user_key, None, None, verified=False, organization=True)
    resident = None
    if principal.resident_id is not None:
        # One Core statement (resident and census entry), scoped by hand: see ballot_plan.
        resident = resident_row(session.connection(), tenant_of(session), principal.resident_id)
    return voter_of(principal, resident, secret)


def voter_of(principal: Principal, resident: ResidentRow | None, secret: str) -> Voter:
    """The voter a signed-in person is, given their resident row (None: not verified)."""
    user_key = _user_key(secret, principal.user_id)
    if principal.is_organization:
        return Voter(user_key, None, None, verified=False, organization=True)
    if resident is None:
        return Voter(user_key, None, None, verified=False)
    return Voter(
        resident.dni_digest,
        resident.geozone_code,
        resident.born_on,
        verified=True,
        user_key=user_key,
    )


def tenant_of(session: Session) -> int:
    tenant_id = session.info.get(TENANT_KEY)
    if tenant_id is None:
        raise UnscopedQueryError("a voter is looked up from a session with no tenant")
    return int(tenant_id)


def booth_voter(
    session: Session, census_secret: bytes, tenant_slug: str, dni: str, birth: date
) -> Voter | None:
    """The person an officer looked up by the DNI and date of birth on their ID card.

    None when the census has no such pair. The census's extra field is not asked: the officer
    has the card in hand. ``Invalid`` when the DNI is not 8 digits.
    """
    digits = normalize_dni(dni)
    digests = Digester(census_key(census_secret, tenant_slug))
    entry = session.scalars(
        select(CensusEntry).where(CensusEntry.dni_digest == digests.of_dni(digits))
    ).one_or_none()
    if entry is None or not secrets.compare_digest(
        entry.birth_digest, digests.of_birth(digits, birth)
    ):
        return None
    return Voter(entry.dni_digest, entry.geozone_code, birth, verified=True)


def aware(moment: datetime) -> datetime:
    # SQLite gives naive datetimes back; everything stored is UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def is_open(poll: Poll, now: datetime) -> bool:
    return (
        poll.published_at is not None
        and poll.closed_at is None
        and aware(poll.opens_at) <= now < aware(poll.closes_at)
    )


def poll_geozone_codes(session: Session, poll: Poll) -> frozenset[str]:
    statement = (
        select(Geozone.code)
        .join(poll_geozones, poll_geozones.c.geozone_id == Geozone.id)
        .where(poll_geozones.c.poll_id == poll.id)
    )
    return frozenset(session.scalars(statement))


def age_on(born_on: date, day: date) -> int:
    return day.year - born_on.year - ((day.month, day.day) < (born_on.month, born_on.day))


def ineligibility(
    session: Session,
    poll: Poll,
    voter: Voter | None,
    today: date,
    zones: frozenset[str] | None = None,
) -> str | None:
    """Why this person may not vote in this poll (a msgid), or None if they may.

    ``today`` is the Lima date of the vote. The period is not checked here (``is_open``).
    ``zones``: the poll's geozone codes when the caller loaded them for many polls at once.
    """
    if zones is None and _zones_matter(poll, voter):
        zones = poll_geozone_codes(session, poll)
    zones = zones or frozenset()
    in_zone = voter is not None and voter.geozone_code in zones
    return why_not(voter, poll.voter_level, poll.min_age, bool(zones), in_zone, today)


def _zones_matter(poll: Poll, voter: Voter | None) -> bool:
    """The zone rule comes after the account rules: no query when those refuse already."""
    if voter is None or voter.organization:
        return False
    return voter.verified or poll.voter_level != "verified"


def why_not(
    voter: Voter | None,
    voter_level: str,
    min_age: int | None,
    zoned: bool,
    in_zone: bool,
    today: date,
) -> str | None:
    """The eligibility rules themselves; ``zoned``: the poll lists geozones, ``in_zone``: the
    voter's census zone is one of them."""
    if voter is None:
        return N_("Sign in to vote in this poll.")
    if voter.organization:
        return N_("Organization accounts do not vote in polls; the people in them do.")
    if voter_level == "verified" and not voter.verified:
        return N_("Only verified residents vote in this poll. Verify your account first.")
    if zoned and not in_zone:
        return N_("This poll is for residents of other areas than the one where you live.")
    if min_age is not None:
        if voter.born_on is None:
            return N_(
                "This poll has a minimum age. Confirm your date of birth on the verification "
                "page of your account, or vote at a voting booth with your ID card."
            )
        if age_on(voter.born_on, today) < min_age:
            return N_("You are younger than the minimum age of this poll.")
    return None


def roll_entry(session: Session, poll: Poll, voter_key: str) -> PollVoter | None:
    statement = select(PollVoter).where(
        PollVoter.poll_id == poll.id, PollVoter.voter_key == voter_key
    )
    return session.scalars(statement).one_or_none()


def roll_entry_of(session: Session, poll: Poll, voter: Voter) -> PollVoter | None:
    """The person's roll entry under either of their keys (see ``Voter.user_key``)."""
    entry = roll_entry(session, poll, voter.key)
    if entry is None and voter.user_key is not None and voter.user_key != voter.key:
        entry = roll_entry(session, poll, voter.user_key)
    return entry
