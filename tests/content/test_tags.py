"""Topics administration: add, refuse duplicates, remove, audited; only administrators."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.content.models import Tag
from app.content.service import list_tags, tags_by_ids
from app.db import scoped_to
from app.errors import Invalid
from app.tenants.models import Tenant
from tests.content.factories import make_tag
from tests.debates.factories import make_debate
from tests.factories import HOSTILE
from tests.people import csrf_of, make_user, sign_in
from tests.rendering import context_of

RAW = "<script>alert('x')</script>"


def _admin(client: TestClient, db: Session, tenant: Tenant) -> None:
    admin = make_user(db, tenant, "administrator")
    db.commit()
    sign_in(client, admin)


def _names(db: Session, tenant: Tenant) -> list[str]:
    with scoped_to(db, tenant.id):
        db.expire_all()
        return [tag.name for tag in list_tags(db)]


def _add(client: TestClient, name: str) -> int:
    return client.post(
        "/admin/tags", data={"name": name, "csrf_token": csrf_of(client)}, follow_redirects=False
    ).status_code


def test_administrator_adds_and_removes_topics(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    _admin(client_a, db, tenant_a)
    assert _add(client_a, "  Medio   ambiente ") == 303
    assert _add(client_a, HOSTILE[:60]) == 303
    assert sorted(_names(db, tenant_a)) == sorted(["Medio ambiente", HOSTILE[:60].strip()])
    page = client_a.get("/admin/tags")
    assert page.status_code == 200
    assert RAW not in page.text
    assert "&lt;script&gt;" in page.text
    with scoped_to(db, tenant_a.id):
        tag = db.scalars(select(Tag).where(Tag.name == "Medio ambiente")).one()
    debate = make_debate(db, tenant_a, tags=[tag])
    db.commit()
    removed = client_a.post(
        f"/admin/tags/{tag.id}/delete",
        data={"csrf_token": csrf_of(client_a)},
        follow_redirects=False,
    )
    assert removed.status_code == 303
    assert "Medio ambiente" not in _names(db, tenant_a)
    assert client_a.get(f"/debates/{debate.id}").status_code == 200  # the debate stays
    with scoped_to(db, tenant_a.id):
        actions = db.scalars(
            select(AuditEntry.action).where(AuditEntry.object_type == "tag").order_by(AuditEntry.id)
        ).all()
    assert actions == ["tags.created", "tags.created", "tags.deleted"]


def test_duplicates_and_bad_names_come_back(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    make_tag(db, tenant_a, "Agua")
    _admin(client_a, db, tenant_a)
    for name, status in (("agua", 409), ("Agua", 409), ("", 422), ("x" * 61, 422), ("a\x00b", 422)):
        response = client_a.post(
            "/admin/tags", data={"name": name, "csrf_token": csrf_of(client_a)}
        )
        assert response.status_code == status, name
        assert "name" in context_of(response)["errors"]
    assert _names(db, tenant_a) == ["Agua"]


def test_same_name_in_another_instance_is_fine(
    client_b: TestClient, db: Session, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    make_tag(db, tenant_a, "Agua")
    _admin(client_b, db, tenant_b)
    assert _add(client_b, "Agua") == 303
    assert _names(db, tenant_b) == ["Agua"]


def test_other_instance_tag_cannot_be_deleted(
    client_b: TestClient, db: Session, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    tag = make_tag(db, tenant_a, "Agua")
    _admin(client_b, db, tenant_b)
    response = client_b.post(f"/admin/tags/{tag.id}/delete", data={"csrf_token": csrf_of(client_b)})
    assert response.status_code == 404
    assert _names(db, tenant_a) == ["Agua"]


def test_tags_by_ids(db: Session, tenant_a: Tenant, tenant_b: Tenant) -> None:
    mine, other = make_tag(db, tenant_a, "B"), make_tag(db, tenant_a, "A")
    foreign = make_tag(db, tenant_b, "C")
    with scoped_to(db, tenant_a.id):
        assert [t.name for t in tags_by_ids(db, [mine.id, other.id, mine.id])] == ["A", "B"]
        assert tags_by_ids(db, []) == []
        for wrong in ([foreign.id], [mine.id, 10**9], [0], [2**40]):
            with pytest.raises(Invalid):
                tags_by_ids(db, wrong)
