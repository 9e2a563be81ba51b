"""The public accountability list: proposals awaiting an answer, overdue first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app.answers.calendar import lima_today
from app.tenants.models import Tenant
from tests.answers.factories import make_answer, make_office, make_successful
from tests.factories import HOSTILE
from tests.proposals.factories import make_proposal
from tests.rendering import context_of


def test_overdue_first_with_days_overdue_and_public(
    client_a: TestClient, db: Session, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    today = lima_today()
    office = make_office(db, tenant_a, HOSTILE)
    soon = make_successful(db, tenant_a, title="Pronto", due_on=today + timedelta(days=3))
    later = make_successful(db, tenant_a, title="Después", due_on=today + timedelta(days=30))
    slightly = make_successful(
        db, tenant_a, title="Algo tarde", due_on=today - timedelta(days=2), office=office
    )
    very = make_successful(db, tenant_a, title="Muy tarde", due_on=today - timedelta(days=40))
    answered = make_successful(
        db, tenant_a, title="Propuesta contestada", due_on=today - timedelta(days=9)
    )
    make_answer(db, tenant_a, answered)
    make_successful(db, tenant_a, title="Oculta", due_on=today - timedelta(days=90), hidden=True)
    make_proposal(db, tenant_a, title="Abierta")
    make_successful(db, tenant_b, title="De otra instancia", due_on=today - timedelta(days=99))
    db.commit()

    response = client_a.get("/proposals/answers")  # no sign-in
    assert response.status_code == 200
    rows = context_of(response)["awaiting"]
    assert [row.id for row in rows] == [very.id, slightly.id, soon.id, later.id]
    overdue = context_of(response)["overdue"]
    assert (overdue[very.id], overdue[slightly.id], overdue[soon.id]) == (40, 2, 0)
    text = response.text
    for hidden in ("Propuesta contestada", "Oculta", "Abierta", "De otra instancia"):
        assert hidden not in text
    assert "<script>alert" not in text
    assert "&lt;script&gt;" in text  # the office name, escaped
    assert text.index("Muy tarde") < text.index("Algo tarde") < text.index("Pronto")
    assert len(response.content) < 30_000


def test_answered_tab_shows_the_current_status(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    first = make_successful(db, tenant_a, title=f"Primera {HOSTILE}")
    make_answer(db, tenant_a, first, status="under_study")
    make_answer(db, tenant_a, first, status="done")
    second = make_successful(db, tenant_a, title="Segunda")
    make_answer(db, tenant_a, second, status="rejected")
    hidden = make_successful(db, tenant_a, title="Escondida", hidden=True)
    make_answer(db, tenant_a, hidden)
    db.commit()
    response = client_a.get("/proposals/answers?tab=answered")
    assert response.status_code == 200
    rows = context_of(response)["answered"]
    assert [(row.id, row.status) for row in rows] == [(second.id, "rejected"), (first.id, "done")]
    assert "Escondida" not in response.text
    assert "<script>alert" not in response.text


def test_pages_are_bounded_and_queries_do_not_grow(
    client_a: TestClient, db: Session, tenant_a: Tenant, app: object
) -> None:
    today = lima_today()
    office = make_office(db, tenant_a)
    for number in range(30):
        make_successful(
            db, tenant_a, title=f"P{number}", due_on=today - timedelta(days=number), office=office
        )
    db.commit()
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    engine: Engine = db.get_bind().engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        first = client_a.get("/proposals/answers")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(context_of(first)["awaiting"]) == 25
    assert 2 <= len(statements) <= 12, statements
    second = client_a.get("/proposals/answers?page=2")
    assert len(context_of(second)["awaiting"]) == 5
    assert "P0" in second.text
    assert client_a.get("/proposals/answers?page=0").status_code == 422
    assert client_a.get("/proposals/answers?page=999999").status_code == 422
    assert client_a.get("/proposals/answers?tab=nope").status_code == 422


def test_the_day_the_goal_was_reached_is_the_day_in_lima(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    # 03:00 in UTC is still the evening before in Lima (UTC-5), where the clock is counted.
    reached = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
    make_successful(db, tenant_a, title="Meta de madrugada", successful_at=reached)
    db.commit()
    page = client_a.get("/proposals/answers").text
    assert '<time datetime="2026-03-09">09/03/2026</time>' in page
