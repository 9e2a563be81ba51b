"""Writing a census import: batches of entries upserted in one statement each, on a thread.

Upserts are Core statements, which the ORM's tenant checks in app.db do not see: tenant_id is
always explicit here, and the caller makes sure the session serves that tenant.
"""

from __future__ import annotations

import contextlib
import json
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    DateTime,
    Executable,
    Integer,
    String,
    Table,
    bindparam,
    func,
    literal_column,
    select,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from app.census.digests import DNI_LENGTH
from app.census.models import CensusEntry
from app.db import Base, utcnow

WRITTEN = ("dni_digest", "birth_digest", "extra_digest", "geozone_code")
UPDATED = ("birth_digest", "extra_digest", "geozone_code", "updated_at")


class DniSet:
    """The DNIs read so far: one bit for each of the 10⁸ possible DNIs (12.5 MB), so memory
    stays the same however long the file is."""

    def __init__(self) -> None:
        self.bits = bytearray(10**DNI_LENGTH // 8)

    def add(self, dni: int) -> bool:
        """Remember ``dni``; False if it was already there."""
        index, mask = dni >> 3, 1 << (dni & 7)
        if self.bits[index] & mask:
            return False
        self.bits[index] |= mask
        return True


class Batch:
    """Entries to write together, one per DNI digest: a later row of a DNI replaces it."""

    def __init__(self) -> None:
        self.entries: dict[str, dict[str, Any]] = {}
        # DNIs an earlier batch of this import already wrote: updated again, but not counted.
        self.rewritten = 0

    def add(self, entry: dict[str, Any], repeated: bool) -> None:
        digest = entry["dni_digest"]
        if repeated and digest not in self.entries:
            self.rewritten += 1
        self.entries[digest] = entry


class BatchWriter:
    """Upserts batches for one tenant, counting the entries added and updated."""

    def __init__(self, session: Session, tenant_id: int, commit_interval: float | None) -> None:
        self.session = session
        self.tenant_id = tenant_id
        self.commit_interval = commit_interval
        self.last_commit = time.monotonic()
        self.updated_at = utcnow()
        self.added = 0
        self.updated = 0
        table = Base.metadata.tables[CensusEntry.__tablename__]
        dialect = session.get_bind().dialect.name
        self.on_postgresql = dialect == "postgresql"
        self.upsert = _upsert_statement(dialect, table)
        self.count_existing = select(func.count()).where(
            table.c.tenant_id == tenant_id,
            table.c.dni_digest.in_(
                select(func.json_each(bindparam("digests", type_=String)).table_valued("value"))
            ),
        )

    def write(self, batch: Batch) -> None:
        if not batch.entries:
            return
        if self.on_postgresql:
            added = self._upsert_columns(batch.entries)
        else:
            added = self._upsert_rows(batch.entries)
        self.added += added
        self.updated += len(batch.entries) - added - batch.rewritten
        if (
            self.commit_interval is not None
            and time.monotonic() - self.last_commit >= self.commit_interval
        ):
            self.session.commit()
            self.last_commit = time.monotonic()

    def _upsert_columns(self, entries: dict[str, dict[str, Any]]) -> int:
        """PostgreSQL: one value per column, one statement whose RETURNING tells which rows it
        inserted (row-at-a-time upserts are several times slower)."""
        rows = entries.values()
        inserted = self.session.scalars(
            self.upsert,
            {
                "tenant_id": self.tenant_id,
                "updated_at": self.updated_at,
                "dni_digest": ",".join(row["dni_digest"] for row in rows),
                "birth_digest": ",".join(row["birth_digest"] for row in rows),
                "extra_digest": ",".join(row["extra_digest"] or "" for row in rows),
                "geozone_code": [row["geozone_code"] for row in rows],
            },
        )
        return sum(inserted)

    def _upsert_rows(self, entries: dict[str, dict[str, Any]]) -> int:
        """SQLite: count the DNIs already there, then one statement with the rows as JSON."""
        existing = self.session.scalar(self.count_existing, {"digests": json.dumps(list(entries))})
        rows = json.dumps([[entry[name] for name in WRITTEN] for entry in entries.values()])
        self.session.execute(
            self.upsert, {"tenant_id": self.tenant_id, "updated_at": self.updated_at, "rows": rows}
        )
        return len(entries) - (existing or 0)


class WriterThread:
    """Writes batches on a second thread while the next batch is read and hashed.

    Reading and hashing hold the GIL; the database works without it (PostgreSQL in its own
    process, SQLite inside the one step that runs a batch's statement), so the two overlap.
    At most one batch waits, so memory stays bounded. The session is used by one thread at a
    time: only by the writer thread between entering and leaving the block, and leaving waits
    for it, so the caller gets the session back with nothing in flight. An error on either
    side stops both and is raised by the ``with`` statement.
    """

    def __init__(self, writer: BatchWriter) -> None:
        self.writer = writer
        self.queue: queue.Queue[Batch | None] = queue.Queue(maxsize=1)
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="census-writer", daemon=True)

    def __enter__(self) -> Callable[[Batch], None]:
        self.thread.start()
        return self._submit

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is not None:  # the reader failed: drop what waits, let the writer finish
            with contextlib.suppress(queue.Empty):
                self.queue.get_nowait()
        self.queue.put(None)
        self.thread.join()
        if kind is None and self.failure is not None:
            raise self.failure

    def _submit(self, batch: Batch) -> None:
        if self.failure is not None:
            raise self.failure
        self.queue.put(batch)

    def _run(self) -> None:
        while (batch := self.queue.get()) is not None:
            if self.failure is not None:
                continue  # keep taking batches so the reader never blocks on a full queue
            try:
                self.writer.write(batch)
            except BaseException as error:  # raised again on the reading thread
                self.failure = error


