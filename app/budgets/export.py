"""A heading's ballots as the tally and the Pabulib file see them, with voters anonymised.

Publishing the results and exporting ``ballots.pb`` both start from ``heading_ballots``, so the
published outcome and a recount of the file (``minka budgets tally``) read the same election.

Project ids are the projects' numbers written with leading zeros to one width per heading
("09", "10"): Pabulib tools break ties by comparing ids as text, and with equal widths text
order is number order, so "the lowest project number wins a tie" holds for everyone.

Anonymity: a vote row carries no voter key, DNI, channel or time. Ballots are put in a
canonical order (by what they contain) and then shuffled with a seed drawn when the results
were published, so the order says nothing about who voted when, and the same file comes out
of every download. Voter ids are the row numbers of that order.

A ballot with no project left (every choice withdrawn) is no vote: it is neither counted nor
exported.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.budgets.models import Budget, BudgetBallot, BudgetBallotLine, BudgetHeading, BudgetProject
from app.budgets.tally import (
    Ballot,
    Election,
    PabulibFile,
    PabulibProject,
    PabulibVote,
    TallyProject,
    VoteType,
)


@dataclass(frozen=True, slots=True)
class CountedProject:
    id: int
    code: str  # its id in the election and the file
    title: str
    price: int | None


@dataclass(frozen=True, slots=True)
class HeadingBallots:
    """What a heading's count reads: its balloted projects and every non-empty ballot."""

    heading: BudgetHeading
    projects: tuple[CountedProject, ...]
    ballots: tuple[tuple[str, ...], ...]  # project codes, each ballot sorted, ballots sorted

    def election(self) -> Election:
        return Election(
            budget=Fraction(self.heading.amount),
            projects=tuple(TallyProject(p.code, Fraction(p.price or 0)) for p in self.projects),
            ballots=tuple(Ballot(codes) for codes in self.ballots),
            vote_type=VoteType.APPROVAL,
        )

    def fingerprint(self) -> str:
        """Changes when anything the count reads changes: a ballot, a price, the amount."""
        digest = hashlib.sha256(f"amount {self.heading.amount}\n".encode())
        for project in self.projects:
            digest.update(f"project {project.code} {project.price}\n".encode())
        for codes in self.ballots:
            digest.update(("vote " + ",".join(codes) + "\n").encode())
        return digest.hexdigest()


def project_codes(ids: list[int]) -> dict[int, str]:
    """Each id with leading zeros to the width of the largest, so text order = number order."""
    width = len(str(max(ids))) if ids else 1
    return {project_id: str(project_id).zfill(width) for project_id in ids}


def heading_ballots(session: Session, heading: BudgetHeading) -> HeadingBallots:
    """Two queries: the heading's balloted (selected) projects, then every ballot line."""
    rows = session.execute(
        select(BudgetProject.id, BudgetProject.title, BudgetProject.price)
        .where(BudgetProject.heading_id == heading.id, BudgetProject.selected.is_(True))
        .order_by(BudgetProject.id)
    ).all()
    codes = project_codes([row.id for row in rows])
    projects = tuple(CountedProject(row.id, codes[row.id], row.title, row.price) for row in rows)
    lines = session.execute(
        select(BudgetBallotLine.ballot_id, BudgetBallotLine.project_id)
        .join(BudgetBallot, BudgetBallot.id == BudgetBallotLine.ballot_id)
        .where(BudgetBallot.heading_id == heading.id)
    )
    chosen: dict[int, set[str]] = defaultdict(set)
    for ballot_id, project_id in lines:
        if project_id in codes:  # a line for a project no longer on the ballot counts nothing
            chosen[ballot_id].add(codes[project_id])
    ballots = sorted(tuple(sorted(found)) for found in chosen.values() if found)
    return HeadingBallots(heading, projects, tuple(ballots))


def to_pabulib(
    budget: Budget,
    data: HeadingBallots,
    *,
    seed: str,
    votes: dict[str, int],
    funded: list[str],
) -> PabulibFile:
    """The heading's anonymised Pabulib file; ``seed`` fixes the order of the vote rows."""
    heading = data.heading
    meta = {
        "description": _one_line(f"{budget.name} — {heading.name}"),
        "country": "Peru",
        "unit": _one_line(heading.name),
        "instance": str(budget.year),
        "num_projects": str(len(data.projects)),
        "num_votes": str(len(data.ballots)),
        "budget": str(heading.amount),
        "vote_type": VoteType.APPROVAL.value,
        "rule": "greedy" if budget.rule == "greedy" else "equalshares",
        "currency": "PEN",
        "language": "es",
    }
    if budget.ballot_style == "knapsack":
        meta["max_sum_cost"] = str(heading.amount)
    elif budget.approval_limit is not None:
        meta["max_length"] = str(budget.approval_limit)
    selected = set(funded)
    projects = tuple(
        PabulibProject(
            project.code,
            Fraction(project.price or 0),
            {
                "name": _one_line(project.title),
                "votes": str(votes.get(project.code, 0)),
                "selected": "1" if project.code in selected else "0",
            },
        )
        for project in data.projects
    )
    order = list(data.ballots)
    random.Random(seed).shuffle(order)
    rows = tuple(
        PabulibVote(str(number), Ballot(codes)) for number, codes in enumerate(order, start=1)
    )
    return PabulibFile(meta, projects, rows)


def _one_line(text: str) -> str:
    return " ".join(text.split())
