"""Many runs of the Method of Equal Shares, in floating point, every decision certified.

The add1 loop needs the outcome at hundreds of amounts of extra money where it changes every
unit. Each amount is one row: a run in float64 over the money per distinct ballot, compiled by
numba (``_run_rows``), so a run costs what its arithmetic costs rather than one interpreted
operation per supporter. Floats are only used where they cannot change a decision:

- every money value carries a bound on its error (a voter with no money left holds exactly
  0: paying all it has is only decided when surely so);
- a price ρ is kept as an interval [lo, hi] that surely holds the exact one: the water-filling
  gives a float ρ, and widening it until the sums of payments, evaluated with every money
  lowered (raised) by its bound and with a margin for rounding, reach (stay below) the cost
  proves the bounds, since those sums only grow with the money;
- the funded project's interval must lie below every other's. Where two intervals overlap, the
  tie is settled exactly if possible: two projects with the same supporters, utilities and
  cost always tie (smaller id as text); a project whose supporters all pay ρ·u in full has the
  exact ρ = cost / Σ weight·utility of those with money left, compared with the other in
  128-bit integers. Anything else, and any payment, affordability or "pays all it has" too
  close to call, stops the row: the caller runs that amount in exact arithmetic
  (``equal_shares._Run``).

So a row's outcome is the exact method's, or it is reported as not decided.

The first count in a fresh installation compiles the kernel (a few seconds); numba caches the
machine code beside this file (or in ``NUMBA_CACHE_DIR``) for every later process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np


def _cache_directory() -> None:
    """Where numba keeps the compiled kernel: beside this file, else in ``var/numba``.

    A hardened service (docs/deployment.md: the checkout read-only, no home directory) has
    neither this folder nor a home writable; numba would then refuse to load the module.
    """
    if "NUMBA_CACHE_DIR" in os.environ or os.access(Path(__file__).parent, os.W_OK):
        return
    from app.config import get_settings

    os.environ["NUMBA_CACHE_DIR"] = str((get_settings().var_dir / "numba").resolve())


_cache_directory()

from numba import njit  # noqa: E402  (after choosing its cache directory)

if TYPE_CHECKING:
    from app.budgets.tally.equal_shares import _Profile

EPS = 2.0**-52  # twice the unit roundoff of float64
INT_LIMIT = 2**63 - 1  # exact ties are compared in 64-bit integers (products in 128 bits)

# A row's status after ``_run_rows``.
DONE, FAILED, DIVERGED = 0, 1, 2


@dataclass(slots=True)
class RowResult:
    """One amount's run: the funded projects with their ρ intervals, or None if undecided."""

    steps: list[tuple[int, float, float]] | None  # (profile project, lo, hi)
    same_as_guide: bool = False  # every decision provably the guide's (see ``_add1``)


