"""The published count of a poll, as stored in ``polls.results_json`` and exported.

Plain dataclasses, so a template, the JSON export and a recount all read the same thing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

CHANNELS = ("web", "tablet", "paper")


@dataclass(frozen=True)
class AnswerSpec:
    answer_id: int
    title: str


@dataclass(frozen=True)
class QuestionSpec:
    """What the count needs to know of a question; answers in the order the ballot lists them."""

    question_id: int
    title: str
    kind: str
    max_choices: int
    answers: list[AnswerSpec]


@dataclass(frozen=True)
class BallotGroup:
    """Identical ballots cast through one channel (and booth): their choices and how many."""

    channel: str
    booth_id: int | None
    choices: str
    count: int


@dataclass(frozen=True)
class PaperTotal:
    booth_id: int
    question_id: int
    answer_id: int
    votes: int


@dataclass(frozen=True)
class AnswerResult:
    """An answer's votes; for a ranking, the ballots that put it first."""

    answer_id: int
    title: str
    votes: int
    by_channel: dict[str, int]
    by_booth: dict[int, int]


@dataclass(frozen=True)
class RunoffRound:
    """One round of instant-runoff: the votes of each answer still in the count."""

    number: int
    votes: dict[int, int]
    exhausted: int
    eliminated: int | None = None
    elected: int | None = None


@dataclass(frozen=True)
class QuestionResult:
    question_id: int
    title: str
    kind: str
    max_choices: int
    answers: list[AnswerResult]
    # Ballots (web, tablet, typed paper) that answered it / left it blank; hand-counted paper
    # ballots are only in the answers' totals.
    answered: int
    blank: int
    rounds: list[RunoffRound] = field(default_factory=list)
    winner_id: int | None = None


@dataclass(frozen=True)
class BoothResult:
    booth_id: int
    name: str
    voters: int  # people the officers marked at this booth
    tablet_ballots: int
    typed_paper_ballots: int
    paper_ballots: int | None  # papers in the box, as the officer counted them


@dataclass(frozen=True)
class PollResults:
    poll_id: int
    counted_at: str
    ballots: int  # ballot rows: web, tablet and typed paper
    voters: int  # roll entries, every channel
    voters_by_channel: dict[str, int]
    eligible: int  # census entries in the poll's geozones (age is not in the census)
    min_age: int | None
    booths: list[BoothResult]
    questions: list[QuestionResult]

    @property
    def turnout(self) -> float | None:
        return self.voters / self.eligible if self.eligible else None

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> PollResults:
        data = json.loads(text)
        return cls(
            poll_id=data["poll_id"],
            counted_at=data["counted_at"],
            ballots=data["ballots"],
            voters=data["voters"],
            voters_by_channel=dict(data["voters_by_channel"]),
            eligible=data["eligible"],
            min_age=data["min_age"],
            booths=[BoothResult(**booth) for booth in data["booths"]],
            questions=[question_from_dict(question) for question in data["questions"]],
        )


def question_from_dict(data: Mapping[str, Any]) -> QuestionResult:
    # JSON object keys are strings; the ids inside the results are integers again.
    return QuestionResult(
        question_id=data["question_id"],
        title=data["title"],
        kind=data["kind"],
        max_choices=data["max_choices"],
        answers=[
            AnswerResult(
                answer_id=answer["answer_id"],
                title=answer["title"],
                votes=answer["votes"],
                by_channel=dict(answer["by_channel"]),
                by_booth={int(key): value for key, value in answer["by_booth"].items()},
            )
            for answer in data["answers"]
        ],
        answered=data["answered"],
        blank=data["blank"],
        rounds=[
            RunoffRound(
                number=round_["number"],
                votes={int(key): value for key, value in round_["votes"].items()},
                exhausted=round_["exhausted"],
                eliminated=round_["eliminated"],
                elected=round_["elected"],
            )
            for round_ in data["rounds"]
        ],
        winner_id=data["winner_id"],
    )
