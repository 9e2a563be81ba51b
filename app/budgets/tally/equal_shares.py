"""The Method of Equal Shares, exactly as the reference (pabutools 1.2.3) computes it.

Every voter starts with an equal share of the budget. Repeatedly, the project that its
supporters can pay at the smallest price per unit of utility ρ is funded (each supporter pays
min(their money, ρ × utility)); ties go to the smallest project id as text. It stops when no
project can be paid. The "add1" variant reruns it with one more currency unit per voter at a
time until the outcome is exhaustive, keeping the last outcome within the budget.

Arithmetic is exact (integers and GMP rationals): float rounding can reorder two projects
whose ρ differ by less than one part in 10^15, or flip "fits"/"does not fit".

Where time goes, and how it is saved:
- identical ballots are one weighted group, and each project's price looks only at its
  supporters; a project's price from an earlier step is a lower bound (money only shrinks), so
  a step prices projects in that order and stops once the bound exceeds the best price;
- add1 does not always try every whole amount: see ``_add1`` for the proof that lets it skip
  amounts, and bench/README.md for what this gains on real elections.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from math import lcm
from typing import Any

from gmpy2 import mpq  # type: ignore[import-untyped]

from app.budgets.tally.election import Election

# Exact rationals from GMP: the same numbers as fractions.Fraction, several times faster.
Rational = Any


class Utility(StrEnum):
    COST = "cost"  # a supporter's utility for a project is its cost (approval reading)
    POINTS = "points"  # a supporter's utility is the points they gave it


@dataclass(frozen=True, slots=True)
class _Profile:
    """The election on an integer scale: money ×(lcm of denominators × voters)."""

    ids: tuple[str, ...]
    costs: tuple[int, ...]
    budget: int
    start: int  # each voter's money before any +1 (the budget divided equally)
    unit: int  # one currency unit on this scale
    weights: tuple[int, ...]  # per distinct ballot
    utilities: tuple[dict[int, int], ...]  # per distinct ballot: project → utility
    supporters: tuple[tuple[int, ...], ...]  # per project: the ballots with utility > 0
    total_utility: tuple[int, ...]
    uniform_utility: tuple[bool, ...]  # every supporter gives it the same utility
    candidates: tuple[int, ...]  # projects MES can fund: cost > 0 and some utility
    free: tuple[int, ...]  # cost 0 and some utility: the reference funds them before starting


def _profile(election: Election, utility: Utility) -> _Profile:
    voters = len(election.ballots)
    denominators = [election.budget.denominator, *(p.cost.denominator for p in election.projects)]
    money_scale = lcm(*denominators) * max(voters, 1)
    index = {project.id: i for i, project in enumerate(election.projects)}
    costs = tuple(int(p.cost * money_scale) for p in election.projects)
    # Cost utilities are the costs themselves; a common factor leaves every ρ comparison equal.
    cost_utility = [int(p.cost * lcm(*denominators)) for p in election.projects]
    counts: dict[tuple[tuple[int, Fraction | int], ...], int] = {}
    for ballot, count in Counter(election.ballots).items():
        if utility is Utility.COST:
            given: list[tuple[int, Fraction | int]] = [(index[p], 1) for p in ballot.approved()]
        else:
            given = [(index[p], n) for p, n in ballot.points_by_project().items() if n > 0]
        key = tuple(sorted(given))
        counts[key] = counts.get(key, 0) + count
    point_scale = lcm(
        1, *{n.denominator for key in counts for _, n in key if isinstance(n, Fraction)}
    )
    weights: list[int] = []
    utilities: list[dict[int, int]] = []
    supporters: list[list[int]] = [[] for _ in election.projects]
    total = [0] * len(election.projects)
    for key, count in counts.items():
        group = len(weights)
        weights.append(count)
        if utility is Utility.COST:
            given_int = {p: cost_utility[p] for p, _ in key if cost_utility[p] > 0}
        else:
            given_int = {p: int(n * point_scale) for p, n in key}
        utilities.append(given_int)
        for project, value in given_int.items():
            supporters[project].append(group)
            total[project] += count * value
    return _Profile(
        ids=tuple(index),
        costs=costs,
        budget=int(election.budget * money_scale),
        start=int(election.budget * money_scale) // max(voters, 1),
        unit=money_scale,
        weights=tuple(weights),
        utilities=tuple(utilities),
        supporters=tuple(tuple(s) for s in supporters),
        total_utility=tuple(total),
        uniform_utility=tuple(
            len({utilities[g][p] for g in supporters[p]}) <= 1 for p in range(len(costs))
        ),
        candidates=tuple(p for p in range(len(costs)) if costs[p] > 0 and total[p] > 0),
        free=tuple(p for p in range(len(costs)) if costs[p] == 0 and total[p] > 0),
    )


@dataclass(frozen=True, slots=True)
class _Step:
    project: int
    rho: Rational


class _Run:
    """One run of MES with each voter's money = start + extra currency units.

    Given the steps of a run with less money (``guide``), it also checks that every amount in
    between takes the same decisions: see ``_add1``.
    """

    def __init__(
        self,
        profile: _Profile,
        extra: int,
        guide: list[_Step] | None = None,
        stop_early: bool = False,
    ) -> None:
        self.profile = profile
        self.guide = guide
        self.stop_early = stop_early  # give up as soon as the guide's decisions differ
        self.same_decisions = guide is not None
        self.bound: dict[int, Rational] = {}
        self.budgets: list[Rational] = [mpq(profile.start + extra * profile.unit)] * len(
            profile.weights
        )
        self.steps: list[_Step] = []

    def price(self, project: int) -> Rational | None:
        """ρ of the project now, or None when its supporters cannot pay it."""
        budgets, weights = self.budgets, self.profile.weights
        supporters = self.profile.supporters[project]
        remaining_cost = mpq(self.profile.costs[project])
        remaining_utility = self.profile.total_utility[project]
        utilities = self.profile.utilities
        if self.profile.uniform_utility[project]:
            order = sorted(supporters, key=budgets.__getitem__)
        else:
            order = sorted(supporters, key=lambda g: budgets[g] / utilities[g][project])
        # The poorest supporters (per unit of utility) pay all they have; the first one who can
        # pay the price the others leave fixes it. Nobody can: the project is unaffordable.
        for group in order:
            utility = utilities[group][project]
            if remaining_cost * utility <= budgets[group] * remaining_utility:
                return remaining_cost / remaining_utility
            remaining_cost -= budgets[group] * weights[group]
            remaining_utility -= utility * weights[group]
        return None

    def execute(self) -> list[int] | None:
        """The funded projects in order; None when checking a guide with ``stop_early`` fails."""
        profile, ids = self.profile, self.profile.ids
        remaining = set(profile.candidates)
        bound = self.bound
        bound.update({p: mpq(profile.costs[p], profile.total_utility[p]) for p in remaining})
        while remaining:
            best: int | None = None
            best_rho = mpq(0)
            priced: list[tuple[Rational, int]] = []
            order = sorted(remaining, key=lambda p: (bound[p], ids[p]))
            # ρ only grows as money is spent, so an earlier value is a lower bound: the scan
            # stops at the first project whose bound exceeds the best price found.
            position = 0
            for position, project in enumerate(order):  # noqa: B007 (position is used after)
                if best is not None and bound[project] > best_rho:
                    break
                rho = self.price(project)
                if rho is None:  # money only shrinks during a run: it stays unaffordable
                    remaining.discard(project)
                    continue
                bound[project] = rho
                priced.append((rho, project))
                if best is None or (rho, ids[project]) < (best_rho, ids[best]):
                    best, best_rho = project, rho
            else:
                position = len(order)
            if best is None:
                break
            guided = self._guide_step()
            if guided is not None and not self._check(guided, best, priced, order[position:]):
                self.same_decisions = False
                if self.stop_early:
                    return None
            remaining.discard(best)
            self._fund(best, best_rho)
            self.steps.append(_Step(best, best_rho))
        if self.guide is not None and len(self.guide) != len(self.steps):
            self.same_decisions = False
        return [step.project for step in self.steps]

    def _guide_step(self) -> _Step | None:
        if self.guide is None or not self.same_decisions:
            return None
        if len(self.steps) >= len(self.guide):
            return None  # more steps than the guide: found out when the run ends
        return self.guide[len(self.steps)]

    def _check(
        self, guided: _Step, best: int, priced: list[tuple[Rational, int]], unpriced: list[int]
    ) -> bool:
        """Whether every amount between the guide's and ours also funds ``guided.project`` now.

        Along the way from less to more money every budget grows and every ρ falls, so the
        funded project's ρ is at most its guide value and the others' at least ours here: it
        holds when no other project is as cheap here as the funded one was in the guide.
        """
        ids = self.profile.ids
        if best != guided.project:
            return False
        limit = (guided.rho, ids[best])
        if any(project != best and (rho, ids[project]) <= limit for rho, project in priced):
            return False
        for project in unpriced:  # sorted by lower bound: price those that could be cheaper
            if project == best:
                continue
            if (self.bound[project], ids[project]) > limit:
                return True
            rho = self.price(project)
            if rho is not None:
                self.bound[project] = rho
                if (rho, ids[project]) <= limit:
                    return False
        return True

    def _fund(self, project: int, rho: Rational) -> None:
        budgets, utilities, zero = self.budgets, self.profile.utilities, mpq(0)
        for group in self.profile.supporters[project]:
            budgets[group] = max(budgets[group] - rho * utilities[group][project], zero)


@dataclass(frozen=True, slots=True)
class EqualSharesResult:
    funded: tuple[str, ...]  # in funding order
    runs: int  # how many MES runs the add1 loop needed


def _add1(profile: _Profile) -> tuple[list[int], int]:
    """The reference's add1 loop, skipping the amounts that provably give the same outcome.

    The reference tries every whole extra amount 0, 1, 2 … and stops at the first outcome that
    is over budget (keeping the one before) or exhaustive. Two runs at amounts a < b that take
    the same decisions, with every funded project cheaper at a than any rival at b, prove that
    every amount in between takes them too: so the loop tries growing strides, halving a
    stride whose end it cannot prove, and looks at each amount only when it may differ.
    """
    current = _Run(profile, 0)
    outcome = current.execute() or []
    runs, extra, previous = 1, 0, list[int]()
    # Where the outcome changes every few units, trying longer strides wastes runs: a failed
    # attempt makes the next one wait for more proven single steps (a success, for none).
    stride, patience, streak = 1, 1, 0
    while True:
        spent = sum(profile.costs[p] for p in outcome)
        if spent > profile.budget:
            return previous, runs
        chosen = set(outcome)
        if all(
            spent + profile.costs[p] > profile.budget for p in profile.candidates if p not in chosen
        ):
            return outcome, runs
        while True:
            # A stride's end is only needed when it proves the stride; the next single amount
            # is needed anyway, so that run always goes to the end.
            ahead = _Run(profile, extra + stride, guide=current.steps, stop_early=stride > 1)
            ahead_outcome = ahead.execute()
            runs += 1
            if ahead.same_decisions:  # the whole stride has this outcome: no stop inside it
                current, extra = ahead, extra + stride
                if stride > 1:
                    patience = 1
                streak += 1
                if streak >= patience:
                    stride, streak = stride * 2, 0
                continue
            streak = 0
            if stride == 1:
                break
            patience = min(patience * 2, 64)
            stride //= 2
        assert ahead_outcome is not None  # a stride of 1 runs to the end
        previous, outcome, current, extra = outcome, ahead_outcome, ahead, extra + 1


def equal_shares(
    election: Election, utility: Utility = Utility.COST, *, add1: bool = True
) -> EqualSharesResult:
    """MES alone (``add1=False``: the reference's mes_cost / mes_points) or with add1."""
    if not election.ballots:
        return EqualSharesResult((), 0)
    profile = _profile(election, utility)
    if add1:
        outcome, runs = _add1(profile)
    else:
        outcome, runs = _Run(profile, 0).execute() or [], 1
    funded = (*profile.free, *outcome)
    return EqualSharesResult(tuple(profile.ids[p] for p in funded), runs)
