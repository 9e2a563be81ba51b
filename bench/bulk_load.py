"""Bulk inserts for generated data: COPY on PostgreSQL, prepared executemany on SQLite.

The ORM (one object, one flush) would take hours for millions of rows; these take minutes.
Columns are named and checked against the models' tables, so a renamed column fails loudly.
Values are Python objects; on SQLite they pass through the column type's own bind processor,
so dates are stored in exactly the format SQLAlchemy reads back.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from app.db import Base

BATCH = 10_000


class BulkLoader:
    """One raw connection to an empty, migrated database; ``insert`` a table at a time."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)
        self.dialect = self.engine.dialect
        self.postgres = self.dialect.name == "postgresql"
        self.raw = self.engine.raw_connection()
        self.timings: dict[str, float] = {}
        self.counts: dict[str, int] = {}
        if not self.postgres:
            # Nobody else uses the file while it is loaded: no journal, no fsync. Foreign keys
            # are checked at the end (PRAGMA foreign_key_check), not on every row.
            cursor = self.raw.cursor()
            for pragma in (
                "PRAGMA foreign_keys=OFF",
                "PRAGMA journal_mode=OFF",
                "PRAGMA synchronous=OFF",
                "PRAGMA cache_size=-500000",
            ):
                cursor.execute(pragma)
            cursor.close()

    def insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        columns_of = Base.metadata.tables[table].columns
        unknown = [name for name in columns if name not in columns_of]
        if unknown:
            raise KeyError(f"{table} has no column {', '.join(unknown)}")
        started = time.perf_counter()
        if self.postgres:
            count = self._copy(table, columns, rows)
        else:
            processors = [
                columns_of[name].type.dialect_impl(self.dialect).bind_processor(self.dialect)
                for name in columns
            ]
            count = self._executemany(table, columns, rows, processors)
        self.raw.commit()
        self.timings[table] = self.timings.get(table, 0.0) + time.perf_counter() - started
        self.counts[table] = self.counts.get(table, 0) + count
        return count

    def _copy(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        count = 0
        cursor = self.raw.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count

    def _executemany(
        self,
        table: str,
        columns: Sequence[str],
        rows: Iterable[Sequence[Any]],
        processors: Sequence[Callable[[Any], Any] | None],
    ) -> int:
        marks = ", ".join("?" * len(columns))
        # Names come from the models' metadata (checked in ``insert``); values are parameters.
        statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
        converting = [(i, proc) for i, proc in enumerate(processors) if proc is not None]
        count = 0
        cursor = self.raw.cursor()
        iterator = iter(rows)
        while batch := list(islice(iterator, BATCH)):
            if converting:
                converted = []
                for row in batch:
                    values = list(row)
                    for i, proc in converting:
                        if values[i] is not None:
                            values[i] = proc(values[i])
                    converted.append(values)
                cursor.executemany(statement, converted)
            else:
                cursor.executemany(statement, batch)
            count += len(batch)
        cursor.close()
        return count

    def finish(self, tables_with_ids: Iterable[str]) -> None:
        """Move id sequences past the explicit ids, refresh the planner's statistics."""
        started = time.perf_counter()
        cursor = self.raw.cursor()
        if self.postgres:
            for table in tables_with_ids:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
                )
            self.raw.commit()
            # What autovacuum would have done on a live instance that grew to this size.
            self.raw.driver_connection.autocommit = True  # type: ignore[union-attr]
            cursor.execute("VACUUM ANALYZE")
            self.raw.driver_connection.autocommit = False  # type: ignore[union-attr]
        else:
            broken = cursor.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise ValueError(f"generated rows break foreign keys: {broken[:5]}")
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
        self.timings["(finish)"] = time.perf_counter() - started

    def close(self) -> None:
        self.raw.close()
        self.engine.dispose()


def describe(url: str) -> str:
    parsed = make_url(url)
    return "PostgreSQL" if parsed.get_backend_name() == "postgresql" else "SQLite"
