"""Casting ballots: who may vote, the voter roll, and ballots that the roll cannot point to.

A web ballot writes two rows that share nothing but the poll: a roll entry (who voted) and a
ballot (what was chosen, under a random receipt code). While the poll is open the ballot also
carries ``replace_tag``, a keyed hash of the voter under the poll key, so a second web vote
replaces the first; ``close_poll`` destroys the poll's salt and erases the tags, after which no
one, holding every key or not, can tell whose ballot is whose. See docs/polls.md.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.answers.calendar import lima_date
from app.db import TENANT_KEY
from app.errors import Conflict, NotFound
from app.i18n import N_
from app.polls.ballot_form import Choices, check_choices, encode_choices, parse_ballot
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
    web_voter,
)
from app.polls.errors import (
    AlreadyVotedAtBooth,
    BallotInvalid,
    NotEligible,
    NotReplaceable,
    PollNotOpen,
)
from app.polls.models import Poll, PollAnswer, PollBallot, PollBooth, PollQuestion, PollVoter
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

# Crockford's base 32: no I, L, O or U, so a code read aloud or copied by hand survives.
RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT_LENGTH = 12  # 60 random bits
_RECEIPT_READING = str.maketrans("OIL", "011")


def prepare_poll_key(poll: Poll) -> None:
    """Draw the poll's salt; publishing calls it, so the key exists before the first ballot."""
    if poll.ballot_salt is None and poll.closed_at is None:
        poll.ballot_salt = secrets.token_hex(32)


def poll_key(secret: str, poll_id: int, salt: str) -> bytes:
    return bytes.fromhex(keyed_digest(secret.encode(), "poll-ballots", str(poll_id), salt))


def replace_tag(key: bytes, voter_key: str) -> str:
    return keyed_digest(key, "replace", voter_key)


def new_receipt() -> str:
    code = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))
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

    The roll entry is inserted in a SAVEPOINT: the unique (poll, voter) constraint decides
    between simultaneous first votes. A person already on the roll is a replacement (web) or is
    refused (booth). Their roll row is then locked, so one person's simultaneous replacements
    run one after another and exactly one ballot of theirs remains.
    """
    _require_same_instance(session, poll)
    if not is_open(poll, now):
        raise PollNotOpen()
    reason = ineligibility(session, poll, voter, lima_date(now))
    if reason is not None:
        raise NotEligible(reason)
    questions, answers = ballot_rules(session, poll)
    check_choices(questions, answers, choices)
    salt = _lock_open_poll(session, poll, now, need_salt=True)
    assert salt is not None
    key = voter.key
    if voter.user_key and voter.user_key != key and roll_entry(session, poll, voter.user_key):
        key = voter.user_key
    earlier = _add_to_roll(session, poll, key, lima_date(now))
    tag = replace_tag(poll_key(secret, poll.id, salt), key)
    if earlier is not None:
        if earlier.channel != "web":
            raise AlreadyVotedAtBooth()
        replaced = session.execute(
            delete(PollBallot)
            .where(PollBallot.poll_id == poll.id, PollBallot.replace_tag == tag)
            .execution_options(synchronize_session=False)
        )
        if replaced.rowcount != 1:  # type: ignore[attr-defined]
            raise NotReplaceable()
    by_id = {question.id: question for question in questions}
    return _insert_ballot(session, poll, encode_choices(by_id, choices), "web", None, tag)


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
        _lock_open_poll(session, poll, now, need_salt=False)
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
    return _insert_ballot(session, poll, encode_choices(by_id, choices), channel, booth.id, None)


def _require_same_instance(session: Session, poll: Poll) -> None:
    bound = session.info.get(TENANT_KEY)
    if bound is not None and bound != poll.tenant_id:
        raise NotFound()


def _lock_open_poll(session: Session, poll: Poll, now: datetime, *, need_salt: bool) -> str | None:
    """Share-lock the poll row while it is still open, and return its salt.

    ``close_poll`` updates this row first, so it waits for ballots being cast and every ballot
    that starts after it sees the poll closed: no ballot slips past the count or keeps a tag.
    The salt, if publishing did not draw it, is drawn here by a conditional UPDATE, so
    simultaneous first ballots agree on one.
    """
    if need_salt and poll.ballot_salt is None:
        session.execute(
            update(Poll)
            .where(Poll.id == poll.id, Poll.ballot_salt.is_(None), Poll.closed_at.is_(None))
            .values(ballot_salt=secrets.token_hex(32))
            .execution_options(synchronize_session=False)
        )
    row = session.execute(
        select(Poll.ballot_salt)
        .where(Poll.id == poll.id, Poll.closed_at.is_(None), Poll.closes_at > now)
        .with_for_update(read=True)
    ).one_or_none()
    if row is None or (need_salt and row.ballot_salt is None):
        raise PollNotOpen()
    salt: str | None = row.ballot_salt
    return salt


def _add_to_roll(session: Session, poll: Poll, voter_key: str, day: date) -> PollVoter | None:
    """Put the person on the roll; None if they were not on it, else their locked entry."""
    try:
        with session.begin_nested():
            session.add(
                PollVoter(poll_id=poll.id, voter_key=voter_key, channel="web", voted_on=day)
            )
        return None
    except IntegrityError:
        pass
    earlier = session.scalars(
        select(PollVoter)
        .where(PollVoter.poll_id == poll.id, PollVoter.voter_key == voter_key)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if earlier is None:  # the entry that refused ours was rolled back meanwhile
        raise Conflict(N_("Your vote could not be recorded. Please send it again."))
    return earlier


def _insert_ballot(
    session: Session, poll: Poll, choices: str, channel: str, booth_id: int | None, tag: str | None
) -> str:
    for _attempt in range(3):  # a repeated 60-bit code is unlikely, but must not lose a vote
        receipt = new_receipt()
        try:
            with session.begin_nested():
                session.add(
                    PollBallot(
                        receipt=receipt,
                        poll_id=poll.id,
                        channel=channel,
                        booth_id=booth_id,
                        choices=choices,
                        replace_tag=tag,
                    )
                )
            return receipt
        except IntegrityError:
            continue
    raise Conflict(N_("Your vote could not be recorded. Please send it again."))
