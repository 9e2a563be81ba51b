"""Counting: instant-runoff by hand-made cases, votes by channel and booth, paper totals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.answers.calendar import lima_date
from app.db import scoped_to, utcnow
from app.polls.ballots import Voter, cast_booth_ballot, cast_web_ballot
from app.polls.models import PollPaperTotal, PollVoter
from app.polls.tally import PollResults, RunoffRound, count_poll, instant_runoff
from app.tenants.models import Tenant
from tests.conftest import SECRET
from tests.factories import make_geozone
from tests.polls.factories import add_census_entry, make_booth, make_poll, questions_of

A, B, C, D = 1, 2, 3, 4


def test_a_majority_in_the_first_round_wins_at_once() -> None:
    rounds = instant_runoff({(A,): 5, (B, A): 3, (C,): 1}, [A, B, C])
    assert rounds == [RunoffRound(1, {A: 5, B: 3, C: 1}, 0, elected=A)]


def test_the_last_answer_is_eliminated_and_its_ballots_move_on() -> None:
    rounds = instant_runoff({(A,): 4, (B, C): 3, (C, B): 2}, [A, B, C])
    assert rounds == [
        RunoffRound(1, {A: 4, B: 3, C: 2}, 0, eliminated=C),
        RunoffRound(2, {A: 4, B: 5}, 0, elected=B),
    ]


def test_exhausted_ballots_leave_the_majority_threshold() -> None:
    rounds = instant_runoff({(A,): 4, (B,): 3, (C,): 2}, [A, B, C])
    assert rounds == [
        RunoffRound(1, {A: 4, B: 3, C: 2}, 0, eliminated=C),
        RunoffRound(2, {A: 4, B: 3}, 2, elected=A),  # 4 of the 7 still counted
    ]


def test_ties_go_to_first_round_votes_then_to_the_answer_listed_last() -> None:
    rounds = instant_runoff({(A,): 4, (B, A): 2, (C, B): 2}, [A, B, C])
    assert rounds == [
        # B and C tie, also in the first round: C is listed last.
        RunoffRound(1, {A: 4, B: 2, C: 2}, 0, eliminated=C),
        # A and B tie at 4: B had fewer first-round votes.
        RunoffRound(2, {A: 4, B: 4}, 0, eliminated=B),
        RunoffRound(3, {A: 6}, 2, elected=A),
    ]


def test_the_listed_order_breaks_a_perfect_tie() -> None:
    assert instant_runoff({(A,): 2, (B,): 2}, [B, A])[-1].elected == B
    assert instant_runoff({(A,): 2, (B,): 2}, [A, B])[-1].elected == A


def test_the_first_round_decides_a_later_tie_even_against_the_listed_order() -> None:
    # D is listed first but had fewer first-round votes than C when they tie later.
    rounds = instant_runoff({(C,): 3, (D,): 2, (B, D): 1, (A,): 5}, [D, C, B, A])
    assert rounds[0] == RunoffRound(1, {D: 2, C: 3, B: 1, A: 5}, 0, eliminated=B)
    assert rounds[1] == RunoffRound(2, {D: 3, C: 3, A: 5}, 0, eliminated=D)
    assert rounds[2] == RunoffRound(3, {C: 3, A: 5}, 3, elected=A)


def test_no_ballots_no_winner() -> None:
    assert instant_runoff({}, [A, B]) == [RunoffRound(1, {A: 0, B: 0}, 0)]


def test_answers_nobody_ranked_are_eliminated_first() -> None:
    rounds = instant_runoff({(A, B): 2, (B, A): 1, (C, B): 1}, [A, B, C, D])
    assert [r.eliminated for r in rounds[:-1]] == [D, C, B]
    assert rounds[-1].elected == A


@pytest.fixture
def counted(db: Session, tenant_a: Tenant) -> tuple[PollResults, dict[str, int]]:
    """A poll with web, tablet and paper votes in two zones, counted."""
    zone = make_geozone(db, tenant_a, "Z1")
    make_geozone(db, tenant_a, "Z2")
    for code in ("Z1", "Z1", "Z1", "Z2"):
        add_census_entry(db, tenant_a, geozone_code=code)
    poll = make_poll(
        db, tenant_a, geozones=[zone], questions=[("single", 2), ("multiple", 3, 2), ("ranked", 3)]
    )
    booth = make_booth(db, tenant_a, poll)
    (s, sa), (m, ma), (r, ra) = questions_of(db, poll)
    now = utcnow()
    with scoped_to(db, tenant_a.id):
        for number, choices in enumerate(
            [
                {s.id: [sa[0].id], m.id: [ma[0].id, ma[1].id], r.id: [ra[0].id, ra[1].id]},
                {s.id: [sa[1].id], r.id: [ra[1].id]},
                {m.id: [ma[2].id]},
            ]
        ):
            voter = Voter(f"key-{number}", "Z1", None, verified=True)
            cast_web_ballot(db, poll, voter, choices, SECRET, now)
        tablet = {s.id: [sa[0].id], r.id: [ra[2].id, ra[1].id]}
        cast_booth_ballot(db, poll, booth, tablet, "tablet")
        cast_booth_ballot(db, poll, booth, {r.id: [ra[2].id]}, "paper")
        for number, channel in enumerate(("tablet", "paper", "paper")):
            db.add(
                PollVoter(
                    poll_id=poll.id,
                    voter_key=f"booth-{number}",
                    channel=channel,
                    booth_id=booth.id,
                    voted_on=lima_date(now),
                )
            )
        for answer, votes in ((sa[0], 1), (sa[1], 0)):
            db.add(
                PollPaperTotal(
                    booth_id=booth.id, question_id=s.id, answer_id=answer.id, votes=votes
                )
            )
        db.add(PollPaperTotal(booth_id=booth.id, question_id=m.id, answer_id=ma[2].id, votes=2))
        booth.paper_ballots = 2
        db.flush()
        results = count_poll(db, poll, now + timedelta(days=8))
    names = {"s": s.id, "m": m.id, "r": r.id, "booth": booth.id}
    names.update({f"sa{i}": a.id for i, a in enumerate(sa)})
    names.update({f"ma{i}": a.id for i, a in enumerate(ma)})
    names.update({f"ra{i}": a.id for i, a in enumerate(ra)})
    return results, names


def test_votes_by_channel_and_booth_with_paper_totals(
    counted: tuple[PollResults, dict[str, int]],
) -> None:
    results, ids = counted
    single, multiple, ranked = results.questions
    votes = {a.answer_id: (a.votes, a.by_channel, a.by_booth) for a in single.answers}
    booth = ids["booth"]
    assert votes[ids["sa0"]] == (3, {"web": 1, "tablet": 1, "paper": 1}, {booth: 2})
    assert votes[ids["sa1"]] == (1, {"web": 1, "tablet": 0, "paper": 0}, {})
    assert (single.answered, single.blank) == (3, 2)  # ballot rows; paper totals are apart
    counts = {a.answer_id: a.votes for a in multiple.answers}
    assert counts == {ids["ma0"]: 1, ids["ma1"]: 1, ids["ma2"]: 3}
    # The ranking: first preferences, and the runoff over web, tablet and typed paper ballots.
    assert {a.answer_id: a.by_channel for a in ranked.answers} == {
        ids["ra0"]: {"web": 1, "tablet": 0, "paper": 0},
        ids["ra1"]: {"web": 1, "tablet": 0, "paper": 0},
        ids["ra2"]: {"web": 0, "tablet": 1, "paper": 1},
    }
    assert ranked.rounds[0].eliminated == ids["ra1"]  # tie with ra0; ra1 listed later
    assert ranked.winner_id == ids["ra2"]
    assert ranked.rounds[-1].votes == {ids["ra0"]: 1, ids["ra2"]: 2}
    assert ranked.rounds[-1].exhausted == 1  # a ballot that ranked only the eliminated one


def test_turnout_counts_the_roll_against_the_census_of_the_poll_zones(
    counted: tuple[PollResults, dict[str, int]],
) -> None:
    results, ids = counted
    assert results.ballots == 5
    assert results.voters == 6
    assert results.voters_by_channel == {"web": 3, "tablet": 1, "paper": 2}
    assert results.eligible == 3
    assert results.turnout == 2
    (booth,) = results.booths
    assert (booth.booth_id, booth.voters, booth.tablet_ballots, booth.typed_paper_ballots) == (
        ids["booth"],
        3,
        1,
        1,
    )
    assert booth.paper_ballots == 2


def test_results_survive_json(counted: tuple[PollResults, dict[str, int]]) -> None:
    results, _ = counted
    text = results.to_json()
    assert PollResults.from_json(text) == results
    assert "<script>" in text  # titles are data here; pages escape them


def test_web_voters_are_counted_as_web_ballots_and_equal_the_roll(
    db: Session, tenant_a: Tenant
) -> None:
    """count_poll does not read the web roll entries (a million of them cost half a second):
    it relies on there being one web ballot per web entry, replacements included."""
    poll = make_poll(db, tenant_a, questions=[("single", 3)])
    ((question, answers),) = questions_of(db, poll)
    now = utcnow()
    with scoped_to(db, tenant_a.id):
        for number in range(7):
            voter = Voter(f"web-{number}", None, None, verified=True)
            for answer in answers[: 1 + number % 3]:  # some vote once, some twice, some three times
                cast_web_ballot(db, poll, voter, {question.id: [answer.id]}, SECRET, now)
        results = count_poll(db, poll, now)
        on_roll = db.scalar(
            select(func.count()).select_from(PollVoter).where(PollVoter.poll_id == poll.id)
        )
    assert on_roll == 7
    assert results.voters_by_channel["web"] == results.voters == results.ballots == on_roll
