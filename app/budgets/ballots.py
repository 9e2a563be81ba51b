"""Budget ballots: one per person and heading, web or paper, within the heading's money or k.

A ballot belongs to the person's keyed DNI digest (``Voter.key`` of app.polls.eligibility: the
census's own value), so a paper ballot typed in at a booth and the same person's web ballot
meet on the unique constraint (heading_id, voter_key).

Every change to a person's ballots runs under two locks taken in this order:
- the budget row, shared (``locked_budget``): moving the phase takes it exclusively, so no
  ballot changes after balloting has ended, and none is checked against a phase that is gone;
- the person (``lock_person``): a PostgreSQL transaction-scoped advisory lock on the voter
  key, so one person's simultaneous requests take turns. The limits span several rows (the
  lines of a ballot for the amount or k, the ballots of a group for the number of headings),
  and a person entered on paper may have no account and no row to lock; the person lock
  covers all of it. SQLite needs neither: a writing request holds the database's write lock.

Votes are not counted here: the tally counts budget_ballot_lines when results are computed,
so ``BudgetProject.ballot_votes`` is not maintained while people ballot.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from app.budgets import repository
from app.budgets.models import (
    Budget,
    BudgetBallot,
    BudgetBallotLine,
    BudgetGroup,
    BudgetHeading,
    BudgetProject,
)
from app.budgets.pages import soles
from app.db import TENANT_KEY, utcnow
from app.errors import Conflict, Forbidden, Invalid
from app.geozones.models import Geozone
from app.i18n import N_
from app.polls.eligibility import Voter

# Why a person may not ballot in a heading; the web and the booth word each their own way.
ZONE, AT_BOOTH, ONLINE, LIMIT = "zone", "paper", "web", "limit"
WEB_REFUSALS = {
    ZONE: N_("This heading is for residents of another area than the one where you live."),
    AT_BOOTH: N_("You already voted at a booth for this heading; a paper ballot is final."),
    LIMIT: N_(
        "You already ballot in as many headings of this group as allowed (%(limit)s). "
        "Empty your ballot in another heading of this group to ballot here."
    ),
}
NOT_ON_HEADING = N_("This project is not on the ballot of this heading.")
NO_PRICE = N_("This project has no price, so it cannot go on a ballot that must fit an amount.")
OVER_AMOUNT = N_(
    "This project does not fit: it costs %(price)s and your ballot has %(left)s left. "
    "Remove another project first."
)
OVER_LIMIT = N_("You may choose at most %(limit)s projects in this heading. Remove one first.")
NOT_VERIFIED = N_("Only verified residents ballot in participatory budgets. Verify your account.")


@dataclass(frozen=True)
class HeadingBallot:
    """One person's standing in one heading: their ballot (if any) and why they may not."""

    heading: BudgetHeading
    ballot: BudgetBallot | None
    chosen: frozenset[int]
    spent: int
    refusal: str | None
    limit: int

    @property
    def may_change(self) -> bool:
        return self.refusal is None


def locked_budget(session: Session, budget_id: int) -> Budget | None:
    """The budget row share-locked (PostgreSQL) for the rest of the transaction."""
    statement = select(Budget).where(Budget.id == budget_id).with_for_update(read=True)
    return session.scalars(statement).one_or_none()


def lock_person(session: Session, voter_key: str) -> None:
    """Make this person's ballot changes take turns until the transaction ends (PostgreSQL)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    tenant = session.info.get(TENANT_KEY)
    digest = hashlib.sha256(f"budget-ballots:{tenant}:{voter_key}".encode()).digest()
    number = int.from_bytes(digest[:8], "big", signed=True)
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": number})


def ballotable(session: Session, heading: BudgetHeading) -> list[BudgetProject]:
    """The projects the administrators selected for this heading's ballot."""
    statement = (
        select(BudgetProject)
        .where(
            BudgetProject.heading_id == heading.id,
            BudgetProject.selected.is_(True),
            BudgetProject.hidden_at.is_(None),
        )
        .order_by(BudgetProject.title, BudgetProject.id)
    )
    return list(session.scalars(statement))


def zone_code(session: Session, heading: BudgetHeading) -> str | None:
    if heading.geozone_id is None:
        return None
    return session.scalar(select(Geozone.code).where(Geozone.id == heading.geozone_id))


def ballots_in_budget(session: Session, budget_id: int, voter_key: str) -> list[BudgetBallot]:
    statement = (
        select(BudgetBallot)
        .join(BudgetHeading, BudgetHeading.id == BudgetBallot.heading_id)
        .where(BudgetHeading.budget_id == budget_id, BudgetBallot.voter_key == voter_key)
    )
    return list(session.scalars(statement))


def chosen_projects(session: Session, ballot_ids: Iterable[int]) -> dict[int, dict[int, int]]:
    """For each ballot, its projects and their prices (0 when unpriced)."""
    ids = list(ballot_ids)
    found: dict[int, dict[int, int]] = {ballot_id: {} for ballot_id in ids}
    if not ids:
        return found
    statement = (
        select(BudgetBallotLine.ballot_id, BudgetProject.id, BudgetProject.price)
        .join(BudgetProject, BudgetProject.id == BudgetBallotLine.project_id)
        .where(BudgetBallotLine.ballot_id.in_(ids))
    )
    for ballot_id, project_id, price in session.execute(statement):
        found[ballot_id][project_id] = price or 0
    return found


