"""Small elections whose outcome is worked out by hand in the comments."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from app.budgets.tally.election import Ballot, Election, TallyProject, VoteType
from app.budgets.tally.equal_shares import Utility, equal_shares
from app.budgets.tally.greedy import Scoring, tally_greedy
from app.budgets.tally.rules import Method, Rule, rule_for, tally


def election(
    budget: str,
    costs: dict[str, str],
    ballots: Sequence[tuple[str, ...]],
    vote_type: VoteType = VoteType.APPROVAL,
) -> Election:
    return Election(
        budget=Fraction(budget),
        projects=tuple(TallyProject(pid, Fraction(cost)) for pid, cost in costs.items()),
        ballots=tuple(Ballot(ballot) for ballot in ballots),
        vote_type=vote_type,
    )


def test_greedy_skips_what_no_longer_fits_and_goes_on() -> None:
    # a (3 votes, 6) fits; b (2 votes, 5) would make 11 > 10: skipped; c (1 vote, 4) fits.
    poll = election("10", {"a": "6", "b": "5", "c": "4"}, [("a", "b", "c"), ("a", "b"), ("a",)])
    assert tally_greedy(poll, Scoring.APPROVALS) == ["a", "c"]


def test_ties_go_to_the_smaller_id_as_text() -> None:
    # "10" and "9" have one vote each and only one fits: as text "10" < "9".
    poll = election("5", {"9": "5", "10": "5"}, [("9",), ("10",)])
    assert tally_greedy(poll, Scoring.APPROVALS) == ["10"]
    assert tally(poll, Rule.MES_COST_ADD1_GREEDY) == ["10"]


def test_greedy_funds_a_project_without_votes_when_it_fits() -> None:
    poll = election("10", {"a": "6", "z": "3"}, [("a",)])
    assert tally_greedy(poll, Scoring.APPROVALS) == ["a", "z"]


def test_equal_shares_gives_the_minority_its_share_where_greedy_does_not() -> None:
    # 6 voters want x1 and x2, 4 want y; each costs 50 of 100. Greedy: x1, x2 (6 votes each).
    # MES: 10 each. x1 costs each of its 6 supporters 50/6, leaving them 5/3: x2 is out of
    # reach (6 × 5/3 = 10 < 50) and so is y (4 × 10 = 40 < 50): {x1}, not exhaustive.
    # add1: at 10 + 3 = 13 each, y gets affordable (52 ≥ 50): x1 (ρ = 1/6) then y (ρ = 1/4);
    # x2 no longer fits in 100: exhaustive, kept. At +0, +1, +2 the outcome is {x1}.
    ballots = [("x1", "x2")] * 6 + [("y",)] * 4
    poll = election("100", {"x1": "50", "x2": "50", "y": "50"}, ballots)
    assert tally_greedy(poll, Scoring.APPROVALS) == ["x1", "x2"]
    assert equal_shares(poll, add1=False).funded == ("x1",)
    assert equal_shares(poll).funded == ("x1", "y")
    assert tally(poll, rule_for(Method.EQUAL_SHARES, poll.vote_type)) == ["x1", "y"]


def test_add1_keeps_the_last_outcome_within_the_budget() -> None:
    # 2 voters, budget 10: 5 each. a (cost 6, both) costs 3 each: then b (cost 4, voter 1)
    # is out of reach (2 < 4). Each extra unit gives voter 1 one more: at +2, b is paid (4)
    # and a + b = 10 is exhaustive (c, cost 1, no longer fits). +0 and +1 give {a}, which is
    # not exhaustive (b fits in the 4 left).
    poll = election("10", {"a": "6", "b": "4", "c": "1"}, [("a", "b"), ("a",)])
    assert equal_shares(poll, add1=False).funded == ("a",)
    assert equal_shares(poll).funded == ("a", "b")
    # Completion adds nothing: c (cost 1) does not fit in 10 - 10.
    assert tally(poll, Rule.MES_COST_ADD1_GREEDY) == ["a", "b"]


def test_an_empty_ballot_still_takes_its_share() -> None:
    # Budget 100, 2 voters, one ballot empty: 50 each, a (60) is out of reach. Only at +10
    # does the one supporter reach 60; the outcome {a} is then exhaustive.
    poll = election("100", {"a": "60"}, [("a",), ()])
    assert equal_shares(poll, add1=False).funded == ()
    assert equal_shares(poll).funded == ("a",)


def test_exact_arithmetic_where_floats_would_drop_a_project() -> None:
    # One voter with 0.3, projects costing 0.1 and 0.2: both are paid exactly (ρ = 1 each, the
    # tie goes to "a"). In floats 0.3 - 0.1 = 0.19999999999999998 < 0.2 and b would be lost,
    # and greedy would find 0.1 + 0.2 = 0.30000000000000004 over the budget.
    assert 0.3 - 0.1 < 0.2
    assert 0.1 + 0.2 > 0.3
    poll = election("0.3", {"a": "0.1", "b": "0.2"}, [("a", "b")])
    assert equal_shares(poll, add1=False).funded == ("a", "b")
    assert tally_greedy(poll, Scoring.APPROVALS) == ["a", "b"]


def test_equal_shares_with_points() -> None:
    # Budget 30, 3 voters with 10 each. Points: v1 a=3, v2 a=1 b=2, v3 b=3 (utilities).
    # a costs 12: v1 (u 3) and v2 (u 1) pay ρ·u: 4ρ = 12, ρ = 3; v1 pays 9 ≤ 10: ρ(a) = 3.
    # b costs 20: v2 (u 2), v3 (u 3): 5ρ = 20 gives ρ = 4, but v3 cannot pay 12: v3 pays its
    # 10, v2 pays 2ρ = 10, so ρ(b) = 5.
    # a first (3 < 5): v1 has 1, v2 has 7. Then b: v2 7 + v3 10 = 17 < 20: unaffordable.
    poll = Election(
        budget=Fraction(30),
        projects=(TallyProject("a", Fraction(12)), TallyProject("b", Fraction(20))),
        ballots=(Ballot(("a",), (3,)), Ballot(("a", "b"), (1, 2)), Ballot(("b",), (3,))),
        vote_type=VoteType.CUMULATIVE,
    )
    assert equal_shares(poll, Utility.POINTS, add1=False).funded == ("a",)
    # Greedy by points: b has 5, a has 4: b (20) then a would make 32 > 30.
    assert tally_greedy(poll, Scoring.POINTS) == ["b"]
    # Completion after MES: 30 - 12 = 18 left, b (20) does not fit.
    assert tally(poll, Rule.MES_POINTS) == ["a"]


def test_positional_scores_for_rankings() -> None:
    # Rankings of length 3 give 3, 2, 1 points: a = 3 + 1 = 4, b = 2 + 3 = 5, c = 1 + 2 = 3.
    poll = election("10", {"a": "4", "b": "4", "c": "4"}, [("a", "b", "c"), ("b", "c", "a")])
    poll = Election(poll.budget, poll.projects, poll.ballots, VoteType.ORDINAL)
    assert tally(poll, rule_for(Method.GREEDY, VoteType.ORDINAL)) == ["b", "a"]
    # Read as approvals every project has 2 votes: ids decide.
    assert tally(poll, Rule.GREEDY_COST) == ["a", "b"]


def test_rule_chosen_by_vote_type() -> None:
    assert rule_for(Method.GREEDY, VoteType.CHOOSE_1) is Rule.GREEDY_COST
    assert rule_for(Method.GREEDY, VoteType.CUMULATIVE) is Rule.GREEDY_POINTS
    assert rule_for(Method.EQUAL_SHARES, VoteType.ORDINAL) is Rule.MES_COST_ADD1_GREEDY
    assert rule_for(Method.EQUAL_SHARES, VoteType.CUMULATIVE) is Rule.MES_POINTS_ADD1_GREEDY


def test_a_free_project_with_support_is_funded_first_by_equal_shares() -> None:
    # With points as utilities a project costing 0 still has supporters: the reference puts
    # it in the outcome before counting. With costs as utilities nobody gains from it, and
    # only the greedy completion funds it.
    poll = Election(
        budget=Fraction(10),
        projects=(TallyProject("a", Fraction(10)), TallyProject("free", Fraction(0))),
        ballots=(Ballot(("a", "free"), (1, 1)),),
        vote_type=VoteType.CUMULATIVE,
    )
    assert equal_shares(poll, Utility.POINTS).funded == ("free", "a")
    assert equal_shares(poll, Utility.COST).funded == ("a",)
    assert tally(poll, Rule.MES_COST_ADD1_GREEDY) == ["a", "free"]
