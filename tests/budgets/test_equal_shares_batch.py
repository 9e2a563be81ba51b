"""The certified float runs of the Method of Equal Shares against the exact ones.

``equal_shares_batch`` decides in floats only what an error bound proves; these tests build the
cases floats cannot tell apart and check each is settled exactly (or handed back to the exact
run), and compare whole add1 outcomes with the exact implementation on many small elections.
"""

from __future__ import annotations

import os
import random
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import pytest

from app.budgets.tally.election import Ballot, Election, TallyProject, VoteType
from app.budgets.tally.equal_shares import (
    SMALL_PROFILE,
    Utility,
    _add1,
    _add1_exact,
    _profile,
    _Run,
    _runs,
    equal_shares,
)
from app.budgets.tally.equal_shares_batch import Batch, Tables


def approval(budget: str, costs: dict[str, str], ballots: Sequence[tuple[str, ...]]) -> Election:
    return Election(
        budget=Fraction(budget),
        projects=tuple(TallyProject(pid, Fraction(cost)) for pid, cost in costs.items()),
        ballots=tuple(Ballot(ballot) for ballot in ballots),
    )


def batch_steps(election: Election, extras: list[int]) -> list[list[str] | None]:
    profile = _profile(election, Utility.COST)
    results = Batch(Tables(profile), extras, [None] * len(extras)).run()
    return [None if r.steps is None else [profile.ids[p] for p, _, _ in r.steps] for r in results]


def test_an_exact_tie_of_different_projects_goes_to_the_smaller_id_as_text() -> None:
    # Nobody runs short, so ρ = 1 / supporters for both (costs as utilities): 1/2 each, though
    # costs and supporters differ. "10" < "9" as text: "10" first, settled without fallback.
    poll = approval("100", {"9": "6", "10": "4"}, [("9",), ("9",), ("10",), ("10",)])
    assert batch_steps(poll, [0]) == [["10", "9"]]
    assert equal_shares(poll, add1=False).funded == ("10", "9")


def test_twin_projects_tie_whatever_the_money() -> None:
    # Same supporters, same cost: always the same ρ, even when supporters pay all they have.
    ballots = [("b", "a2", "a10")] * 2 + [("a2", "a10")] * 3 + [("b",)]
    poll = approval("30", {"a2": "9", "a10": "9", "b": "4"}, ballots)
    # 5 each: a10 and a2 cost each of their 5 supporters 9/5 (ρ = 1/5), b 4/3 (ρ = 1/3).
    exact = _Run(_profile(poll, Utility.COST), 0)
    exact.execute()
    ids = _profile(poll, Utility.COST).ids
    assert [ids[s.project] for s in exact.steps] == ["a10", "a2", "b"]
    assert batch_steps(poll, [0]) == [["a10", "a2", "b"]]


def test_money_exactly_equal_to_the_share_is_handed_to_exact_arithmetic() -> None:
    # 3 voters with 1 each; a costs 3: each pays exactly all they have. Floats cannot tell
    # "pays all" from "keeps a little", so the row is undecided, and the exact run decides.
    poll = approval("3", {"a": "3", "b": "1"}, [("a", "b"), ("a",), ("a",)])
    assert batch_steps(poll, [0]) == [None]
    profile = _profile(poll, Utility.COST)
    (run,) = _runs(profile, Tables(profile), [0], [None])  # redone exactly
    assert [profile.ids[p] for p, _, _ in run.steps] == ["a"]
    assert equal_shares(poll, add1=False).funded == ("a",)


def test_one_third_each_where_floats_round() -> None:
    # Budget 1 for 3 voters: 1/3 each, no float. c (cost 2/3) takes all the money of its two
    # supporters (ρ = 1/2), b (cost 1/3) all of its one's (ρ = 1): both are funded, c first.
    poll = approval("1", {"b": "1/3", "c": "2/3"}, [("b",), ("c",), ("c",)])
    profile = _profile(poll, Utility.COST)
    (run,) = _runs(profile, Tables(profile), [0], [None])
    assert [profile.ids[p] for p, _, _ in run.steps] == ["c", "b"]


def random_election(rng: random.Random, points: bool) -> Election:
    projects = rng.randint(2, 7)
    ids = [str(rng.randint(1, 30)) for _ in range(projects)]
    ids = list(dict.fromkeys(ids))
    costs = {pid: Fraction(rng.choice([1, 2, 3, 4, 5, 6, 10, 12]) * 10) for pid in ids}
    budget = Fraction(rng.randint(30, 120))
    ballots = []
    for _ in range(rng.randint(2, 14)):
        chosen = tuple(pid for pid in ids if rng.random() < 0.45)
        if points:
            ballots.append(Ballot(chosen, tuple(rng.randint(1, 4) for _ in chosen)))
        else:
            ballots.append(Ballot(chosen))
    kind = VoteType.CUMULATIVE if points else VoteType.APPROVAL
    return Election(
        budget, tuple(TallyProject(p, c) for p, c in costs.items()), tuple(ballots), kind
    )


