"""The named rules of the reference implementation, and which one each ballot kind uses."""

from __future__ import annotations

from enum import StrEnum

from app.budgets.tally.election import Election, VoteType
from app.budgets.tally.equal_shares import Utility, equal_shares
from app.budgets.tally.greedy import Scoring, tally_greedy


class Rule(StrEnum):
    """Rule names as in pabutools-based studies (and ``expected.json`` of the reference)."""

    GREEDY_COST = "greedy_cost"  # most approvals first
    GREEDY_CARD = "greedy_card"  # most approvals per unit of cost first
    GREEDY_POINTS = "greedy_points"  # most points first
    GREEDY_POINTS_PER_COST = "greedy_points_per_cost"
    GREEDY_SCORE = "greedy_score"  # most positional points first (ordinal ballots)
    MES_COST = "mes_cost"
    MES_COST_ADD1 = "mes_cost_add1"
    MES_COST_ADD1_GREEDY = "mes_cost_add1_greedy"
    MES_POINTS = "mes_points"
    MES_POINTS_ADD1 = "mes_points_add1"
    MES_POINTS_ADD1_GREEDY = "mes_points_add1_greedy"


class Method(StrEnum):
    """What an administrator chooses per budget; the ballot kind picks the exact rule."""

    GREEDY = "greedy"
    EQUAL_SHARES = "equal-shares"


def rule_for(method: Method, vote_type: VoteType) -> Rule:
    if method is Method.GREEDY:
        if vote_type is VoteType.CUMULATIVE:
            return Rule.GREEDY_POINTS
        return Rule.GREEDY_SCORE if vote_type is VoteType.ORDINAL else Rule.GREEDY_COST
    if vote_type is VoteType.CUMULATIVE:
        return Rule.MES_POINTS_ADD1_GREEDY
    return Rule.MES_COST_ADD1_GREEDY


_GREEDY = {
    Rule.GREEDY_COST: (Scoring.APPROVALS, False),
    Rule.GREEDY_CARD: (Scoring.APPROVALS, True),
    Rule.GREEDY_POINTS: (Scoring.POINTS, False),
    Rule.GREEDY_POINTS_PER_COST: (Scoring.POINTS, True),
    Rule.GREEDY_SCORE: (Scoring.POSITIONAL, False),
}
_EQUAL_SHARES = {  # utility, add1, completed by greedy on
    Rule.MES_COST: (Utility.COST, False, None),
    Rule.MES_COST_ADD1: (Utility.COST, True, None),
    Rule.MES_COST_ADD1_GREEDY: (Utility.COST, True, Scoring.APPROVALS),
    Rule.MES_POINTS: (Utility.POINTS, False, None),
    Rule.MES_POINTS_ADD1: (Utility.POINTS, True, None),
    Rule.MES_POINTS_ADD1_GREEDY: (Utility.POINTS, True, Scoring.POINTS),
}


def tally(election: Election, rule: Rule) -> list[str]:
    """The funded project ids, in the order the rule funded them."""
    if rule in _GREEDY:
        scoring, per_cost = _GREEDY[rule]
        return tally_greedy(election, scoring, per_cost=per_cost)
    utility, add1, completion = _EQUAL_SHARES[rule]
    return tally_equal_shares(election, utility, add1=add1, completion=completion)


def tally_equal_shares(
    election: Election,
    utility: Utility = Utility.COST,
    *,
    add1: bool = True,
    completion: Scoring | None = Scoring.APPROVALS,
) -> list[str]:
    """MES (with add1 unless told otherwise), then greedy on the money it leaves.

    ``completion`` says how the greedy step counts votes (None: no completion).
    """
    funded = list(equal_shares(election, utility, add1=add1).funded)
    if completion is None:
        return funded
    return tally_greedy(election, completion, already_funded=funded)
