"""Counting a poll: votes per answer by channel and booth, paper totals, instant-runoff.

The database groups identical ballots (``GROUP BY channel, booth_id, choices``), so Python
only walks the distinct ballots: a million ballots are a few thousand rows here. The counting
itself (``count_questions``) is a pure function of the poll's questions, those groups and the
paper totals, which is what lets anyone recount from the exports (app.polls.exports).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.census.models import CensusEntry
from app.polls.ballot_form import decode_choices
from app.polls.ballots import ballot_rules
from app.polls.eligibility import poll_geozone_codes
from app.polls.models import Poll, PollBallot, PollBooth, PollPaperTotal, PollVoter
from app.polls.results import (
    CHANNELS,
    AnswerResult,
    AnswerSpec,
    BallotGroup,
    BoothResult,
    PaperTotal,
    PollResults,
    QuestionResult,
    QuestionSpec,
    RunoffRound,
)

__all__ = [
    "CHANNELS",
    "AnswerResult",
    "AnswerSpec",
    "BallotGroup",
    "BoothResult",
    "PaperTotal",
    "PollResults",
    "QuestionResult",
    "QuestionSpec",
    "RunoffRound",
    "count_poll",
    "count_questions",
    "instant_runoff",
    "published_results",
    "refresh_results",
]


def instant_runoff(
    rankings: Mapping[tuple[int, ...], int], order: Sequence[int]
) -> list[RunoffRound]:
    """Rounds of instant-runoff over rankings (answer ids, most preferred first) and counts.

    Each round gives every ballot to its most preferred answer still in the count. An answer
    with more than half of the ballots still in the count (not exhausted) wins. Otherwise the
    answer with the fewest votes is eliminated; a tie goes to the one with the fewest
    first-round votes, then to the one listed last on the ballot (``order``).
    """
    continuing = list(order)
    listed = {answer: index for index, answer in enumerate(order)}
    first_round: dict[int, int] = {}
    rounds: list[RunoffRound] = []
    while continuing:
        still_in = set(continuing)
        votes = dict.fromkeys(continuing, 0)
        exhausted = 0
        for ranking, count in rankings.items():
            for answer in ranking:
                if answer in still_in:
                    votes[answer] += count
                    break
            else:
                exhausted += count
        if not rounds:
            first_round = dict(votes)
        number = len(rounds) + 1
        active = sum(votes.values())
        if active == 0:
            rounds.append(RunoffRound(number, votes, exhausted))
            break
        leader = max(continuing, key=lambda answer: (votes[answer], -listed[answer]))
        if 2 * votes[leader] > active:
            rounds.append(RunoffRound(number, votes, exhausted, elected=leader))
            break
        loser = min(
            continuing,
            key=lambda answer: (votes[answer], first_round[answer], -listed[answer]),
        )
        rounds.append(RunoffRound(number, votes, exhausted, eliminated=loser))
        continuing.remove(loser)
    return rounds


def count_questions(
    questions: Sequence[QuestionSpec], groups: Iterable[BallotGroup], paper: Iterable[PaperTotal]
) -> list[QuestionResult]:
    """The result of every question from grouped ballots and paper totals (pure: no database)."""
    by_id = {question.question_id: question for question in questions}
    channel_votes: dict[int, dict[int, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    booth_votes: dict[int, dict[int, Counter[int]]] = defaultdict(lambda: defaultdict(Counter))
    answered: Counter[int] = Counter()
    rankings: dict[int, Counter[tuple[int, ...]]] = defaultdict(Counter)
    total = 0
    # Ballots differ as wholes far more often than question by question: a million ballots
    # are some twenty thousand groups but only a few hundred distinct answers to one question.
    # So each group's text is cut into its questions' parts, and only those are decoded.
    parts: Counter[tuple[str, int | None, str]] = Counter()
    for group in groups:
        total += group.count
        if group.choices:
            for part in group.choices.split(";"):
                parts[(group.channel, group.booth_id, part)] += group.count
    for (channel, booth_id, part), count in parts.items():
        for question_id, picked in decode_choices(part).items():
            question = by_id.get(question_id)
            if question is None or not picked:
                continue
            answered[question_id] += count
            counted = picked[:1] if question.kind == "ranked" else picked
            if question.kind == "ranked":
                rankings[question_id][tuple(picked)] += count
            for answer_id in counted:
                channel_votes[question_id][answer_id][channel] += count
                if booth_id is not None:
                    booth_votes[question_id][answer_id][booth_id] += count
    for total_row in paper:
        question = by_id.get(total_row.question_id)
        if question is None or question.kind == "ranked" or not total_row.votes:
            continue
        channel_votes[total_row.question_id][total_row.answer_id]["paper"] += total_row.votes
        booth_votes[total_row.question_id][total_row.answer_id][total_row.booth_id] += (
            total_row.votes
        )
    results = []
    for question in questions:
        qid = question.question_id
        answers = [
            AnswerResult(
                answer_id=answer.answer_id,
                title=answer.title,
                votes=sum(channel_votes[qid][answer.answer_id].values()),
                by_channel={
                    channel: channel_votes[qid][answer.answer_id][channel] for channel in CHANNELS
                },
                by_booth=dict(sorted(booth_votes[qid][answer.answer_id].items())),
            )
            for answer in question.answers
        ]
        rounds: list[RunoffRound] = []
        winner = None
        if question.kind == "ranked":
            order = [answer.answer_id for answer in question.answers]
            rounds = instant_runoff(rankings[qid], order)
            winner = rounds[-1].elected if rounds else None
        results.append(
            QuestionResult(
                question_id=qid,
                title=question.title,
                kind=question.kind,
                max_choices=question.max_choices,
                answers=answers,
                answered=answered[qid],
                blank=total - answered[qid],
                rounds=rounds,
                winner_id=winner,
            )
        )
    return results


def question_specs(session: Session, poll: Poll) -> list[QuestionSpec]:
    questions, answers = ballot_rules(session, poll)
    return [
        QuestionSpec(
            question_id=question.id,
            title=question.title,
            kind=question.kind,
            max_choices=question.max_choices,
            answers=[AnswerSpec(answer.id, answer.title) for answer in answers[question.id]],
        )
        for question in questions
    ]


def ballot_groups(session: Session, poll: Poll) -> list[BallotGroup]:
    statement = (
        select(PollBallot.channel, PollBallot.booth_id, PollBallot.choices, func.count())
        .where(PollBallot.poll_id == poll.id, PollBallot.tenant_id == poll.tenant_id)
        .group_by(PollBallot.channel, PollBallot.booth_id, PollBallot.choices)
    )
    # On the session's connection, the instance named above: tens of thousands of groups
    # need no ORM loading. Sorted here, not by the database: the same order on every
    # database, without sorting text under the server's collation.
    groups = [BallotGroup(*row) for row in session.connection().execute(statement)]
    return sorted(
        groups, key=lambda g: (g.channel, g.booth_id is not None, g.booth_id or 0, g.choices)
    )


def paper_totals(session: Session, poll: Poll) -> list[PaperTotal]:
    statement = (
        select(
            PollPaperTotal.booth_id,
            PollPaperTotal.question_id,
            PollPaperTotal.answer_id,
            PollPaperTotal.votes,
        )
        .join(PollBooth, PollBooth.id == PollPaperTotal.booth_id)
        .where(PollBooth.poll_id == poll.id)
        .order_by(PollPaperTotal.booth_id, PollPaperTotal.question_id, PollPaperTotal.answer_id)
    )
    return [PaperTotal(*row) for row in session.execute(statement)]


def count_poll(session: Session, poll: Poll, now: datetime | None = None) -> PollResults:
    if session.get_bind().dialect.name == "postgresql":
        # Compiling these few statements just in time costs more than it saves: measured at a
        # million ballots, the ballots' GROUP BY took 1.6 s with JIT and 1.0 s without.
        session.execute(text("SET LOCAL jit = off"))
        # Group by hashing, never by sorting a million ballots: when many ballots came in since
        # the table was last analysed (a rush before closing), the planner, thinking it small,
        # sorted them under the text collation, 2.5-5 s instead of 0.6 s (bench/README.md).
        session.execute(text("SET LOCAL enable_sort = off"))
    groups = ballot_groups(session, poll)
    questions = count_questions(question_specs(session, poll), groups, paper_totals(session, poll))
    voters_by_channel, voters_by_booth = roll_counts(session, poll, groups)
    booths = []
    for booth in session.scalars(
        select(PollBooth).where(PollBooth.poll_id == poll.id).order_by(PollBooth.id)
    ):
        mine = [group for group in groups if group.booth_id == booth.id]
        booths.append(
            BoothResult(
                booth_id=booth.id,
                name=booth.name,
                voters=voters_by_booth[booth.id],
                tablet_ballots=sum(g.count for g in mine if g.channel == "tablet"),
                typed_paper_ballots=sum(g.count for g in mine if g.channel == "paper"),
                paper_ballots=booth.paper_ballots,
            )
        )
    return PollResults(
        poll_id=poll.id,
        counted_at=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
        ballots=sum(group.count for group in groups),
        voters=sum(voters_by_channel.values()),
        voters_by_channel=voters_by_channel,
        eligible=eligible_census(session, poll),
        min_age=poll.min_age,
        booths=booths,
        questions=questions,
    )


def roll_counts(
    session: Session, poll: Poll, groups: Sequence[BallotGroup]
) -> tuple[dict[str, int], Counter[int]]:
    """People on the roll by channel, and by booth.

    Web entries are not read: each is written in the statement or transaction that writes its
    web ballot, and a replacement swaps one ballot for another, so there are exactly as many as
    web ballots (``tests/polls/test_tally.py`` compares them with the roll). Counting a million
    of them again would cost half a second at closing. Booth entries always name their booth
    (a booth someone voted at cannot be deleted), so the index on (poll, booth) finds them.
    """
    voters_by_channel = dict.fromkeys(CHANNELS, 0)
    voters_by_channel["web"] = sum(group.count for group in groups if group.channel == "web")
    voters_by_booth: Counter[int] = Counter()
    roll = session.execute(
        select(PollVoter.channel, PollVoter.booth_id, func.count())
        .where(PollVoter.poll_id == poll.id, PollVoter.booth_id.is_not(None))
        .group_by(PollVoter.channel, PollVoter.booth_id)
    )
    for channel, booth_id, count in roll:
        voters_by_channel[channel] += count
        if booth_id is not None:  # always, by the WHERE; said for the type checker
            voters_by_booth[booth_id] += count
    return voters_by_channel, voters_by_booth


def eligible_census(session: Session, poll: Poll) -> int:
    """Census entries of the poll's geozones (all of them when it lists none)."""
    # count(*), not count(id): the index on (instance, geozone) answers it alone.
    statement = select(func.count()).select_from(CensusEntry)
    zones = poll_geozone_codes(session, poll)
    if zones:
        statement = statement.where(CensusEntry.geozone_code.in_(sorted(zones)))
    return session.scalar(statement) or 0


def refresh_results(session: Session, poll: Poll) -> None:
    """Count a closed poll again (paper totals or typed paper ballots changed); open: nothing."""
    if poll.closed_at is None:
        return
    poll.results_json = count_poll(session, poll).to_json()
    session.flush()


def published_results(poll: Poll) -> PollResults | None:
    """The results to show: only once the poll is closed, whoever asks."""
    if poll.closed_at is None or poll.results_json is None:
        return None
    return PollResults.from_json(poll.results_json)