def test_batched_runs_equal_the_exact_ones_on_many_small_elections() -> None:
    # equal_shares() itself counts elections this small exactly: call the batched path.
    rng = random.Random(20261123)
    for _ in range(300):
        points = rng.random() < 0.4
        poll = random_election(rng, points)
        profile = _profile(poll, Utility.POINTS if points else Utility.COST)
        assert _add1(profile)[0] == _add1_exact(profile)[0]
        extras = [0, 1, 2, 5, 17]
        runs = _runs(profile, Tables(profile), extras, [None] * len(extras))
        for extra, run in zip(extras, runs, strict=True):
            exact = _Run(profile, extra)
            exact.execute()
            assert [p for p, _, _ in run.steps] == [s.project for s in exact.steps]
            # Each exact ρ lies in the interval the float run proved.
            for (_, lo, hi), step in zip(run.steps, exact.steps, strict=True):
                assert lo <= step.rho <= hi


def test_much_money_per_voter_takes_a_few_batches_not_one_per_256_units() -> None:
    """A budget of 10^9 for 500 voters gives each about 2 million units: the strides over a
    long stretch with one outcome keep doubling (they were capped at 256 units, some 2,700
    runs here and millions at 10^12, the largest amount a heading may have)."""
    rng = random.Random(0)
    budget = 10**9
    ids = [str(number) for number in range(1, 13)]
    costs = {project: Fraction(budget * rng.randint(5, 30), 100) for project in ids}
    popularity = [rng.random() for _ in ids]
    ballots = tuple(
        Ballot(tuple(p for p, share in zip(ids, popularity, strict=True) if rng.random() < share))
        for _ in range(500)
    )
    election = Election(
        Fraction(budget), tuple(TallyProject(p, cost) for p, cost in costs.items()), ballots
    )
    profile = _profile(election, Utility.COST)
    assert sum(map(len, profile.supporters)) > SMALL_PROFILE  # the batched path
    result = equal_shares(election)
    exact, _exact_runs = _add1_exact(profile)
    assert list(result.funded) == [profile.ids[project] for project in exact]
    assert result.runs < 1_000


def test_the_kernels_128_bit_products_compare_exactly() -> None:
    from app.budgets.tally.equal_shares_batch import _less

    rng = random.Random(7)
    top = 2**63 - 1
    pairs = [(top, top, top, top - 1), (2**32, 2**32, 2**64 // 2**32, 2**32 - 1)]
    for _ in range(2000):
        a, b, c = (rng.randint(0, top) for _ in range(3))
        d = rng.choice([rng.randint(0, top), a * b // max(c, 1), a * b // max(c, 1) + 1])
        pairs.append((a, b, c, min(d, top)))
    for a, b, c, d in pairs:
        assert _less(a, b, c, d) == (a * b < c * d), (a, b, c, d)


def test_costs_beyond_64_bits_hand_exact_ties_to_the_exact_runs() -> None:
    # a and b have the same supporters, who all pay in full: ρ = 1/10 for both, an exact tie
    # of two different costs. Denominators with a huge common multiple put the costs beyond
    # 2^63 on the integer scale, so the kernel cannot compare them: the rows are handed back
    # (None) and the exact runs decide, a (the smaller id) first.
    primes = [1_000_003, 1_000_033, 1_000_037, 1_000_039]
    costs = {"a": f"1/{primes[0]}", "b": f"2/{primes[1]}", "c": f"3/{primes[2]}"}
    costs["d"] = f"5/{primes[3]}"
    poll = approval("100", costs, [("a", "b")] * 10 + [("c",), ("d",)] * 2)
    profile = _profile(poll, Utility.COST)
    tables = Tables(profile)
    assert max(profile.costs) > 2**63
    assert not tables.exact_ties
    assert [r.steps for r in Batch(tables, [0, 1], [None, None]).run()] == [None, None]
    (run,) = _runs(profile, tables, [0], [None])
    assert [profile.ids[p] for p, _, _ in run.steps] == ["a", "b", "c", "d"]
    assert _add1(profile)[0] == _add1_exact(profile)[0]


def test_a_read_only_checkout_keeps_the_compiled_kernel_in_var(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from app.budgets.tally import equal_shares_batch
    from app.config import Settings

    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    settings = Settings(var_dir=tmp_path)
    monkeypatch.setattr("app.config.get_settings", lambda: settings)
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    equal_shares_batch._cache_directory()
    assert os.environ["NUMBA_CACHE_DIR"] == str(tmp_path.resolve() / "numba")
    # A directory the operator chose is kept.
    monkeypatch.setenv("NUMBA_CACHE_DIR", "/srv/cache")
    equal_shares_batch._cache_directory()
    assert os.environ["NUMBA_CACHE_DIR"] == "/srv/cache"
