"""comments.create / vote / edit / delete: every role, through the real routes, and by state."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.comments.models import Comment
from app.db import scoped_to, utcnow
from app.tenants.models import Tenant
from tests.authz.matrix import ALL_KINDS, Action, check, person_for
from tests.comments.factories import make_comment
from tests.debates.factories import make_debate
from tests.people import csrf_of, sign_in

SIGNED_IN = frozenset(set(ALL_KINDS) - {"anonymous"})
NOBODY: frozenset[str] = frozenset()


def _someones_comment(
    db: Session, tenant: Tenant, *, hidden: bool = False, deleted: bool = False
) -> str:
    debate = make_debate(db, tenant)
    return f"/comments/{make_comment(db, tenant, debate, hidden=hidden, deleted=deleted).id}"


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_comment_on_a_visible_debate(
    kind: str, db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    debate = make_debate(db, tenant_a)
    action = Action(
        "comments.create",
        "POST",
        "/comments",
        SIGNED_IN,
        {"target_type": "debate", "target_id": str(debate.id), "body": "Allinmi"},
    )
    check(client_a, db, tenant_a, kind, action)


ON_OTHERS = [
    Action(
        "comments.vote",
        "POST",
        lambda db, t: _someones_comment(db, t) + "/vote",
        SIGNED_IN,
        {"value": "up"},
    ),
    Action(
        "comments.vote (deleted comment)",
        "POST",
        lambda db, t: _someones_comment(db, t, deleted=True) + "/vote",
        NOBODY,
        {"value": "up"},
    ),
    Action(
        "comments.vote (hidden comment)",
        "POST",
        lambda db, t: _someones_comment(db, t, hidden=True) + "/vote",
        NOBODY,
        {"value": "up"},
    ),
    Action(
        "comments.edit (someone else's)",
        "POST",
        lambda db, t: _someones_comment(db, t) + "/edit",
        NOBODY,
        {"body": "cambiado"},
    ),
    Action(
        "comments.edit form (someone else's)",
        "GET",
        lambda db, t: _someones_comment(db, t) + "/edit",
        NOBODY,
    ),
    Action(
        "comments.delete (someone else's)",
        "POST",
        lambda db, t: _someones_comment(db, t) + "/delete",
        NOBODY,
    ),
]


@pytest.mark.parametrize("kind", ALL_KINDS)
@pytest.mark.parametrize("action", ON_OTHERS, ids=lambda action: action.name)
def test_actions_on_others_comments(
    kind: str, action: Action, db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    check(client_a, db, tenant_a, kind, action)


def _aged_comment(
    db: Session,
    tenant: Tenant,
    author: User,
    age: timedelta,
    *,
    hidden: bool = False,
    deleted: bool = False,
) -> int:
    debate = make_debate(db, tenant)
    comment = make_comment(db, tenant, debate, author=author, hidden=hidden, deleted=deleted)
    with scoped_to(db, tenant.id):
        db.execute(
            update(Comment).where(Comment.id == comment.id).values(created_at=utcnow() - age)
        )
    return comment.id


@pytest.mark.parametrize("kind", sorted(SIGNED_IN))
def test_authors_edit_within_the_window_and_delete(
    kind: str, db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    author = person_for(kind, db, tenant_a)
    assert isinstance(author, User)
    cases = [
        (_aged_comment(db, tenant_a, author, timedelta(minutes=14)), True, True),
        (_aged_comment(db, tenant_a, author, timedelta(minutes=16)), False, True),
        (_aged_comment(db, tenant_a, author, timedelta(0), hidden=True), False, False),
        (_aged_comment(db, tenant_a, author, timedelta(0), deleted=True), False, False),
    ]
    db.commit()
    sign_in(client_a, author)

    def post(path: str, **data: str) -> int:
        data["csrf_token"] = csrf_of(client_a)
        return client_a.post(path, data=data, follow_redirects=False).status_code

    for comment_id, editable, deletable in cases:
        assert (client_a.get(f"/comments/{comment_id}/edit").status_code == 200) is editable
        assert (post(f"/comments/{comment_id}/edit", body="nuevo") == 303) is editable
        assert (post(f"/comments/{comment_id}/delete") == 303) is deletable
