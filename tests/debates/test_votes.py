"""Agree / disagree: one vote per account, changeable, counters always equal to the rows."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import scoped_to
from app.debates.models import Debate, DebateVote
from app.tenants.models import Tenant
from tests.debates.factories import make_debate
from tests.people import csrf_of, make_user, sign_in
from tests.rendering import context_of


def _vote(client: TestClient, debate_id: int, value: str) -> int:
    return client.post(
        f"/debates/{debate_id}/vote",
        data={"value": value, "csrf_token": csrf_of(client)},
        follow_redirects=False,
    ).status_code


def _state(
    db: Session, tenant: Tenant, debate_id: int
) -> tuple[tuple[int, int, int], dict[int, int]]:
    with scoped_to(db, tenant.id):
        db.expire_all()
        debate = db.get(Debate, debate_id)
        assert debate is not None
        rows = db.execute(
            select(DebateVote.value, func.count())
            .where(DebateVote.debate_id == debate_id)
            .group_by(DebateVote.value)
        ).all()
        counters = (debate.votes_agree, debate.votes_disagree, debate.votes_total)
    return counters, dict(rows)


def test_one_vote_per_account_that_can_change(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    debate = make_debate(db, tenant_a)
    voter = make_user(db, tenant_a)
    db.commit()
    sign_in(client_a, voter)
    assert _vote(client_a, debate.id, "agree") == 303
    assert _vote(client_a, debate.id, "agree") == 303
    assert _state(db, tenant_a, debate.id) == ((1, 0, 1), {1: 1})
    page = client_a.get(f"/debates/{debate.id}")
    assert context_of(page)["my_vote"] == 1
    assert context_of(page)["agree_percent"] == 100
    assert _vote(client_a, debate.id, "disagree") == 303
    assert _state(db, tenant_a, debate.id) == ((0, 1, 1), {-1: 1})
    assert context_of(client_a.get(f"/debates/{debate.id}"))["my_vote"] == -1
    assert _vote(client_a, debate.id, "maybe") == 422
    assert _state(db, tenant_a, debate.id) == ((0, 1, 1), {-1: 1})


def test_counters_follow_many_voters(client_a: TestClient, db: Session, tenant_a: Tenant) -> None:
    debate = make_debate(db, tenant_a)
    voters = [make_user(db, tenant_a, verified=i % 2 == 0) for i in range(4)]
    db.commit()
    for index, voter in enumerate(voters):
        sign_in(client_a, voter)
        assert _vote(client_a, debate.id, "agree" if index < 3 else "disagree") == 303
    counters, rows = _state(db, tenant_a, debate.id)
    assert counters == (3, 1, 4)
    assert rows == {1: 3, -1: 1}
    page = client_a.get(f"/debates/{debate.id}")
    assert (context_of(page)["agree_percent"], context_of(page)["disagree_percent"]) == (75, 25)


def test_organizations_and_anonymous_do_not_vote(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    debate = make_debate(db, tenant_a)
    organization = make_user(db, tenant_a, organization=True)
    db.commit()
    assert _vote(client_a, debate.id, "agree") == 401
    sign_in(client_a, organization)
    assert _vote(client_a, debate.id, "agree") == 403
    assert 'value="agree"' not in client_a.get(f"/debates/{debate.id}").text
    assert _state(db, tenant_a, debate.id) == ((0, 0, 0), {})


def test_hidden_debate_takes_no_votes(client_a: TestClient, db: Session, tenant_a: Tenant) -> None:
    debate = make_debate(db, tenant_a, hidden=True)
    voter = make_user(db, tenant_a)
    db.commit()
    sign_in(client_a, voter)
    assert _vote(client_a, debate.id, "agree") == 404
    assert _state(db, tenant_a, debate.id) == ((0, 0, 0), {})
