"""Greedy: fund the most voted projects first, skipping each one that no longer fits (CONSUL)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from enum import StrEnum
from fractions import Fraction

from app.budgets.tally.election import Election


class Scoring(StrEnum):
    """How ballots turn into a project's votes."""

    APPROVALS = "approvals"  # one per ballot that supports it (any ballot kind)
    POINTS = "points"  # the points of cumulative ballots (1 per approval otherwise)
    POSITIONAL = "positional"  # ranking of length L: L points to the first choice … 1 to the last


def project_scores(election: Election, scoring: Scoring) -> dict[str, Fraction | int]:
    # Whole numbers stay ints: adding fractions a million times is what would be slow.
    scores: dict[str, Fraction | int] = {project.id: 0 for project in election.projects}
    # Identical ballots are read once and multiplied: big cities have few distinct ballots.
    for ballot, count in Counter(election.ballots).items():
        if scoring is Scoring.APPROVALS:
            given: dict[str, Fraction | int] = dict.fromkeys(ballot.approved(), 1)
        elif scoring is Scoring.POINTS:
            given = ballot.points_by_project()
        else:
            given = dict(ballot.positional_scores())
        for project, value in given.items():
            scores[project] += value * count
    return scores


def tally_greedy(
    election: Election,
    scoring: Scoring,
    *,
    per_cost: bool = False,
    already_funded: Iterable[str] = (),
) -> list[str]:
    """Funded ids in funding order; ``already_funded`` (kept first) makes it a completion step.

    Projects are ranked by votes (``per_cost``: votes per unit of cost), ties broken by project
    id compared as text, smallest first ("10" before "9"). A project nobody voted for is still
    funded when it fits, as the reference implementation does.
    """
    scores = project_scores(election, scoring)
    costs = {project.id: project.cost for project in election.projects}

    def rank(project: str) -> tuple[int, Fraction | int, str]:
        if not per_cost:
            return (1, -scores[project], project)
        if costs[project] == 0:  # free and wanted: before everything, like an infinite ratio
            return (0 if scores[project] > 0 else 1, 0, project)
        return (1, -Fraction(scores[project]) / costs[project], project)

    funded = list(already_funded)
    remaining = election.budget - sum((costs[project] for project in funded), Fraction(0))
    taken = set(funded)
    for project in sorted(costs, key=rank):
        if project not in taken and costs[project] <= remaining:
            funded.append(project)
            remaining -= costs[project]
    return funded
