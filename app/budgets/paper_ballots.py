"""Paper ballots typed in by poll officers: the same rules as the web (app/budgets/ballots.py),
entered whole, under the same locks, worded for the officer."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from app.budgets.ballots import (
    AT_BOOTH,
    LIMIT,
    NO_PRICE,
    NOT_ON_HEADING,
    ONLINE,
    ZONE,
    ballotable,
    ballots_in_budget,
    lock_person,
    refusal_of,
    zone_code,
)
from app.budgets.models import Budget, BudgetBallot, BudgetBallotLine, BudgetGroup, BudgetHeading
from app.budgets.pages import soles
from app.db import utcnow
from app.errors import Conflict, Invalid
from app.i18n import N_
from app.polls.eligibility import Voter

PAPER_REFUSALS = {
    ZONE: N_("This person lives in an area this heading is not for."),
    AT_BOOTH: N_("A paper ballot of this person for this heading was already entered."),
    ONLINE: N_("This person already has an online ballot for this heading."),
    LIMIT: N_(
        "This person already ballots in as many headings of this group as allowed (%(limit)s)."
    ),
}
PAPER_OVER_AMOUNT = N_(
    "These projects cost %(total)s together, more than the heading's %(amount)s."
)
PAPER_OVER_LIMIT = N_("At most %(limit)s projects may be chosen in this heading.")
PAPER_EMPTY = N_("Mark the projects chosen on the paper ballot.")


def paper_refusal(
    session: Session, budget: Budget, heading: BudgetHeading, group: BudgetGroup, voter: Voter
) -> tuple[str, dict[str, int]] | None:
    """Why an officer may not enter this person's paper ballot here (msgid and values)."""
    ballots = ballots_in_budget(session, budget.id, voter.key)
    here = next((b for b in ballots if b.heading_id == heading.id), None)
    if here is not None:
        return PAPER_REFUSALS[AT_BOOTH if here.channel == "paper" else ONLINE], {}
    reason = refusal_of(heading, group, voter, zone_code(session, heading), ballots)
    if reason is None:
        return None
    return PAPER_REFUSALS[reason], {"limit": group.max_balloted_headings}


def record_paper_ballot(
    session: Session,
    budget: Budget,
    heading: BudgetHeading,
    group: BudgetGroup,
    voter: Voter,
    project_ids: Iterable[int],
    officer_id: int,
) -> BudgetBallot:
    """Enter a paper ballot whole, under the same rules as the web; call with the budget
    share-locked. ``Conflict`` when the person may not ballot here, ``Invalid`` when the
    projects are not this heading's or do not fit."""
    lock_person(session, voter.key)
    refusal = paper_refusal(session, budget, heading, group, voter)
    if refusal is not None:
        raise Conflict(refusal[0], **refusal[1])
    wanted = set(project_ids)
    if not wanted:
        raise Invalid(PAPER_EMPTY)
    projects = {project.id: project for project in ballotable(session, heading)}
    if not wanted <= projects.keys():
        raise Invalid(NOT_ON_HEADING)
    if budget.ballot_style == "approval":
        limit = budget.approval_limit or 0
        if len(wanted) > limit:
            raise Invalid(PAPER_OVER_LIMIT, limit=limit)
    else:
        if any(projects[pid].price is None for pid in wanted):
            raise Invalid(NO_PRICE)
        total = sum(projects[pid].price or 0 for pid in wanted)
        if total > heading.amount:
            raise Invalid(PAPER_OVER_AMOUNT, total=soles(total), amount=soles(heading.amount))
    now = utcnow()
    ballot = BudgetBallot(
        heading_id=heading.id,
        group_id=group.id,
        voter_key=voter.key,
        channel="paper",
        recorded_by_id=officer_id,
        created_at=now,
        updated_at=now,
    )
    session.add(ballot)
    session.flush()
    session.add_all(BudgetBallotLine(ballot_id=ballot.id, project_id=pid) for pid in sorted(wanted))
    session.flush()
    return ballot
