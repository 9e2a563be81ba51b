"""The rules of the poll editor: drafts, questions and answers, publishing, and the lock.

A poll's rules (dates, who may vote, questions, answers, how many may be chosen) can change
only until the first person is on the voter roll; after that only the wording may be
corrected, so that no one's vote changes meaning. A closed poll cannot change at all. The
ballot, closing and booth rules live in ballots.py, closing.py and booths.py.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Conflict, Invalid, NotFound
from app.geozones.models import Geozone
from app.i18n import N_
from app.polls import repository
from app.polls.ballots import prepare_poll_key
from app.polls.errors import SECRET_AT_DESK as SECRET_AT_DESK
from app.polls.models import Poll, PollAnswer, PollBooth, PollQuestion
from app.polls.permissions import aware
from app.polls.schemas import PollForm, PollTextsForm, QuestionForm, QuestionTextsForm

LOCKED = N_(
    "Voting has started: only the wording of the poll, its questions and its answers can be "
    "corrected."
)
CLOSED = N_("This poll is closed: it can no longer be changed.")


class FormProblem(Invalid):
    """Invalid input that belongs beside one field of the form."""

    def __init__(self, field: str, message: str, **values: object) -> None:
        super().__init__(message, **values)
        self.field = field


def visible_poll(session: Session, poll_id: int, *, include_drafts: bool) -> Poll:
    poll = repository.get_poll(session, poll_id)
    if poll is None or (poll.published_at is None and not include_drafts):
        raise NotFound()
    return poll


def is_locked(session: Session, poll: Poll) -> bool:
    return poll.closed_at is not None or repository.has_roll_entry(session, poll.id)


def _rules_editable(session: Session, poll: Poll) -> None:
    if poll.closed_at is not None:
        raise Conflict(CLOSED)
    # A ballot share-locks the poll row (app.polls.ballots): locking it here makes a change of
    # rules and a first ballot take turns, so the roll is read after any ballot in flight.
    repository.lock_poll(session, poll.id)
    if repository.has_roll_entry(session, poll.id):
        raise Conflict(LOCKED)


def _texts_editable(poll: Poll) -> None:
    if poll.closed_at is not None:
        raise Conflict(CLOSED)


def chosen_geozones(session: Session, ids: list[int]) -> list[Geozone]:
    """This instance's geozones with these ids; an unknown one is a mistake in the form."""
    zones = repository.geozones_by_ids(session, ids)
    if len(zones) != len(set(ids)):
        raise FormProblem("geozone_ids", N_("Choose zones from the list."))
    return zones


def check_proposal(session: Session, proposal_id: int | None) -> None:
    """A poll can come only from a visible proposal that reached its goal."""
    if proposal_id is None:
        return
    proposal = repository.get_proposal(session, proposal_id)
    if proposal is None or proposal.hidden_at is not None or proposal.state != "successful":
        raise FormProblem(
            "proposal_id", N_("Enter the number of a proposal that reached its goal.")
        )


def _apply_rules(session: Session, poll: Poll, form: PollForm) -> None:
    assert form.opens_at is not None  # the form checked both dates
    assert form.closes_at is not None
    poll.opens_at = form.opens_at
    poll.closes_at = form.closes_at
    poll.voter_level = form.voter_level
    poll.min_age = form.min_age
    poll.proposal_id = form.proposal_id


def _apply_texts(poll: Poll, form: PollTextsForm) -> None:
    poll.title = form.title
    poll.summary = form.summary
    poll.description = form.description or ""


def create_poll(session: Session, author_id: int, form: PollForm) -> Poll:
    chosen_geozones(session, form.geozone_ids)
    check_proposal(session, form.proposal_id)
    poll = Poll(author_id=author_id, created_at=utcnow())
    _apply_texts(poll, form)
    _apply_rules(session, poll, form)
    session.add(poll)
    session.flush()
    repository.set_geozones(session, poll.id, form.geozone_ids)
    return poll


def check_booths_fit(session: Session, poll: Poll, form: PollForm) -> None:
    """Booths identify people by DNI: a poll with booths must keep DNI-based voters (an
    account key online plus a DNI at a booth would be two roll entries for one person) and a
    period that still holds every booth's opening hours."""
    booths = session.scalars(
        select(PollBooth).where(PollBooth.poll_id == poll.id).order_by(PollBooth.name)
    ).all()
    if not booths:
        return
    if form.voter_level == "registered":
        raise FormProblem(
            "voter_level",
            N_(
                "This poll has voting booths, which identify people by DNI: remove the booths "
                "before opening it to every registered account."
            ),
        )
    assert form.opens_at is not None  # the form checked both dates
    assert form.closes_at is not None
    outside = [
        booth.name
        for booth in booths
        if aware(booth.opens_at) < aware(form.opens_at)
        or aware(booth.closes_at) > aware(form.closes_at)
    ]
    if outside:
        raise FormProblem(
            "opens_at",
            N_(
                "These booths would be open outside the new voting period: %(booths)s. "
                "Change their hours first."
            ),
            booths=", ".join(outside),
        )


