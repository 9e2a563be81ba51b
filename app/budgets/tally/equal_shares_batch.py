"""Many runs of the Method of Equal Shares at once, in floating point, every decision certified.

The add1 loop needs the outcome at hundreds of amounts of extra money where it changes every
unit. Here each amount is one row of a matrix of money per distinct ballot (float64), and the
rows take their steps together, so one numpy operation prices a project for every row that
needs it. Floats are only used where they cannot change a decision:

- every row carries a bound ``delta`` on the error of each of its money values (a voter with
  no money left holds exactly 0: paying all it has is only decided when surely so);
- a price ρ is kept as an interval [lo, hi] that surely holds the exact one: the water-filling
  gives a float ρ, and widening it until the sums of payments, evaluated with every money
  lowered (raised) by ``delta`` and with a margin for rounding, reach (stay below) the cost
  proves the bounds, since those sums only grow with the money;
- the funded project's interval must lie below every other's. Where two intervals overlap, the
  tie is settled exactly if possible: two projects with the same supporters, utilities and
  cost always tie (smaller id as text); a project whose supporters all pay ρ·u in full has the
  exact ρ = cost / Σ weight·utility of those with money left. Anything else, and any payment,
  affordability or "pays all it has" too close to call, stops the row: the caller runs that
  amount in exact arithmetic (``equal_shares._Run``).

So a row's outcome is the exact method's, or it is reported as not decided.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from app.budgets.tally.equal_shares import _Profile

    Floats = NDArray[np.float64]
    Bools = NDArray[np.bool_]

EPS = 2.0**-52  # twice the unit roundoff of float64
# Memory for the rows' money at once (floats): caps how many amounts share a batch.
MAX_CELLS = 4_000_000


@dataclass(slots=True)
class RowResult:
    """One amount's run: the funded projects with their ρ intervals, or None if undecided."""

    steps: list[tuple[int, float, float]] | None  # (profile project, lo, hi)
    same_as_guide: bool = False  # every decision provably the guide's (see ``_add1``)


@dataclass(slots=True)
class _Row:
    extra: int
    guide: list[tuple[int, float]] | None  # (column, upper bound of the guide's ρ)
    steps: list[tuple[int, float, float]] = field(default_factory=list)
    failed: bool = False
    diverged: bool = False


