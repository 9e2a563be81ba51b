"""Paper ballots typed in by poll officers: the same rules as the web (app/budgets/ballots.py),
entered whole, under the same locks, worded for the officer; and voided when typed wrongly.

A voided ballot is deleted with its lines, so the one-ballot-per-person-and-heading constraint
stays as it is and the person can be entered again. What remains is the audit entry the route
writes (who, when, why, the heading), never the person's key or the projects chosen."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.answers.calendar import LIMA
from app.audit.models import AuditEntry
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
from app.budgets.models import (
    Budget,
    BudgetBallot,
    BudgetBallotLine,
    BudgetGroup,
    BudgetHeading,
    BudgetProject,
)
from app.budgets.pages import soles
from app.budgets.permissions import EnteredPaperBallot
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
VOID_REASON_MAX = 300
VOID_REASON_MISSING = N_("Say why this paper ballot is voided.")
VOID_REASON_TOO_LONG = N_("Write the reason in at most %(max)s characters.")
NO_SUCH_PAPER_BALLOT = N_("There is no such paper ballot in this budget.")
ALREADY_VOIDED = N_("This paper ballot was already voided.")
VOIDED_AUDIT = "budgets.paper_ballot_voided"
ENTERED_PAGE_SIZE = 20


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


@dataclass(frozen=True)
class EnteredBallot:
    """A paper ballot in the list of entered ones: when, where, what, and by whom."""

    id: int
    entered_at: datetime
    heading: BudgetHeading
    officer_name: str
    projects: tuple[str, ...]
    entered: EnteredPaperBallot

    @property
    def entered_in_lima(self) -> datetime:
        moment = self.entered_at
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(LIMA)


def entered_ballots(
    session: Session, budget: Budget, officer_id: int | None, page: int
) -> tuple[list[EnteredBallot], bool]:
    """The budget's paper ballots, the latest first, a page at a time, and whether more
    follow; only those ``officer_id`` entered unless it is None (an administrator)."""
    statement = (
        select(BudgetBallot, BudgetHeading, User.display_name)
        .join(BudgetHeading, BudgetHeading.id == BudgetBallot.heading_id)
        .outerjoin(User, User.id == BudgetBallot.recorded_by_id)
        .where(BudgetHeading.budget_id == budget.id, BudgetBallot.channel == "paper")
        .order_by(BudgetBallot.created_at.desc(), BudgetBallot.id.desc())
        .offset((page - 1) * ENTERED_PAGE_SIZE)
        .limit(ENTERED_PAGE_SIZE + 1)
    )
    if officer_id is not None:
        statement = statement.where(BudgetBallot.recorded_by_id == officer_id)
    rows = session.execute(statement).all()
    more = len(rows) > ENTERED_PAGE_SIZE
    rows = rows[:ENTERED_PAGE_SIZE]
    titles: dict[int, list[str]] = {ballot.id: [] for ballot, _h, _n in rows}
    if titles:
        lines = session.execute(
            select(BudgetBallotLine.ballot_id, BudgetProject.title)
            .join(BudgetProject, BudgetProject.id == BudgetBallotLine.project_id)
            .where(BudgetBallotLine.ballot_id.in_(titles))
            .order_by(BudgetProject.title, BudgetProject.id)
        )
        for ballot_id, title in lines:
            titles[ballot_id].append(title)
    found = [
        EnteredBallot(
            id=ballot.id,
            entered_at=ballot.created_at,
            heading=heading,
            officer_name=name or "",
            projects=tuple(titles[ballot.id]),
            entered=EnteredPaperBallot(
                budget, ballot.recorded_by_id, heading.results_json is not None
            ),
        )
        for ballot, heading, name in rows
    ]
    return found, more


def paper_ballot_in(
    session: Session, budget: Budget, ballot_id: int
) -> tuple[BudgetBallot, BudgetHeading] | None:
    """A paper ballot of this budget with its heading, or None (unknown, voided, another
    budget's, a web ballot)."""
    row = session.execute(
        select(BudgetBallot, BudgetHeading)
        .join(BudgetHeading, BudgetHeading.id == BudgetBallot.heading_id)
        .where(
            BudgetBallot.id == ballot_id,
            BudgetBallot.channel == "paper",
            BudgetHeading.budget_id == budget.id,
        )
    ).one_or_none()
    return None if row is None else (row[0], row[1])


def was_voided(session: Session, budget: Budget, ballot_id: int) -> bool:
    """Whether this budget's paper ballot ``ballot_id`` was voided (its audit entry)."""
    statement = select(AuditEntry.details).where(
        AuditEntry.action == VOIDED_AUDIT,
        AuditEntry.object_type == "budget_ballot",
        AuditEntry.object_id == str(ballot_id),
    )
    return any(details.get("budget") == budget.id for details in session.scalars(statement))


def read_void_reason(value: str) -> str:
    """The reason as stored: trimmed, required, short. ``Invalid`` otherwise."""
    reason = " ".join(value.split())
    if not reason:
        raise Invalid(VOID_REASON_MISSING)
    if len(reason) > VOID_REASON_MAX:
        raise Invalid(VOID_REASON_TOO_LONG, max=VOID_REASON_MAX)
    return reason


def void_paper_ballot(session: Session, ballot_id: int, voter_key: str) -> int:
    """Delete an authorized paper ballot (as the caller read it) and its lines; answers how
    many projects it had. Call with the budget share-locked. ``Conflict`` when another request
    voided it first: the delete is conditional, so two officers voiding at once delete it
    once."""
    lock_person(session, voter_key)
    projects = len(
        session.scalars(
            select(BudgetBallotLine.id).where(BudgetBallotLine.ballot_id == ballot_id)
        ).all()
    )
    deleted = session.execute(
        delete(BudgetBallot).where(BudgetBallot.id == ballot_id, BudgetBallot.channel == "paper")
    )
    if getattr(deleted, "rowcount", 0) != 1:
        raise Conflict(ALREADY_VOIDED)
    # The foreign key cascades; said again so nothing depends on SQLite's pragma.
    session.execute(delete(BudgetBallotLine).where(BudgetBallotLine.ballot_id == ballot_id))
    return projects
