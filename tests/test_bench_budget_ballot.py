"""The budget-ballot benchmark's generator, at a tiny scale: a valid instance, right predictions.

No figures are asserted (no timed tests). The generated budget must be one the application
could have produced, the minted sessions must sign in, and every add the benchmark will send
must get the answer the generator predicted (303 when it fits, 422 when it does not) and leave
exactly the ballots the benchmark checks for afterwards.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from app.config import Settings
from app.db import make_engine
from app.main import create_app
from bench.budget_ballot_data import (
    TINY,
    Generated,
    ballots_in,
    ballots_over_amount,
    differences,
    generate,
)
from tests.databases import drop_database, fresh_database

SECRET = "bench-secret-" + "b" * 40


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Generated]]:
    name = f"minka_bench_ballot_generator_{os.getpid()}"
    url = fresh_database(name, tmp_path_factory.mktemp("bench"))
    try:
        started = time.perf_counter()
        data = generate(url, TINY, SECRET)
        # Quick enough to run with the suite (a few seconds are migrations).
        assert time.perf_counter() - started < 60
        yield url, data
    finally:
        drop_database(url)


@pytest.fixture
def connection(generated: tuple[str, Generated]) -> Iterator[Connection]:
    engine = make_engine(generated[0])
    with engine.connect() as connection:
        yield connection
    engine.dispose()


def test_the_budget_is_in_balloting_with_priced_selected_projects(
    connection: Connection, generated: tuple[str, Generated]
) -> None:
    data = generated[1]
    budget = connection.execute(
        text("SELECT phase, published_at FROM budgets WHERE id = :id"), {"id": data.budget_id}
    ).one()
    assert budget.phase == "balloting"
    assert budget.published_at is not None
    assert len(data.headings) == 13
    assert sum(heading.zone is None for heading in data.headings) == 1
    rows = connection.execute(
        text(
            "SELECT id, heading_id, price, selected, review_state, feasibility FROM budget_projects"
        )
    ).all()
    planned = {pid: (h.id, price) for h in data.headings for pid, price in h.projects}
    assert {row.id: (row.heading_id, row.price) for row in rows} == planned
    assert all(row.selected and row.review_state == "accepted" for row in rows)
    assert all(row.feasibility == "feasible" for row in rows)
    low, high = TINY.projects
    assert all(low <= len(h.projects) <= high for h in data.headings)


def test_the_ballots_are_the_planned_ones_within_amount_and_zone(
    connection: Connection, generated: tuple[str, Generated]
) -> None:
    data = generated[1]
    assert data.ballots
    assert ballots_in(connection) == data.ballots
    assert ballots_over_amount(connection) == 0
    outside_zone = """
        SELECT count(*) FROM budget_ballots b
        JOIN budget_headings h ON h.id = b.heading_id
        JOIN geozones g ON g.id = h.geozone_id
        JOIN census_entries c ON c.dni_digest = b.voter_key
        WHERE c.geozone_code != g.code"""
    assert connection.scalar(text(outside_zone)) == 0


def test_ballots_over_amount_counts_an_overspent_ballot(
    connection: Connection, generated: tuple[str, Generated]
) -> None:
    """The check the benchmark relies on can fail: add every project to one ballot."""
    data = generated[1]
    (heading_id, key), chosen = next(iter(data.ballots.items()))
    heading = next(h for h in data.headings if h.id == heading_id)
    ballot = connection.scalar(
        text("SELECT id FROM budget_ballots WHERE heading_id = :h AND voter_key = :k"),
        {"h": heading_id, "k": key},
    )
    try:  # in the connection's own transaction, rolled back below
        for project_id, _price in heading.projects:
            if project_id not in chosen:
                connection.execute(
                    text(
                        "INSERT INTO budget_ballot_lines (tenant_id, ballot_id, project_id) "
                        "SELECT tenant_id, id, :p FROM budget_ballots WHERE id = :b"
                    ),
                    {"p": project_id, "b": ballot},
                )
        assert ballots_over_amount(connection) == 1
        assert differences(data.ballots, ballots_in(connection))
    finally:
        connection.rollback()


def test_every_add_gets_the_predicted_answer_and_leaves_the_expected_ballots(
    generated: tuple[str, Generated], tmp_path: Path
) -> None:
    url, data = generated
    assert any(not add.fits for add in data.adds)  # the refusal is exercised too
    app = create_app(Settings(var_dir=tmp_path, database_url=url, secret_key=SECRET))
    try:
        region = f"/budgets/{data.budget_id}/ballot/{data.region.id}"
        for add in data.adds:
            with TestClient(app, base_url="http://127.0.0.1") as client:
                client.cookies.set("minka_session", add.cookie)
                page = client.get(region, follow_redirects=False)
                assert page.status_code == 200
                assert f'action="{region}/add"' in page.text
                response = client.post(
                    f"/budgets/{data.budget_id}/ballot/{add.heading_id}/add",
                    data={"csrf_token": add.csrf, "project_id": str(add.project_id)},
                    follow_redirects=False,
                )
                assert response.status_code == (303 if add.fits else 422)
        engine = make_engine(url)
        try:
            with engine.connect() as connection:
                assert differences(data.expected(data.adds), ballots_in(connection)) == []
                assert ballots_over_amount(connection) == 0
        finally:
            engine.dispose()
    finally:
        app.state.engine.dispose()
