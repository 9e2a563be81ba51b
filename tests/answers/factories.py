"""Offices and answers for tests, hostile text in every field (other features import these)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.answers.models import Office, ProposalAnswer, ProposalMilestone
from app.db import scoped_to, utcnow
from app.proposals.models import Proposal
from app.tenants.models import Tenant
from tests.factories import HOSTILE
from tests.proposals.factories import make_proposal

# The office tests.people.make_user gives every official.
OFFICIALS_OFFICE = "Oficina"


def make_office(db: Session, tenant: Tenant, name: str = OFFICIALS_OFFICE) -> Office:
    with scoped_to(db, tenant.id):
        office = Office(name=name)
        db.add(office)
        db.flush()
    return office


def make_successful(
    db: Session,
    tenant: Tenant,
    *,
    office: Office | None = None,
    due_on: date | None = None,
    **fields: Any,
) -> Proposal:
    """A successful proposal with its due date (default: in ten days), optionally assigned."""
    extra: dict[str, Any] = {"answer_due_on": due_on or date.today() + timedelta(days=10)}
    if office is not None:
        extra.update(office_id=office.id, assigned_at=utcnow())
    return make_proposal(db, tenant, successful=True, **extra, **fields)


def make_answer(
    db: Session,
    tenant: Tenant,
    proposal: Proposal,
    *,
    status: str = "accepted",
    body: str = f"{HOSTILE} — **razones** " + "x" * 60,
    milestones: tuple[str, ...] = (),
) -> ProposalAnswer:
    with scoped_to(db, tenant.id):
        answer = ProposalAnswer(
            proposal_id=proposal.id,
            status=status,
            body=body,
            official_name=HOSTILE,
            office_name=HOSTILE,
            created_at=utcnow(),
        )
        db.add(answer)
        db.flush()
        for position, title in enumerate(milestones):
            db.add(
                ProposalMilestone(
                    proposal_id=proposal.id, answer_id=answer.id, position=position, title=title
                )
            )
        proposal.answer_status = status
        proposal.answered_at = proposal.answered_at or answer.created_at
        db.flush()
    return answer