def refusal_of(
    heading: BudgetHeading,
    group: BudgetGroup,
    voter: Voter,
    zone: str | None,
    ballots: list[BudgetBallot],
) -> str | None:
    """Why this person may not change a ballot in this heading (a key of *_REFUSALS).

    ``ballots``: the person's ballots in the heading's budget. A heading with a geozone is
    for the residents whose census zone is that geozone; a heading without one, for all.
    """
    if zone is not None and voter.geozone_code != zone:
        return ZONE
    here = [ballot for ballot in ballots if ballot.heading_id == heading.id]
    if here:
        return AT_BOOTH if here[0].channel == "paper" else None
    in_group = {ballot.heading_id for ballot in ballots if ballot.group_id == group.id}
    if len(in_group) >= group.max_balloted_headings:
        return LIMIT
    return None


def standing(
    session: Session, budget: Budget, heading: BudgetHeading, group: BudgetGroup, voter: Voter
) -> HeadingBallot:
    ballots = ballots_in_budget(session, budget.id, voter.key)
    refusal = refusal_of(heading, group, voter, zone_code(session, heading), ballots)
    ballot = next((b for b in ballots if b.heading_id == heading.id), None)
    chosen = chosen_projects(session, [ballot.id]).get(ballot.id, {}) if ballot else {}
    return HeadingBallot(
        heading,
        ballot,
        frozenset(chosen),
        sum(chosen.values()),
        refusal,
        group.max_balloted_headings,
    )


def _refuse_web(state: HeadingBallot) -> None:
    if state.refusal == ZONE:
        raise Forbidden(WEB_REFUSALS[ZONE])
    if state.refusal is not None:
        raise Conflict(WEB_REFUSALS[state.refusal], limit=state.limit)


def _project_on_heading(session: Session, heading: BudgetHeading, project_id: int) -> BudgetProject:
    project = session.scalars(
        select(BudgetProject).where(
            BudgetProject.id == project_id,
            BudgetProject.heading_id == heading.id,
            BudgetProject.selected.is_(True),
            BudgetProject.hidden_at.is_(None),
        )
    ).one_or_none()
    if project is None:
        raise Invalid(NOT_ON_HEADING)
    return project


def add_project(
    session: Session,
    budget: Budget,
    heading: BudgetHeading,
    group: BudgetGroup,
    voter: Voter,
    project_id: int,
) -> bool:
    """Put a project on the person's web ballot of this heading; False if it was there.

    Call with the budget share-locked (``locked_budget``). ``Invalid`` when the project is
    not on this heading's ballot or does not fit; ``Conflict``/``Forbidden`` when the person
    may not ballot here.
    """
    lock_person(session, voter.key)
    state = standing(session, budget, heading, group, voter)
    _refuse_web(state)
    project = _project_on_heading(session, heading, project_id)
    if project.id in state.chosen:
        return False
    if budget.ballot_style == "approval":
        limit = budget.approval_limit or 0
        if len(state.chosen) >= limit:
            raise Invalid(OVER_LIMIT, limit=limit)
    else:
        if project.price is None:
            raise Invalid(NO_PRICE)
        left = heading.amount - state.spent
        if project.price > left:
            raise Invalid(OVER_AMOUNT, price=soles(project.price), left=soles(left))
    now = utcnow()
    ballot = state.ballot
    if ballot is None:
        ballot = BudgetBallot(
            heading_id=heading.id,
            group_id=group.id,
            voter_key=voter.key,
            channel="web",
            created_at=now,
            updated_at=now,
        )
        session.add(ballot)
        session.flush()
    ballot.updated_at = now
    session.add(BudgetBallotLine(ballot_id=ballot.id, project_id=project.id))
    session.flush()
    return True


def remove_project(
    session: Session,
    budget: Budget,
    heading: BudgetHeading,
    group: BudgetGroup,
    voter: Voter,
    project_id: int,
) -> bool:
    """Take a project off the person's web ballot; False if it was not there. An emptied
    ballot is deleted, so the heading no longer counts towards the group's limit."""
    lock_person(session, voter.key)
    state = standing(session, budget, heading, group, voter)
    ballot = state.ballot
    if ballot is not None and ballot.channel == "paper":
        raise Conflict(WEB_REFUSALS[AT_BOOTH])
    if ballot is None or project_id not in state.chosen:
        return False
    session.execute(
        delete(BudgetBallotLine).where(
            BudgetBallotLine.ballot_id == ballot.id, BudgetBallotLine.project_id == project_id
        )
    )
    if len(state.chosen) == 1:
        session.delete(ballot)
    else:
        ballot.updated_at = utcnow()
    session.flush()
    return True


def overview(
    session: Session, budget: Budget, voter: Voter
) -> list[tuple[BudgetGroup, list[HeadingBallot]]]:
    """The person's standing in every heading of the budget, group by group, in five queries."""
    groups = repository.groups_of(session, budget.id)
    headings = repository.headings_by_group(session, budget.id)
    ballots = ballots_in_budget(session, budget.id, voter.key)
    chosen = chosen_projects(session, [ballot.id for ballot in ballots])
    zone_ids = {h.geozone_id for items in headings.values() for h in items if h.geozone_id}
    zones = {zone.id: zone.code for zone in repository.geozones_by_id(session, zone_ids).values()}
    found = []
    for group in groups:
        states = []
        for heading in headings.get(group.id, []):
            zone = zones.get(heading.geozone_id) if heading.geozone_id else None
            ballot = next((b for b in ballots if b.heading_id == heading.id), None)
            lines = chosen.get(ballot.id, {}) if ballot else {}
            states.append(
                HeadingBallot(
                    heading,
                    ballot,
                    frozenset(lines),
                    sum(lines.values()),
                    refusal_of(heading, group, voter, zone, ballots),
                    group.max_balloted_headings,
                )
            )
        found.append((group, states))
    return found