class Tables:
    """The profile as flat arrays, one column per candidate in the order of ids as text.

    That order makes the first of equal lower bounds the smaller id. Column c's supporters are
    entries ``ptr[c]:ptr[c+1]`` of ``group``, ``w`` (weights) and ``u`` (utilities).
    """

    def __init__(self, profile: _Profile) -> None:
        self.profile = profile
        cols = sorted(profile.candidates, key=lambda p: profile.ids[p])
        self.cols = cols
        self.col_of = {p: c for c, p in enumerate(cols)}
        self.groups = len(profile.weights)
        sizes = [len(profile.supporters[p]) for p in cols]
        self.ptr = np.zeros(len(cols) + 1, dtype=np.int64)
        self.ptr[1:] = np.cumsum(sizes)
        starts = profile.entry_start
        entries = (
            np.concatenate([np.arange(starts[p], starts[p + 1]) for p in cols])
            if cols
            else np.zeros(0, dtype=np.int64)
        )
        self.group = profile.entry_groups[entries].astype(np.int64)
        self.w = profile.entry_weights[entries].astype(np.float64)
        self.u = profile.entry_utilities[entries].astype(np.float64)
        self.cost = np.array([float(profile.costs[p]) for p in cols], dtype=np.float64)
        self.margin = np.array([8.0 * (n + 8) * EPS for n in sizes], dtype=np.float64)
        # ρ can be no lower than with every supporter paying ρ·utility.
        self.floor = np.array(
            [profile.costs[p] / profile.total_utility[p] * (1 - 4 * EPS) for p in cols],
            dtype=np.float64,
        )
        twins: dict[tuple[object, ...], int] = {}
        self.twin = np.array(
            [
                twins.setdefault(
                    (profile.supporters[p], profile.supporter_utilities[p], profile.costs[p]), c
                )
                for c, p in enumerate(cols)
            ],
            dtype=np.int64,
        )
        # Exact ties need costs and sums of weight × utility in 64 bits; else such a tie is
        # handed to the exact run.
        self.exact_ties = all(
            profile.costs[p] <= INT_LIMIT and profile.total_utility[p] <= INT_LIMIT for p in cols
        )
        fits = self.exact_ties
        self.cost_int = np.array([profile.costs[p] if fits else 0 for p in cols], dtype=np.int64)
        self.w_int = profile.entry_weights[entries].astype(np.int64) if fits else self.group * 0
        self.u_int = profile.entry_utilities[entries].astype(np.int64) if fits else self.group * 0
        # Which columns share a supporter: funding one changes the other's ρ.
        self.overlap = _overlap(self.ptr, self.group, self.groups)

    def batch_size(self) -> int:
        return 128


def warm_up() -> None:
    """Load (or, in a fresh installation, compile) the kernel with a tiny election."""
    from fractions import Fraction

    from app.budgets.tally.election import Ballot, Election, TallyProject
    from app.budgets.tally.equal_shares import Utility, _profile

    election = Election(
        Fraction(3), (TallyProject("a", Fraction(2)),), (Ballot(("a",)), Ballot(("a",)))
    )
    Batch(Tables(_profile(election, Utility.COST)), [0], [None]).run()


class Batch:
    """Runs at several amounts of extra money.

    A row with a guide (the steps of a run with less money, as column and upper bound of ρ)
    only checks that it takes the same decisions, and stops at the first it cannot prove.
    """

    def __init__(
        self,
        tables: Tables,
        extras: list[int],
        guides: list[list[tuple[int, float]] | None],
    ) -> None:
        self.t = tables
        self.extras = extras
        self.guides = guides

    def run(self) -> list[RowResult]:
        t = self.t
        profile = t.profile
        rows, columns = len(self.extras), len(t.cols)
        start = np.array([float(profile.start + e * profile.unit) for e in self.extras])
        lengths = [0 if g is None else len(g) for g in self.guides]
        guide_ptr = np.zeros(rows + 1, dtype=np.int64)
        guide_ptr[1:] = np.cumsum(lengths)
        flat = [step for g in self.guides if g is not None for step in g]
        guide_col = np.array([c for c, _ in flat], dtype=np.int64)
        guide_hi = np.array([hi for _, hi in flat], dtype=np.float64)
        out_col = np.zeros((rows, max(columns, 1)), dtype=np.int64)
        out_lo = np.zeros((rows, max(columns, 1)), dtype=np.float64)
        out_hi = np.zeros((rows, max(columns, 1)), dtype=np.float64)
        out_len = np.zeros(rows, dtype=np.int64)
        status = np.zeros(rows, dtype=np.int64)
        if columns:
            _run_rows(
                t.ptr,
                t.group,
                t.w,
                t.u,
                t.cost,
                t.margin,
                t.floor,
                t.twin,
                t.overlap,
                t.exact_ties,
                t.cost_int,
                t.w_int,
                t.u_int,
                t.groups,
                start,
                guide_ptr,
                guide_col,
                guide_hi,
                out_col,
                out_lo,
                out_hi,
                out_len,
                status,
            )
        results = []
        for r in range(rows):
            if status[r] != DONE:
                results.append(RowResult(None))
                continue
            n = int(out_len[r])
            steps = [
                (t.cols[c], lo, hi)
                for c, lo, hi in zip(
                    out_col[r, :n].tolist(),
                    out_lo[r, :n].tolist(),
                    out_hi[r, :n].tolist(),
                    strict=True,
                )
            ]
            same = self.guides[r] is not None and n == lengths[r]
            results.append(RowResult(steps, same))
        return results


