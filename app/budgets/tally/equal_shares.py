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
  a step prices projects in that order (a heap) and stops once the bound exceeds the best price;
- a price is found without sorting the supporters by their money: starting from that lower
  bound, those who cannot pay it pay all they have and the others share the rest, until the
  share no longer changes (``_price_uniform``). Every supporter is only compared with the
  share (cheap even for large rationals); exact arithmetic is done for those who pay all they
  have, and none for those with no money left;
- add1 does not always try every whole amount: see ``_add1`` for the proof that lets it skip
  amounts, and bench/README.md for what this gains on real elections.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from heapq import heapify, heappop, heappush, heapreplace
from itertools import chain, compress
from math import lcm
from operator import gt, mul, not_, truediv
from typing import Any

from app.budgets.tally.election import Election

# Exact rationals from GMP: the same numbers as fractions.Fraction, several times faster.
Rational = Any
# gmpy2's mpq, imported by the first count (``_load_gmpy2``): the library costs every web
# worker some 6 MB, and a worker counts a budget once a year at most.
mpq: Any = None


def _load_gmpy2() -> None:
    global mpq
    if mpq is None:
        from gmpy2 import mpq as loaded  # type: ignore[import-untyped]

        mpq = loaded


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
    supporters: tuple[tuple[int, ...], ...]  # per project: the ballots with utility > 0
    supporter_weights: tuple[tuple[int, ...], ...]  # per project: their weights, in that order
    supporter_utilities: tuple[tuple[int, ...], ...]  # per project: their utilities, in order
    total_utility: tuple[int, ...]
    uniform_utility: tuple[bool, ...]  # every supporter gives it the same utility
    utility_value: tuple[int, ...]  # that utility (uniform projects with supporters; else 0)
    candidates: tuple[int, ...]  # projects MES can fund: cost > 0 and some utility
    free: tuple[int, ...]  # cost 0 and some utility: the reference funds them before starting
    # The same supporters as numpy arrays, for the float runs: project p's are entries
    # ``entry_start[p]:entry_start[p + 1]`` of ``entry_groups``/``_weights``/``_utilities``.
    entry_start: Any
    entry_groups: Any
    entry_weights: Any
    entry_utilities: Any


def _int_array(numbers: list[int]) -> Any:
    """numbers as an int64 array, or an array of Python ints where some would not fit."""
    import numpy as np

    fits = all(-(2**62) < n < 2**62 for n in numbers)
    return np.asarray(numbers, dtype=np.int64 if fits else object)