class Tables:
    """The profile as arrays, one column per candidate in the order of ids as text.

    That order makes ``argmin`` break exact ties of bounds towards the smaller id.
    """

    def __init__(self, profile: _Profile) -> None:
        self.profile = profile
        cols = sorted(profile.candidates, key=lambda p: profile.ids[p])
        self.cols = cols
        self.col_of = {p: c for c, p in enumerate(cols)}
        self.groups = len(profile.weights)
        self.sup = [np.asarray(profile.supporters[p], dtype=np.intp) for p in cols]
        self.w = [np.asarray(profile.supporter_weights[p], dtype=np.float64) for p in cols]
        self.u = [np.asarray(profile.supporter_utilities[p], dtype=np.float64) for p in cols]
        self.wu = [w * u for w, u in zip(self.w, self.u, strict=True)]
        self.umax = np.array([u.max() for u in self.u])
        self.cost = np.array([float(profile.costs[p]) for p in cols])
        self.margin = np.array([8.0 * (len(s) + 8) * EPS for s in self.sup])
        # ρ can be no lower than with every supporter paying ρ·utility.
        self.floor = np.array([profile.costs[p] / profile.total_utility[p] for p in cols]) * (
            1 - 4 * EPS
        )
        twins: dict[tuple[object, ...], int] = {}
        self.twin = np.array(
            [
                twins.setdefault(
                    (profile.supporters[p], profile.supporter_utilities[p], profile.costs[p]), c
                )
                for c, p in enumerate(cols)
            ]
        )
        self.overlap = self._overlap()

    def _overlap(self) -> Bools:
        """Which columns share a supporter: funding one changes the other's ρ."""
        count = len(self.cols)
        shared = np.zeros((count, count), dtype=np.float32)
        chunk = 8192
        for start in range(0, self.groups, chunk):
            incidence = np.zeros((min(chunk, self.groups - start), count), dtype=np.float32)
            for c, sup in enumerate(self.sup):
                inside = sup[(sup >= start) & (sup < start + chunk)]
                incidence[inside - start, c] = 1.0
            shared += incidence.T @ incidence
        return shared > 0

    def batch_size(self) -> int:
        return max(1, min(128, MAX_CELLS // max(self.groups, 1)))


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
        t = self.t = tables
        profile = t.profile
        rows = len(extras)
        columns = len(t.cols)
        self.rows = [_Row(e, g) for e, g in zip(extras, guides, strict=True)]
        self.start = np.array([float(profile.start + e * profile.unit) for e in extras])
        self.money = np.repeat(self.start[:, None], t.groups, axis=1)
        self.error = np.repeat(self.start[:, None] * (2 * EPS), t.groups, axis=1)
        self.lo = np.repeat(t.floor[None, :], rows, axis=0)
        self.hi = np.full((rows, columns), np.inf)
        self.fresh = np.zeros((rows, columns), dtype=bool)
        self.uncapped = np.zeros((rows, columns), dtype=bool)
        self.active = np.ones(rows, dtype=bool)

    # -- prices -----------------------------------------------------------------------------

    def _price(self, c: int, rows: NDArray[np.intp]) -> None:
        t = self.t
        sup, w, u, wu = t.sup[c], t.w[c], t.u[c], t.wu[c]
        cost, margin = t.cost[c], t.margin[c]
        at = (rows[:, None], sup)
        money, d = self.money[at], self.error[at]  # no money left: exactly 0, error 0
        high, low = money + d, np.maximum(money - d, 0.0)
        short = (high @ w) * (1 + margin) < cost * (1 - 2 * EPS)
        enough = (low @ w) * (1 - margin) >= cost * (1 + 2 * EPS)
        if not enough.all():
            self.lo[rows[short], c] = np.inf  # surely unaffordable, and it stays so
            self._fail(rows[~(short | enough)])
            if not enough.any():
                return
            rows, money, d, high, low = (
                rows[enough],
                money[enough],
                d[enough],
                high[enough],
                low[enough],
            )
        rho, paying = _waterfill(money, u, w, wu, cost, self.lo[rows, c])
        # Only those paying all they have (or nearly) pass an error of their money on to ρ.
        touching = low < rho[:, None] * u * (1 + 1e-6)
        spread = (((touching * d) @ w) * 2 + 4 * margin * cost) / paying
        # Proof: with every money as high as it may be, paying up to lo does not reach the
        # cost (so ρ ≥ lo); with every money as low as it may be, paying up to hi does.
        lo, hi = rho - spread, rho + spread
        below = (np.minimum(high, lo[:, None] * u) @ w) * (1 + margin) <= cost * (1 - 2 * EPS)
        above = (np.minimum(low, hi[:, None] * u) @ w) * (1 - margin) >= cost * (1 + 2 * EPS)
        if not (below.all() and above.all()):  # a wider interval, once
            spread = np.where(below & above, spread, spread * 1000)
            lo, hi = rho - spread, rho + spread
            below = (np.minimum(high, lo[:, None] * u) @ w) * (1 + margin) <= cost * (1 - 2 * EPS)
            above = (np.minimum(low, hi[:, None] * u) @ w) * (1 - margin) >= cost * (1 + 2 * EPS)
            if not above.all():
                self._fail(rows[~above])
                rows, lo, hi, low, money = (
                    rows[above],
                    lo[above],
                    hi[above],
                    low[above],
                    money[above],
                )
                below = below[above]
        # Else the earlier bound: it holds as well, since ρ only grows as money is spent.
        earlier = self.lo[rows, c]
        self.lo[rows, c] = np.where(below, np.maximum(lo, earlier), earlier)
        self.hi[rows, c], self.fresh[rows, c] = hi, True
        # Every supporter with money left surely pays ρ·u in full: ρ is known exactly.
        self.uncapped[rows, c] = ((money == 0) | (low >= hi[:, None] * u * (1 + 8 * EPS))).all(
            axis=1
        )

    def _fail(self, rows: NDArray[np.intp]) -> None:
        for r in rows:
            self.rows[r].failed = True
        self.active[rows] = False

    # -- decisions --------------------------------------------------------------------------

    def _guide_bound(self, rows: NDArray[np.intp]) -> tuple[Floats, NDArray[np.intp]]:
        """Per row: the guide's bound of ρ at this step and its column (-inf, -1: none)."""
        bound = np.full(len(rows), -np.inf)
        column = np.full(len(rows), -1, dtype=np.intp)
        for i, r in enumerate(rows):
            row = self.rows[r]
            if row.guide is not None and not row.diverged and len(row.steps) < len(row.guide):
                column[i], bound[i] = row.guide[len(row.steps)]
        return bound, column

    def _decide(self) -> dict[int, int]:
        """The project each active row funds now (row → column); finished rows go inactive."""
        chosen: dict[int, int] = {}
        pending = np.flatnonzero(self.active)
        guide_bound, guide_column = self._guide_bound(pending)
        while pending.size:
            lows = self.lo[pending]
            best = lows.argmin(axis=1)
            at = np.arange(len(pending))
            best_low = lows[at, best]
            done = np.isinf(best_low)
            for r in pending[done]:
                self.active[r] = False
            fresh = self.fresh[pending, best]
            limit = np.where(fresh, np.maximum(self.hi[pending, best], guide_bound), np.inf)
            near = lows <= limit[:, None]
            near[at, best] = False
            stale_near = near & ~self.fresh[pending]
            reprice_best = ~fresh & ~done
            reprice_near = fresh & ~done & stale_near.any(axis=1)
            settled = fresh & ~done & ~reprice_near
            plain = settled & ~near.any(axis=1) & (guide_column < 0)
            chosen.update(zip(pending[plain].tolist(), best[plain].tolist(), strict=True))
            for i in np.flatnonzero(settled & ~plain):
                r = int(pending[i])
                winner = self._settle(r, int(best[i]), near[i], guide_bound[i], guide_column[i])
                if winner is not None:
                    chosen[r] = winner
            # Price what is needed, one numpy pass per project for all rows that need it.
            wanted: dict[int, list[int]] = {}
            for r, c in zip(
                pending[reprice_best].tolist(), best[reprice_best].tolist(), strict=True
            ):
                wanted.setdefault(c, []).append(r)
            rows_near, cols_near = np.nonzero(stale_near & reprice_near[:, None])
            for r, c in zip(pending[rows_near].tolist(), cols_near.tolist(), strict=True):
                wanted.setdefault(c, []).append(r)
            for c, row_list in wanted.items():
                rows = np.array(row_list, dtype=np.intp)
                rows = rows[self.active[rows]]
                if rows.size:
                    self._price(c, rows)
            keep = reprice_best | reprice_near
            pending, guide_bound, guide_column = (
                pending[keep],
                guide_bound[keep],
                guide_column[keep],
            )
            alive = self.active[pending]
            pending, guide_bound, guide_column = (
                pending[alive],
                guide_bound[alive],
                guide_column[alive],
            )
        return chosen

    def _settle(
        self, r: int, best: int, near: Bools, guide_bound: float, guide_column: int
    ) -> int | None:
        """The winner of row r once every project near ``best`` is freshly priced."""
        row = self.rows[r]
        hi = self.hi[r, best]
        rivals = [int(c) for c in np.flatnonzero(near) if self.lo[r, c] <= hi]
        winner: int | None = best
        if rivals:
            winner = self._tie(r, [best, *rivals])
            if winner is None:
                self._fail(np.array([r]))
                return None
        if guide_column >= 0:
            # The guide's proof: the same project, and every other one surely dearer than the
            # guide's ρ (so at every amount in between, this one still comes first).
            others = near.copy()
            others[best] = True
            others[winner] = False
            if winner != guide_column or bool((others & (self.lo[r] <= guide_bound)).any()):
                row.diverged = True
                self.active[r] = False
                return None
        return winner

    def _tie(self, r: int, columns: list[int]) -> int | None:
        """Settle an overlap of intervals exactly, or None when floats cannot tell."""
        t = self.t
        representatives = sorted({int(t.twin[c]) for c in columns})
        # Twins always share ρ: the smallest id (column) of the class stands for it.
        alive = [min(c for c in columns if t.twin[c] == k) for k in representatives]
        if len(alive) == 1:
            return alive[0]
        if not all(self.uncapped[r, c] for c in alive):
            return None
        profile = t.profile
        exact: list[tuple[Fraction, int]] = []
        for c in alive:
            p = t.cols[c]
            left = self.money[r, t.sup[c]] > 0
            weights = profile.supporter_weights[p]
            utilities = profile.supporter_utilities[p]
            paying = sum(weights[i] * utilities[i] for i in np.flatnonzero(left).tolist())
            exact.append((Fraction(profile.costs[p], paying), c))
        return min(exact)[1]

    # -- payments ---------------------------------------------------------------------------

    def _fund(self, chosen: dict[int, int]) -> None:
        t = self.t
        by_column: dict[int, list[int]] = {}
        for r, c in chosen.items():
            by_column.setdefault(c, []).append(r)
        for c, row_list in by_column.items():
            rows = np.array(row_list, dtype=np.intp)
            sup, u = t.sup[c], t.u[c]
            lo, hi = self.lo[rows, c][:, None], self.hi[rows, c][:, None]
            at = (rows[:, None], sup)
            money, d = self.money[at], self.error[at]
            empty = money == 0
            broke = money + d <= lo * u * (1 - 8 * EPS)  # surely pays all it has
            paying = money - d > hi * u * (1 + 8 * EPS)  # surely pays ρ·u and keeps some
            unsure = ~(empty | broke | paying).all(axis=1)
            payment = (lo + hi) / 2 * u
            self.money[at] = np.where(empty | broke, 0.0, money - payment)
            # The payment is known within u·(hi - lo) / 2, plus the rounding of a subtraction.
            grown = d + u * (hi - lo) + 4 * EPS * self.start[rows][:, None]
            self.error[at] = np.where(empty | broke, 0.0, grown)
            self.lo[rows, c] = np.inf  # funded: out of the running
            self.fresh[rows] &= ~t.overlap[c]
            for r, low, high in zip(
                rows.tolist(), lo[:, 0].tolist(), hi[:, 0].tolist(), strict=True
            ):
                self.rows[r].steps.append((t.cols[c], low, high))
            self._fail(rows[unsure])

    def run(self) -> list[RowResult]:
        if not self.t.cols:  # nothing MES could fund
            self.active[:] = False
        while self.active.any():
            chosen = self._decide()
            if chosen:
                self._fund(chosen)
        results = []
        for row in self.rows:
            if row.failed:
                results.append(RowResult(None))
                continue
            same = row.guide is not None and not row.diverged and len(row.steps) == len(row.guide)
            results.append(RowResult(None if row.diverged else row.steps, same))
        return results


def _waterfill(
    money: Floats, u: Floats, w: Floats, wu: Floats, cost: float, start: Floats
) -> tuple[Floats, Floats]:
    """ρ per row (float) with Σ weight·min(money, ρ·u) = cost, and Σ weight·u of the payers.

    From a lower bound, those who cannot pay ρ·u pay all they have and the others share the
    rest, until that split no longer changes; rows that take long are finished by sorting.
    """
    rows = money.shape[0]
    rho = start.copy()
    paying_out = np.empty(rows)
    todo = np.arange(rows)
    capped = money < rho[:, None] * u
    total_wu = wu.sum()
    for _ in range(6):
        capped_money = np.where(capped, money, 0.0) @ w
        paying = total_wu - capped @ wu
        ok = paying > 0
        following = np.where(ok, (cost - capped_money) / np.where(ok, paying, 1.0), np.inf)
        capped_next = money < following[:, None] * u
        same = ok & (capped_next == capped).all(axis=1)
        rho[todo[same]] = following[same]
        paying_out[todo[same]] = paying[same]
        if same.all():
            return rho, paying_out
        rest = ~same
        todo, money, capped = todo[rest], money[rest], capped_next[rest]
        rho[todo] = np.where(ok[rest], following[rest], rho[todo])
    # Spread-out money: scan each remaining row from the poorest payer (per unit of utility).
    ratio = money / u
    order = np.argsort(ratio, axis=1)
    ratio = np.take_along_axis(ratio, order, axis=1)
    sorted_money = np.take_along_axis(money, order, axis=1)
    w_sorted, wu_sorted = w[order], wu[order]
    spent = np.cumsum(w_sorted * sorted_money, axis=1) - w_sorted * sorted_money
    payers = total_wu - (np.cumsum(wu_sorted, axis=1) - wu_sorted)
    candidate = (cost - spent) / payers
    first = (candidate <= ratio).argmax(axis=1)
    at = np.arange(len(todo))
    rho[todo] = candidate[at, first]
    paying_out[todo] = payers[at, first]
    return rho, paying_out
