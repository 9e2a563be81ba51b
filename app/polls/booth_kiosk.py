"""The booth's tablet: a device that takes one secret ballot per person the officer sends to it.

An officer signed in on the tablet turns it into the booth's kiosk: a random token goes into
the device's cookie and only its digest into the booth row, and the officer's login on that
device ends, so whoever holds the tablet has no staff powers. The kiosk knows no voter: the
officer's marks raise ``kiosk_pending``, and each ballot lowers it by a conditional UPDATE in
the same transaction as the ballot's insert, so no more ballots go through the tablet than
people were sent to it — however many requests arrive at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.polls.ballot_form import parse_ballot
from app.polls.ballots import cast_booth_ballot
from app.polls.booths import BoothDesk, booth_open, get_desk
from app.polls.errors import KioskNotReady, PollNotOpen
from app.polls.models import PollAnswer, PollBooth, PollQuestion
from app.tokens import digest, new_token

KIOSK_COOKIE = "minka_kiosk"


def start_kiosk(session: Session, booth: PollBooth) -> str:
    """A new token for the device; a tablet set up before for this booth stops working."""
    token, token_digest = new_token()
    booth.kiosk_token_digest = token_digest
    session.flush()
    return token


def kiosk_desk(session: Session, token: str | None) -> BoothDesk | None:
    """The booth whose tablet this is, from the cookie's token (scoped to the instance)."""
    if not token or len(token) > 100:
        return None
    booth_id = session.scalar(
        select(PollBooth.id).where(PollBooth.kiosk_token_digest == digest(token))
    )
    return get_desk(session, booth_id) if booth_id is not None else None


def ballot_questions(
    session: Session, poll_id: int, kinds: tuple[str, ...] = ("single", "multiple", "ranked")
) -> tuple[list[PollQuestion], dict[int, list[PollAnswer]]]:
    questions = list(
        session.scalars(
            select(PollQuestion)
            .where(PollQuestion.poll_id == poll_id, PollQuestion.kind.in_(kinds))
            .order_by(PollQuestion.position, PollQuestion.id)
        )
    )
    answers: dict[int, list[PollAnswer]] = {question.id: [] for question in questions}
    if questions:
        for answer in session.scalars(
            select(PollAnswer)
            .where(PollAnswer.question_id.in_(answers))
            .order_by(PollAnswer.position, PollAnswer.id)
        ):
            answers[answer.question_id].append(answer)
    return questions, answers


def cast_kiosk_ballot(
    session: Session, desk: BoothDesk, form: Mapping[str, list[str]], now: datetime
) -> str:
    """Take the ballot of the next person waiting; its receipt code. Nothing is stored when
    the ballot is invalid (``BallotInvalid``), the booth is closed, or nobody is waiting."""
    if not booth_open(desk, now):
        raise PollNotOpen()
    # Nobody waiting: whatever was sent is no ballot to correct, so the tablet goes back to
    # waiting instead of showing the form (the UPDATE below still decides under concurrency).
    waiting = session.scalar(select(PollBooth.kiosk_pending).where(PollBooth.id == desk.booth.id))
    if not waiting:
        raise KioskNotReady()
    questions, answers = ballot_questions(session, desk.poll.id)
    choices = parse_ballot(questions, answers, form)
    # One savepoint: a turn is used up only together with the ballot it let through.
    with session.begin_nested():
        taken = session.execute(
            update(PollBooth)
            .where(PollBooth.id == desk.booth.id, PollBooth.kiosk_pending > 0)
            .values(kiosk_pending=PollBooth.kiosk_pending - 1)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            raise KioskNotReady()
        return cast_booth_ballot(session, desk.poll, desk.booth, choices, "tablet")
