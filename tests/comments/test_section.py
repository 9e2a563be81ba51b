"""The comments section: threads, placeholders, sorting, pages, escaping, and its cost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.sessions import principal_for_user
from app.authz.principal import Principal
from app.comments.models import Comment, CommentVote
from app.comments.service import PER_PAGE, comment_section
from app.db import scoped_to, utcnow
from app.tenants.models import Tenant
from tests.comments.factories import make_comment
from tests.comments.section import render_section
from tests.debates.factories import make_debate
from tests.factories import HOSTILE
from tests.people import make_user

ESCAPED = "&lt;script&gt;alert("


def _principal(db: Session, tenant: Tenant, user: User) -> Principal:
    with scoped_to(db, tenant.id):
        return principal_for_user(db, user)


def test_thread_shows_escaped_text_authors_and_badges(db: Session, tenant_a: Tenant) -> None:
    debate = make_debate(db, tenant_a)
    root = make_comment(db, tenant_a, debate, badge="official")
    make_comment(db, tenant_a, debate, parent=root, badge="organization", body="**firme** 🌽")
    html = render_section(db, tenant_a, debate)
    assert "<script>" not in html
    assert ESCAPED in html
    assert "<strong>firme</strong> 🌽" in html
    assert "Official" in html
    assert "Organization" in html
    assert f'id="comment-{root.id}"' in html
    assert "Comments (2)" in html
    assert "Sign in to comment" in html
    assert "/login?next=/debates/" in html


def test_replies_are_nested_under_their_parent(db: Session, tenant_a: Tenant) -> None:
    debate = make_debate(db, tenant_a)
    root = make_comment(db, tenant_a, debate, body="raíz")
    reply = make_comment(db, tenant_a, debate, parent=root, body="respuesta")
    make_comment(db, tenant_a, debate, parent=reply, body="más hondo")
    make_comment(db, tenant_a, debate, body="otra raíz")
    with scoped_to(db, tenant_a.id):
        section = comment_section(db, "debate", debate.id, None)
    assert [item.comment.body for item in section.items] == ["otra raíz", "raíz"]
    first = section.items[1]
    assert [r.comment.body for r in first.replies] == ["respuesta"]
    assert [r.comment.body for r in first.replies[0].replies] == ["más hondo"]
    assert section.total == 4


def test_sorts(db: Session, tenant_a: Tenant) -> None:
    debate = make_debate(db, tenant_a)
    start = utcnow() - timedelta(hours=1)
    old = make_comment(db, tenant_a, debate, body="vieja", votes_up=1, created_at=start)
    top = make_comment(
        db, tenant_a, debate, body="votada", votes_up=9, created_at=start + timedelta(minutes=1)
    )
    new = make_comment(
        db, tenant_a, debate, body="nueva", votes_down=3, created_at=start + timedelta(minutes=2)
    )
    orders = {}
    with scoped_to(db, tenant_a.id):
        for sort in ("most_voted", "newest", "oldest", "nonsense"):
            section = comment_section(db, "debate", debate.id, None, sort)
            orders[sort] = [item.id for item in section.items]
    assert orders["most_voted"] == [top.id, old.id, new.id]
    assert orders["newest"] == [new.id, top.id, old.id]
    assert orders["oldest"] == [old.id, top.id, new.id]
    assert orders["nonsense"] == orders["most_voted"]


def test_top_level_comments_are_paginated(db: Session, tenant_a: Tenant) -> None:
    debate = make_debate(db, tenant_a)
    author = make_user(db, tenant_a)
    for number in range(PER_PAGE + 3):
        make_comment(db, tenant_a, debate, author=author, body=f"c{number}")
    with scoped_to(db, tenant_a.id):
        first = comment_section(db, "debate", debate.id, None, "oldest", 1)
        second = comment_section(db, "debate", debate.id, None, "oldest", 2)
        beyond = comment_section(db, "debate", debate.id, None, "oldest", 10**9)
    assert len(first.items) == PER_PAGE
    assert first.has_next
    assert [i.comment.body for i in second.items] == [
        f"c{n}" for n in range(PER_PAGE, PER_PAGE + 3)
    ]
    assert not second.has_next
    assert beyond.items == []
    assert beyond.page == 200
    html = render_section(db, tenant_a, debate, sort="oldest")
    assert "comments_page=2" in html


def test_hidden_and_deleted_comments_keep_only_their_place(db: Session, tenant_a: Tenant) -> None:
    debate = make_debate(db, tenant_a)
    hidden = make_comment(db, tenant_a, debate, hidden=True, body="ofensa secreta")
    make_comment(db, tenant_a, debate, parent=hidden, body="respuesta a la ofensa")
    deleted = make_comment(db, tenant_a, debate, deleted=True, body="me arrepentí")
    make_comment(db, tenant_a, debate, parent=deleted, body="respuesta al borrado")
    make_comment(db, tenant_a, debate, hidden=True, body="oculta sola")
    make_comment(db, tenant_a, debate, deleted=True, body="borrada sola")
    html = render_section(db, tenant_a, debate)
    assert "This comment was hidden by moderation" in html
    assert "Deleted comment" in html
    assert "respuesta a la ofensa" in html
    assert "respuesta al borrado" in html
    for secret in ("ofensa secreta", "me arrepentí", "oculta sola", "borrada sola"):
        assert secret not in html
    assert html.count('class="comment comment-gone"') == 2
    assert "Comments (2)" in html


def test_deleted_account_and_own_vote_are_shown(db: Session, tenant_a: Tenant) -> None:
    debate = make_debate(db, tenant_a)
    gone = make_user(db, tenant_a)
    comment = make_comment(db, tenant_a, debate, author=gone, votes_up=1)
    voter = make_user(db, tenant_a)
    with scoped_to(db, tenant_a.id):
        db.add(CommentVote(comment_id=comment.id, user_id=voter.id, value=1))
        db.delete(gone)
        db.flush()
        db.expire(comment)
    principal = _principal(db, tenant_a, voter)
    html = render_section(db, tenant_a, debate, principal)
    assert "Deleted account" in html
    assert 'value="none" class="comment-vote" aria-pressed="true"' in html
    assert 'value="down" class="comment-vote" aria-pressed="false"' in html
    assert 'name="parent_id"' in html
    assert "Publish comment" in html


def test_a_thousand_comments_render_in_a_fixed_number_of_statements(
    db: Session, tenant_a: Tenant, connection: Connection
) -> None:
    debate = make_debate(db, tenant_a)
    authors = [make_user(db, tenant_a) for _ in range(20)]
    with scoped_to(db, tenant_a.id):
        roots = []
        for number in range(400):
            comment = Comment(
                target_type="debate",
                target_id=debate.id,
                depth=0,
                author_id=authors[number % 20].id,
                body=f"{HOSTILE} {number}",
                votes_up=number % 7,
            )
            roots.append(comment)
        db.add_all(roots)
        db.flush()
        replies = [
            Comment(
                target_type="debate",
                target_id=debate.id,
                parent_id=roots[number % 400].id,
                depth=1,
                author_id=authors[number % 20].id,
                body=f"respuesta {number}",
            )
            for number in range(600)
        ]
        db.add_all(replies)
        debate.comments_count = 1000
        db.flush()
    viewer = _principal(db, tenant_a, authors[0])
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(connection, "before_cursor_execute", count)
    try:
        html = render_section(db, tenant_a, debate, viewer)
    finally:
        event.remove(connection, "before_cursor_execute", count)
    assert "Comments (1000)" in html
    assert html.count('class="comment"') >= PER_PAGE
    # The target, the page of threads, their replies, the authors, the viewer's votes.
    assert len(statements) <= 5, "\n".join(statement[:120] for statement in statements)


@pytest.mark.parametrize("sort", ["most_voted", "newest", "oldest"])
def test_deep_threads_stay_within_the_depth_limit(db: Session, tenant_a: Tenant, sort: str) -> None:
    debate = make_debate(db, tenant_a)
    parent = make_comment(db, tenant_a, debate)
    for _ in range(4):
        parent = make_comment(db, tenant_a, debate, parent=parent)
    with scoped_to(db, tenant_a.id):
        section = comment_section(db, "debate", debate.id, None, sort)
    depth, item = 0, section.items[0]
    while item.replies:
        depth, item = depth + 1, item.replies[0]
    assert depth == 4