# -- the compiled kernel -------------------------------------------------------------------
# Plain loops over arrays: numba compiles them to machine code. IEEE arithmetic throughout
# (no fastmath), so every rounding is one the error bounds account for.


@njit(cache=True)
def _overlap(ptr: Any, group: Any, groups: int) -> Any:
    """columns × columns: whether two columns have a supporter in common."""
    columns = ptr.size - 1
    # Each group's columns (the transpose of ``ptr``/``group``), then every pair of them.
    count = np.zeros(groups + 1, dtype=np.int64)
    for k in range(group.size):
        count[group[k] + 1] += 1
    first = np.cumsum(count)
    filled = first[:-1].copy()
    by_group = np.empty(group.size, dtype=np.int64)
    for c in range(columns):
        for k in range(ptr[c], ptr[c + 1]):
            by_group[filled[group[k]]] = c
            filled[group[k]] += 1
    shared = np.zeros((columns, columns), dtype=np.bool_)
    for g in range(groups):
        for i in range(first[g], first[g + 1]):
            for j in range(first[g], first[g + 1]):
                shared[by_group[i], by_group[j]] = True
    return shared


@njit(cache=True)
def _mul128(a: Any, b: Any) -> tuple[Any, Any]:
    """a × b for a, b < 2^63, as (high, low) 64-bit halves."""
    mask, shift = np.uint64(0xFFFFFFFF), np.uint64(32)
    x, y = np.uint64(a), np.uint64(b)
    x0, x1, y0, y1 = x & mask, x >> shift, y & mask, y >> shift
    p00, p01, p10, p11 = x0 * y0, x0 * y1, x1 * y0, x1 * y1
    middle = (p00 >> shift) + (p01 & mask) + (p10 & mask)
    low = (p00 & mask) | (middle << shift)
    high = p11 + (p01 >> shift) + (p10 >> shift) + (middle >> shift)
    return high, low


@njit(cache=True)
def _less(a: Any, b: Any, c: Any, d: Any) -> bool:
    """a × b < c × d, exactly (all below 2^63)."""
    h1, l1 = _mul128(a, b)
    h2, l2 = _mul128(c, d)
    return bool(h1 < h2 or (h1 == h2 and l1 < l2))


@njit(cache=True)
def _waterfill(
    money: Any,
    error: Any,
    u: Any,
    w: Any,
    cost: float,
    total_wu: float,
    rho: float,
    capped_money: float,
    capped_wu: float,
    order: Any,
) -> tuple[float, float, float]:
    """ρ (float) with Σ w·min(money, ρ·u) = cost; Σ w·u of those paying ρ·u in full; and
    Σ w·error of those paying all they have, or nearly (they pass their error on to ρ).

    From a lower bound ``rho`` (``capped_*``: the sums over those who cannot pay it), those who
    cannot pay ρ·u pay all they have and the others share the rest, until that split no longer
    changes; a row that takes long is finished by sorting.
    """
    n = money.size
    for _ in range(12):
        paying = total_wu - capped_wu
        if paying <= 0.0:
            break
        following = (cost - capped_money) / paying
        # The split at the new ρ, and whether it is the same as at the old one.
        next_money, next_wu, touching, same = 0.0, 0.0, 0.0, True
        for i in range(n):
            share = following * u[i]
            capped = money[i] < share
            if capped:
                next_money += w[i] * money[i]
                next_wu += w[i] * u[i]
            if capped != (money[i] < rho * u[i]):
                same = False
            if max(money[i] - error[i], 0.0) < share * (1 + 1e-6):
                touching += error[i] * w[i]
        if same:
            return following, paying, touching
        rho, capped_money, capped_wu = following, next_money, next_wu
    # Spread-out money: scan from the poorest payer (per unit of utility).
    ratio = money / u
    order[:n] = np.argsort(ratio)
    spent, payers = 0.0, total_wu
    rho, paying = cost / total_wu, total_wu
    for k in range(n):
        i = order[k]
        candidate = (cost - spent) / payers
        if candidate <= ratio[i]:
            rho, paying = candidate, payers
            break
        spent += w[i] * money[i]
        payers -= w[i] * u[i]
    touching = 0.0
    for i in range(n):
        if max(money[i] - error[i], 0.0) < rho * u[i] * (1 + 1e-6):
            touching += error[i] * w[i]
    return rho, paying, touching


