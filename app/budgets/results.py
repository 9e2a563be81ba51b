"""Publishing a budget's results: each heading counted by the budget's rule, stored, shown.

The count of a heading is ``tally`` (app/budgets/tally) on the election ``heading_ballots``
builds — the same one the exported Pabulib file holds, so ``minka budgets tally`` on that file
prints the funded projects published here. Publishing again counts again from the ballots.

``BudgetHeading.results_json`` keeps what was published: the rule, the funded projects in
funding order, every balloted project's votes and price, the amount used, the tie-breaking rule (an
English sentence, translated when shown), the number of ballots, and the fingerprint and seed
the export needs (see export.py).
"""

from __future__ import annotations

import json
import secrets
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.budgets import repository
from app.budgets.export import HeadingBallots, heading_ballots
from app.budgets.models import Budget, BudgetHeading, BudgetProject
from app.budgets.tally import Method, VoteType, rule_for, tally
from app.db import utcnow
from app.errors import Conflict, NotFound
from app.i18n import N_

RESULTS_PHASES = ("reviewing_ballots", "finished")
METHODS = {"greedy": Method.GREEDY, "equal_shares": Method.EQUAL_SHARES}
TIE_BREAKING = {
    "greedy": N_(
        "When two projects have the same number of votes, the one with the lower project "
        "number goes first."
    ),
    "equal_shares": N_(
        "When two projects would cost their voters the same per vote, the one with the lower "
        "project number goes first; in the last step, among projects with the same number of "
        "votes, the lower project number goes first too."
    ),
}
RULE_EXPLANATIONS = {
    "greedy": N_(
        "The projects are taken from the most voted to the least voted. Each project that "
        "still fits in the money left is funded; a project that no longer fits is skipped, "
        "and the next ones are still tried. A project nobody voted for is funded too if it "
        "still fits at the end."
    ),
    "equal_shares": N_(
        "Each person who voted controls an equal share of the heading's amount. A project is "
        "funded when the people who voted for it can pay for it together from their shares, "
        "starting with the projects that cost their voters the least per vote; what they pay "
        "is taken from their shares. When no other project can be paid this way, the count "
        "is repeated with a slightly larger share for everyone, as long as the result still "
        "fits in the amount. The money left at the end goes to the most voted projects that "
        "still fit."
    ),
}
NO_PRICE = N_(
    "The project “%(title)s” is on the ballot without a price: give it a price before "
    "publishing the results."
)


@dataclass(frozen=True, slots=True)
class ProjectResult:
    id: int
    title: str
    price: int
    votes: int
    funded: bool


@dataclass(frozen=True, slots=True)
class HeadingResult:
    heading: BudgetHeading
    rule: str
    amount_used: int
    ballots: int
    funded: list[int]  # in funding order
    projects: list[ProjectResult]  # most voted first, then by number
    tie_breaking: str

    @property
    def funded_projects(self) -> list[ProjectResult]:
        by_id = {project.id: project for project in self.projects}
        return [by_id[project_id] for project_id in self.funded if project_id in by_id]


def stored_results(heading: BudgetHeading) -> dict[str, Any] | None:
    if heading.results_json is None:
        return None
    stored: dict[str, Any] = json.loads(heading.results_json)
    return stored


def count_heading(budget: Budget, data: HeadingBallots) -> dict[str, Any]:
    """The heading's outcome by the budget's rule, as stored in ``results_json``."""
    for project in data.projects:
        if project.price is None:
            raise Conflict(NO_PRICE, title=project.title)
    rule = rule_for(METHODS[budget.rule], VoteType.APPROVAL)
    funded_codes = tally(data.election(), rule)
    ids = {project.code: project.id for project in data.projects}
    prices = {project.code: project.price or 0 for project in data.projects}
    votes = Counter(code for ballot in data.ballots for code in ballot)
    return {
        "version": 1,
        "rule": budget.rule,
        "tally_rule": rule.value,
        "amount": data.heading.amount,
        "amount_used": sum(prices[code] for code in funded_codes),
        "ballots": len(data.ballots),
        "funded": [ids[code] for code in funded_codes],
        "votes": {str(project.id): votes[project.code] for project in data.projects},
        "prices": {str(project.id): project.price for project in data.projects},
        "tie_breaking": TIE_BREAKING[budget.rule],
        "published_at": utcnow().isoformat(),
        "fingerprint": data.fingerprint(),
        "seed": secrets.token_hex(16),
    }


