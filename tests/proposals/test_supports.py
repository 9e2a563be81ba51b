"""Supporting: one per resident, counts equal rows, the goal, withdrawing, the desk."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.audit.models import AuditEntry
from app.config import Settings
from app.db import scoped_to, utcnow
from app.notifications.models import Notification
from app.proposals.models import Proposal, ProposalSupport
from app.tenants.models import Tenant
from tests.people import csrf_of, make_user, sign_in
from tests.proposals.factories import make_proposal


def _support(client: TestClient, proposal_id: int, action: str = "support") -> int:
    return client.post(
        f"/proposals/{proposal_id}/{action}",
        data={"csrf_token": csrf_of(client)},
        follow_redirects=False,
    ).status_code


def _state(db: Session, tenant: Tenant, proposal_id: int) -> tuple[Proposal, int]:
    db.expire_all()
    with scoped_to(db, tenant.id):
        proposal = db.get_one(Proposal, proposal_id)
        rows = db.scalar(
            select(func.count(ProposalSupport.id)).where(ProposalSupport.proposal_id == proposal_id)
        )
    return proposal, rows or 0


def test_a_verified_resident_supports_once_and_the_count_equals_the_rows(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    proposal = make_proposal(db, tenant_a)
    resident = make_user(db, tenant_a, verified=True)
    db.commit()
    sign_in(client_a, resident)
    assert _support(client_a, proposal.id) == 303
    assert _support(client_a, proposal.id) == 303  # a second click is a friendly no-op
    saved, rows = _state(db, tenant_a, proposal.id)
    assert (saved.supports_count, rows) == (1, 1)
    page = client_a.get(f"/proposals/{proposal.id}").text
    assert "f-unsupport" not in page
    assert f'action="/proposals/{proposal.id}/unsupport"' in page
    assert f'action="/proposals/{proposal.id}/support"' not in page
    assert _support(client_a, proposal.id, "unsupport") == 303
    saved, rows = _state(db, tenant_a, proposal.id)
    assert (saved.supports_count, rows) == (0, 0)


def test_organizations_unverified_and_closed_proposals_take_no_supports(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    open_one = make_proposal(db, tenant_a)
    late = make_proposal(db, tenant_a, deadline_at=utcnow() - timedelta(minutes=1))
    retired = make_proposal(db, tenant_a, state="retired")
    archived = make_proposal(db, tenant_a, state="archived")
    organization = make_user(db, tenant_a, organization=True)
    citizen = make_user(db, tenant_a)
    resident = make_user(db, tenant_a, verified=True)
    db.commit()
    for person in (organization, citizen):
        sign_in(client_a, person)
        assert _support(client_a, open_one.id) == 403
    sign_in(client_a, resident)
    for closed in (late, retired, archived):
        assert _support(client_a, closed.id) == 403
    _saved, rows = _state(db, tenant_a, open_one.id)
    assert rows == 0


def test_reaching_the_goal_makes_it_successful_notifies_and_starts_the_answer_clock(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    author = make_user(db, tenant_a)
    follower = make_user(db, tenant_a)
    proposal = make_proposal(db, tenant_a, author=author, supports_needed=2)
    from app.notifications.service import follow

    with scoped_to(db, tenant_a.id):
        follow(db, follower.id, "proposal", proposal.id)
    first, second = make_user(db, tenant_a, verified=True), make_user(db, tenant_a, verified=True)
    db.commit()
    sign_in(client_a, first)
    assert _support(client_a, proposal.id) == 303
    saved, _rows = _state(db, tenant_a, proposal.id)
    assert saved.state == "open"
    sign_in(client_a, second)
    assert _support(client_a, proposal.id) == 303
    saved, rows = _state(db, tenant_a, proposal.id)
    assert (saved.state, saved.supports_count, rows) == ("successful", 2, 2)
    assert saved.successful_at is not None
    assert saved.answer_due_on is not None
    with scoped_to(db, tenant_a.id):
        told = db.scalars(
            select(Notification.user_id).where(
                Notification.kind == "threshold", Notification.target_id == proposal.id
            )
        ).all()
    assert set(told) == {author.id, follower.id, first.id, second.id}
    # Past the goal: supports go on, but none can be withdrawn.
    assert _support(client_a, proposal.id, "unsupport") == 403
    third = make_user(db, tenant_a, verified=True)
    db.commit()
    sign_in(client_a, third)
    assert _support(client_a, proposal.id) == 303
    saved, rows = _state(db, tenant_a, proposal.id)
    assert (saved.state, saved.supports_count, rows) == ("successful", 3, 3)


def test_a_desk_manager_supports_for_the_resident_served(
    client_a: TestClient, db: Session, tenant_a: Tenant, settings: Settings
) -> None:
    from tests.desk.test_desk import _serve

    proposal = make_proposal(db, tenant_a)
    manager = make_user(db, tenant_a, "desk_manager")
    db.commit()
    sign_in(client_a, manager)
    assert _support(client_a, proposal.id) == 403  # the manager is no resident
    person = _serve(client_a, db, tenant_a, settings, "40999888")
    client_a.post("/desk/act", data={"user_id": str(person), "csrf_token": csrf_of(client_a)})
    assert _support(client_a, proposal.id) == 303
    with scoped_to(db, tenant_a.id):
        support = db.scalars(select(ProposalSupport)).one()
        user = db.get_one(User, person)
        logged = db.scalars(
            select(AuditEntry).where(AuditEntry.action == "proposals.support")
        ).one()
    assert (support.user_id, support.channel) == (user.id, "desk")
    assert (logged.actor_id, logged.channel) == (manager.id, "desk")
    assert logged.object_id == str(proposal.id)
    assert logged.details == {"for_user": user.id}
    saved, rows = _state(db, tenant_a, proposal.id)
    assert (saved.supports_count, rows) == (1, 1)
