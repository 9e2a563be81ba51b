"""The project list runs a fixed number of queries, whatever the page holds (no N+1)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from app.tenants.models import Tenant
from tests.budgets.factories import headings_of, make_budget, make_project
from tests.people import make_user, sign_in
from tests.rendering import context_of

# The middleware's tenant and sign-in lookups, savepoints, and four queries of the page (the
# budget, its groups, its headings, the page of projects): whatever the page holds.
MAX_STATEMENTS = 16


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


def test_a_list_page_runs_a_fixed_number_of_queries(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget = make_budget(db, tenant_a, phase="selecting")
    headings = headings_of(db, budget)
    for number in range(30):
        author = make_user(db, tenant_a)
        make_project(
            db,
            headings[number % 3],
            author=author,
            review_state=("pending", "accepted", "rejected")[number % 3],
        )
    viewer = make_user(db, tenant_a, verified=True)
    db.commit()
    sign_in(client_a, viewer)
    bind = db.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    with counted(engine) as statements:
        full = client_a.get(f"/budgets/{budget.id}/projects")
    assert full.status_code == 200
    assert len(context_of(full)["projects"]) == 25
    assert len(statements) <= MAX_STATEMENTS, "\n".join(statements)
    with counted(engine) as fewer:
        smaller = client_a.get(f"/budgets/{budget.id}/projects?heading={headings[0].id}")
    assert len(context_of(smaller)["projects"]) == 10
    assert len(fewer) == len(statements)  # the same queries for 10 projects as for 25
