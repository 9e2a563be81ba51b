"""The neutral election a tally reads: projects with costs, a budget, and the ballots.

Both the Pabulib reader and the budgets module (from its own tables) build this object, so a
published result and a recount from the exported file go through the very same code.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction


class VoteType(StrEnum):
    """The four ballot kinds of the Pabulib format."""

    APPROVAL = "approval"
    CHOOSE_1 = "choose-1"
    CUMULATIVE = "cumulative"
    ORDINAL = "ordinal"


@dataclass(frozen=True, slots=True)
class TallyProject:
    id: str
    cost: Fraction


@dataclass(frozen=True, slots=True)
class Ballot:
    """One voter's ballot.

    ``projects`` keeps the voter's order (it is the ranking of an ordinal ballot); ``points`` is
    parallel to it for cumulative ballots and ``None`` otherwise (whole points are ints: they
    hash far faster than fractions, and a city's ballots are counted through a hash table).
    """

    projects: tuple[str, ...]
    points: tuple[Fraction | int, ...] | None = None

    def approved(self) -> frozenset[str]:
        """The projects this ballot supports (approval reading of every kind)."""
        if self.points is None:
            return frozenset(self.projects)
        return frozenset(p for p, n in zip(self.projects, self.points, strict=True) if n > 0)

    def points_by_project(self) -> dict[str, Fraction | int]:
        """Points per project (a project listed twice keeps its last value, as in pabutools)."""
        if self.points is None:
            return dict.fromkeys(self.projects, 1)
        return dict(zip(self.projects, self.points, strict=True))

    def positional_scores(self) -> dict[str, int]:
        """Kraków's rule: with L ranked projects the first gets L points, the last 1."""
        ranking = list(dict.fromkeys(self.projects))
        length = len(ranking)
        return {project: length - position for position, project in enumerate(ranking)}


@dataclass(frozen=True, slots=True)
class Election:
    """What a tally needs; project ids are unique and every ballot names known projects."""

    budget: Fraction
    projects: tuple[TallyProject, ...]
    ballots: tuple[Ballot, ...]
    vote_type: VoteType = VoteType.APPROVAL

    def __post_init__(self) -> None:
        ids = [project.id for project in self.projects]
        if len(set(ids)) != len(ids):
            raise ValueError("project ids must be unique")
        known = set(ids)
        for ballot in self.ballots:
            unknown = set(ballot.projects) - known
            if unknown:
                raise ValueError(f"a ballot names an unknown project: {sorted(unknown)[0]}")