@njit(cache=True)
def _price(
    c: int,
    ptr: Any,
    live: Any,
    group: Any,
    w_all: Any,
    u_all: Any,
    cost_all: Any,
    margin_all: Any,
    money_all: Any,
    error_all: Any,
    lo: Any,
    hi: Any,
    fresh: Any,
    uncapped: Any,
    money: Any,
    error: Any,
    order: Any,
) -> bool:
    """Price column c into [lo[c], hi[c]]; False when floats cannot tell (the row fails).

    ``group``/``w_all``/``u_all`` are this run's copies of the supporter lists: supporters with
    no money left (they pay nothing, and never will again in the run) are dropped from column
    c's list as they are met, which leaves ``live[c]`` entries from ``ptr[c]``.
    """
    a = ptr[c]
    n = 0
    total_wu, high_sum, low_sum = 0.0, 0.0, 0.0
    rho = lo[c]  # a lower bound of ρ: the water-filling starts from who cannot pay it
    capped_money, capped_wu = 0.0, 0.0
    for k in range(a, a + live[c]):
        g = group[k]
        mk = money_all[g]
        if mk == 0.0:
            continue
        wk, uk, dk = w_all[k], u_all[k], error_all[g]
        group[a + n], w_all[a + n], u_all[a + n] = g, wk, uk
        money[n], error[n] = mk, dk
        total_wu += wk * uk
        high_sum += (mk + dk) * wk
        low_sum += max(mk - dk, 0.0) * wk
        if mk < rho * uk:
            capped_money += wk * mk
            capped_wu += wk * uk
        n += 1
    live[c] = n
    w, u = w_all[a : a + n], u_all[a : a + n]
    cost, margin = cost_all[c], margin_all[c]
    m, d = money[:n], error[:n]
    if high_sum * (1 + margin) < cost * (1 - 2 * EPS):
        lo[c] = np.inf  # surely unaffordable, and it stays so
        return True
    if not low_sum * (1 - margin) >= cost * (1 + 2 * EPS):
        return False
    rho, paying, touching = _waterfill(
        m, d, u, w, cost, total_wu, rho, capped_money, capped_wu, order
    )
    # Only those paying all they have (or nearly) pass an error of their money on to ρ.
    spread = (touching * 2 + 4 * margin * cost) / paying
    # Proof: with every money as high as it may be, paying up to lo does not reach the cost
    # (so ρ ≥ lo); with every money as low as it may be, paying up to hi does.
    below, above = False, False
    for attempt in range(2):
        if attempt == 1:
            spread *= 1000  # a wider interval, once
        low_rho, high_rho = rho - spread, rho + spread
        below_sum, above_sum, all_pay = 0.0, 0.0, True
        for k in range(n):
            low_money = max(m[k] - d[k], 0.0)
            below_sum += min(m[k] + d[k], low_rho * u[k]) * w[k]
            above_sum += min(low_money, high_rho * u[k]) * w[k]
            # Surely pays ρ·u in full (for ``uncapped``), or has nothing left.
            if m[k] != 0.0 and not low_money >= high_rho * u[k] * (1 + 8 * EPS):
                all_pay = False
        below = below_sum * (1 + margin) <= cost * (1 - 2 * EPS)
        above = above_sum * (1 - margin) >= cost * (1 + 2 * EPS)
        if below and above:
            break
    if not above:
        return False
    # Else the earlier bound: it holds as well, since ρ only grows as money is spent.
    if below and low_rho > lo[c]:
        lo[c] = low_rho
    hi[c], fresh[c] = high_rho, True
    # Every supporter with money left surely pays ρ·u in full: ρ is known exactly.
    uncapped[c] = all_pay
    return True


