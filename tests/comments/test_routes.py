"""Writing, answering, editing, deleting and voting on comments through the real routes."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.comments.models import Comment, CommentVote
from app.comments.service import MAX_DEPTH, PER_PAGE
from app.db import scoped_to, utcnow
from app.debates.models import Debate
from app.notifications.models import Follow, Notification
from app.tenants.models import Tenant
from tests.comments.factories import make_comment
from tests.debates.factories import make_debate
from tests.factories import HOSTILE
from tests.people import csrf_of, make_user, sign_in
from tests.rendering import context_of, template_name


def _post(client: TestClient, path: str, **data: str) -> Response:
    return client.post(path, data={**data, "csrf_token": csrf_of(client)}, follow_redirects=False)


def _comment(client: TestClient, debate: Debate, body: str = HOSTILE, **extra: str) -> Response:
    return client.post(
        "/comments",
        data={
            "target_type": "debate",
            "target_id": str(debate.id),
            "body": body,
            "csrf_token": csrf_of(client),
            **extra,
        },
        follow_redirects=False,
    )


def _comments(db: Session, tenant: Tenant) -> list[Comment]:
    with scoped_to(db, tenant.id):
        db.expire_all()
        return list(db.scalars(select(Comment).order_by(Comment.id)))


def test_commenting_publishes_follows_and_counts(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    debate = make_debate(db, tenant_a)
    person = make_user(db, tenant_a, "official")
    db.commit()
    sign_in(client_a, person)
    response = _comment(client_a, debate, f"  {HOSTILE}\n\n**sí**  ")
    [comment] = _comments(db, tenant_a)
    assert response.status_code == 303
    assert response.headers["location"] == f"/debates/{debate.id}#comment-{comment.id}"
    assert comment.body == f"{HOSTILE}\n\n**sí**"
    assert comment.author_id == person.id
    assert comment.author_badge == "official"
    assert comment.depth == 0
    assert comment.parent_id is None
    with scoped_to(db, tenant_a.id):
        db.refresh(debate)
        follows = db.scalars(select(Follow.user_id).where(Follow.target_id == debate.id)).all()
    assert debate.comments_count == 1
    assert follows == [person.id]


def test_reply_notifies_parent_author_and_followers(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    debate = make_debate(db, tenant_a)
    first, follower = make_user(db, tenant_a), make_user(db, tenant_a)
    organization = make_user(db, tenant_a, organization=True)
    db.commit()
    sign_in(client_a, first)
    _comment(client_a, debate, "primera")
    sign_in(client_a, follower)
    _comment(client_a, debate, "seguidor")
    [root, _other] = _comments(db, tenant_a)
    sign_in(client_a, organization)
    response = _comment(client_a, debate, "respuesta", parent_id=str(root.id))
    assert response.status_code == 303
    reply = _comments(db, tenant_a)[-1]
    assert (reply.parent_id, reply.depth, reply.author_badge) == (root.id, 1, "organization")
    with scoped_to(db, tenant_a.id):
        every = db.scalars(select(Notification).order_by(Notification.id)).all()
    rows = [n for n in every if n.values.get("comment_id") == reply.id]
    kinds = {(n.user_id, n.kind) for n in rows}
    assert kinds == {(first.id, "reply"), (follower.id, "comment")}
    assert all(n.target_type == "debate" and n.target_id == debate.id for n in rows)
    assert rows[0].values["author"] == organization.display_name
    assert rows[0].values["title"] == debate.title


def test_replies_deeper_than_the_limit_attach_beside(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    debate = make_debate(db, tenant_a)
    person = make_user(db, tenant_a)
    parent = make_comment(db, tenant_a, debate)
    for _ in range(MAX_DEPTH):
        parent = make_comment(db, tenant_a, debate, parent=parent)
    db.commit()
    sign_in(client_a, person)
    assert _comment(client_a, debate, "aún más", parent_id=str(parent.id)).status_code == 303
    reply = _comments(db, tenant_a)[-1]
    assert reply.depth == MAX_DEPTH
    assert reply.parent_id == parent.parent_id


def test_bad_input_comes_back_with_the_text(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    debate = make_debate(db, tenant_a)
    root = make_comment(db, tenant_a, debate)
    person = make_user(db, tenant_a)
    db.commit()
    sign_in(client_a, person)
    cases = {
        "   \n ": "Escribe tu comentario.",
        HOSTILE * 100: "como máximo 5000 caracteres",
        # 2 MB: above the global body limit, below this form's own, so the text comes back.
        "ñ" * 1_100_000: "como máximo 5000 caracteres",
        f"{HOSTILE}\x00": "no se pudieron leer",
    }
    for body, reason in cases.items():
        response = _comment(client_a, debate, body, parent_id=str(root.id))
        assert response.status_code == 422
        assert template_name(response) == "comments/form.html"
        assert reason in response.text
        assert "<script>alert" not in response.text
        if body.strip():
            assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in response.text
        assert context_of(response)["body"] == body
        assert f'name="parent_id" value="{root.id}"' in response.text
    raw = "body=hola%FF%FEmundo&target_type=debate&target_id=" + str(debate.id)
    response = client_a.post(
        "/comments",
        content=f"{raw}&csrf_token={csrf_of(client_a)}".encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert response.status_code == 422
    assert "no se pudieron leer" in response.text
    assert "hola" in response.text
    assert "mundo" in response.text
    assert len(_comments(db, tenant_a)) == 1


def test_hidden_or_unknown_targets_are_not_found(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    hidden = make_debate(db, tenant_a, hidden=True)
    visible = make_debate(db, tenant_a)
    person = make_user(db, tenant_a)
    db.commit()
    sign_in(client_a, person)
    assert _comment(client_a, hidden).status_code == 404
    for target_type in ("comment", "nothing"):
        response = client_a.post(
            "/comments",
            data={
                "target_type": target_type,
                "target_id": "1",
                "body": "x",
                "csrf_token": csrf_of(client_a),
            },
            follow_redirects=False,
        )
        assert response.status_code == 404
    other = make_debate(db, tenant_a)
    foreign_parent = make_comment(db, tenant_a, other)
    db.commit()
    assert _comment(client_a, visible, parent_id=str(foreign_parent.id)).status_code == 404
    assert _comment(client_a, visible, parent_id="abc").status_code == 404
    assert len(_comments(db, tenant_a)) == 1


def test_show_comment_redirects_to_its_anchor_and_page(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    debate = make_debate(db, tenant_a)
    author = make_user(db, tenant_a)
    first = make_comment(
        db, tenant_a, debate, author=author, created_at=utcnow() - timedelta(days=1)
    )
    reply = make_comment(db, tenant_a, debate, parent=first, author=author)
    db.commit()
    response = client_a.get(f"/comments/{reply.id}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/debates/{debate.id}#comment-{reply.id}"
    for _ in range(PER_PAGE):
        make_comment(db, tenant_a, debate, author=author)
    db.commit()
    response = client_a.get(f"/comments/{reply.id}", follow_redirects=False)
    assert response.headers["location"] == (
        f"/debates/{debate.id}?comments_sort=newest&comments_page=2#comment-{reply.id}"
    )
    assert client_a.get("/comments/999999999", follow_redirects=False).status_code == 404


def test_edit_within_the_window_only(db: Session, tenant_a: Tenant, client_a: TestClient) -> None:
    debate = make_debate(db, tenant_a)
    author = make_user(db, tenant_a)
    comment = make_comment(db, tenant_a, debate, author=author)
    db.commit()
    sign_in(client_a, author)
    form = client_a.get(f"/comments/{comment.id}/edit")
    assert form.status_code == 200
    assert template_name(form) == "comments/form.html"
    assert "&lt;script&gt;" in form.text
    assert "<script>alert" not in form.text
    too_long = _post(client_a, f"/comments/{comment.id}/edit", body="x" * 5001)
    assert too_long.status_code == 422
    assert "x" * 5001 in too_long.text
    done = _post(client_a, f"/comments/{comment.id}/edit", body="corregido")
    assert done.status_code == 303
    [edited] = _comments(db, tenant_a)
    assert edited.body == "corregido"
    assert edited.edited_at is not None
    with scoped_to(db, tenant_a.id):
        db.execute(
            update(Comment)
            .where(Comment.id == comment.id)
            .values(created_at=utcnow() - timedelta(minutes=16))
        )
        db.commit()
    assert _post(client_a, f"/comments/{comment.id}/edit", body="tarde").status_code == 403
    assert client_a.get(f"/comments/{comment.id}/edit").status_code == 403
    assert _comments(db, tenant_a)[0].body == "corregido"


def test_delete_leaves_a_placeholder_and_lowers_the_count(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    debate = make_debate(db, tenant_a)
    author, other = make_user(db, tenant_a), make_user(db, tenant_a)
    comment = make_comment(db, tenant_a, debate, author=author, body="lo que dije")
    make_comment(db, tenant_a, debate, parent=comment, author=other, body="contesto")
    db.commit()
    sign_in(client_a, other)
    assert _post(client_a, f"/comments/{comment.id}/delete").status_code == 403
    sign_in(client_a, author)
    done = _post(
        client_a, f"/comments/{comment.id}/delete", next=f"/debates/{debate.id}?comments_page=1"
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/debates/{debate.id}?comments_page=1#comment-{comment.id}"
    again = _post(client_a, f"/comments/{comment.id}/delete")
    assert again.status_code == 403
    with scoped_to(db, tenant_a.id):
        db.expire_all()
        stored = db.get(Comment, comment.id)
        count = db.scalar(select(Debate.comments_count).where(Debate.id == debate.id))
    assert stored is not None
    assert stored.deleted_at is not None
    assert count == 1


def test_votes_one_per_account_and_counters_equal_rows(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    debate = make_debate(db, tenant_a)
    author, voter = make_user(db, tenant_a), make_user(db, tenant_a)
    comment = make_comment(db, tenant_a, debate, author=author)
    db.commit()
    path = f"/comments/{comment.id}/vote"

    def state() -> tuple[int, int, list[int]]:
        with scoped_to(db, tenant_a.id):
            db.expire_all()
            row = db.get(Comment, comment.id)
            assert row is not None
            values = list(
                db.scalars(select(CommentVote.value).where(CommentVote.comment_id == comment.id))
            )
            return row.votes_up, row.votes_down, sorted(values)

    sign_in(client_a, voter)
    response = _post(client_a, path, value="up", next=f"/debates/{debate.id}")
    assert response.headers["location"] == f"/debates/{debate.id}#comment-{comment.id}"
    again = _post(client_a, path, value="up", next="https://evil.example/")
    assert again.headers["location"] == f"/debates/{debate.id}#comment-{comment.id}"
    assert state() == (1, 0, [1])
    _post(client_a, path, value="down")
    assert state() == (0, 1, [-1])
    sign_in(client_a, author)  # one's own comment too, as in CONSUL
    _post(client_a, path, value="down")
    assert state() == (0, 2, [-1, -1])
    _post(client_a, path, value="none")
    assert state() == (0, 1, [-1])
    assert _post(client_a, path, value="sideways").status_code == 404
    with scoped_to(db, tenant_a.id):
        total = db.scalar(select(func.count()).select_from(CommentVote))
    assert total == 1


def test_hidden_comments_take_no_votes_and_hooks_recount(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    from app.comments.service import on_comment_hidden, on_comment_restored

    debate = make_debate(db, tenant_a)
    comment = make_comment(db, tenant_a, debate)
    make_comment(db, tenant_a, debate)
    person = make_user(db, tenant_a)
    with scoped_to(db, tenant_a.id):
        comment.hidden_at = utcnow()
        on_comment_hidden(db, comment)
        on_comment_hidden(db, comment)
        db.refresh(debate)
        assert debate.comments_count == 1
    db.commit()
    sign_in(client_a, person)
    assert _post(client_a, f"/comments/{comment.id}/vote", value="up").status_code == 403
    with scoped_to(db, tenant_a.id):
        comment.hidden_at = None
        on_comment_restored(db, comment)
        db.refresh(debate)
        assert debate.comments_count == 2


def test_debate_page_shows_the_section_escaped_with_moderation_buttons(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    debate = make_debate(db, tenant_a)
    hidden = make_comment(db, tenant_a, debate, hidden=True, body="ofensa")
    make_comment(db, tenant_a, debate, parent=hidden, body="respuesta visible")
    shown = make_comment(db, tenant_a, debate)
    moderator = make_user(db, tenant_a, "moderator")
    db.commit()
    anonymous = client_a.get(f"/debates/{debate.id}")
    assert anonymous.status_code == 200
    assert context_of(anonymous)["comments"].total == 2
    assert f'id="comment-{shown.id}"' in anonymous.text
    assert "<script>alert" not in anonymous.text
    assert "Este comentario fue ocultado por moderación" in anonymous.text
    assert "ofensa" not in anonymous.text
    assert "Ingresa para comentar" in anonymous.text
    sign_in(client_a, moderator)
    page = client_a.get(f"/debates/{debate.id}?comments_sort=newest")
    assert context_of(page)["comments"].sort == "newest"
    assert f'name="parent_id" value="{shown.id}"' in page.text
    assert f"target_id={shown.id}" in page.text  # the report link of the comment
