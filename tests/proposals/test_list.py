"""The proposal list: state tabs, filters, sorts, bounded pages and a fixed number of queries."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from app.db import utcnow
from app.tenants.models import Tenant
from tests.factories import make_geozone
from tests.people import make_user, sign_in
from tests.proposals.factories import make_proposal, make_tag

# The middleware's tenant and sign-in lookups, savepoints, and five queries of the page
# (proposals, their tags, authors, zones, the topics of the filter): whatever the page holds.
MAX_STATEMENTS = 18


def _ids(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'<h2><a href="/proposals/(\d+)">', html)]


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def test_state_tabs_filters_and_sorts(client_a: TestClient, db: Session, tenant_a: Tenant) -> None:
    water, roads = make_tag(db, tenant_a, "Agua"), make_tag(db, tenant_a, "Caminos")
    zone = make_geozone(db, tenant_a)
    now = utcnow()
    old = make_proposal(
        db, tenant_a, title="Canal antiguo", tags=[water], created_at=now - timedelta(days=3),
        last_activity_at=now, supports_count=5,
    )  # fmt: skip
    new = make_proposal(
        db, tenant_a, title="Pista nueva", tags=[roads], geozone=zone, created_at=now,
        last_activity_at=now - timedelta(days=2), supports_count=1,
    )  # fmt: skip
    won = make_proposal(db, tenant_a, title="Posta lograda", successful=True)
    make_proposal(db, tenant_a, title="Oculta", hidden=True)
    db.commit()
    assert _ids(client_a.get("/proposals").text) == [old.id, new.id]
    assert _ids(client_a.get("/proposals?sort=newest").text) == [new.id, old.id]
    assert _ids(client_a.get("/proposals?sort=supports").text) == [old.id, new.id]
    assert _ids(client_a.get(f"/proposals?tag={roads.id}").text) == [new.id]
    assert _ids(client_a.get(f"/proposals?zone={zone.id}").text) == [new.id]
    assert _ids(client_a.get("/proposals?q=canal").text) == [old.id]
    assert _ids(client_a.get("/proposals?state=successful").text) == [won.id]
    # Nonsense parameters fall back to the defaults instead of failing.
    odd = client_a.get("/proposals?state=x&sort=y&tag=abc&zone=-1&page=zz")
    assert odd.status_code == 200
    assert _ids(odd.text) == [old.id, new.id]


def test_pages_of_25_with_previous_and_next_links(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    author = make_user(db, tenant_a)
    start = utcnow()
    made = [
        make_proposal(db, tenant_a, author=author, last_activity_at=start - timedelta(minutes=i))
        for i in range(27)
    ]
    db.commit()
    first = client_a.get("/proposals").text
    assert _ids(first) == [p.id for p in made[:25]]
    assert 'rel="next" href="/proposals?page=2"' in first
    assert 'rel="prev"' not in first
    second = client_a.get("/proposals?page=2").text
    assert _ids(second) == [p.id for p in made[25:]]
    assert 'rel="prev" href="/proposals"' in second
    assert 'rel="next"' not in second
    assert _ids(client_a.get("/proposals?page=99999").text) == []


def test_a_list_page_runs_a_fixed_number_of_queries(
    app: FastAPI, client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    tags = [make_tag(db, tenant_a) for _ in range(3)]
    zones = [make_geozone(db, tenant_a, f"Z{i}") for i in range(3)]
    viewer = make_user(db, tenant_a, verified=True)
    for i in range(30):
        author = make_user(db, tenant_a)
        make_proposal(db, tenant_a, author=author, tags=tags[: i % 3 + 1], geozone=zones[i % 3])
    db.commit()
    sign_in(client_a, viewer)
    engine = db.get_bind()
    assert isinstance(engine, Engine) or hasattr(engine, "engine")
    with counted(engine.engine) as statements:
        response = client_a.get("/proposals")
    assert response.status_code == 200
    assert len(_ids(response.text)) == 25
    assert len(statements) <= MAX_STATEMENTS, "\n".join(statements)
    with counted(engine.engine) as fewer:
        smaller = client_a.get(f"/proposals?zone={zones[0].id}")
    assert len(_ids(smaller.text)) == 10
    assert len(fewer) == len(statements)  # the same queries for 10 items as for 25