@njit(cache=True)
def _tie(
    columns: Any,
    count: int,
    twin: Any,
    uncapped: Any,
    exact_ties: bool,
    ptr: Any,
    group: Any,
    money_all: Any,
    cost_int: Any,
    w_int: Any,
    u_int: Any,
) -> int:
    """Settle an overlap of intervals exactly: the winning column, or -1 when floats cannot."""
    # Twins always share ρ: the smallest column of each class stands for it.
    alive = np.empty(count, dtype=np.int64)
    kinds = 0
    for i in range(count):
        c = columns[i]
        seen = False
        for j in range(kinds):
            if twin[alive[j]] == twin[c]:
                seen = True
                if c < alive[j]:
                    alive[j] = c
                break
        if not seen:
            alive[kinds] = c
            kinds += 1
    if kinds == 1:
        return int(alive[0])
    if not exact_ties:
        return -1
    for j in range(kinds):
        if not uncapped[alive[j]]:
            return -1
    # ρ = cost / Σ weight·utility of the supporters with money left, smallest first.
    best, best_cost, best_paying = -1, 0, 1
    for j in range(kinds):
        c = alive[j]
        paying = 0
        for k in range(ptr[c], ptr[c + 1]):
            if money_all[group[k]] > 0.0:
                paying += w_int[k] * u_int[k]
        cost = cost_int[c]
        cheaper = best < 0 or _less(cost, best_paying, best_cost, paying)
        tied = best >= 0 and not _less(best_cost, paying, cost, best_paying) and c < best
        if cheaper or tied:
            best, best_cost, best_paying = c, cost, paying
    return int(best)


