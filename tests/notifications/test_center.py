"""The notification centre: one's own only, escaped, marked read on the way to the target."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import scoped_to
from app.notifications.models import Notification
from app.tenants.models import Tenant
from tests.debates.factories import make_debate
from tests.notifications.factories import make_notification
from tests.people import csrf_of, make_user, sign_in
from tests.rendering import context_of, template_name


def _unread(db: Session, tenant: Tenant, user_id: int) -> int:
    with scoped_to(db, tenant.id):
        statement = select(func.count(Notification.id)).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)
        )
        return int(db.scalar(statement) or 0)


def test_lists_only_ones_own_newest_first_with_values_escaped(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    me, other = make_user(db, tenant_a), make_user(db, tenant_a)
    debate = make_debate(db, tenant_a)
    older = make_notification(db, tenant_a, me, kind="answer", target_id=debate.id)
    newer = make_notification(db, tenant_a, me, kind="reply", target_id=debate.id)
    make_notification(db, tenant_a, other, kind="threshold", values={"title": "Ajeno"})
    db.commit()
    sign_in(client_a, me)

    page = client_a.get("/notifications")

    assert page.status_code == 200
    assert template_name(page) == "notifications/list.html"
    shown = [entry["notification"].id for entry in context_of(page)["entries"]]
    assert shown == [newer.id, older.id]
    assert "Ajeno" not in page.text
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page.text
    assert "replied to your comment on" in page.text
    assert "received an official answer" in page.text


def test_every_kind_reads_as_a_sentence(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    me = make_user(db, tenant_a)
    values = {"author": "Rosa", "title": "Agua", "update": "Obras"}
    for kind in ("comment", "reply", "answer", "threshold", "update"):
        make_notification(db, tenant_a, me, kind=kind, values=values)
    make_notification(db, tenant_a, me, kind="comment", values={})
    db.commit()
    sign_in(client_a, me)

    text = client_a.get("/notifications").text

    assert "Rosa commented on Agua" in text
    assert "Rosa replied to your comment on Agua" in text
    assert "Agua received an official answer" in text
    assert "Agua reached the supports it needed" in text
    assert "New update on Agua: Obras" in text
    assert "%(author)s" not in text  # missing values read as empty, never as placeholders


def test_pages_of_25(db: Session, tenant_a: Tenant, client_a: TestClient) -> None:
    me = make_user(db, tenant_a)
    made = [make_notification(db, tenant_a, me, values={"title": f"T{i}"}) for i in range(30)]
    db.commit()
    sign_in(client_a, me)

    first = client_a.get("/notifications")
    second = client_a.get("/notifications?page=2")

    assert [e["notification"].id for e in context_of(first)["entries"]] == [
        n.id for n in reversed(made[5:])
    ]
    assert 'href="/notifications?page=2"' in first.text
    assert 'rel="prev"' not in first.text
    assert len(context_of(second)["entries"]) == 5
    assert 'href="/notifications?page=1"' in second.text
    assert 'rel="next"' not in second.text
    assert client_a.get("/notifications?page=0").status_code == 422


def test_reading_one_marks_it_and_goes_to_the_target(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    me = make_user(db, tenant_a)
    debate = make_debate(db, tenant_a)
    notification = make_notification(db, tenant_a, me, target_id=debate.id)
    other = make_notification(db, tenant_a, me, target_id=debate.id)
    db.commit()
    sign_in(client_a, me)

    response = client_a.post(
        f"/notifications/{notification.id}/read",
        data={"csrf_token": csrf_of(client_a)},
        follow_redirects=False,
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"/debates/{debate.id}"
    db.expire_all()
    assert db.get(Notification, notification.id).read_at is not None  # type: ignore[union-attr]
    assert db.get(Notification, other.id).read_at is None  # type: ignore[union-attr]
    # Read ones are plain links; unread ones stay buttons that mark them.
    page = client_a.get("/notifications").text
    assert f'action="/notifications/{notification.id}/read"' not in page
    assert f'action="/notifications/{other.id}/read"' in page


def test_without_csrf_nothing_is_marked(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    me = make_user(db, tenant_a)
    notification = make_notification(db, tenant_a, me)
    db.commit()
    sign_in(client_a, me)

    response = client_a.post(f"/notifications/{notification.id}/read", follow_redirects=False)

    assert response.status_code == 403
    assert _unread(db, tenant_a, me.id) == 1


def test_someone_elses_notification_is_404_and_untouched(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    me, owner = make_user(db, tenant_a), make_user(db, tenant_a)
    theirs = make_notification(db, tenant_a, owner)
    db.commit()
    sign_in(client_a, me)
    token = csrf_of(client_a)

    response = client_a.post(f"/notifications/{theirs.id}/read", data={"csrf_token": token})
    client_a.post("/notifications/read-all", data={"csrf_token": token})

    assert response.status_code == 404
    assert _unread(db, tenant_a, owner.id) == 1


def test_another_instances_notification_is_404(
    db: Session, tenant_a: Tenant, tenant_b: Tenant, client_b: TestClient
) -> None:
    owner = make_user(db, tenant_a)
    theirs = make_notification(db, tenant_a, owner)
    me = make_user(db, tenant_b)
    db.commit()
    sign_in(client_b, me)

    response = client_b.post(
        f"/notifications/{theirs.id}/read", data={"csrf_token": csrf_of(client_b)}
    )

    assert response.status_code == 404
    assert _unread(db, tenant_a, owner.id) == 1


def test_read_all(db: Session, tenant_a: Tenant, client_a: TestClient) -> None:
    me = make_user(db, tenant_a)
    for _ in range(3):
        make_notification(db, tenant_a, me)
    db.commit()
    sign_in(client_a, me)

    response = client_a.post(
        "/notifications/read-all", data={"csrf_token": csrf_of(client_a)}, follow_redirects=False
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/notifications"
    assert _unread(db, tenant_a, me.id) == 0


def test_header_shows_the_unread_count_capped(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    me = make_user(db, tenant_a)
    for _ in range(3):
        make_notification(db, tenant_a, me)
    make_notification(db, tenant_a, me, read=True)
    db.commit()
    sign_in(client_a, me)

    home = client_a.get("/")
    assert '<span class="unread-count">3</span>' in home.text
    assert context_of(home)["unread_notifications"] == 3

    for _ in range(9):
        make_notification(db, tenant_a, me)
    db.commit()
    home = client_a.get("/")
    assert '<span class="unread-count">9+</span>' in home.text
    assert 'aria-label="Notifications: 9+ unread"' in home.text


def test_no_count_when_nothing_is_unread_or_signed_out(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    assert 'href="/notifications"' not in client_a.get("/").text
    me = make_user(db, tenant_a)
    make_notification(db, tenant_a, me, read=True)
    db.commit()
    sign_in(client_a, me)

    home = client_a.get("/")

    assert 'href="/notifications"' in home.text
    assert "unread-count" not in home.text


def test_signed_out_people_are_sent_to_sign_in(client_a: TestClient) -> None:
    response = client_a.get("/notifications", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_moderators_find_moderation_in_the_header(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    moderator = make_user(db, tenant_a, "moderator")
    db.commit()
    sign_in(client_a, moderator)

    assert 'href="/moderation"' in client_a.get("/").text


def test_citizens_do_not(db: Session, tenant_a: Tenant, client_a: TestClient) -> None:
    citizen = make_user(db, tenant_a)
    db.commit()
    sign_in(client_a, citizen)

    assert 'href="/moderation"' not in client_a.get("/").text
