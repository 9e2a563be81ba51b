"""What a closed poll publishes for anyone to check: results (CSV, JSON) and its ballots.

``ballots.json`` holds the inputs of the count: the questions, the paper totals of each
booth, and every distinct ballot with how many times it was cast (by channel and booth). It
has no receipt codes and no order but the sorted one, so nothing in it follows the roll.
``recount()`` counts it again with the same code that produced the published results.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from sqlalchemy.orm import Session

from app.errors import NotFound
from app.polls.models import Poll
from app.polls.tally import (
    CHANNELS,
    AnswerSpec,
    BallotGroup,
    PaperTotal,
    PollResults,
    QuestionResult,
    QuestionSpec,
    ballot_groups,
    count_questions,
    paper_totals,
    published_results,
    question_specs,
)

FORMAT_VERSION = 1
# Spreadsheets run a cell starting with these as a formula; a title must stay text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _closed(poll: Poll) -> PollResults:
    results = published_results(poll)
    if results is None:
        raise NotFound()
    return results


def results_json(results: PollResults) -> str:
    return results.to_json()


def results_csv(results: PollResults) -> str:
    """One row per answer: its votes in all and by channel (a ranking: first preferences)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["question_id", "question", "kind", "answer_id", "answer", "votes", *CHANNELS, "winner"]
    )
    for question in results.questions:
        for answer in question.answers:
            writer.writerow(
                [
                    question.question_id,
                    _cell(question.title),
                    question.kind,
                    answer.answer_id,
                    _cell(answer.title),
                    answer.votes,
                    *(answer.by_channel.get(channel, 0) for channel in CHANNELS),
                    "yes" if question.winner_id == answer.answer_id else "",
                ]
            )
    return out.getvalue()


def _cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def ballots_json(session: Session, poll: Poll) -> str:
    """The anonymous ballots of a closed poll (NotFound before closing)."""
    _closed(poll)
    document = {
        "format": FORMAT_VERSION,
        "poll_id": poll.id,
        "questions": [
            {
                "question_id": spec.question_id,
                "title": spec.title,
                "kind": spec.kind,
                "max_choices": spec.max_choices,
                "answers": [[a.answer_id, a.title] for a in spec.answers],
            }
            for spec in question_specs(session, poll)
        ],
        "paper_totals": [
            [row.booth_id, row.question_id, row.answer_id, row.votes]
            for row in paper_totals(session, poll)
        ],
        "ballots": [
            [group.channel, group.booth_id, group.choices, group.count]
            for group in ballot_groups(session, poll)
        ],
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def recount(ballots_document: str) -> list[QuestionResult]:
    """Count the questions again from a ``ballots.json``; equal to the published ones."""
    data: dict[str, Any] = json.loads(ballots_document)
    if data.get("format") != FORMAT_VERSION:
        raise ValueError("not a ballots.json this version of Minka wrote")
    specs = [
        QuestionSpec(
            question_id=question["question_id"],
            title=question["title"],
            kind=question["kind"],
            max_choices=question["max_choices"],
            answers=[AnswerSpec(answer_id, title) for answer_id, title in question["answers"]],
        )
        for question in data["questions"]
    ]
    groups = [BallotGroup(*row) for row in data["ballots"]]
    paper = [PaperTotal(*row) for row in data["paper_totals"]]
    return count_questions(specs, groups, paper)
