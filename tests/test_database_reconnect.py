"""Pooled PostgreSQL connections whose server side ended: an idle one is replaced before use,
unnoticed; a busy one is not pinged (that round trip per request is what casting a ballot
cannot afford), so one request fails with the database error and the pool starts afresh."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import OperationalError

from app.db import make_engine
from tests.databases import ON_POSTGRES, SERVER_URL

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="about a database server's connections")


@pytest.fixture
def killer() -> Iterator[Engine]:
    engine = create_engine(SERVER_URL)
    yield engine
    engine.dispose()


def backend_pids(engine: Engine, count: int) -> list[int]:
    """Check out ``count`` connections at once, note their server processes, return them."""
    connections = [engine.connect() for _ in range(count)]
    pids = [int(c.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()) for c in connections]
    for connection in connections:
        connection.close()
    return pids


def terminate(killer: Engine, pids: list[int]) -> None:
    with killer.connect() as connection:
        for pid in pids:
            ended = connection.exec_driver_sql("SELECT pg_terminate_backend(%s)", (pid,))
            assert ended.scalar_one() is True


def test_an_idle_connection_that_died_is_replaced_before_use(killer: Engine) -> None:
    engine = make_engine(SERVER_URL, ping_after_idle=0.0, pool_size=1, max_overflow=0)
    try:
        [dead] = backend_pids(engine, 1)
        terminate(killer, [dead])
        [alive] = backend_pids(engine, 1)
        assert alive != dead
    finally:
        engine.dispose()


def test_a_busy_connection_that_died_fails_one_use_and_the_pool_starts_afresh(
    killer: Engine,
) -> None:
    engine = make_engine(SERVER_URL, ping_after_idle=3600.0, pool_size=2, max_overflow=0)
    try:
        dead = backend_pids(engine, 2)
        terminate(killer, dead)
        with pytest.raises(OperationalError), engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        # The failure threw away both pooled connections, not only the one that failed.
        fresh = backend_pids(engine, 2)
        assert not set(fresh) & set(dead)
    finally:
        engine.dispose()
