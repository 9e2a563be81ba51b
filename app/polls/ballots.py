"""Casting ballots: who may vote, the voter roll, and ballots that the roll cannot point to.

A web ballot writes two rows that share nothing but the poll: a roll entry (who voted) and a
ballot (what was chosen, under a random receipt code). While the poll is open the ballot also
carries ``replace_tag``, a keyed hash of the voter under the poll key, so a second web vote
replaces the first; ``close_poll`` destroys the poll's salt and erases the tags, after which no
one, holding every key or not, can tell whose ballot is whose. See docs/polls.md.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from sqlalchemy import Connection, select, update
from sqlalchemy.orm import Session

from app.answers.calendar import lima_date
from app.authz.core import authorize
from app.authz.principal import Principal
from app.db import TENANT_KEY
from app.errors import Conflict, Forbidden, NotFound
from app.i18n import N_
from app.polls.ballot_form import Choices, check_choices, encode_choices, parse_ballot
from app.polls.ballot_plan import (
    BallotPlan,
    PollGate,
    add_web_vote,
    ballot_plan,
    delete_replaced,
    earlier_channel,
    insert_ballot,
    read_gate,
    read_gate_and_resident,
)
from app.polls.eligibility import (
    Voter,
    age_on,
    aware,
    booth_voter,
    ineligibility,
    is_open,
    poll_geozone_codes,
    roll_entry,
    roll_entry_of,
    tenant_of,
    voter_of,
    web_voter,
    why_not,
)
from app.polls.errors import (
    SECRET_AT_DESK,
    AlreadyVotedAtBooth,
    BallotInvalid,
    NotEligible,
    NotReplaceable,
    PollNotOpen,
)
from app.polls.models import Poll, PollAnswer, PollBooth, PollQuestion
from app.polls.permissions import PollGlance, phase
from app.tokens import keyed_digest

# The interface other modules use; eligibility lives in app.polls.eligibility.
__all__ = [
    "Voter",
    "age_on",
    "booth_voter",
    "cast_booth_ballot",
    "cast_web_ballot",
    "ineligibility",
    "is_open",
    "parse_ballot",
    "poll_geozone_codes",
    "poll_key",
    "prepare_poll_key",
    "replace_tag",
    "roll_entry",
    "roll_entry_of",
    "web_voter",
]

# Polls whose roll this session wrote to: their rules are not cached from it (ballot_plan).
ROLL_WRITTEN_KEY = "polls_roll_written"

# Crockford's base 32: no I, L, O or U, so a code read aloud or copied by hand survives.
RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT_LENGTH = 12  # 60 random bits
_RECEIPT_READING = str.maketrans("OIL", "011")


def prepare_poll_key(poll: Poll) -> None:
    """Draw the poll's salt; publishing calls it, so the key exists before the first ballot."""
    if poll.ballot_salt is None and poll.closed_at is None:
        poll.ballot_salt = secrets.token_hex(32)


@lru_cache(maxsize=256)
def poll_key(secret: str, poll_id: int, salt: str) -> bytes:
    """The key of a poll's replacement tags. Kept per process like the poll's rules (the salt
    is in memory there too); a closed poll's salt is gone, and with it any use of the key."""
    return bytes.fromhex(keyed_digest(secret.encode(), "poll-ballots", str(poll_id), salt))


# 128 of the HMAC's 256 bits: as unguessable for this, and a narrower ballot row to scan
# when a million ballots are counted (and a smaller unique index to insert into).
TAG_LENGTH = 32


def replace_tag(key: bytes, voter_key: str) -> str:
    return keyed_digest(key, "replace", voter_key)[:TAG_LENGTH]


def new_receipt() -> str:
    # 60 random bits from one call, five bits a character (twelve calls of secrets.choice
    # cost a tenth of a vote's CPU).
    bits = int.from_bytes(secrets.token_bytes(8), "big") >> 4
    code = "".join(RECEIPT_ALPHABET[(bits >> shift) & 31] for shift in range(55, -1, -5))
    return "-".join(code[start : start + 4] for start in range(0, RECEIPT_LENGTH, 4))


