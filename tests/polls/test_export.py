"""Exports of a closed poll: anyone can recount the ballots and find the published result."""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from app.db import scoped_to, utcnow
from app.errors import NotFound
from app.polls.ballots import Voter, cast_booth_ballot, cast_web_ballot
from app.polls.closing import close_poll
from app.polls.exports import ballots_json, recount, results_csv, results_json
from app.polls.models import Poll, PollPaperTotal
from app.polls.tally import PollResults, published_results, refresh_results
from app.tenants.models import Tenant
from tests.conftest import SECRET
from tests.polls.factories import make_booth, make_poll, questions_of


def voted_poll(db: Session, tenant: Tenant) -> Poll:
    """A poll with 60 web, 10 tablet and 5 typed paper ballots and paper totals, closed."""
    poll = make_poll(
        db,
        tenant,
        closes=timedelta(minutes=5),
        questions=[("single", 3), ("multiple", 4, 2), ("ranked", 4, 3)],
    )
    booth = make_booth(db, tenant, poll)
    (s, sa), (m, ma), (r, ra) = questions_of(db, poll)
    chance = random.Random(7)

    def ballot() -> dict[int, list[int]]:
        return {
            s.id: [chance.choice(sa).id],
            m.id: [a.id for a in chance.sample(ma, chance.randint(1, 2))],
            r.id: [a.id for a in chance.sample(ra, chance.randint(1, 3))],
        }

    with scoped_to(db, tenant.id):
        for number in range(60):
            voter = Voter(f"voter-{number}", None, None, verified=True)
            cast_web_ballot(db, poll, voter, ballot(), SECRET, utcnow())
        for _ in range(10):
            cast_booth_ballot(db, poll, booth, ballot(), "tablet")
        for answer, votes in zip(sa, (4, 0, 3), strict=True):
            db.add(
                PollPaperTotal(
                    booth_id=booth.id, question_id=s.id, answer_id=answer.id, votes=votes
                )
            )
        db.add(PollPaperTotal(booth_id=booth.id, question_id=m.id, answer_id=ma[1].id, votes=6))
        db.flush()
        close_poll(db, poll, utcnow() + timedelta(minutes=6))
        # Paper rankings typed in after the close; the result is counted again each time.
        for _ in range(5):
            cast_booth_ballot(db, poll, booth, {r.id: ballot()[r.id]}, "paper")
            refresh_results(db, poll)
    return poll


def test_a_recount_of_the_exported_ballots_gives_the_published_result(
    db: Session, tenant_a: Tenant
) -> None:
    poll = voted_poll(db, tenant_a)
    published = published_results(poll)
    assert published is not None
    assert published.ballots == 75
    with scoped_to(db, tenant_a.id):
        exported = ballots_json(db, poll)
    assert recount(exported) == published.questions
    ranked = published.questions[2]
    assert ranked.winner_id is not None
    assert len(ranked.rounds) >= 1
    # A changed ballot gives another result: the recount really counts.
    data = json.loads(exported)
    data["ballots"][0][3] += 50
    assert recount(json.dumps(data)) != published.questions


def test_the_exported_ballots_are_anonymous(db: Session, tenant_a: Tenant) -> None:
    poll = voted_poll(db, tenant_a)
    with scoped_to(db, tenant_a.id):
        exported = ballots_json(db, poll)
    data = json.loads(exported)
    assert set(data) == {"format", "poll_id", "questions", "paper_totals", "ballots"}
    # Each distinct ballot once, with how many times it was cast, in sorted order.
    rows = data["ballots"]
    assert rows == sorted(rows, key=lambda row: (row[0], row[1] or 0, row[2]))
    assert sum(row[3] for row in rows) == 75
    assert all(len(row) == 4 for row in rows)
    assert "-" not in "".join(row[2] for row in rows)  # no receipt code


def test_results_json_and_csv(db: Session, tenant_a: Tenant) -> None:
    poll = voted_poll(db, tenant_a)
    published = published_results(poll)
    assert published is not None
    assert PollResults.from_json(results_json(published)) == published
    table = list(csv.reader(io.StringIO(results_csv(published))))
    assert table[0] == [
        "question_id",
        "question",
        "kind",
        "answer_id",
        "answer",
        "votes",
        "web",
        "tablet",
        "paper",
        "winner",
    ]
    single = published.questions[0]
    rows = [row for row in table[1:] if row[0] == str(single.question_id)]
    assert [int(row[5]) for row in rows] == [a.votes for a in single.answers]
    assert [int(row[8]) for row in rows] == [4, 0, 3]
    for row in rows:
        assert int(row[5]) == int(row[6]) + int(row[7]) + int(row[8])
    assert "<script>" in rows[0][1]  # text is data in a CSV; a spreadsheet shows it as such


def test_a_title_that_looks_like_a_formula_stays_text(db: Session, tenant_a: Tenant) -> None:
    poll = make_poll(db, tenant_a, title="=HYPERLINK(1)", closes=timedelta(minutes=1))
    ((question, answers),) = questions_of(db, poll)
    with scoped_to(db, tenant_a.id):
        question.title = "=1+1"
        answers[0].title = "@SUM(A1)"
        db.flush()
        close_poll(db, poll, utcnow() + timedelta(minutes=2))
    published = published_results(poll)
    assert published is not None
    row = list(csv.reader(io.StringIO(results_csv(published))))[1]
    assert (row[1], row[4]) == ("'=1+1", "'@SUM(A1)")


def test_nothing_is_exported_before_the_close(db: Session, tenant_a: Tenant) -> None:
    poll = make_poll(db, tenant_a)
    with scoped_to(db, tenant_a.id), pytest.raises(NotFound):
        ballots_json(db, poll)
    assert published_results(poll) is None
