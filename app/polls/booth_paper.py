"""The paper count of a booth, entered by its officer once voting there has ended.

Single- and multiple-answer questions are counted by hand into a total per answer; a ranked
question's papers cannot be summed, so each one is typed in as a ballot of channel "paper".
The officer may correct everything until they confirm the count. Each change of a closed
poll's count refreshes its published results at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.errors import Conflict, Invalid, NotFound
from app.forms import FieldError
from app.i18n import N_
from app.polls.ballot_form import parse_ballot
from app.polls.ballots import cast_booth_ballot
from app.polls.booth_kiosk import ballot_questions
from app.polls.booths import BoothDesk
from app.polls.models import Poll, PollAnswer, PollBallot, PollBooth, PollPaperTotal, PollQuestion
from app.polls.tally import refresh_results

COUNTED = ("single", "multiple")
MAX_PAPERS = 10_000_000
_TOTAL_FIELD = re.compile(r"q([0-9]{1,18})_a([0-9]{1,18})")
NOT_A_COUNT = N_("Write a whole number, 0 or more.")


class PaperInvalid(Invalid):
    """The count cannot be saved as sent; ``errors`` holds a message per form field."""

    def __init__(self, errors: dict[str, FieldError]) -> None:
        super().__init__(N_("The paper count has mistakes; nothing was saved."))
        self.errors = errors


@dataclass(frozen=True)
class PaperSheet:
    questions: list[PollQuestion]
    answers: dict[int, list[PollAnswer]]
    totals: dict[tuple[int, int], int]


def paper_sheet(session: Session, booth: PollBooth) -> PaperSheet:
    questions, answers = ballot_questions(session, booth.poll_id, COUNTED)
    rows = session.scalars(select(PollPaperTotal).where(PollPaperTotal.booth_id == booth.id))
    return PaperSheet(
        questions, answers, {(row.question_id, row.answer_id): row.votes for row in rows}
    )


def _count(text: str) -> int | None:
    text = text.strip()
    if not text:
        return 0
    if not (text.isascii() and text.isdigit()) or len(text) > 8 or int(text) > MAX_PAPERS:
        return None
    return int(text)


def read_paper_form(
    sheet: PaperSheet, form: Mapping[str, str]
) -> tuple[int, dict[tuple[int, int], int]]:
    """Papers in the box and the votes of each answer; ``PaperInvalid`` on any mistake."""
    errors: dict[str, FieldError] = {}
    valid = {(qid, answer.id) for qid, answers in sheet.answers.items() for answer in answers}
    for name in form:
        field = _TOTAL_FIELD.fullmatch(name)
        if field and (int(field.group(1)), int(field.group(2))) not in valid:
            errors["__all__"] = N_("The count names an answer that is not one of its question's.")
    papers = (
        _count(form.get("paper_ballots", "")) if form.get("paper_ballots", "").strip() else None
    )
    if papers is None:
        errors["paper_ballots"] = N_("Write how many paper ballots were in the box.")
    totals: dict[tuple[int, int], int] = {}
    for question_id, answer_id in sorted(valid):
        name = f"q{question_id}_a{answer_id}"
        votes = _count(form.get(name, ""))
        if votes is None:
            errors[name] = NOT_A_COUNT
        else:
            totals[(question_id, answer_id)] = votes
    for question in sheet.questions:
        given = sum(votes for (qid, _aid), votes in totals.items() if qid == question.id)
        per_paper = 1 if question.kind == "single" else question.max_choices
        if papers is not None and given > papers * per_paper:
            errors[f"q{question.id}"] = (
                N_(
                    "The answers of this question add up to %(given)s votes, more than %(most)s "
                    "papers can hold."
                ),
                {"given": given, "most": papers * per_paper},
            )
    if errors or papers is None:
        raise PaperInvalid(errors)
    return papers, totals


def save_paper_count(session: Session, desk: BoothDesk, form: Mapping[str, str]) -> None:
    sheet = paper_sheet(session, desk.booth)
    papers, totals = read_paper_form(sheet, form)
    rows = {
        (row.question_id, row.answer_id): row
        for row in session.scalars(
            select(PollPaperTotal).where(PollPaperTotal.booth_id == desk.booth.id)
        )
    }
    for (question_id, answer_id), votes in totals.items():
        row = rows.get((question_id, answer_id))
        if row is None:
            session.add(
                PollPaperTotal(
                    booth_id=desk.booth.id,
                    question_id=question_id,
                    answer_id=answer_id,
                    votes=votes,
                )
            )
        else:
            row.votes = votes
    desk.booth.paper_ballots = papers
    session.flush()
    refresh_if_closed(session, desk.poll)


def paper_ballots(session: Session, booth_id: int) -> list[PollBallot]:
    return list(
        session.scalars(
            select(PollBallot)
            .where(PollBallot.booth_id == booth_id, PollBallot.channel == "paper")
            .order_by(PollBallot.receipt)
        )
    )


def add_paper_ballot(session: Session, desk: BoothDesk, form: Mapping[str, list[str]]) -> str:
    """Type in one paper ballot's rankings (its other questions are in the totals)."""
    questions, answers = ballot_questions(session, desk.poll.id, ("ranked",))
    if not questions:
        raise Conflict(N_("This poll has no ranked question: paper ballots are counted in totals."))
    choices = parse_ballot(questions, answers, form)
    receipt = cast_booth_ballot(session, desk.poll, desk.booth, choices, "paper")
    refresh_if_closed(session, desk.poll)
    return receipt


def remove_paper_ballot(session: Session, desk: BoothDesk, receipt: str) -> None:
    result = session.execute(
        delete(PollBallot).where(
            PollBallot.receipt == receipt,
            PollBallot.booth_id == desk.booth.id,
            PollBallot.channel == "paper",
        )
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound()
    refresh_if_closed(session, desk.poll)


def confirm_paper_count(session: Session, desk: BoothDesk, officer_id: int, now: datetime) -> None:
    if desk.booth.paper_ballots is None:
        raise Conflict(N_("Enter the paper count before confirming it."))
    result = session.execute(
        update(PollBooth)
        .where(PollBooth.id == desk.booth.id, PollBooth.paper_reported_at.is_(None))
        .values(paper_reported_at=now, paper_reported_by_id=officer_id)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise Conflict(N_("The paper count of this booth was already confirmed."))
    refresh_if_closed(session, desk.poll)


def refresh_if_closed(session: Session, poll: Poll) -> None:
    if poll.closed_at is not None:
        refresh_results(session, poll)
