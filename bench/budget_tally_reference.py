"""Run one rule of the reference (pabutools 1.2.3) on one Pabulib file; print JSON.

Executed by ``bench/.pabutools-venv/bin/python``, never imported by Minka: pabutools is kept out
of the project's dependencies. Usage: ``budget_tally_reference.py FILE RULE``. The printed
``seconds`` exclude parsing, as in ``../shared/pabulib/expected.json``.
"""

import json
import sys
import time

from pabutools.election import (
    Additive_Cardinal_Sat,
    ApprovalBallot,
    ApprovalProfile,
    Cost_Sat,
    parse_pabulib,
)
from pabutools.election.satisfaction.additivesatisfaction import AdditiveSatisfaction
from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares


class PointsTimesCost(AdditiveSatisfaction):  # type: ignore[misc]  # pabutools is untyped
    """Greedy divides by cost: points × cost makes it rank by points (greedy_points)."""

    def __init__(self, instance, profile, ballot):
        super().__init__(instance, profile, ballot, lambda i, pr, b, p, pre: b.get(p, 0) * p.cost)


class PositionTimesCost(AdditiveSatisfaction):  # type: ignore[misc]  # pabutools is untyped
    """A ranking of length L gives L points to its first choice … 1 to the last (greedy_score)."""

    def __init__(self, instance, profile, ballot):
        def score(i, pr, b, p, pre):
            ranking = list(b)
            return (len(ranking) - ranking.index(p)) * p.cost if p in ranking else 0

        super().__init__(instance, profile, ballot, score)


def main(path: str, rule: str) -> None:
    instance, profile = parse_pabulib(path)
    vote_type = instance.meta["vote_type"]
    if vote_type == "ordinal" and rule != "greedy_score":
        profile = ApprovalProfile([ApprovalBallot(set(b)) for b in profile])
    started = time.perf_counter()
    if rule == "greedy_cost":
        funded = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)
    elif rule == "greedy_points":
        funded = greedy_utilitarian_welfare(instance, profile, sat_class=PointsTimesCost)
    elif rule == "greedy_score":
        funded = greedy_utilitarian_welfare(instance, profile, sat_class=PositionTimesCost)
    elif rule == "mes_cost_add1_greedy":
        mes = method_of_equal_shares(
            instance, profile, sat_class=Cost_Sat, voter_budget_increment=1
        )
        funded = greedy_utilitarian_welfare(
            instance, profile, sat_class=Cost_Sat, initial_budget_allocation=mes
        )
    elif rule == "mes_points_add1_greedy":
        mes = method_of_equal_shares(
            instance, profile, sat_class=Additive_Cardinal_Sat, voter_budget_increment=1
        )
        funded = greedy_utilitarian_welfare(
            instance, profile, sat_class=PointsTimesCost, initial_budget_allocation=mes
        )
    else:
        raise SystemExit(f"unknown rule {rule}")
    seconds = time.perf_counter() - started
    print(json.dumps({"selected": sorted(p.name for p in funded), "seconds": seconds}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
