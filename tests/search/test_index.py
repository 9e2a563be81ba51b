"""The database's own full-text index answers the search, never a scan of every row."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.debates.models import Debate
from app.proposals.models import Proposal
from app.search.schema import fts_table, search_index
from app.search.service import text_matches
from tests.databases import ON_POSTGRES


def _plan(db: Session, model: Any) -> str:
    statement = select(model.id).where(text_matches(model, "participación ciudadana"))
    connection = db.connection()
    sql = str(statement.compile(connection, compile_kwargs={"literal_binds": True}))
    if ON_POSTGRES:
        # Tiny test tables would be read whole; forbid that to see what the planner can use.
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        rows = connection.exec_driver_sql(f"EXPLAIN {sql}").all()
        return "\n".join(row[0] for row in rows)
    rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}").all()
    return "\n".join(row[-1] for row in rows)


@pytest.mark.parametrize("model", [Debate, Proposal])
def test_search_uses_the_full_text_index(db: Session, model: Any) -> None:
    plan = _plan(db, model)
    table = model.__tablename__
    if ON_POSTGRES:
        assert f"Bitmap Index Scan on {search_index(table)}" in plan, plan
    else:
        # "M" in the index string is FTS5's MATCH constraint: the full-text index is read.
        assert f"SCAN {fts_table(table)} VIRTUAL TABLE INDEX 0:M" in plan, plan
        assert "LIKE" not in plan
