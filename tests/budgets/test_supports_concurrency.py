"""Simultaneous support requests on PostgreSQL, through the real app with real commits: one
support per resident and project, the counter equal to the rows, and the limit of headings
per group kept when one person races supports in two headings."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from app.accounts.models import User
from app.budgets.models import BudgetGroup, BudgetProject, BudgetSupport
from app.config import Settings
from app.db import make_engine, make_sessionmaker, platform_session, scoped_to
from app.dbschema import upgrade_database
from app.main import create_app
from app.tenants.models import Tenant
from tests.budgets.factories import groups_of, headings_of, make_budget, make_project
from tests.conftest import SECRET, client_for
from tests.databases import ON_POSTGRES, drop_database, fresh_database
from tests.factories import make_tenant
from tests.people import csrf_of, make_user, sign_in

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not ON_POSTGRES, reason="concurrency is proven on PostgreSQL"),
]
HOST = "apoyos.test"
TWO_HEADINGS = (("Por provincia", (1_000_000, 2_000_000)),)


@dataclass(frozen=True)
class World:
    engine: Engine
    app: FastAPI
    tenant_id: int


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    url = fresh_database("minka_test_budget_supports", tmp_path)
    upgrade_database(url)
    engine = make_engine(url, pool_size=60, max_overflow=0, pool_timeout=120)
    settings = Settings(var_dir=tmp_path, database_url=url, secret_key=SECRET, jobs_mode="external")
    app = create_app(settings)
    app.state.sessionmaker = make_sessionmaker(engine)
    with platform_session(make_sessionmaker(engine)) as db:
        tenant = make_tenant(db, "apoyos", HOST)
        db.commit()
        tenant_id = tenant.id
    yield World(engine, app, tenant_id)
    app.state.engine.dispose()
    engine.dispose()
    drop_database(url)


def _setup(world: World, residents: int) -> tuple[list[User], list[BudgetProject]]:
    """Verified residents and a budget in selecting with one project in each of two headings
    of one group that allows supports in one heading only."""
    with platform_session(make_sessionmaker(world.engine)) as db:
        tenant = db.get_one(Tenant, world.tenant_id)
        budget = make_budget(db, tenant, phase="selecting", groups=TWO_HEADINGS)
        assert groups_of(db, budget)[0].max_supported_headings == 1
        projects = [make_project(db, heading) for heading in headings_of(db, budget)]
        people = [make_user(db, tenant, verified=True) for _ in range(residents)]
        db.commit()
        return people, projects


def _at_once(jobs: list[tuple[TestClient, str, str]]) -> list[int]:
    """POST every (client, path, token) from its own thread, released together."""
    start = threading.Barrier(len(jobs))
    statuses: list[int] = []

    def run(client: TestClient, path: str, token: str) -> None:
        start.wait(timeout=60)
        try:
            answer = client.post(path, data={"csrf_token": token}, follow_redirects=False)
            statuses.append(answer.status_code)
        except Exception as error:  # reported by the assertions on statuses
            statuses.append(-1)
            raise error

    threads = [threading.Thread(target=run, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    return statuses


def _stored(world: World) -> tuple[list[BudgetSupport], dict[int, int]]:
    with platform_session(make_sessionmaker(world.engine)) as db, scoped_to(db, world.tenant_id):
        rows = list(db.scalars(select(BudgetSupport)))
        counts = {p.id: p.supports_count for p in db.scalars(select(BudgetProject))}
        return rows, counts


def test_fifty_simultaneous_supports_by_one_resident_leave_one(world: World) -> None:
    (person,), (project, _other) = _setup(world, 1)
    with client_for(world.app, HOST) as client:
        sign_in(client, person)
        token = csrf_of(client, "/budgets")
        path = f"/budgets/{project.budget_id}/projects/{project.id}/support"
        statuses = _at_once([(client, path, token)] * 50)
    assert statuses == [303] * 50, statuses
    rows, counts = _stored(world)
    assert [(row.project_id, row.resident_id) for row in rows] == [
        (project.id, rows[0].resident_id)
    ]
    assert counts[project.id] == 1


def test_racing_supports_in_two_headings_of_a_group_keep_one_heading(world: World) -> None:
    (person,), (first, second) = _setup(world, 1)
    with client_for(world.app, HOST) as client:
        sign_in(client, person)
        token = csrf_of(client, "/budgets")
        paths = [
            f"/budgets/{project.budget_id}/projects/{project.id}/support"
            for project in (first, second)
        ]
        statuses = _at_once([(client, paths[n % 2], token) for n in range(40)])
    rows, counts = _stored(world)
    assert len(rows) == 1, rows
    won = rows[0].project_id
    assert counts == {won: 1, (second.id if won == first.id else first.id): 0}
    # Every request for the winning heading was a support or a repeat; the others were refused.
    assert sorted(statuses) == [303] * 20 + [409] * 20, statuses
    with platform_session(make_sessionmaker(world.engine)) as db, scoped_to(db, world.tenant_id):
        assert db.scalars(select(BudgetGroup.max_supported_headings)).one() == 1


def test_thirty_residents_at_once_count_thirty(world: World) -> None:
    people, (project, _other) = _setup(world, 30)
    path = f"/budgets/{project.budget_id}/projects/{project.id}/support"
    clients = [client_for(world.app, HOST) for _ in people]
    jobs = []
    for client, person in zip(clients, people, strict=True):
        client.__enter__()
        sign_in(client, person)
        jobs.append((client, path, csrf_of(client, "/budgets")))
    try:
        statuses = _at_once(jobs)
    finally:
        for client in clients:
            client.__exit__(None, None, None)
    assert statuses == [303] * 30, statuses
    rows, counts = _stored(world)
    assert len(rows) == 30
    assert len({row.resident_id for row in rows}) == 30
    assert counts[project.id] == 30
