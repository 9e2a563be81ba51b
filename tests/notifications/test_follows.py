"""Following a debate: idempotent both ways, only things that exist and are visible here."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import scoped_to
from app.notifications.models import Follow
from app.notifications.service import is_following
from app.tenants.models import Tenant
from tests.debates.factories import make_debate
from tests.people import csrf_of, make_user, sign_in


def _follows(db: Session, tenant: Tenant, user_id: int) -> list[tuple[str, int]]:
    with scoped_to(db, tenant.id):
        rows = db.execute(
            select(Follow.target_type, Follow.target_id).where(Follow.user_id == user_id)
        ).all()
    return [(kind, target) for kind, target in rows]


def _post(client: TestClient, path: str, **data: str) -> int:
    data["csrf_token"] = csrf_of(client)
    response = client.post(path, data=data, follow_redirects=False)
    return response.status_code


def test_follow_and_unfollow_are_idempotent(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    me = make_user(db, tenant_a)
    debate = make_debate(db, tenant_a)
    db.commit()
    sign_in(client_a, me)
    target = {"target_type": "debate", "target_id": str(debate.id)}

    response = client_a.post(
        "/follows",
        data={**target, "next": f"/debates/{debate.id}#follow", "csrf_token": csrf_of(client_a)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/debates/{debate.id}#follow"
    assert _post(client_a, "/follows", **target) == 303
    assert _follows(db, tenant_a, me.id) == [("debate", debate.id)]
    with scoped_to(db, tenant_a.id):
        assert is_following(db, me.id, "debate", debate.id)

    assert _post(client_a, "/follows/delete", **target) == 303
    assert _post(client_a, "/follows/delete", **target) == 303
    assert _follows(db, tenant_a, me.id) == []
    with scoped_to(db, tenant_a.id):
        assert not is_following(db, me.id, "debate", debate.id)


@pytest.mark.parametrize("unsafe", ["https://evil.example/x", "//evil.example", "/\\evil"])
def test_next_never_leaves_the_site(
    unsafe: str, db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    me = make_user(db, tenant_a)
    debate = make_debate(db, tenant_a)
    db.commit()
    sign_in(client_a, me)

    response = client_a.post(
        "/follows",
        data={
            "target_type": "debate",
            "target_id": str(debate.id),
            "next": unsafe,
            "csrf_token": csrf_of(client_a),
        },
        follow_redirects=False,
    )

    assert response.headers["location"] == f"/debates/{debate.id}"


def test_unknown_hidden_or_foreign_targets_are_404(
    db: Session, tenant_a: Tenant, tenant_b: Tenant, client_a: TestClient
) -> None:
    me = make_user(db, tenant_a)
    hidden = make_debate(db, tenant_a, hidden=True)
    foreign = make_debate(db, tenant_b)
    db.commit()
    sign_in(client_a, me)

    assert _post(client_a, "/follows", target_type="debate", target_id="999999999") == 404
    assert _post(client_a, "/follows", target_type="planet", target_id="1") == 404
    assert _post(client_a, "/follows", target_type="debate", target_id=str(hidden.id)) == 404
    assert _post(client_a, "/follows", target_type="debate", target_id=str(foreign.id)) == 404
    assert _post(client_a, "/follows/delete", target_type="planet", target_id="1") == 404
    assert _post(client_a, "/follows", target_type="debate", target_id="-1") == 422
    assert _follows(db, tenant_a, me.id) == []


def test_a_hidden_target_can_still_be_unfollowed(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    me = make_user(db, tenant_a)
    debate = make_debate(db, tenant_a, hidden=True)
    with scoped_to(db, tenant_a.id):
        db.add(Follow(user_id=me.id, target_type="debate", target_id=debate.id))
        db.flush()
    db.commit()
    sign_in(client_a, me)

    status = _post(client_a, "/follows/delete", target_type="debate", target_id=str(debate.id))

    assert status == 303
    assert _follows(db, tenant_a, me.id) == []
