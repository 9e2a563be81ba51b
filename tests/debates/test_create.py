"""Opening and editing a debate through the real form: validation, escaping, the author."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.db import scoped_to
from app.debates.models import Debate
from app.notifications.models import Follow
from app.tenants.models import Tenant
from tests.content.factories import make_tag
from tests.debates.factories import make_debate
from tests.factories import HOSTILE, make_geozone, make_tenant
from tests.people import csrf_of, make_user, sign_in
from tests.rendering import context_of, template_name

RAW = "<script>alert('x')</script>"
ESCAPED = "&lt;script&gt;alert("


def _signed_in(
    client: TestClient, db: Session, tenant: Tenant, *, organization: bool = False
) -> int:
    user = make_user(db, tenant, organization=organization)
    db.commit()
    sign_in(client, user)
    return user.id


def _post(client: TestClient, path: str = "/debates", **fields: object) -> Response:
    data = {"title": "Agua para todos", "body": "Texto", "geozone_id": "", **fields}
    return client.post(path, data={**data, "csrf_token": csrf_of(client)}, follow_redirects=False)


def _debates(db: Session, tenant: Tenant) -> list[Debate]:
    with scoped_to(db, tenant.id):
        return list(db.scalars(select(Debate).options(selectinload(Debate.tags))))


def test_citizen_opens_a_debate_and_follows_it(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    user_id = _signed_in(client_a, db, tenant_a)
    tag, other = make_tag(db, tenant_a), make_tag(db, tenant_a)
    zone = make_geozone(db, tenant_a)
    db.commit()
    assert client_a.get("/debates/new").status_code == 200
    response = _post(
        client_a,
        title=HOSTILE,
        body=f"{HOSTILE}\n\n[enlace](javascript:alert(1)) **negrita**",
        tags=[str(tag.id)],
        geozone_id=str(zone.id),
    )
    assert response.status_code == 303
    [debate] = _debates(db, tenant_a)
    assert (debate.author_id, debate.title, debate.geozone_id) == (user_id, HOSTILE, zone.id)
    assert [t.id for t in debate.tags] == [tag.id]
    assert other.id != tag.id
    with scoped_to(db, tenant_a.id):
        follows = db.scalars(select(Follow).where(Follow.target_id == debate.id)).all()
    assert [(f.user_id, f.target_type) for f in follows] == [(user_id, "debate")]
    page = client_a.get(f"/debates/{debate.id}")
    assert page.status_code == 200
    assert RAW not in page.text
    assert ESCAPED in page.text
    assert 'href="javascript:' not in page.text
    assert "<strong>negrita</strong>" in page.text


def test_organization_opens_a_debate(client_a: TestClient, db: Session, tenant_a: Tenant) -> None:
    _signed_in(client_a, db, tenant_a, organization=True)
    assert _post(client_a).status_code == 303
    assert len(_debates(db, tenant_a)) == 1


def _refused(response: Response, field: str) -> dict[str, Any]:
    assert response.status_code == 422, response.text[:300]
    assert template_name(response) == "debates/form.html"
    context = context_of(response)
    assert field in context["errors"], context["errors"]
    return context


def test_bad_input_comes_back_with_the_text(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    _signed_in(client_a, db, tenant_a)
    foreign = make_tag(db, make_tenant(db))
    db.commit()
    empty = _post(client_a, title="   ", body=HOSTILE)
    _refused(empty, "title")
    assert ESCAPED in empty.text
    assert RAW not in empty.text
    _refused(_post(client_a, title="x" * 151), "title")
    _refused(_post(client_a, body=" \n "), "body")
    _refused(_post(client_a, body="b" * 20_001), "body")
    huge = "Ñ" + "texto largo " * 180_000  # over 2 MB
    big = _post(client_a, body=huge)
    context = _refused(big, "body")
    assert context["form"]["body"] == huge
    assert huge[:200] in big.text
    _refused(_post(client_a, tags=["999999"]), "tags")
    _refused(_post(client_a, tags=[str(foreign.id)]), "tags")
    _refused(_post(client_a, tags=["abc"]), "tags")
    _refused(_post(client_a, tags=["99999999999999999999999"]), "tags")
    _refused(_post(client_a, geozone_id="424242"), "geozone_id")
    _refused(_post(client_a, geozone_id="-1"), "geozone_id")
    _refused(_post(client_a, body="nul \x00 char"), "body")
    assert _debates(db, tenant_a) == []


def test_invalid_utf8_is_refused_never_a_500(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    _signed_in(client_a, db, tenant_a)
    token = csrf_of(client_a)

    def send(raw: bytes) -> int:
        return client_a.post(
            "/debates",
            content=raw + b"&csrf_token=" + token.encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            follow_redirects=False,
        ).status_code

    # What a browser sends: percent-encoded bytes that are not UTF-8.
    for raw in (b"title=%FF%FE&body=ok", b"title=ok&body=%C3", b"title=ok&body=%80%80"):
        assert send(raw) == 422, raw
    assert _debates(db, tenant_a) == []
    # Raw bytes are not form encoding at all; they are read as Latin-1, never a server error.
    assert send(b"title=ok&body=\xff\xfe\xfa") < 500


def test_author_edits_until_someone_takes_part(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    author = make_user(db, tenant_a)
    debate = make_debate(db, tenant_a, author=author)
    db.commit()
    sign_in(client_a, author)
    form = client_a.get(f"/debates/{debate.id}/edit")
    assert form.status_code == 200
    assert RAW not in form.text
    saved = _post(client_a, f"/debates/{debate.id}/edit", title="Nuevo título", body="Nuevo")
    assert saved.status_code == 303
    bad = _post(client_a, f"/debates/{debate.id}/edit", title="", body="Se queda")
    assert _refused(bad, "title")["form"]["body"] == "Se queda"
    with scoped_to(db, tenant_a.id):
        db.expire_all()
        stored = db.get(Debate, debate.id)
        assert stored is not None
        assert (stored.title, stored.body) == ("Nuevo título", "Nuevo")
        assert stored.updated_at is not None
        stored.comments_count = 1
        db.commit()
    assert client_a.get(f"/debates/{debate.id}/edit").status_code == 403
    late = _post(client_a, f"/debates/{debate.id}/edit", title="Tarde")
    assert late.status_code == 403


def test_someone_else_cannot_edit(client_a: TestClient, db: Session, tenant_a: Tenant) -> None:
    debate = make_debate(db, tenant_a)
    _signed_in(client_a, db, tenant_a)
    assert client_a.get(f"/debates/{debate.id}/edit").status_code == 403
    assert _post(client_a, f"/debates/{debate.id}/edit").status_code == 403


def test_anonymous_is_sent_to_sign_in(client_a: TestClient, tenant_a: Tenant) -> None:
    response = client_a.get("/debates/new", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")
