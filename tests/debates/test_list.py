"""The debates list: filters, orders, pages without COUNT, hidden ones never shown, no N+1."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from app.db import scoped_to, utcnow
from app.debates.models import Debate
from app.tenants.models import Tenant
from tests.content.factories import make_tag
from tests.debates.factories import make_debate
from tests.factories import HOSTILE, make_geozone
from tests.people import make_user, sign_in
from tests.rendering import context_of

RAW = "<script>alert('x')</script>"


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _titles(client: TestClient, query: str = "") -> list[str]:
    response = client.get(f"/debates{query}")
    assert response.status_code == 200
    return [debate.title for debate in context_of(response)["debates"]]


def test_list_escapes_and_hides(client_a: TestClient, db: Session, tenant_a: Tenant) -> None:
    make_debate(db, tenant_a, tags=[make_tag(db, tenant_a)])
    make_debate(db, tenant_a, title="Oculto por moderación", hidden=True)
    db.commit()
    page = client_a.get("/debates")
    assert page.status_code == 200
    assert RAW not in page.text
    assert "&lt;script&gt;alert(" in page.text
    assert "Oculto por moderación" not in page.text
    assert _titles(client_a) == [HOSTILE]
    assert len(page.content) < 30_000


def test_hidden_debate_is_404_except_for_moderation(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    debate = make_debate(db, tenant_a, title="Oculto", hidden=True)
    citizen, moderator = make_user(db, tenant_a), make_user(db, tenant_a, "moderator")
    admin = make_user(db, tenant_a, "administrator")
    db.commit()
    assert client_a.get(f"/debates/{debate.id}").status_code == 404
    sign_in(client_a, citizen)
    assert client_a.get(f"/debates/{debate.id}").status_code == 404
    for staff in (moderator, admin):
        sign_in(client_a, staff)
        page = client_a.get(f"/debates/{debate.id}")
        assert page.status_code == 200
        assert 'class="notice notice-error"' in page.text
    assert "Oculto" not in client_a.get("/debates").text


def test_filters(client_a: TestClient, db: Session, tenant_a: Tenant) -> None:
    water, health = make_tag(db, tenant_a, "Agua"), make_tag(db, tenant_a, "Salud")
    zone, other_zone = make_geozone(db, tenant_a, "Z1"), make_geozone(db, tenant_a, "Z2")
    make_debate(db, tenant_a, title="Reservorios", tags=[water], geozone_id=zone.id)
    make_debate(db, tenant_a, title="Postas", body="Médicos rurales", tags=[health])
    make_debate(db, tenant_a, title="Cisternas", tags=[water, health], geozone_id=other_zone.id)
    db.commit()
    assert sorted(_titles(client_a, f"?tag={water.id}")) == ["Cisternas", "Reservorios"]
    assert _titles(client_a, f"?zone={zone.id}") == ["Reservorios"]
    assert _titles(client_a, f"?tag={health.id}&zone={other_zone.id}") == ["Cisternas"]
    assert _titles(client_a, "?q=rurales") == ["Postas"]
    assert _titles(client_a, "?q=" + "nada" * 20) == []
    # Nonsense in the query string is ignored, never an error.
    assert len(_titles(client_a, "?tag=x&zone=-3&sort=drop&page=99999999999999999999")) == 3
    assert _titles(client_a, "?page=300") == []  # bounded: read as the last allowed page
    assert len(_titles(client_a, "?tag=x&zone=-3&sort=drop&page=abc")) == 3


def test_orders(client_a: TestClient, db: Session, tenant_a: Tenant) -> None:
    now = utcnow()
    old = make_debate(db, tenant_a, title="Antiguo")
    new = make_debate(db, tenant_a, title="Nuevo")
    voted = make_debate(db, tenant_a, title="Votado")
    with scoped_to(db, tenant_a.id):
        old.created_at, old.last_activity_at = now - timedelta(days=9), now
        new.created_at, new.last_activity_at = now, now - timedelta(days=1)
        voted.created_at, voted.last_activity_at = now - timedelta(days=5), now - timedelta(days=5)
        voted.votes_total = voted.votes_agree = 3
    db.commit()
    assert _titles(client_a) == ["Antiguo", "Nuevo", "Votado"]
    assert _titles(client_a, "?sort=newest") == ["Nuevo", "Votado", "Antiguo"]
    assert _titles(client_a, "?sort=votes")[0] == "Votado"


def test_pages_and_queries_stay_few(
    client_a: TestClient, db: Session, tenant_a: Tenant, engine: Engine
) -> None:
    tags = [make_tag(db, tenant_a) for _ in range(3)]
    zone = make_geozone(db, tenant_a)
    for number in range(30):
        make_debate(
            db,
            tenant_a,
            author=make_user(db, tenant_a, organization=number % 3 == 0),
            title=f"Debate {number:02d}",
            tags=tags[: number % 4],
            geozone_id=zone.id if number % 2 else None,
        )
    sign_in(client_a, make_user(db, tenant_a))
    db.commit()
    with statements(engine) as seen:
        first = client_a.get("/debates?sort=newest")
    assert first.status_code == 200
    assert len(context_of(first)["debates"]) == 25
    assert 'rel="next"' in first.text
    assert 'rel="prev"' not in first.text
    selects = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 12, "\n".join(selects)
    assert not any("count(" in s.lower() for s in selects if "debates" in s)
    second = client_a.get("/debates?sort=newest&page=2")
    assert [d.title for d in context_of(second)["debates"]] == [
        f"Debate {n:02d}" for n in range(4, -1, -1)
    ]
    assert 'rel="prev"' in second.text
    assert 'rel="next"' not in second.text


def test_one_debate_page_queries(
    client_a: TestClient, db: Session, tenant_a: Tenant, engine: Engine
) -> None:
    debate = make_debate(db, tenant_a, tags=[make_tag(db, tenant_a)])
    sign_in(client_a, make_user(db, tenant_a))
    db.commit()
    with statements(engine) as seen:
        assert client_a.get(f"/debates/{debate.id}").status_code == 200
    assert len([s for s in seen if s.lstrip().upper().startswith("SELECT")]) <= 16
    assert isinstance(debate, Debate)
