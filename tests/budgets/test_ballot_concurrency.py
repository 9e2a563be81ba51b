"""Simultaneous ballot changes by one person on PostgreSQL, through real HTTP requests with
real commits: the amount, k, the headings of a group and one ballot per heading all hold."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from app.budgets.models import BudgetBallot, BudgetBallotLine, BudgetProject
from app.config import Settings
from app.db import make_engine, make_sessionmaker, platform_session, scoped_to
from app.dbschema import upgrade_database
from app.main import create_app
from app.tenants.models import Tenant
from tests.budgets.ballot_helpers import selected_project
from tests.budgets.factories import headings_of, make_budget
from tests.conftest import SECRET, client_for
from tests.databases import ON_POSTGRES, drop_database, fresh_database
from tests.factories import make_tenant
from tests.people import csrf_of, make_user, sign_in
from tests.polls.factories import Person, make_person

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not ON_POSTGRES, reason="concurrency is proven on PostgreSQL"),
]
HOST = "urnas-pp.test"
# One heading of S/ 1 000 000 alone in its group, and a group of two headings (one allowed).
GROUPS = (("Toda la región", (1_000_000,)), ("Por provincia", (500_000, 500_000)))


@dataclass
class Stage:
    app: FastAPI
    engine: Engine
    tenant_id: int
    budget_id: int
    headings: list[int]


@pytest.fixture
def stage(tmp_path: Path) -> Iterator[Stage]:
    url = fresh_database("minka_test_budget_ballots", tmp_path)
    upgrade_database(url)
    engine = make_engine(url, pool_size=60, max_overflow=0, pool_timeout=120)
    settings = Settings(var_dir=tmp_path, database_url=url, secret_key=SECRET, jobs_mode="external")
    app = create_app(settings)
    app.state.sessionmaker = make_sessionmaker(engine)
    yield Stage(app, engine, 0, 0, [])
    app.state.engine.dispose()
    engine.dispose()
    drop_database(url)


def _budget(stage: Stage, *, approval_limit: int | None = None, price: int = 100_000) -> None:
    """Twenty selected projects at ``price`` in every heading."""
    with platform_session(make_sessionmaker(stage.engine)) as db:
        tenant = make_tenant(db, "urnas-pp", HOST)
        budget = make_budget(
            db, tenant, phase="balloting", groups=GROUPS, approval_limit=approval_limit
        )
        headings = headings_of(db, budget)
        for heading in headings:
            for _ in range(20):
                selected_project(db, heading, price)
        db.commit()
        stage.tenant_id, stage.budget_id = tenant.id, budget.id
        stage.headings = [heading.id for heading in headings]


def _resident(stage: Stage) -> tuple[TestClient, Person]:
    with platform_session(make_sessionmaker(stage.engine)) as db, scoped_to(db, stage.tenant_id):
        tenant = db.get_one(Tenant, stage.tenant_id)
        person = make_person(db, tenant, census_secret=stage.app.state.settings.census_secret)
        db.commit()
    client = client_for(stage.app, HOST)
    assert person.user is not None
    sign_in(client, person.user)
    return client, person


def _projects(stage: Stage, heading_id: int) -> list[int]:
    with platform_session(make_sessionmaker(stage.engine)) as db, scoped_to(db, stage.tenant_id):
        statement = select(BudgetProject.id).where(BudgetProject.heading_id == heading_id)
        return list(db.scalars(statement.order_by(BudgetProject.id)))


Request = tuple[TestClient, str, dict[str, object]]


def _at_once(requests: list[Request]) -> list[int]:
    """Post every request from its own client (sharing the signed-in session of the client
    given) in its own thread, all released together; the status codes, in request order."""
    tokens = {id(client): csrf_of(client) for client, _, _ in requests}
    start = threading.Barrier(len(requests))
    statuses: list[int] = [0] * len(requests)

    def send(number: int, signed_in: TestClient, path: str, data: dict[str, object]) -> None:
        client = TestClient(signed_in.app, base_url=f"http://{HOST}", raise_server_exceptions=False)
        client.cookies.update(signed_in.cookies)
        form = {**data, "csrf_token": tokens[id(signed_in)]}
        start.wait(timeout=120)
        response = client.post(path, data=form, follow_redirects=False)
        statuses[number] = response.status_code

    threads = [
        threading.Thread(target=send, args=(number, *request))
        for number, request in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return statuses


def _stored(stage: Stage) -> dict[int, tuple[str, list[int]]]:
    """Every ballot: its heading, channel and projects."""
    with platform_session(make_sessionmaker(stage.engine)) as db, scoped_to(db, stage.tenant_id):
        found: dict[int, tuple[str, list[int]]] = {}
        for ballot in db.scalars(select(BudgetBallot)):
            lines = db.scalars(
                select(BudgetBallotLine.project_id).where(BudgetBallotLine.ballot_id == ballot.id)
            )
            found[ballot.heading_id] = (ballot.channel, sorted(lines))
        return found


def _prices(stage: Stage, ids: list[int]) -> int:
    with platform_session(make_sessionmaker(stage.engine)) as db, scoped_to(db, stage.tenant_id):
        total = db.scalar(select(func.sum(BudgetProject.price)).where(BudgetProject.id.in_(ids)))
        return int(total or 0)


def test_twenty_simultaneous_adds_never_exceed_the_amount(stage: Stage) -> None:
    _budget(stage)  # twenty projects of S/ 100 000 against S/ 1 000 000: ten fit
    client, _ = _resident(stage)
    heading = stage.headings[0]
    path = f"/budgets/{stage.budget_id}/ballot/{heading}/add"
    statuses = _at_once([(client, path, {"project_id": str(p)}) for p in _projects(stage, heading)])
    assert sorted(statuses) == [303] * 10 + [422] * 10, statuses
    [(channel, lines)] = _stored(stage).values()
    assert channel == "web"
    assert len(lines) == 10
    assert _prices(stage, lines) == 1_000_000


def test_twenty_simultaneous_adds_never_exceed_k(stage: Stage) -> None:
    _budget(stage, approval_limit=3)
    client, _ = _resident(stage)
    heading = stage.headings[0]
    path = f"/budgets/{stage.budget_id}/ballot/{heading}/add"
    statuses = _at_once([(client, path, {"project_id": str(p)}) for p in _projects(stage, heading)])
    assert sorted(statuses) == [303] * 3 + [422] * 17, statuses
    [(_, lines)] = _stored(stage).values()
    assert len(lines) == 3


def test_fifty_simultaneous_first_adds_make_one_ballot(stage: Stage) -> None:
    _budget(stage, price=1)
    client, _ = _resident(stage)
    heading = stage.headings[0]
    projects = _projects(stage, heading)
    path = f"/budgets/{stage.budget_id}/ballot/{heading}/add"
    requests: list[Request] = [
        (client, path, {"project_id": str(projects[n % 20])}) for n in range(50)
    ]
    statuses = _at_once(requests)
    assert statuses == [303] * 50, statuses
    stored = _stored(stage)
    assert list(stored) == [heading]
    assert stored[heading] == ("web", projects)


def test_simultaneous_first_adds_in_two_headings_of_a_group_keep_one(stage: Stage) -> None:
    _budget(stage)
    client, _ = _resident(stage)
    first, second = stage.headings[1:]
    requests: list[Request] = []
    for heading in (first, second):
        path = f"/budgets/{stage.budget_id}/ballot/{heading}/add"
        requests += [(client, path, {"project_id": str(p)}) for p in _projects(stage, heading)[:10]]
    statuses = _at_once(requests)
    assert sorted(statuses) == [303] * 5 + [409] * 10 + [422] * 5, statuses
    stored = _stored(stage)
    assert len(stored) == 1  # one heading of the group, with the five that fit its amount
    [(_, lines)] = stored.values()
    assert _prices(stage, lines) == 500_000


def test_web_and_paper_at_once_leave_one_ballot(stage: Stage) -> None:
    _budget(stage, price=1)
    client, person = _resident(stage)
    heading = stage.headings[0]
    projects = _projects(stage, heading)
    with platform_session(make_sessionmaker(stage.engine)) as db:
        officer = make_user(db, db.get_one(Tenant, stage.tenant_id), "poll_officer")
        db.commit()
    desk = client_for(stage.app, HOST)
    sign_in(desk, officer)
    web: list[Request] = [
        (client, f"/budgets/{stage.budget_id}/ballot/{heading}/add", {"project_id": str(p)})
        for p in projects[:10]
    ]
    identity = {
        "dni": person.dni,
        "birth_date": person.born_on.isoformat(),
        "heading_id": str(heading),
    }
    paper: list[Request] = [
        (desk, f"/budgets/{stage.budget_id}/paper/ballots", {**identity, "project": str(p)})
        for p in projects[10:]
    ]
    mixed = [request for pair in zip(web, paper, strict=True) for request in pair]
    statuses = _at_once(mixed)
    on_web, on_paper = statuses[0::2], statuses[1::2]
    stored = _stored(stage)
    assert list(stored) == [heading]
    channel, lines = stored[heading]
    if channel == "paper":  # a paper ballot came first: it alone went in
        assert sorted(on_paper) == [303] + [409] * 9, statuses
        assert on_web == [409] * 10, statuses
        assert len(lines) == 1
    else:  # the web came first: every web add went in, every paper ballot was refused
        assert on_web == [303] * 10, statuses
        assert on_paper == [409] * 10, statuses
        assert lines == projects[:10]
