"""Proposal pages through the real routes: list, page, writing one, escaping everywhere."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from httpx2 import Response
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import scoped_to
from app.notifications.models import Follow
from app.proposals.models import Proposal
from app.tenants.models import Tenant
from tests.factories import HOSTILE, make_geozone
from tests.people import csrf_of, make_user, sign_in
from tests.proposals.factories import make_proposal, make_tag

ESCAPED = "&lt;script&gt;alert("


def _post_form(
    client: TestClient,
    path: str,
    fields: dict[str, object],
    files: dict[str, tuple[str, bytes, str]] | None = None,
) -> Response:
    data = {**fields, "csrf_token": csrf_of(client, "/proposals/new")}
    # A file part (even an empty one) makes the body multipart, as a browser sends it.
    parts = files or {"image": ("", b"", "application/octet-stream")}
    return client.post(path, data=data, files=parts, follow_redirects=False)


def _valid(**changes: object) -> dict[str, object]:
    return {
        "title": HOSTILE,
        "summary": f"{HOSTILE} resumen",
        "body": f"{HOSTILE}\n\n**negrita** [enlace](javascript:alert(1))",
        "video_url": "",
        "image_alt": "",
        "geozone_id": "",
        **changes,
    }


def _only(db: Session, tenant: Tenant) -> Proposal:
    with scoped_to(db, tenant.id):
        return db.scalars(select(Proposal)).one()


def test_list_and_page_escape_hostile_text(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    tag = make_tag(db, tenant_a)
    zone = make_geozone(db, tenant_a)
    proposal = make_proposal(db, tenant_a, tags=[tag], geozone=zone)
    db.commit()
    listing = client_a.get("/proposals")
    assert listing.status_code == 200
    assert f'href="/proposals/{proposal.id}"' in listing.text
    assert "<script>alert" not in listing.text
    assert ESCAPED in listing.text
    page = client_a.get(f"/proposals/{proposal.id}")
    assert page.status_code == 200
    assert "<script>alert" not in page.text
    assert ESCAPED in page.text
    assert "0 of 10 supports" in page.text or "0 de 10" in page.text


def test_a_citizen_writes_a_proposal_with_tags_zone_and_image(
    client_a: TestClient, db: Session, tenant_a: Tenant, settings: Settings
) -> None:
    tag = make_tag(db, tenant_a)
    zone = make_geozone(db, tenant_a)
    author = make_user(db, tenant_a)
    db.commit()
    sign_in(client_a, author)
    picture = io.BytesIO()
    source = Image.new("RGBA", (2400, 1200), (10, 200, 30, 128))
    source.save(picture, "PNG", pnginfo=None)
    response = _post_form(
        client_a,
        "/proposals/new",
        _valid(tag_ids=[str(tag.id)], geozone_id=str(zone.id), image_alt="Una chacra"),
        {"image": ("foto.png", picture.getvalue(), "image/png")},
    )
    assert response.status_code == 303, response.text[:2000]
    proposal = _only(db, tenant_a)
    assert proposal.author_id == author.id
    assert proposal.geozone_id == zone.id
    assert proposal.image_name is not None
    assert proposal.image_name.endswith(".jpg")
    stored = settings.var_dir / "media" / "proposals" / proposal.image_name
    with Image.open(stored) as saved:
        assert saved.format == "JPEG"
        assert max(saved.size) == 1200
    image = client_a.get(f"/proposals/{proposal.id}/image")
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/jpeg"
    with scoped_to(db, tenant_a.id):
        follows = db.scalars(select(Follow.user_id).where(Follow.target_id == proposal.id)).all()
    assert follows == [author.id]
    page = client_a.get(f"/proposals/{proposal.id}").text
    assert 'alt="Una chacra"' in page
    assert 'href="javascript:' not in page


def _png(color: tuple[int, int, int]) -> bytes:
    picture = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(picture, "PNG")
    return picture.getvalue()


def test_a_new_image_replaces_the_old_file_once_saved(
    client_a: TestClient, db: Session, tenant_a: Tenant, settings: Settings
) -> None:
    sign_in(client_a, make_user(db, tenant_a))
    db.commit()
    first = {"image": ("uno.png", _png((200, 10, 10)), "image/png")}
    assert _post_form(client_a, "/proposals/new", _valid(image_alt="Uno"), first).status_code == 303
    proposal = _only(db, tenant_a)
    media = settings.var_dir / "media" / "proposals"
    assert proposal.image_name is not None
    old = media / proposal.image_name
    assert old.exists()
    second = {"image": ("dos.png", _png((10, 10, 200)), "image/png")}
    edited = _post_form(client_a, f"/proposals/{proposal.id}/edit", _valid(image_alt="Dos"), second)
    assert edited.status_code == 303
    with scoped_to(db, tenant_a.id):
        db.expire_all()
        new_name = db.scalars(select(Proposal.image_name)).one()
    assert new_name is not None
    assert new_name != old.name
    assert (media / new_name).exists()
    assert not old.exists()
    assert client_a.get(f"/proposals/{proposal.id}/image").status_code == 200


def _signed_in_author(client: TestClient, db: Session, tenant: Tenant) -> None:
    sign_in(client, make_user(db, tenant))


def test_an_empty_title_comes_back_with_the_text_typed(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    _signed_in_author(client_a, db, tenant_a)
    response = _post_form(client_a, "/proposals/new", _valid(title="   "))
    assert response.status_code == 422
    text = response.text
    assert "f-title-error" in text
    assert f"{ESCAPED}" in text  # the summary and body typed are still there, escaped
    assert "<script>alert" not in text
    with scoped_to(db, tenant_a.id):
        assert db.scalars(select(Proposal)).all() == []


def test_a_two_megabyte_text_comes_back_in_the_form_with_a_clear_message(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    _signed_in_author(client_a, db, tenant_a)
    huge = "Añay kusikuy " * (2 * 1024 * 1024 // 13)
    response = _post_form(client_a, "/proposals/new", _valid(body=huge))
    assert response.status_code == 422
    text = response.text
    assert "f-body-error" in text
    assert "20\u00a0000" in text  # Spanish writes 20 000 (no-break space)
    assert huge.strip() in text


def test_invalid_utf8_is_a_form_error_not_a_crash(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    _signed_in_author(client_a, db, tenant_a)
    boundary = "minka-boundary"
    token = csrf_of(client_a, "/proposals/new")
    fields = {"csrf_token": token.encode(), "title": b"T\xc3\x28\x80\xff\x00x", "summary": b"s"}
    fields["body"] = b"cuerpo \x9f\xfe"
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        + value
        + b"\r\n"
        for name, value in fields.items()
    )
    body += f"--{boundary}--\r\n".encode()
    response = client_a.post(
        "/proposals/new",
        content=body,
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 422
    assert "f-title-error" in response.text
    assert "f-body-error" in response.text
    with scoped_to(db, tenant_a.id):
        assert db.scalars(select(Proposal)).all() == []


def test_an_unknown_tag_or_zone_is_a_form_error(
    client_a: TestClient, db: Session, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    foreign = make_tag(db, tenant_b)
    _signed_in_author(client_a, db, tenant_a)
    db.commit()
    for tags in ([str(foreign.id)], ["999999"], ["abc"]):
        response = _post_form(client_a, "/proposals/new", _valid(tag_ids=tags, geozone_id="424242"))
        assert response.status_code == 422
        assert 'id="f-tag_ids"' in response.text
    with scoped_to(db, tenant_a.id):
        assert db.scalars(select(Proposal)).all() == []


def test_a_file_that_is_not_an_image_or_a_bad_video_link_is_refused(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    _signed_in_author(client_a, db, tenant_a)
    response = _post_form(
        client_a,
        "/proposals/new",
        _valid(image_alt="x"),
        {"image": ("x.png", b"<svg onload=alert(1)>", "image/png")},
    )
    assert response.status_code == 422
    assert "f-image-error" in response.text
    video = _post_form(client_a, "/proposals/new", _valid(video_url="javascript:alert(1)"))
    assert video.status_code == 422
    assert "f-video_url-error" in video.text


def test_a_hidden_proposal_is_not_found_except_for_moderation(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    proposal = make_proposal(db, tenant_a, hidden=True, title="Escondida")
    visible = make_proposal(db, tenant_a, title="Visible")
    moderator = make_user(db, tenant_a, "moderator")
    db.commit()
    assert client_a.get(f"/proposals/{proposal.id}").status_code == 404
    listing = client_a.get("/proposals").text
    assert "Escondida" not in listing
    assert "Visible" in listing
    sign_in(client_a, moderator)
    page = client_a.get(f"/proposals/{proposal.id}")
    assert page.status_code == 200
    assert "notice-error" in page.text
    assert "Escondida" not in client_a.get("/proposals").text
    assert visible.id