def _profile(election: Election, utility: Utility) -> _Profile:
    ballots = election.ballots
    voters = len(ballots)
    denominators = [election.budget.denominator, *(p.cost.denominator for p in election.projects)]
    money_scale = lcm(*denominators) * max(voters, 1)
    index = {project.id: i for i, project in enumerate(election.projects)}
    costs = tuple(int(p.cost * money_scale) for p in election.projects)
    # Cost utilities are the costs themselves; a common factor leaves every ρ comparison equal.
    cost_utility = [int(p.cost * lcm(*denominators)) for p in election.projects]
    # Identical ballots are one weighted group. Their entries (group, project, utility) are
    # sorted by project, then group, in numpy: a city has some 10^5 of them.
    import numpy as np

    entries_projects: list[int] = []
    entries_values: list[int] = []
    if utility is Utility.COST:
        approvals = Counter(
            b.projects if b.points is None else tuple(b.approved()) for b in ballots
        )
        weights = list(approvals.values())
        sizes = list(map(len, approvals))
        entries_projects = list(map(index.__getitem__, chain.from_iterable(approvals)))
    else:
        counted = Counter(ballots)
        weights = list(counted.values())
        sizes = []
        points: list[Fraction | int] = []
        for ballot in counted:
            given = [(index[p], n) for p, n in ballot.points_by_project().items() if n > 0]
            sizes.append(len(given))
            entries_projects.extend(p for p, _ in given)
            points.extend(n for _, n in given)
        # Whole points (ints) have denominator 1 as well.
        scale = lcm(1, *{n.denominator for n in points})
        entries_values = [int(n * scale) for n in points]
    count = len(weights)
    # Sorted by (project, group), a project listed twice on a ballot counted once.
    code = np.asarray(entries_projects, dtype=np.int64) * count + np.repeat(
        np.arange(count, dtype=np.int64), sizes
    )
    code, first = np.unique(code, return_index=True)
    projects, groups = np.divmod(code, count)
    if utility is Utility.COST:
        values = _int_array(cost_utility)[projects]
    else:
        values = _int_array(entries_values)[first]
    kept = values > 0
    projects, groups, values = projects[kept], groups[kept], values[kept]
    bounds = np.cumsum(np.bincount(projects, minlength=len(costs)))[:-1]
    supporters = tuple(tuple(part.tolist()) for part in np.split(groups, bounds))
    supporter_utilities = tuple(tuple(part.tolist()) for part in np.split(values, bounds))
    group_weights = _int_array(weights)[groups]
    supporter_weights = tuple(tuple(part.tolist()) for part in np.split(group_weights, bounds))
    total = [
        sum(map(mul, w, u)) for w, u in zip(supporter_weights, supporter_utilities, strict=True)
    ]
    return _Profile(
        ids=tuple(index),
        costs=costs,
        budget=int(election.budget * money_scale),
        start=int(election.budget * money_scale) // max(voters, 1),
        unit=money_scale,
        weights=tuple(weights),
        supporters=supporters,
        supporter_weights=supporter_weights,
        supporter_utilities=supporter_utilities,
        total_utility=tuple(total),
        uniform_utility=tuple(len(set(u)) <= 1 for u in supporter_utilities),
        utility_value=tuple(u[0] if u else 0 for u in supporter_utilities),
        candidates=tuple(p for p in range(len(costs)) if costs[p] > 0 and total[p] > 0),
        free=tuple(p for p in range(len(costs)) if costs[p] == 0 and total[p] > 0),
        entry_start=np.concatenate(([0], np.cumsum(np.bincount(projects, minlength=len(costs))))),
        entry_groups=groups,
        entry_weights=group_weights,
        entry_utilities=values,
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
        _load_gmpy2()
        self.profile = profile
        self.guide = guide
        self.stop_early = stop_early  # give up as soon as the guide's decisions differ
        self.same_decisions = guide is not None
        self.bound: dict[int, Rational] = {}
        self.heap: list[tuple[Rational, str, int]] = []
        self.budgets: list[Rational] = [mpq(profile.start + extra * profile.unit)] * len(
            profile.weights
        )
        self.steps: list[_Step] = []

    def price(self, project: int) -> Rational | None:
        """ρ of the project now, or None when its supporters cannot pay it."""
        if self.profile.uniform_utility[project]:
            return self._price_uniform(project)
        return self._price_points(project)

    def _price_points(self, project: int) -> Rational | None:
        """ρ when supporters give different utilities: ``_price_uniform`` with min(money, ρ·u)."""
        profile = self.profile
        supporters = profile.supporters[project]
        cost = profile.costs[project]
        weights: Sequence[int] = profile.supporter_weights[project]
        utilities: Sequence[int] = profile.supporter_utilities[project]
        money = list(map(self.budgets.__getitem__, supporters))
        capped_money = mpq(0)
        has_money = list(map(bool, money))
        if not all(has_money):
            money = list(compress(money, has_money))
            weights = list(compress(weights, has_money))
            utilities = list(compress(utilities, has_money))
        left = sum(map(mul, weights, utilities))  # utility of those not paying all they have
        if not left:
            return None
        rho = self.bound[project]
        for _ in range(4):
            poor = list(map(gt, map(rho.__mul__, utilities), money))
            if any(poor):
                rich = list(map(not_, poor))
                poor_weights = list(compress(weights, poor))
                capped_money += sum(map(mul, poor_weights, compress(money, poor)))
                left -= sum(map(mul, poor_weights, compress(utilities, poor)))
                money = list(compress(money, rich))
                weights = list(compress(weights, rich))
                utilities = list(compress(utilities, rich))
                if not left:
                    return None
            following = (cost - capped_money) / left
            if following == rho:
                return rho
            rho = following
        remaining_cost = cost - capped_money
        for _, wealth, weight, utility in sorted(
            zip(map(truediv, money, utilities), money, weights, utilities, strict=True)
        ):
            if remaining_cost * utility <= wealth * left:
                return mpq(remaining_cost) / left
            remaining_cost -= wealth * weight
            left -= utility * weight
        return None

    def _price_uniform(self, project: int) -> Rational | None:
        """ρ when every supporter gives the project the same utility u ("water-filling").

        Each supporter pays min(money, x) with x = ρ·u, and x is the smallest payment with
        Σ weight·min(money, x) = cost. Start from a lower bound of x (this project's earlier
        price in the run); supporters with less money than x pay all they have whatever the
        answer, and the others pay x' = (cost - what those pay) / (how many others), which is
        again a lower bound and at least x. When x' = x it is the answer, the very rational
        the sorted scan of the reference gives. Only comparisons touch every supporter;
        arithmetic is done for the supporters who pay all they have.
        """
        profile = self.profile
        supporters = profile.supporters[project]
        utility = profile.utility_value[project]
        cost = profile.costs[project]
        weights: Sequence[int] = profile.supporter_weights[project]
        money = list(map(self.budgets.__getitem__, supporters))
        left = profile.total_utility[project] // utility  # supporters not yet paying all
        capped_money = mpq(0)
        has_money = list(map(bool, money))
        if not all(has_money):  # those who spent everything pay nothing: no arithmetic
            left = sum(compress(weights, has_money))
            money = list(compress(money, has_money))
            weights = list(compress(weights, has_money))
            if not left:
                return None
        x = self.bound[project] * utility
        for _ in range(4):
            poor = list(map(x.__gt__, money))
            if any(poor):
                rich = list(map(not_, poor))
                poor_weights = list(compress(weights, poor))
                capped_money += sum(map(mul, poor_weights, compress(money, poor)))
                left -= sum(poor_weights)
                money = list(compress(money, rich))
                weights = list(compress(weights, rich))
                if not left:
                    return None
            following = (cost - capped_money) / left
            if following == x:
                return x / utility
            x = following
        # Spread-out money: scan the rest from the poorest, as the reference does.
        remaining_cost = cost - capped_money
        for wealth, weight in sorted(zip(money, weights, strict=True)):
            if remaining_cost <= wealth * left:
                return mpq(remaining_cost) / (left * utility)
            remaining_cost -= wealth * weight
            left -= weight
        return None

    def execute(self) -> list[int] | None:
        """The funded projects in order; None when checking a guide with ``stop_early`` fails."""
        profile, ids = self.profile, self.profile.ids
        bound = self.bound
        bound.update(
            {p: mpq(profile.costs[p], profile.total_utility[p]) for p in profile.candidates}
        )
        # The projects not funded, by (lower bound of ρ, id); an entry whose project's bound was
        # raised since it was queued is queued again with the new bound when it comes up.
        heap = self.heap = [(bound[p], ids[p], p) for p in profile.candidates]
        heapify(heap)
        while heap:
            best: int | None = None
            best_rho = mpq(0)
            priced: list[tuple[Rational, int]] = []
            # ρ only grows as money is spent, so an earlier value is a lower bound: the scan
            # stops at the first project whose bound exceeds the best price found.
            while heap:
                rho_bound, _, project = heap[0]
                if rho_bound != bound[project]:
                    heapreplace(heap, (bound[project], ids[project], project))
                    continue
                if best is not None and rho_bound > best_rho:
                    break
                heappop(heap)
                rho = self.price(project)
                if rho is None:  # money only shrinks during a run: it stays unaffordable
                    continue
                bound[project] = rho
                priced.append((rho, project))
                if best is None or (rho, ids[project]) < (best_rho, ids[best]):
                    best, best_rho = project, rho
            if best is None:
                break
            guided = self._guide_step()
            if guided is not None and not self._check(guided, best, priced):
                self.same_decisions = False
                if self.stop_early:
                    return None
            for rho, project in priced:
                if project != best:
                    heappush(heap, (rho, ids[project], project))
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

    def _check(self, guided: _Step, best: int, priced: list[tuple[Rational, int]]) -> bool:
        """Whether every amount between the guide's and ours also funds ``guided.project`` now.

        Along the way from less to more money every budget grows and every ρ falls, so the
        funded project's ρ is at most its guide value and the others' at least ours here: it
        holds when no other project is as cheap here as the funded one was in the guide.
        """
        ids, heap, bound = self.profile.ids, self.heap, self.bound
        if best != guided.project:
            return False
        limit = (guided.rho, ids[best])
        if any(project != best and (rho, ids[project]) <= limit for rho, project in priced):
            return False
        # The projects not priced yet, by lower bound: price those that could be cheaper.
        taken: list[int] = []
        holds = True
        while heap:
            rho_bound, _, project = heappop(heap)
            if rho_bound != bound[project]:
                heappush(heap, (bound[project], ids[project], project))
                continue
            taken.append(project)
            if (rho_bound, ids[project]) > limit:
                break
            rho = self.price(project)
            if rho is not None:
                bound[project] = rho
                if (rho, ids[project]) <= limit:
                    holds = False
                    break
        for project in taken:
            heappush(heap, (bound[project], ids[project], project))
        return holds

    def _fund(self, project: int, rho: Rational) -> None:
        budgets, profile, zero = self.budgets, self.profile, mpq(0)
        if self.profile.uniform_utility[project]:
            payment = rho * profile.utility_value[project]
            for group in profile.supporters[project]:
                wealth = budgets[group]
                budgets[group] = wealth - payment if wealth > payment else zero
            return
        for group, utility in zip(
            profile.supporters[project], profile.supporter_utilities[project], strict=True
        ):
            budgets[group] = max(budgets[group] - rho * utility, zero)


# Supporter entries (distinct ballot × project) up to which the exact runs are the quicker.
SMALL_PROFILE = 1500


@dataclass(frozen=True, slots=True)
class EqualSharesResult:
    funded: tuple[str, ...]  # in funding order
    runs: int  # how many MES runs the add1 loop needed


_Steps = list[tuple[int, float, float]]  # (project, lower bound of ρ, upper bound of ρ)


def _stops(profile: _Profile, outcome: list[int]) -> str | None:
    """Whether the add1 loop stops at this outcome: "over" the budget, or "exhaustive"."""
    spent = sum(profile.costs[p] for p in outcome)
    if spent > profile.budget:
        return "over"
    chosen = set(outcome)
    if all(
        spent + profile.costs[p] > profile.budget for p in profile.candidates if p not in chosen
    ):
        return "exhaustive"
    return None


def _runs(profile: _Profile, tables: Any, extras: list[int], guides: list[Any]) -> list[Any]:
    """Certified float runs (``equal_shares_batch``); an undecided full run is redone exactly."""
    from app.budgets.tally.equal_shares_batch import Batch, RowResult

    results = Batch(tables, extras, guides).run()
    for i, (extra, guide) in enumerate(zip(extras, guides, strict=True)):
        if results[i].steps is None and guide is None:
            run = _Run(profile, extra)
            run.execute()
            exact = [
                (s.project, float(s.rho) * (1 - 1e-15), float(s.rho) * (1 + 1e-15))
                for s in run.steps
            ]
            results[i] = RowResult(exact)
    return results


def _add1(profile: _Profile) -> tuple[list[int], int]:
    """The reference's add1 loop over batches of amounts run together in certified floats.

    Each batch holds the next ``dense`` amounts (full runs, looked at in order, as the
    reference does) and longer strides checked against the last full run as guide: a stride
    proven to take the same decisions (see ``_add1_exact``) is skipped whole. Where the
    outcome changes often the dense window grows; where strides succeed they grow.
    """
    from app.budgets.tally.equal_shares_batch import Tables

    tables = Tables(profile)
    limit = tables.batch_size()
    current = _runs(profile, tables, [0], [None])[0].steps
    runs, extra = 1, 0
    outcome: list[int] = [p for p, _, _ in current]
    previous: list[int] = []
    # ``reach``: after a batch whose longest stride was proven, one stride twice as long is
    # tried too, so a long stretch with one outcome (much money per voter: a budget of 10^12)
    # takes a few batches instead of one per 256 units; any other batch forgets it.
    dense, ambition, reach = 1, 1, 0
    while True:
        stop = _stops(profile, outcome)
        if stop is not None:
            return (previous if stop == "over" else outcome), runs
        guide = [(tables.col_of[p], hi) for p, _, hi in current]
        strides = [dense * 2**j for j in range(1, ambition + 1)]
        if reach > strides[-1]:
            strides.append(reach)
        extras = [extra + i for i in range(1, dense + 1)] + [extra + s for s in strides]
        results = _runs(profile, tables, extras, [None] * dense + [guide] * len(strides))
        runs += len(extras)
        proven = [s for s, r in zip(strides, results[dense:], strict=True) if r.same_as_guide]
        if proven:
            # Every amount up to the longest proven stride has the current outcome.
            current, extra = results[dense + strides.index(proven[-1])].steps, extra + proven[-1]
            reach = 2 * proven[-1] if proven[-1] == strides[-1] else 0
            ambition = min(ambition + 1, 8)
            dense = max(1, dense // 2)
            continue
        ambition = max(1, ambition - 1)
        reach = 0
        for result in results[:dense]:
            following = [p for p, _, _ in result.steps]
            stop = _stops(profile, following)
            if stop == "over":
                return outcome, runs
            if stop == "exhaustive":
                return following, runs
            previous, outcome = outcome, following
        current, extra = results[dense - 1].steps, extra + dense
        dense = min(limit, dense * 2)


def _add1_exact(profile: _Profile) -> tuple[list[int], int]:
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
    # With few supporters in all (choose-1 ballots, small votes) an exact run costs less than
    # the fixed numpy work per step of the batched float runs (bench/README.md).
    small = sum(map(len, profile.supporters)) <= SMALL_PROFILE
    if add1:
        outcome, runs = _add1_exact(profile) if small else _add1(profile)
    elif small:
        outcome, runs = _Run(profile, 0).execute() or [], 1
    else:
        from app.budgets.tally.equal_shares_batch import Tables

        steps = _runs(profile, Tables(profile), [0], [None])[0].steps
        outcome, runs = [p for p, _, _ in steps], 1
    funded = (*profile.free, *outcome)
    return EqualSharesResult(tuple(profile.ids[p] for p in funded), runs)