def publish_results(session: Session, budget_id: int) -> dict[int, dict[str, Any]]:
    """Count every heading of the budget, store the outcomes and mark the funded projects.

    The budget row is locked first, so two administrators publishing at once count one after
    the other. Answers the stored outcome per heading id.
    """
    budget = repository.get_budget_for_update(session, budget_id)
    if budget is None:
        raise NotFound()
    headings = [
        h for items in repository.headings_by_group(session, budget.id).values() for h in items
    ]
    outcomes = {
        heading.id: count_heading(budget, heading_ballots(session, heading)) for heading in headings
    }
    for heading in headings:
        heading.results_json = json.dumps(outcomes[heading.id], sort_keys=True)
    projects = session.scalars(select(BudgetProject).where(BudgetProject.budget_id == budget.id))
    for project in projects:
        outcome = outcomes.get(project.heading_id)
        project.winner = outcome is not None and project.id in outcome["funded"]
        project.ballot_votes = outcome["votes"].get(str(project.id), 0) if outcome else 0
    session.flush()
    return outcomes


def results_visible(budget: Budget, headings: list[BudgetHeading]) -> bool:
    """Public once published, while the budget is in a phase after balloting."""
    return (
        budget.published_at is not None
        and budget.phase in RESULTS_PHASES
        and any(heading.results_json is not None for heading in headings)
    )


def heading_results(session: Session, headings: list[BudgetHeading]) -> list[HeadingResult]:
    """Every published heading's outcome, with its projects' titles (one query)."""
    stored = {h.id: found for h in headings if (found := stored_results(h)) is not None}
    ids = {int(pid) for found in stored.values() for pid in found["votes"]}
    titles: dict[int, str] = {}
    if ids:
        found_titles = session.execute(
            select(BudgetProject.id, BudgetProject.title).where(BudgetProject.id.in_(ids))
        )
        titles = {row.id: row.title for row in found_titles}
    results = []
    for heading in headings:
        found = stored.get(heading.id)
        if found is None:
            continue
        funded = [int(pid) for pid in found["funded"]]
        projects = [
            ProjectResult(
                id=int(pid),
                title=titles.get(int(pid), ""),
                price=int(found["prices"][pid]),
                votes=int(votes),
                funded=int(pid) in funded,
            )
            for pid, votes in found["votes"].items()
        ]
        projects.sort(key=lambda row: (-row.votes, row.id))
        results.append(
            HeadingResult(
                heading=heading,
                rule=found["rule"],
                amount_used=int(found["amount_used"]),
                ballots=int(found["ballots"]),
                funded=funded,
                projects=projects,
                tie_breaking=found["tie_breaking"],
            )
        )
    return results


@dataclass(frozen=True, slots=True)
class Bar:
    y: int
    width: int
    text_y: int
    label: str
    votes: int
    funded: bool


BAR_HEIGHT = 22
BAR_GAP = 10
CHART_WIDTH = 640
# Labels sit above their bar, so a narrow screen keeps the whole width for the bars; the
# space after the longest bar is for its number.
BAR_AREA = 560


def bar_chart(rows: list[ProjectResult]) -> tuple[list[Bar], int]:
    """Horizontal bars, one per project, length proportional to its votes; and the height."""
    most = max((row.votes for row in rows), default=0) or 1
    bars = []
    y = 0
    for row in rows:
        label = row.title if len(row.title) <= 70 else row.title[:69] + "…"
        width = round(BAR_AREA * row.votes / most)
        bars.append(Bar(y + 16, width, y + 12, f"{row.id}. {label}", row.votes, row.funded))
        y += 16 + BAR_HEIGHT + BAR_GAP
    return bars, max(y, 1)
