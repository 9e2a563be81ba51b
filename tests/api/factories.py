"""Comments and answers for API tests, with hostile text."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from app.answers.models import ProposalAnswer
from app.comments.models import Comment
from app.db import scoped_to, utcnow
from app.tenants.models import Tenant
from tests.factories import HOSTILE


def make_comment(
    db: Session,
    tenant: Tenant,
    target_type: str,
    target_id: int,
    *,
    author_id: int | None = None,
    body: str = HOSTILE,
    hidden: bool = False,
    deleted: bool = False,
    parent_id: int | None = None,
) -> Comment:
    with scoped_to(db, tenant.id):
        comment = Comment(
            target_type=target_type,
            target_id=target_id,
            author_id=author_id,
            body=body,
            parent_id=parent_id,
            depth=1 if parent_id else 0,
            hidden_at=utcnow() if hidden else None,
            deleted_at=utcnow() if deleted else None,
        )
        db.add(comment)
        db.flush()
    return comment


def make_answer(
    db: Session, tenant: Tenant, proposal_id: int, status: str, *, days_ago: int = 0
) -> ProposalAnswer:
    with scoped_to(db, tenant.id):
        answer = ProposalAnswer(
            proposal_id=proposal_id,
            status=status,
            body=f"{HOSTILE} {status}",
            official_name=f"{HOSTILE} oficial",
            office_name=f"{HOSTILE} oficina",
            created_at=utcnow() - timedelta(days=days_ago),
        )
        db.add(answer)
        db.flush()
    return answer
