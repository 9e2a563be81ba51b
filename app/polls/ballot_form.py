"""A ballot as the form sends it, as the service checks it, and as the database stores it.

Field names (the web form, the kiosk form and this parser agree on them): a single-answer
question sends ``q<question_id>`` = answer id; a multiple-answer question sends ``q<id>``
once per answer; a ranking sends ``q<id>_rank<answer_id>`` = 1, 2, 3… (blank: not ranked).
Stored, a ballot is ``12:40;13:41,44;14:45>43`` — question ids in order, a multiple
question's answers in id order, a ranking's in order of preference; an unanswered question is
left out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Protocol

from app.i18n import N_
from app.polls.errors import BallotInvalid

Choices = dict[int, list[int]]


class QuestionRules(Protocol):
    """What checking and storing a ballot reads of a question (a PollQuestion or a cached
    copy, app.polls.ballot_plan)."""

    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def max_choices(self) -> int: ...


class AnswerRules(Protocol):
    @property
    def id(self) -> int: ...


_FIELD = re.compile(r"q([0-9]{1,18})(?:_rank([0-9]{1,18}))?")
_NOT_HERE = N_("An answer on the ballot does not belong to its question.")
_NOT_A_RANK = N_("Write each rank as a whole number: 1, 2, 3…")


def parse_ballot(
    questions: Sequence[QuestionRules],
    answers_by_question: Mapping[int, Sequence[AnswerRules]],
    form: Mapping[str, list[str]],
) -> Choices:
    """The choices a submitted form makes; ``BallotInvalid`` (422) if it is not a valid ballot.

    ``questions`` are the poll's (loaded through the tenant-scoped session, or its cached
    plan read with the tenant named), so an answer of another poll or of another instance is
    simply not among them.
    """
    known = {question.id for question in questions}
    for name in form:
        field = _FIELD.fullmatch(name)
        if field and int(field.group(1)) not in known:
            raise BallotInvalid(N_("The ballot names a question that is not in this poll."))
    choices: Choices = {}
    for question in questions:
        answer_ids = [answer.id for answer in answers_by_question.get(question.id, ())]
        if question.kind == "ranked":
            picked = _ranking(question, answer_ids, form)
        else:
            sent = [value.strip() for value in form.get(f"q{question.id}", [])]
            picked = [_number(value, question.id) for value in sent if value]
        if picked:
            choices[question.id] = picked
    check_choices(questions, answers_by_question, choices)
    return choices


def check_choices(
    questions: Sequence[QuestionRules],
    answers_by_question: Mapping[int, Sequence[AnswerRules]],
    choices: Mapping[int, Sequence[int]],
) -> None:
    """Refuse choices no valid form could have produced; the service runs it on every ballot."""
    if not any(choices.values()):
        raise BallotInvalid(N_("Choose at least one answer before sending your ballot."))
    by_id = {question.id: question for question in questions}
    for question_id, picked in choices.items():
        question = by_id.get(question_id)
        if question is None:
            raise BallotInvalid(N_("The ballot names a question that is not in this poll."))
        allowed = {answer.id for answer in answers_by_question.get(question_id, ())}
        if not set(picked) <= allowed:
            raise BallotInvalid(_NOT_HERE, question_id=question_id)
        if len(set(picked)) != len(picked):
            raise BallotInvalid(N_("An answer was chosen twice."), question_id=question_id)
        if question.kind == "single" and len(picked) > 1:
            raise BallotInvalid(
                N_("Choose only one answer to this question."), question_id=question_id
            )
        if question.kind == "multiple" and len(picked) > question.max_choices:
            raise BallotInvalid(
                N_("Choose at most %(count)s answers to this question."),
                question_id=question_id,
                count=question.max_choices,
            )
        if question.kind == "ranked" and len(picked) > question.max_choices:
            raise BallotInvalid(
                N_("Rank at most %(count)s answers."),
                question_id=question_id,
                count=question.max_choices,
            )


def _ranking(
    question: QuestionRules, answer_ids: list[int], form: Mapping[str, list[str]]
) -> list[int]:
    prefix = f"q{question.id}_rank"
    ranks: dict[int, int] = {}
    for name, values in form.items():
        if not name.startswith(prefix) or not _FIELD.fullmatch(name):
            continue
        answer_id = int(name[len(prefix) :])
        if answer_id not in answer_ids:
            raise BallotInvalid(_NOT_HERE, question_id=question.id)
        sent = [value.strip() for value in values if value.strip()]
        if len(sent) > 1:
            raise BallotInvalid(N_("Give each answer a different rank."), question_id=question.id)
        if sent:
            ranks[answer_id] = _number(sent[0], question.id, _NOT_A_RANK)
    given = sorted(ranks.values())
    if len(set(given)) != len(given):
        raise BallotInvalid(N_("Give each answer a different rank."), question_id=question.id)
    if given != list(range(1, len(given) + 1)):
        raise BallotInvalid(
            N_("Number the answers you rank 1, 2, 3… without skipping a number."),
            question_id=question.id,
        )
    return sorted(ranks, key=ranks.__getitem__)


def _number(text: str, question_id: int, message: str = _NOT_HERE) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise BallotInvalid(message, question_id=question_id)
    return int(text)


def encode_choices(
    questions: Mapping[int, QuestionRules], choices: Mapping[int, Sequence[int]]
) -> str:
    parts = []
    for question_id in sorted(choices):
        picked = list(choices[question_id])
        if not picked:
            continue
        if questions[question_id].kind == "ranked":
            parts.append(f"{question_id}:" + ">".join(map(str, picked)))
        else:
            parts.append(f"{question_id}:" + ",".join(map(str, sorted(picked))))
    return ";".join(parts)


def decode_choices(text: str) -> Choices:
    """The stored text back into choices; rankings keep their order."""
    choices: Choices = {}
    for part in text.split(";") if text else ():
        question, _, answers = part.partition(":")
        separator = ">" if ">" in answers else ","
        choices[int(question)] = [int(answer) for answer in answers.split(separator)]
    return choices