def normalize_receipt(text: str) -> str | None:
    """A receipt as a person typed it (any case, spaces, O for 0…) in its stored form."""
    code = "".join(text.split()).replace("-", "").upper().translate(_RECEIPT_READING)
    if len(code) != RECEIPT_LENGTH or any(char not in RECEIPT_ALPHABET for char in code):
        return None
    return "-".join(code[start : start + 4] for start in range(0, RECEIPT_LENGTH, 4))


def ballot_rules(
    session: Session, poll: Poll
) -> tuple[list[PollQuestion], dict[int, list[PollAnswer]]]:
    """The poll's questions in order and each question's answers in order."""
    questions = list(
        session.scalars(
            select(PollQuestion)
            .where(PollQuestion.poll_id == poll.id)
            .order_by(PollQuestion.position, PollQuestion.id)
        )
    )
    answers: dict[int, list[PollAnswer]] = {question.id: [] for question in questions}
    statement = (
        select(PollAnswer)
        .join(PollQuestion, PollQuestion.id == PollAnswer.question_id)
        .where(PollQuestion.poll_id == poll.id)
        .order_by(PollAnswer.position, PollAnswer.id)
    )
    for answer in session.scalars(statement):
        answers[answer.question_id].append(answer)
    return questions, answers


def cast_web_ballot(
    session: Session, poll: Poll, voter: Voter, choices: Choices, secret: str, now: datetime
) -> str:
    """Record the vote and return its receipt code; a later web vote replaces it.

    Everything is decided under the poll row's share lock, read in one statement with the
    eligibility rules that live on it. The roll entry is an ``INSERT … ON CONFLICT DO
    NOTHING``: the unique (poll, voter) constraint decides between simultaneous first votes. A
    person already on the roll is a replacement (web) or is refused (booth); their roll row is
    then locked, so one person's simultaneous replacements run one after another and exactly
    one ballot of theirs remains. Statements are Core (app.polls.ballot_plan), tenant included.
    """
    _require_same_instance(session, poll)
    if poll.ballot_salt is None and is_open(poll, now):
        _draw_salt(session, poll)
    gate = read_gate(session.connection(), poll.tenant_id, poll.id, voter.geozone_code)
    if gate is None or not _gate_open(gate, now):
        raise PollNotOpen()
    reason = why_not(
        voter, gate.voter_level, gate.min_age, gate.zoned, gate.in_zone, lima_date(now)
    )
    if reason is not None:
        raise NotEligible(reason)
    return _cast(session, poll.tenant_id, poll.id, gate, voter, choices, secret, now)


@dataclass(frozen=True)
class OnlineVote:
    """A vote cast from the poll page: the poll as the lock found it, and the receipt."""

    poll: PollGlance
    receipt: str


