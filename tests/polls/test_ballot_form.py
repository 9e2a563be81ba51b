"""Reading a ballot form: valid ballots, and every kind of bad one refused with a clear message."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from app.polls.ballot_form import decode_choices, encode_choices, parse_ballot
from app.polls.errors import BallotInvalid
from app.polls.models import PollAnswer, PollQuestion
from app.tenants.models import Tenant
from tests.polls.factories import make_poll, questions_of

Sheet = tuple[list[PollQuestion], dict[int, list[PollAnswer]]]


@pytest.fixture
def sheet(db: Session, tenant_a: Tenant) -> Sheet:
    poll = make_poll(db, tenant_a, questions=[("single", 3), ("multiple", 4, 2), ("ranked", 4, 3)])
    pairs = questions_of(db, poll)
    return [q for q, _ in pairs], {q.id: answers for q, answers in pairs}


def ids(sheet: Sheet) -> tuple[int, list[int], int, list[int], int, list[int]]:
    (single, multiple, ranked), answers = sheet
    return (
        single.id,
        [a.id for a in answers[single.id]],
        multiple.id,
        [a.id for a in answers[multiple.id]],
        ranked.id,
        [a.id for a in answers[ranked.id]],
    )


def test_a_full_ballot(sheet: Sheet) -> None:
    s, sa, m, ma, r, ra = ids(sheet)
    form = {
        f"q{s}": [str(sa[1])],
        f"q{m}": [str(ma[3]), str(ma[0])],
        f"q{r}_rank{ra[0]}": ["2"],
        f"q{r}_rank{ra[1]}": [""],
        f"q{r}_rank{ra[2]}": ["1"],
        f"q{r}_rank{ra[3]}": ["3"],
    }
    choices = parse_ballot(*sheet, form)
    assert choices == {s: [sa[1]], m: [ma[3], ma[0]], r: [ra[2], ra[0], ra[3]]}
    questions = {question.id: question for question in sheet[0]}
    text = encode_choices(questions, choices)
    assert text == (
        f"{s}:{sa[1]};{m}:{min(ma[0], ma[3])},{max(ma[0], ma[3])};{r}:{ra[2]}>{ra[0]}>{ra[3]}"
    )
    assert decode_choices(text) == {s: [sa[1]], m: sorted([ma[0], ma[3]]), r: [ra[2], ra[0], ra[3]]}


def test_questions_may_be_left_blank_but_not_all(sheet: Sheet) -> None:
    s, sa, m, _, r, ra = ids(sheet)
    assert parse_ballot(*sheet, {f"q{s}": [str(sa[0])], f"q{m}": [""]}) == {s: [sa[0]]}
    assert parse_ballot(*sheet, {f"q{r}_rank{ra[3]}": ["1"]}) == {r: [ra[3]]}
    with pytest.raises(BallotInvalid) as empty:
        parse_ballot(*sheet, {f"q{s}": [""], f"q{r}_rank{ra[0]}": [" "]})
    assert empty.value.status_code == 422
    assert empty.value.message == "Choose at least one answer before sending your ballot."


BAD = {
    "two answers to a single question": (
        lambda s, sa, m, ma, r, ra: {f"q{s}": [str(sa[0]), str(sa[1])]},
        "Choose only one answer to this question.",
    ),
    "three answers where two are allowed": (
        lambda s, sa, m, ma, r, ra: {f"q{m}": [str(a) for a in ma[:3]]},
        "Choose at most %(count)s answers to this question.",
    ),
    "the same answer twice": (
        lambda s, sa, m, ma, r, ra: {f"q{m}": [str(ma[0]), str(ma[0])]},
        "An answer was chosen twice.",
    ),
    "an answer of another question": (
        lambda s, sa, m, ma, r, ra: {f"q{s}": [str(ma[0])]},
        "An answer on the ballot does not belong to its question.",
    ),
    "a ranking of another question's answer": (
        lambda s, sa, m, ma, r, ra: {f"q{r}_rank{sa[0]}": ["1"]},
        "An answer on the ballot does not belong to its question.",
    ),
    "not a number": (
        lambda s, sa, m, ma, r, ra: {f"q{s}": ["<script>"]},
        "An answer on the ballot does not belong to its question.",
    ),
    "an unknown question": (
        lambda s, sa, m, ma, r, ra: {f"q{r + 1000}": [str(sa[0])]},
        "The ballot names a question that is not in this poll.",
    ),
    "a repeated rank": (
        lambda s, sa, m, ma, r, ra: {f"q{r}_rank{ra[0]}": ["1"], f"q{r}_rank{ra[1]}": ["1"]},
        "Give each answer a different rank.",
    ),
    "a gap in the ranks": (
        lambda s, sa, m, ma, r, ra: {f"q{r}_rank{ra[0]}": ["1"], f"q{r}_rank{ra[1]}": ["3"]},
        "Number the answers you rank 1, 2, 3… without skipping a number.",
    ),
    "ranks not starting at one": (
        lambda s, sa, m, ma, r, ra: {f"q{r}_rank{ra[0]}": ["2"]},
        "Number the answers you rank 1, 2, 3… without skipping a number.",
    ),
    "more ranked than allowed": (
        lambda s, sa, m, ma, r, ra: {f"q{r}_rank{a}": [str(n + 1)] for n, a in enumerate(ra)},
        "Rank at most %(count)s answers.",
    ),
    "a rank that is not a number": (
        lambda s, sa, m, ma, r, ra: {f"q{r}_rank{ra[0]}": ["uno"]},
        "Write each rank as a whole number: 1, 2, 3…",
    ),
    "a negative rank": (
        lambda s, sa, m, ma, r, ra: {f"q{r}_rank{ra[0]}": ["-1"]},
        "Write each rank as a whole number: 1, 2, 3…",
    ),
    "one answer ranked twice": (
        lambda s, sa, m, ma, r, ra: {f"q{r}_rank{ra[0]}": ["1", "2"]},
        "Give each answer a different rank.",
    ),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_ballots_are_refused_with_a_clear_message(sheet: Sheet, case: str) -> None:
    build, message = BAD[case]
    with pytest.raises(BallotInvalid) as refused:
        parse_ballot(*sheet, build(*ids(sheet)))
    assert refused.value.status_code == 422
    assert refused.value.message == message


def test_answers_of_another_instances_poll_are_refused(
    db: Session, sheet: Sheet, tenant_b: Tenant
) -> None:
    ((theirs, their_answers),) = questions_of(db, make_poll(db, tenant_b))
    s, *_ = ids(sheet)
    with pytest.raises(BallotInvalid):
        parse_ballot(*sheet, {f"q{s}": [str(their_answers[0].id)]})
    with pytest.raises(BallotInvalid):
        parse_ballot(*sheet, {f"q{theirs.id}": [str(their_answers[0].id)]})


def test_fields_that_are_not_questions_are_ignored(sheet: Sheet) -> None:
    s, sa, *_ = ids(sheet)
    form = {f"q{s}": [str(sa[0])], "csrf_token": ["x"], "quiz": ["1"], "send": [""]}
    assert parse_ballot(*sheet, form) == {s: [sa[0]]}