def _upsert_statement(dialect: str, table: Table) -> Executable:
    """INSERT … ON CONFLICT (tenant_id, dni_digest) DO UPDATE, in the dialect's own form."""
    columns = ["tenant_id", *WRITTEN, "updated_at"]
    if dialect == "postgresql":
        # Hex digests never contain a comma, so each digest column travels as one string that
        # the server splits: adapting a Python list to an array costs more than the insert.
        # Geozone codes, which could hold any character, go as an array.
        arrays = func.unnest(
            _split_digests("dni_digest"),
            _split_digests("birth_digest"),
            _split_digests("extra_digest"),  # an empty item is NULL: no extra field
            bindparam("geozone_code", type_=ARRAY(String)),
        ).table_valued(*WRITTEN)
        rows = select(
            bindparam("tenant_id", type_=Integer),
            *arrays.render_derived().c,
            bindparam("updated_at", type_=DateTime(timezone=True)),
        )
        statement: Any = postgresql.insert(table).from_select(columns, rows)
    elif dialect == "sqlite":
        # The batch as one JSON array of rows: executemany would spend more time in
        # SQLAlchemy's handling of each parameter set than in SQLite.
        value = func.json_each(bindparam("rows", type_=String)).table_valued("value").c.value
        rows = select(
            bindparam("tenant_id", type_=Integer),
            *(func.json_extract(value, f"$[{index}]") for index in range(len(WRITTEN))),
            bindparam("updated_at", type_=DateTime(timezone=True)),
        ).where(true())  # SQLite needs a WHERE to tell "SELECT … ON CONFLICT" from a join
        statement = sqlite.insert(table).from_select(columns, rows)
    else:
        raise NotImplementedError(f"census import on {dialect}")
    upsert = statement.on_conflict_do_update(
        index_elements=[table.c.tenant_id, table.c.dni_digest],
        set_={name: statement.excluded[name] for name in UPDATED},
    )
    if dialect == "postgresql":
        # xmax is 0 only in a row version that this statement inserted, not updated.
        upsert = upsert.returning(literal_column("xmax = 0", Boolean))
    result: Executable = upsert
    return result


def _split_digests(name: str) -> ColumnElement[Any]:
    return func.string_to_array(bindparam(name, type_=String), ",", "")