@njit(cache=True)
def _run_rows(
    ptr: Any,
    group: Any,
    w: Any,
    u: Any,
    cost: Any,
    margin: Any,
    floor: Any,
    twin: Any,
    overlap: Any,
    exact_ties: bool,
    cost_int: Any,
    w_int: Any,
    u_int: Any,
    groups: int,
    start: Any,
    guide_ptr: Any,
    guide_col: Any,
    guide_hi: Any,
    out_col: Any,
    out_lo: Any,
    out_hi: Any,
    out_len: Any,
    status: Any,
) -> None:
    """Every row's run; a guided row stops at the first decision it cannot prove the same."""
    columns = cost.size
    widest = 0
    for c in range(columns):
        widest = max(widest, ptr[c + 1] - ptr[c])
    money = np.empty(groups)
    error = np.empty(groups)
    lo = np.empty(columns)
    hi = np.empty(columns)
    fresh = np.zeros(columns, dtype=np.bool_)
    uncapped = np.zeros(columns, dtype=np.bool_)
    near = np.empty(columns, dtype=np.int64)
    pending = np.empty(columns, dtype=np.int64)  # projects to price before deciding
    rivals = np.empty(columns + 1, dtype=np.int64)
    scratch_money = np.empty(widest)
    scratch_error = np.empty(widest)
    order = np.empty(widest, dtype=np.int64)
    # This run's supporter lists, from which those with no money left are dropped.
    row_group, row_w, row_u = np.empty_like(group), np.empty_like(w), np.empty_like(u)
    live = np.empty(columns, dtype=np.int64)
    for r in range(start.size):
        row_group[:] = group
        row_w[:] = w
        row_u[:] = u
        for c in range(columns):
            live[c] = ptr[c + 1] - ptr[c]
        money[:] = start[r]
        error[:] = start[r] * (2 * EPS)
        lo[:] = floor
        hi[:] = np.inf
        fresh[:] = False
        uncapped[:] = False
        steps = 0
        guided = guide_ptr[r + 1] - guide_ptr[r]
        state = DONE
        while True:
            guide_bound, guide_column = -np.inf, -1
            if steps < guided:
                guide_bound = guide_hi[guide_ptr[r] + steps]
                guide_column = guide_col[guide_ptr[r] + steps]
            # Find the cheapest project, pricing whatever could be it.
            winner = -1
            while True:
                best = int(np.argmin(lo))
                if lo[best] == np.inf:
                    break  # nothing more can be funded: the run is over
                # Price the best if stale, else every stale project that could be as cheap.
                nears, stale = 0, 0
                if not fresh[best]:
                    pending[0] = best
                    stale = 1
                else:
                    limit = max(hi[best], guide_bound)
                    for c in range(columns):
                        if c != best and lo[c] <= limit:
                            near[nears] = c
                            nears += 1
                            if not fresh[c]:
                                pending[stale] = c
                                stale += 1
                for i in range(stale):
                    if not _price(
                        pending[i],
                        ptr,
                        live,
                        row_group,
                        row_w,
                        row_u,
                        cost,
                        margin,
                        money,
                        error,
                        lo,
                        hi,
                        fresh,
                        uncapped,
                        scratch_money,
                        scratch_error,
                        order,
                    ):
                        state = FAILED
                        break
                if state != DONE:
                    break
                if stale:
                    continue
                # Settle: rivals are the near projects whose interval meets the best's.
                rivals[0] = best
                count = 1
                for i in range(nears):
                    if lo[near[i]] <= hi[best]:
                        rivals[count] = near[i]
                        count += 1
                winner = best
                if count > 1:
                    winner = _tie(
                        rivals,
                        count,
                        twin,
                        uncapped,
                        exact_ties,
                        ptr,
                        group,
                        money,
                        cost_int,
                        w_int,
                        u_int,
                    )
                    if winner < 0:
                        state = FAILED
                        break
                if guide_column >= 0:
                    # The guide's proof: the same project, and every other one surely dearer
                    # than the guide's ρ (so at every amount in between this one comes first).
                    if winner != guide_column or (winner != best and lo[best] <= guide_bound):
                        state = DIVERGED
                    else:
                        for i in range(nears):
                            if near[i] != winner and lo[near[i]] <= guide_bound:
                                state = DIVERGED
                                break
                break
            if state != DONE or winner < 0:
                break
            # Fund the winner: each supporter surely pays all it has, or surely keeps some.
            low, high = lo[winner], hi[winner]
            for k in range(ptr[winner], ptr[winner] + live[winner]):
                g, utility = row_group[k], row_u[k]
                m, d = money[g], error[g]
                if m == 0.0:
                    continue
                if m + d <= low * utility * (1 - 8 * EPS):  # pays all it has
                    money[g] = 0.0
                    error[g] = 0.0
                elif m - d > high * utility * (1 + 8 * EPS):  # pays ρ·u, keeps some
                    money[g] = m - (low + high) / 2 * utility
                    # The payment is known within u·(hi - lo) / 2, plus a subtraction's rounding.
                    error[g] = d + utility * (high - low) + 4 * EPS * start[r]
                else:
                    state = FAILED
                    break
            if state != DONE:
                break
            lo[winner] = np.inf  # funded: out of the running
            for c in range(columns):
                if overlap[winner, c]:
                    fresh[c] = False
            out_col[r, steps] = winner
            out_lo[r, steps] = low
            out_hi[r, steps] = high
            steps += 1
        out_len[r] = steps
        status[r] = state
