"""Every real election, every rule: the funded projects equal the reference's (pabutools 1.2.3).

The Method of Equal Shares with add1 repeats the method for every extra unit of money per voter:
on the larger cities that takes our implementation minutes (see bench/README.md), so those
entries run when MINKA_PABULIB_FULL=1 (the benchmark checks the same outcomes). By default add1
runs where the reference needed at most 3 s, and on elections with few distinct ballots
(choose-1, or at most 15 projects), which are quick for us whatever their size.
Budapest 2024 with add1 has no reference result (the reference did not finish in 600 s) and
is therefore absent from expected.json: nothing is asserted for it.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import pytest

from app.budgets.tally.equal_shares import Utility, equal_shares
from app.budgets.tally.greedy import Scoring, tally_greedy
from app.budgets.tally.rules import Rule, tally
from tests.budgets.pabulib_data import election, expected, pabulib_dir, require_pabulib

require_pabulib()

FULL = os.environ.get("MINKA_PABULIB_FULL") == "1"
# add1 entries whose reference run took longer than this are in the full run only.
QUICK_ADD1_SECONDS = 3.0
ADD1 = {
    Rule.MES_COST_ADD1: Utility.COST,
    Rule.MES_COST_ADD1_GREEDY: Utility.COST,
    Rule.MES_POINTS_ADD1: Utility.POINTS,
    Rule.MES_POINTS_ADD1_GREEDY: Utility.POINTS,
}


def _few_distinct_ballots(instance: dict[str, Any]) -> bool:
    return bool(instance["vote_type"] == "choose-1" or instance["projects"] <= 15)


def _cases() -> list[Any]:
    instances = {instance["file"]: instance for instance in expected()["instances"]}
    cases = []
    for result in expected()["results"]:
        if result["rule"] not in Rule.__members__.values() or result["status"] != "ok":
            continue  # phragmen: not implemented here
        rule = Rule(result["rule"])
        slow = (
            rule in ADD1
            and result["seconds"] > QUICK_ADD1_SECONDS
            and not _few_distinct_ballots(instances[result["file"]])
        )
        marks = [] if FULL or not slow else [pytest.mark.skip(reason="slow: MINKA_PABULIB_FULL=1")]
        cases.append(
            pytest.param(
                result["file"],
                rule,
                result["selected_project_ids"],
                id=f"{result['file'].removesuffix('.pb')}-{rule.value}",
                marks=marks,
            )
        )
    return cases


@cache
def _equal_shares_add1(file_name: str, utility: Utility) -> tuple[str, ...]:
    # mes_*_add1 and mes_*_add1_greedy share the expensive part: compute it once.
    return equal_shares(election(file_name), utility).funded


@pytest.mark.parametrize(("file_name", "rule", "reference"), _cases())
def test_funds_what_the_reference_funds(file_name: str, rule: Rule, reference: list[str]) -> None:
    if rule in ADD1:
        funded = list(_equal_shares_add1(file_name, ADD1[rule]))
        if rule in (Rule.MES_COST_ADD1_GREEDY, Rule.MES_POINTS_ADD1_GREEDY):
            scoring = Scoring.POINTS if ADD1[rule] is Utility.POINTS else Scoring.APPROVALS
            funded = tally_greedy(election(file_name), scoring, already_funded=funded)
    else:
        funded = tally(election(file_name), rule)
    assert len(funded) == len(set(funded))
    assert sorted(funded) == sorted(reference)


def test_every_data_file_has_reference_results() -> None:
    files = {path.name for path in (pabulib_dir() / "data").glob("*.pb")}
    with_results = {result["file"] for result in expected()["results"]}
    assert files == with_results
    assert len(files) == 32
