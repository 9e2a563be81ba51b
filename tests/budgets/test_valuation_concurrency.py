"""Simultaneous valuations and assignments on PostgreSQL, through real HTTP requests with real
commits: the author is told once of one change, and a valuator is assigned once."""

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
from app.budgets.models import BudgetProject, BudgetValuator
from app.config import Settings
from app.db import make_engine, make_sessionmaker, platform_session, scoped_to
from app.dbschema import upgrade_database
from app.main import create_app
from app.notifications.models import Notification
from app.tenants.models import Tenant
from tests.budgets.factories import headings_of, make_budget, make_project
from tests.conftest import SECRET, client_for
from tests.databases import ON_POSTGRES, drop_database, fresh_database
from tests.factories import make_tenant
from tests.people import csrf_of, make_user, sign_in

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not ON_POSTGRES, reason="concurrency is proven on PostgreSQL"),
]
HOST = "chanin.test"
AT_ONCE = 12
VALUATION = {
    "feasibility": "feasible",
    "explanation": "Se puede hacer",
    "price": "900 000",
    "price_explanation": "",
    "duration": "",
}


@dataclass
class Stage:
    app: FastAPI
    engine: Engine
    budget_id: int = 0
    heading_id: int = 0
    project_id: int = 0
    author_id: int = 0
    tenant_id: int = 0


@pytest.fixture
def stage(tmp_path: Path) -> Iterator[Stage]:
    url = fresh_database("minka_test_budget_valuation", tmp_path)
    upgrade_database(url)
    engine = make_engine(url, pool_size=30, max_overflow=0, pool_timeout=120)
    settings = Settings(var_dir=tmp_path, database_url=url, secret_key=SECRET, jobs_mode="external")
    app = create_app(settings)
    app.state.sessionmaker = make_sessionmaker(engine)
    yield Stage(app, engine)
    app.state.engine.dispose()
    engine.dispose()
    drop_database(url)


def _signed_in(stage: Stage, role: str | None) -> tuple[TestClient, User]:
    """A budget in valuating with one project, and a person: an administrator or its valuator."""
    with platform_session(make_sessionmaker(stage.engine)) as db:
        tenant = make_tenant(db, "chanin", HOST)
        budget = make_budget(db, tenant, phase="valuating")
        heading = headings_of(db, budget)[0]
        author = make_user(db, tenant)
        project = make_project(db, heading, author=author)
        person = make_user(db, tenant, *([role] if role else []))
        if role is None:
            with scoped_to(db, tenant.id):
                db.add(BudgetValuator(heading_id=heading.id, user_id=person.id))
                db.flush()
        db.commit()
        stage.tenant_id, stage.budget_id, stage.heading_id = tenant.id, budget.id, heading.id
        stage.project_id, stage.author_id = project.id, author.id
    client = client_for(stage.app, HOST)
    sign_in(client, person)
    return client, person


def _at_once(signed_in: TestClient, path: str, data: dict[str, str]) -> list[int]:
    token = csrf_of(signed_in)
    start = threading.Barrier(AT_ONCE)
    statuses = [0] * AT_ONCE

    def send(number: int) -> None:
        client = TestClient(signed_in.app, base_url=f"http://{HOST}", raise_server_exceptions=False)
        client.cookies.update(signed_in.cookies)
        start.wait(timeout=120)
        response = client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)
        statuses[number] = response.status_code

    threads = [threading.Thread(target=send, args=(number,)) for number in range(AT_ONCE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return statuses


def test_simultaneous_identical_valuations_tell_the_author_once(stage: Stage) -> None:
    client, _valuator = _signed_in(stage, None)
    path = f"/budgets/{stage.budget_id}/valuation/{stage.project_id}"
    assert _at_once(client, path, VALUATION) == [303] * AT_ONCE
    with platform_session(make_sessionmaker(stage.engine)) as db, scoped_to(db, stage.tenant_id):
        project = db.get_one(BudgetProject, stage.project_id)
        assert (project.feasibility, project.price) == ("feasible", 900_000)
        told = db.scalars(select(Notification).where(Notification.user_id == stage.author_id))
        assert [n.kind for n in told] == ["valuation"]


def test_simultaneous_assignments_of_one_person_make_one(stage: Stage) -> None:
    client, _admin = _signed_in(stage, "administrator")
    with platform_session(make_sessionmaker(stage.engine)) as db, scoped_to(db, stage.tenant_id):
        newcomer = make_user(db, db.get_one(Tenant, stage.tenant_id))
        db.commit()
        email = str(newcomer.email)
    form = {"heading_id": str(stage.heading_id), "account": email}
    assert _at_once(client, f"/admin/budgets/{stage.budget_id}/valuators", form) == [303] * AT_ONCE
    with platform_session(make_sessionmaker(stage.engine)) as db, scoped_to(db, stage.tenant_id):
        rows = db.scalars(select(BudgetValuator).where(BudgetValuator.user_id == newcomer.id))
        assert len(list(rows)) == 1