def update_poll(session: Session, poll: Poll, form: PollForm) -> None:
    _rules_editable(session, poll)
    check_booths_fit(session, poll, form)
    chosen_geozones(session, form.geozone_ids)
    check_proposal(session, form.proposal_id)
    _apply_texts(poll, form)
    _apply_rules(session, poll, form)
    repository.set_geozones(session, poll.id, form.geozone_ids)
    session.flush()


def correct_poll_texts(session: Session, poll: Poll, form: PollTextsForm) -> None:
    _texts_editable(poll)
    _apply_texts(poll, form)
    session.flush()


def _set_answers(session: Session, question: PollQuestion, titles: list[str]) -> None:
    """Rewrite the answers in order, keeping the ids of those that stay (booths name them)."""
    current = repository.answers_by_question(session, [question.id])[question.id]
    for position, title in enumerate(titles):
        if position < len(current):
            current[position].title = title
            current[position].position = position
        else:
            session.add(PollAnswer(question_id=question.id, position=position, title=title))
    for surplus in current[len(titles) :]:
        session.delete(surplus)
    session.flush()


def add_question(session: Session, poll: Poll, form: QuestionForm) -> PollQuestion:
    _rules_editable(session, poll)
    question = PollQuestion(
        poll_id=poll.id,
        position=repository.next_question_position(session, poll.id),
        title=form.title,
        description=form.description or "",
        kind=form.kind,
        max_choices=form.choices_allowed(),
    )
    session.add(question)
    session.flush()
    _set_answers(session, question, form.answer_titles)
    return question


def update_question(
    session: Session, poll: Poll, question: PollQuestion, form: QuestionForm
) -> None:
    _rules_editable(session, poll)
    question.title = form.title
    question.description = form.description or ""
    question.kind = form.kind
    question.max_choices = form.choices_allowed()
    _set_answers(session, question, form.answer_titles)


def correct_question_texts(
    session: Session, poll: Poll, question: PollQuestion, form: QuestionTextsForm
) -> None:
    """After voting started: the same answers in the same order, only reworded."""
    _texts_editable(poll)
    current = repository.answers_by_question(session, [question.id])[question.id]
    if len(form.answer_titles) != len(current):
        raise FormProblem(
            "answers",
            N_(
                "Voting has started: keep the same %(count)s answers in the same order; you "
                "can only correct their wording."
            ),
            count=len(current),
        )
    question.title = form.title
    question.description = form.description or ""
    _set_answers(session, question, form.answer_titles)


def delete_question(session: Session, poll: Poll, question: PollQuestion) -> None:
    _rules_editable(session, poll)
    session.delete(question)
    session.flush()


def move_question(session: Session, poll: Poll, question: PollQuestion, step: int) -> None:
    """Swap the question with its neighbour above (step -1) or below (+1)."""
    _rules_editable(session, poll)
    questions = repository.questions_of(session, poll.id)
    index = next(i for i, item in enumerate(questions) if item.id == question.id)
    other = index + step
    if not 0 <= other < len(questions):
        return
    questions[index], questions[other] = questions[other], questions[index]
    for position, item in enumerate(questions):
        item.position = position
    session.flush()


def publish_poll(session: Session, poll: Poll, now: datetime | None = None) -> None:
    """Make a complete draft public; its ballot salt is drawn now (closing destroys it)."""
    now = now or utcnow()
    if poll.published_at is not None:
        raise Conflict(N_("This poll is already published."))
    if aware(poll.closes_at) <= now:
        raise Invalid(N_("The closing date has passed: change the dates before publishing."))
    questions = repository.questions_of(session, poll.id)
    if not questions:
        raise Invalid(N_("Add at least one question before publishing."))
    answers = repository.answers_by_question(session, [q.id for q in questions])
    for question in questions:
        count = len(answers[question.id])
        if count < 2 or question.max_choices > count:
            raise Invalid(
                N_(
                    "The question “%(question)s” needs at least two answers, and no more "
                    "choices than answers."
                ),
                question=question.title,
            )
    poll.published_at = now
    prepare_poll_key(poll)
    session.flush()


def unpublish_poll(session: Session, poll: Poll, now: datetime | None = None) -> None:
    """Back to draft, only before voting opens (and so before anyone is on the roll)."""
    now = now or utcnow()
    if poll.published_at is None:
        raise Conflict(N_("This poll is not published."))
    if aware(poll.opens_at) <= now or is_locked(session, poll):
        raise Conflict(N_("Voting has opened: the poll can no longer go back to draft."))
    poll.published_at = None
    poll.ballot_salt = None
    session.flush()


def delete_draft(session: Session, poll: Poll) -> None:
    if poll.published_at is not None:
        raise Conflict(N_("Only a draft can be deleted; put the poll back to draft first."))
    session.delete(poll)
    session.flush()
