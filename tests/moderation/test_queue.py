"""The moderators' queue: order, content, escaping, tabs, paging and a bounded query count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session

from app.db import utcnow
from app.moderation.queue import MAX_PAGE, PAGE_SIZE, QueueRow
from app.tenants.models import Tenant
from tests.comments.factories import make_comment
from tests.debates.factories import make_debate
from tests.factories import HOSTILE
from tests.moderation.factories import make_flag
from tests.people import make_user, sign_in
from tests.proposals.factories import make_proposal
from tests.rendering import context_of, template_name

RAW = "<script>alert('x')</script>"
ESCAPED = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"


def _as_moderator(client: TestClient, db: Session, tenant: Tenant, role: str = "moderator") -> None:
    user = make_user(db, tenant, role)
    db.commit()
    sign_in(client, user)


def _rows(client: TestClient, query: str = "") -> list[QueueRow]:
    response = client.get(f"/moderation{query}")
    assert response.status_code == 200, response.text[:300]
    assert template_name(response) == "moderation/queue.html"
    rows: list[QueueRow] = context_of(response)["result"].rows
    return rows


def test_queue_sorts_by_reports_then_by_the_oldest_report(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    now = utcnow()
    once_old, once_new = make_debate(db, tenant_a), make_debate(db, tenant_a)
    twice = make_proposal(db, tenant_a)
    comment = make_comment(db, tenant_a, once_old, body="**Insulto** " + HOSTILE)
    make_flag(db, tenant_a, "debate", once_new.id, created_at=now - timedelta(hours=1))
    make_flag(db, tenant_a, "debate", once_old.id, created_at=now - timedelta(days=2))
    for _ in range(2):
        make_flag(db, tenant_a, "proposal", twice.id)
    for reason in ("spam", "spam", "offensive"):
        make_flag(db, tenant_a, "comment", comment.id, reason=reason)
    # Reviewed reports no longer count.
    for _ in range(5):
        make_flag(db, tenant_a, "debate", once_new.id, reviewed=True)
    _as_moderator(client_a, db, tenant_a)
    rows = _rows(client_a)
    assert [(row.target_type, row.target_id, row.flags) for row in rows] == [
        ("comment", comment.id, 3),
        ("proposal", twice.id, 2),
        ("debate", once_old.id, 1),
        ("debate", once_new.id, 1),
    ]
    first = rows[0]
    assert first.reasons == {"spam": 2, "offensive": 1}
    assert first.title is None
    assert first.excerpt.startswith("Insulto <script>")
    assert first.path == f"/comments/{comment.id}"
    assert first.author is not None
    assert first.author.id == comment.author_id
    assert len(first.details) == 3


def test_queue_escapes_every_hostile_text(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    author = make_user(db, tenant_a)  # hostile display name
    debate = make_debate(db, tenant_a, author=author)
    comment = make_comment(db, tenant_a, debate, author=author)
    make_flag(db, tenant_a, "debate", debate.id)
    make_flag(db, tenant_a, "comment", comment.id, reason="other")
    _as_moderator(client_a, db, tenant_a)
    page = client_a.get("/moderation").text
    assert RAW not in page
    # Title, excerpt, author name, details (and the block button naming the author).
    assert page.count(ESCAPED) >= 6
    assert "Something else" in page
    assert "Insults, threats or discrimination" in page
    assert f'href="/debates/{debate.id}"' in page


def test_queue_shows_only_this_instance(
    client_a: TestClient, db: Session, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    ours, theirs = make_debate(db, tenant_a), make_debate(db, tenant_b)
    make_flag(db, tenant_a, "debate", ours.id)
    for _ in range(3):
        make_flag(db, tenant_b, "debate", theirs.id, details="secreto de beta")
    _as_moderator(client_a, db, tenant_a)
    response = client_a.get("/moderation")
    assert [row.target_id for row in context_of(response)["result"].rows] == [ours.id]
    assert context_of(response)["result"].total == 1
    assert "secreto de beta" not in response.text


def test_tabs_list_hidden_content_and_blocked_accounts(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    debate = make_debate(db, tenant_a, hidden=True)
    proposal = make_proposal(db, tenant_a, hidden=True)
    visible = make_debate(db, tenant_a)
    comment = make_comment(db, tenant_a, visible, hidden=True)
    blocked = make_user(db, tenant_a)
    blocked.blocked_at = utcnow()
    _as_moderator(client_a, db, tenant_a)
    hidden = _rows(client_a, "?tab=hidden")
    assert {(row.target_type, row.target_id) for row in hidden} == {
        ("debate", debate.id),
        ("proposal", proposal.id),
        ("comment", comment.id),
    }
    page = client_a.get("/moderation?tab=hidden").text
    assert page.count('action="/moderation/restore"') == 3
    blocked_page = client_a.get("/moderation?tab=blocked")
    assert [row.user.id for row in context_of(blocked_page)["result"].rows] == [blocked.id]
    assert f'action="/moderation/users/{blocked.id}/unblock"' in blocked_page.text
    assert RAW not in blocked_page.text


def test_queue_pages_are_bounded(client_a: TestClient, db: Session, tenant_a: Tenant) -> None:
    debates = [make_debate(db, tenant_a) for _ in range(PAGE_SIZE + 2)]
    reporter = make_user(db, tenant_a)
    for debate in debates:
        make_flag(db, tenant_a, "debate", debate.id, user=reporter)
    _as_moderator(client_a, db, tenant_a)
    first = client_a.get("/moderation")
    assert len(context_of(first)["result"].rows) == PAGE_SIZE
    assert 'rel="next"' in first.text
    second = _rows(client_a, "?page=2")
    assert len(second) == 2
    assert client_a.get(f"/moderation?page={MAX_PAGE + 1}").status_code == 422
    assert client_a.get("/moderation?tab=nonsense").status_code == 422


@pytest.mark.parametrize("tab", ["pending", "hidden", "blocked"])
def test_queue_query_count_does_not_grow_with_the_page(
    tab: str, client_a: TestClient, db: Session, tenant_a: Tenant, connection: Connection
) -> None:
    _as_moderator(client_a, db, tenant_a)

    def fill(count: int) -> None:
        for _ in range(count):
            author = make_user(db, tenant_a)
            hidden = tab == "hidden"
            debate = make_debate(db, tenant_a, author=author, hidden=hidden)
            proposal = make_proposal(db, tenant_a, author=author, hidden=hidden)
            comment = make_comment(db, tenant_a, debate, author=author, hidden=hidden)
            for target_type, target in (
                ("debate", debate),
                ("proposal", proposal),
                ("comment", comment),
            ):
                make_flag(db, tenant_a, target_type, target.id)
            if tab == "blocked":
                author.blocked_at = utcnow()
        db.commit()

    def statements() -> int:
        seen: list[str] = []

        def count(*args: object) -> None:
            seen.append(str(args[2]))

        event.listen(connection, "before_cursor_execute", count)
        try:
            assert client_a.get(f"/moderation?tab={tab}").status_code == 200
        finally:
            event.remove(connection, "before_cursor_execute", count)
        return len(seen)

    fill(1)
    few = statements()
    fill(12)
    many = statements()
    assert many == few
    # About 10 for the request itself (tenant, session, roles, savepoints), the rest for the
    # page: a fixed few per content type (count, ids, rows; four types with budget projects),
    # authors, roles, reasons, details.
    assert many <= 24


def test_queue_offers_hide_and_keep_and_blocks_only_what_may_be_blocked(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    citizen_post = make_debate(db, tenant_a)
    admin_post = make_debate(db, tenant_a, author=make_user(db, tenant_a, "administrator"))
    make_flag(db, tenant_a, "debate", citizen_post.id)
    make_flag(db, tenant_a, "debate", admin_post.id)
    _as_moderator(client_a, db, tenant_a)
    page = client_a.get("/moderation").text
    assert page.count('action="/moderation/hide"') == 2
    assert page.count('action="/moderation/keep"') == 2
    assert f'action="/moderation/users/{citizen_post.author_id}/block"' in page
    assert f'action="/moderation/users/{admin_post.author_id}/block"' not in page


def test_empty_queue_says_so(client_a: TestClient, db: Session, tenant_a: Tenant) -> None:
    _as_moderator(client_a, db, tenant_a, "administrator")
    assert "No reports are waiting." in client_a.get("/moderation").text