def cast_online(
    session: Session,
    principal: Principal,
    poll_id: int,
    form: Mapping[str, list[str]],
    secret: str,
    now: datetime,
    *,
    at_desk: bool = False,
) -> OnlineVote:
    """The ballot route's whole work after reading the form, in as few statements as it can.

    The poll row (share-locked), its eligibility rules and the voter's resident row and census
    zone come in one statement; the rules from the per-process plan; the roll entry and the
    ballot in one more on PostgreSQL. Refusals, in this order: an unknown or draft poll (404),
    not open (403, saying why), a vote at the service desk (403), not eligible, no permission,
    an invalid ballot (``BallotInvalid``: the caller shows the form again).
    """
    tenant_id = tenant_of(session)
    connection = session.connection()
    found = read_gate_and_resident(connection, tenant_id, poll_id, principal.resident_id)
    if found is None or found.gate.published_at is None:
        raise NotFound()
    gate = found.gate
    poll = PollGlance(
        id=poll_id,
        tenant_id=tenant_id,
        title=found.title,
        published_at=gate.published_at,
        opens_at=gate.opens_at,
        closes_at=gate.closes_at,
        closed_at=gate.closed_at,
        voter_level=gate.voter_level,
        min_age=gate.min_age,
    )
    current = phase(poll, now)
    if current == "upcoming":
        raise Forbidden(N_("Voting has not opened yet."))
    if current != "open":
        raise Forbidden(N_("Voting has ended: ballots are no longer accepted."))
    if at_desk:
        raise Forbidden(SECRET_AT_DESK)
    voter = voter_of(principal, found.resident, secret)
    today = lima_date(now)
    reason = why_not(voter, gate.voter_level, gate.min_age, gate.zoned, gate.in_zone, today)
    if reason is not None:
        raise NotEligible(reason)
    authorize(principal, "polls.vote", poll)
    if gate.ballot_salt is None:  # published before salts were drawn at publishing
        _draw_salt(session, poll)
        drawn = read_gate(connection, tenant_id, poll_id, voter.geozone_code)
        if drawn is None or not _gate_open(drawn, now):
            raise PollNotOpen()
        gate = drawn
    if gate.ballot_salt is None:
        raise PollNotOpen()
    plan = _plan(session, tenant_id, poll_id, gate.ballot_salt, connection)
    choices = parse_ballot(list(plan.questions.values()), plan.answers, form)
    receipt = _cast(
        session, tenant_id, poll_id, gate, voter, choices, secret, now, plan, connection
    )
    return OnlineVote(poll, receipt)


def _plan(
    session: Session,
    tenant_id: int,
    poll_id: int,
    salt: str,
    connection: Connection | None = None,
) -> BallotPlan:
    """``connection``: the session's, when the caller holds it (asking the session again for
    it costs a tenth of a vote's CPU each time)."""
    wrote_roll: set[int] = session.info.setdefault(ROLL_WRITTEN_KEY, set())
    return ballot_plan(
        connection or session.connection(),
        tenant_id,
        poll_id,
        salt,
        may_cache=poll_id not in wrote_roll,
    )


def _cast(
    session: Session,
    tenant_id: int,
    poll_id: int,
    gate: PollGate,
    voter: Voter,
    choices: Choices,
    secret: str,
    now: datetime,
    plan: BallotPlan | None = None,
    connection: Connection | None = None,
) -> str:
    """The vote itself, with the poll row share-locked and found open (``gate``) and the voter
    found eligible by the caller.

    ``plan``: the rules ``choices`` were parsed against (``parse_ballot`` checked them then);
    without it, the rules are read and the choices checked here.
    """
    if gate.ballot_salt is None:
        raise PollNotOpen()
    today = lima_date(now)
    connection = connection or session.connection()
    if plan is None:
        plan = _plan(session, tenant_id, poll_id, gate.ballot_salt, connection)
        check_choices(list(plan.questions.values()), plan.answers, choices)
    key = voter.key
    if _voted_under_account_key(connection, tenant_id, poll_id, gate, voter):
        key = voter.user_key or key
    tag = replace_tag(poll_key(secret, poll_id, gate.ballot_salt), key)
    session.info.setdefault(ROLL_WRITTEN_KEY, set()).add(poll_id)
    encoded = encode_choices(plan.questions, choices)
    receipt = new_receipt()
    entered, stored = add_web_vote(
        connection, tenant_id, poll_id, key, today, receipt, encoded, tag
    )
    if stored:
        return receipt
    if not entered:
        earlier = earlier_channel(connection, tenant_id, poll_id, key)
        if earlier is None:  # the entry that refused ours was rolled back meanwhile
            raise Conflict(N_("Your vote could not be recorded. Please send it again."))
        if earlier != "web":
            raise AlreadyVotedAtBooth()
        if delete_replaced(connection, tenant_id, poll_id, tag) != 1:
            raise NotReplaceable()
    return _insert_ballot(connection, tenant_id, poll_id, encoded, "web", None, tag)


