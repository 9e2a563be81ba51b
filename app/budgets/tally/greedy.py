"""Greedy: fund the most voted projects first, skipping each one that no longer fits (CONSUL)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from enum import StrEnum
from fractions import Fraction
from itertools import chain

from app.budgets.tally.election import Election


class Scoring(StrEnum):
    """How ballots turn into a project's votes."""

    APPROVALS = "approvals"  # one per ballot that supports it (any ballot kind)
    POINTS = "points"  # the points of cumulative ballots (1 per approval otherwise)
    POSITIONAL = "positional"  # ranking of length L: L points to the first choice … 1 to the last


def approval_counts(election: Election) -> dict[str, int]:
    """Per project, how many ballots support it (in numpy: a city has some 10^5 approvals)."""
    import numpy as np

    index = {project.id: i for i, project in enumerate(election.projects)}
    # Identical ballots are read once; a project listed twice on a ballot counts once.
    counted = Counter(
        b.projects if b.points is None else tuple(b.approved()) for b in election.ballots
    )
    groups = len(counted)
    sizes = list(map(len, counted))
    if not sum(sizes):
        return dict.fromkeys(index, 0)
    projects = np.fromiter(
        map(index.__getitem__, chain.from_iterable(counted)), np.int64, sum(sizes)
    )
    code = np.sort(projects * groups + np.repeat(np.arange(groups, dtype=np.int64), sizes))
    code = code[np.concatenate(([True], code[1:] != code[:-1]))]
    weights = np.asarray(list(counted.values()), dtype=np.int64)
    totals = np.zeros(len(index), dtype=np.int64)
    np.add.at(totals, code // groups, weights[code % groups])
    return dict(zip(index, totals.tolist(), strict=True))


def project_scores(election: Election, scoring: Scoring) -> dict[str, Fraction | int]:
    if scoring is Scoring.APPROVALS:
        return dict(approval_counts(election))
    # Whole numbers stay ints: adding fractions a million times is what would be slow.
    scores: dict[str, Fraction | int] = {project.id: 0 for project in election.projects}
    # Identical ballots are read once and multiplied: big cities have few distinct ballots.
    for ballot, count in Counter(election.ballots).items():
        if scoring is Scoring.POINTS:
            given: dict[str, Fraction | int] = ballot.points_by_project()
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
