"""Blocking an account: sign-in refused, sessions ended, content hidden, staff protected."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.db import utcnow
from app.tenants.models import Tenant
from tests.comments.factories import make_comment
from tests.debates.factories import make_debate
from tests.moderation.factories import make_flag
from tests.moderation.helpers import audit, open_flags, post, reload, signed_in
from tests.people import PASSWORD, csrf_of, make_user, sign_in
from tests.proposals.factories import make_proposal


@pytest.fixture
def second_browser(app: FastAPI, tenant_a: Tenant) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://alfa.test", raise_server_exceptions=False) as client:
        client.headers["Accept-Language"] = "en"
        yield client


def _block(client: TestClient, user: User, **fields: str) -> int:
    return post(client, f"/moderation/users/{user.id}/block", **fields).status_code


def test_block_ends_sessions_refuses_sign_in_and_hides_all_content(
    client_a: TestClient, second_browser: TestClient, db: Session, tenant_a: Tenant
) -> None:
    author = make_user(db, tenant_a)
    debate = make_debate(db, tenant_a, author=author)
    proposal = make_proposal(db, tenant_a, author=author)
    elsewhere = make_debate(db, tenant_a)
    comment = make_comment(db, tenant_a, elsewhere, author=author)
    make_comment(db, tenant_a, elsewhere)
    earlier = make_debate(db, tenant_a, author=author)
    earlier.hidden_at = utcnow() - timedelta(days=3)
    untouched = make_debate(db, tenant_a)
    make_flag(db, tenant_a, "debate", debate.id)
    make_flag(db, tenant_a, "comment", comment.id)
    db.commit()
    sign_in(second_browser, author)
    assert second_browser.get("/account").status_code == 200
    moderator = signed_in(client_a, db, tenant_a, "moderator")

    assert _block(client_a, author, next="/moderation") == 303

    blocked_at = reload(db, tenant_a, author).blocked_at
    assert blocked_at is not None
    for row in (debate, proposal, comment):
        assert reload(db, tenant_a, row).hidden_at == blocked_at
    assert reload(db, tenant_a, earlier).hidden_at != blocked_at
    assert reload(db, tenant_a, untouched).hidden_at is None
    assert reload(db, tenant_a, elsewhere).comments_count == 1
    assert open_flags(db, tenant_a, "debate", debate.id) == 0
    assert open_flags(db, tenant_a, "comment", comment.id) == 0
    # The open session is over, and the password no longer opens a new one.
    assert second_browser.get("/account", follow_redirects=False).status_code == 303
    token = csrf_of(second_browser, "/login")
    login = second_browser.post(
        "/login",
        data={"email": author.email, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert login.status_code != 303
    [entry] = audit(db, tenant_a, "moderation.block")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        moderator.id,
        "user",
        str(author.id),
    )
    assert entry.details == {
        # budget_project: a content type of the budgets module; this author wrote none.
        "hidden": {
            "sessions": 1,
            "debate": 1,
            "proposal": 1,
            "comment": 1,
            "budget_project": 0,
            "flags": 2,
        }
    }
    page = client_a.get("/moderation?tab=blocked")
    assert "The account is blocked and its content hidden." in page.text
    assert f"/moderation/users/{author.id}/unblock" in page.text


def test_unblock_keeps_content_hidden_unless_asked(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    author = make_user(db, tenant_a)
    debate = make_debate(db, tenant_a, author=author)
    signed_in(client_a, db, tenant_a, "moderator")
    assert _block(client_a, author) == 303
    assert post(client_a, f"/moderation/users/{author.id}/unblock").status_code == 303
    assert reload(db, tenant_a, author).blocked_at is None
    assert reload(db, tenant_a, debate).hidden_at is not None
    [entry] = audit(db, tenant_a, "moderation.unblock")
    assert entry.details == {"restored": {}, "restore_requested": False}
    sign_in(client_a, author)  # signing in works again


def test_unblock_can_restore_exactly_what_the_block_hid(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    author = make_user(db, tenant_a)
    debate = make_debate(db, tenant_a, author=author)
    elsewhere = make_debate(db, tenant_a)
    comment = make_comment(db, tenant_a, elsewhere, author=author)
    hidden_before = make_debate(db, tenant_a, author=author)
    signed_in(client_a, db, tenant_a, "moderator")
    assert (
        post(
            client_a, "/moderation/hide", target_type="debate", target_id=str(hidden_before.id)
        ).status_code
        == 303
    )
    assert _block(client_a, author) == 303
    assert reload(db, tenant_a, elsewhere).comments_count == 0
    response = post(client_a, f"/moderation/users/{author.id}/unblock", restore="yes")
    assert response.status_code == 303
    assert reload(db, tenant_a, debate).hidden_at is None
    assert reload(db, tenant_a, comment).hidden_at is None
    assert reload(db, tenant_a, hidden_before).hidden_at is not None
    assert reload(db, tenant_a, elsewhere).comments_count == 1
    [entry] = audit(db, tenant_a, "moderation.unblock")
    restored = {"debate": 1, "proposal": 0, "comment": 1, "budget_project": 0}
    assert entry.details["restored"] == restored


@pytest.mark.parametrize(
    ("actor_role", "target_roles", "allowed"),
    [
        ("moderator", (), True),
        ("moderator", ("official",), True),
        ("moderator", ("moderator",), False),
        ("moderator", ("administrator",), False),
        ("administrator", ("moderator",), True),
        ("administrator", ("administrator",), True),
    ],
)
def test_only_administrators_block_moderating_staff(
    actor_role: str,
    target_roles: tuple[str, ...],
    allowed: bool,
    client_a: TestClient,
    db: Session,
    tenant_a: Tenant,
) -> None:
    target = make_user(db, tenant_a, *target_roles)
    signed_in(client_a, db, tenant_a, actor_role)
    response = post(client_a, f"/moderation/users/{target.id}/block")
    if allowed:
        assert response.status_code == 303
        assert reload(db, tenant_a, target).blocked_at is not None
    else:
        assert response.status_code == 403
        assert "Only an administrator can block" in response.text
        assert reload(db, tenant_a, target).blocked_at is None
        assert audit(db, tenant_a, "moderation.block") == []


@pytest.mark.parametrize("role", ["moderator", "administrator"])
def test_nobody_blocks_themselves(
    role: str, client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    me = signed_in(client_a, db, tenant_a, role)
    response = post(client_a, f"/moderation/users/{me.id}/block")
    assert response.status_code == 403
    assert "You cannot block or unblock your own account." in response.text
    assert reload(db, tenant_a, me).blocked_at is None


def test_blocking_twice_is_a_message_not_an_error(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    target = make_user(db, tenant_a)
    signed_in(client_a, db, tenant_a, "moderator")
    assert _block(client_a, target) == 303
    assert _block(client_a, target) == 303
    assert "This account is already blocked." in client_a.get("/moderation").text
    assert len(audit(db, tenant_a, "moderation.block")) == 1
    assert post(client_a, f"/moderation/users/{target.id}/unblock").status_code == 303
    assert post(client_a, f"/moderation/users/{target.id}/unblock").status_code == 303
    assert "This account is not blocked." in client_a.get("/moderation").text
    assert len(audit(db, tenant_a, "moderation.unblock")) == 1


def test_accounts_of_another_instance_are_404(
    client_a: TestClient, db: Session, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    foreign = make_user(db, tenant_b)
    signed_in(client_a, db, tenant_a, "administrator")
    assert _block(client_a, foreign) == 404
    assert post(client_a, "/moderation/users/999999/block").status_code == 404
    assert reload(db, tenant_b, foreign).blocked_at is None