def _voted_under_account_key(
    connection: Connection, tenant_id: int, poll_id: int, gate: PollGate, voter: Voter
) -> bool:
    """Voted before being verified; account keys are on the roll only of polls open to
    unverified accounts, and that rule is locked with the first roll entry."""
    if gate.voter_level == "verified" or not voter.user_key or voter.user_key == voter.key:
        return False
    return earlier_channel(connection, tenant_id, poll_id, voter.user_key) is not None


def _gate_open(gate: PollGate, now: datetime) -> bool:
    return (
        gate.published_at is not None
        and gate.closed_at is None
        and aware(gate.opens_at) <= now < aware(gate.closes_at)
    )


def cast_booth_ballot(
    session: Session,
    poll: Poll,
    booth: PollBooth,
    choices: Choices,
    channel: str,
    now: datetime | None = None,
) -> str:
    """A ballot cast at a booth; its voter was put on the roll when the officer marked them.

    ``tablet``: the kiosk's ballot, while the poll is open; the caller (app.polls.booth_kiosk)
    has taken one of the booth's pending voters in the same transaction.
    ``paper``: a paper ranking typed in by the officer, from the poll's opening on, also after
    closing; only ranked questions (the others are counted into the paper totals). Once the
    poll is closed the caller must then call ``tally.refresh_results``.
    """
    _require_same_instance(session, poll)
    if booth.poll_id != poll.id:
        raise NotFound()
    now = now or datetime.now(UTC)
    questions, answers = ballot_rules(session, poll)
    check_choices(questions, answers, choices)
    by_id = {question.id: question for question in questions}
    if channel == "tablet":
        if not is_open(poll, now):
            raise PollNotOpen()
        _lock_open_poll(session, poll, now)
    elif channel == "paper":
        if poll.published_at is None or now < aware(poll.opens_at):
            raise PollNotOpen()
        if any(by_id[question_id].kind != "ranked" for question_id in choices):
            raise BallotInvalid(
                N_(
                    "Only rankings are typed in ballot by ballot; count the other questions "
                    "into the paper totals."
                )
            )
    else:
        raise ValueError(f"not a booth channel: {channel}")
    encoded = encode_choices(by_id, choices)
    connection = session.connection()
    return _insert_ballot(connection, poll.tenant_id, poll.id, encoded, channel, booth.id, None)


def _require_same_instance(session: Session, poll: Poll) -> None:
    bound = session.info.get(TENANT_KEY)
    if bound is not None and bound != poll.tenant_id:
        raise NotFound()


def _draw_salt(session: Session, poll: Poll | PollGlance) -> None:
    """Draw the salt if publishing did not, by a conditional UPDATE, so simultaneous first
    ballots agree on one."""
    session.execute(
        update(Poll)
        .where(Poll.id == poll.id, Poll.ballot_salt.is_(None), Poll.closed_at.is_(None))
        .values(ballot_salt=secrets.token_hex(32))
        .execution_options(synchronize_session=False)
    )


def _lock_open_poll(session: Session, poll: Poll, now: datetime) -> None:
    """Share-lock the poll row while it is still open.

    ``close_poll`` updates this row first, so it waits for ballots being cast and every ballot
    that starts after it sees the poll closed: no ballot slips past the count or keeps a tag.
    """
    row = session.execute(
        select(Poll.id)
        .where(Poll.id == poll.id, Poll.closed_at.is_(None), Poll.closes_at > now)
        .with_for_update(read=True)
    ).one_or_none()
    if row is None:
        raise PollNotOpen()


def _insert_ballot(
    connection: Connection,
    tenant_id: int,
    poll_id: int,
    choices: str,
    channel: str,
    booth_id: int | None,
    tag: str | None,
) -> str:
    for _attempt in range(3):  # a repeated 60-bit code is unlikely, but must not lose a vote
        receipt = new_receipt()
        if insert_ballot(connection, tenant_id, poll_id, receipt, choices, channel, booth_id, tag):
            return receipt
    raise Conflict(N_("Your vote could not be recorded. Please send it again."))
