"""The census of an instance: importing it from CSV, and finding a person in it.

Only keyed digests are stored (see ``app.census.digests``), so a copied database is not a list
of residents. The import streams: it holds one or two batches of rows, never the file.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.census.digests import (
    Digester,
    birth_digest,
    census_key,
    dni_digest,
    extra_digest,
    normalize_dni,
    normalize_extra,
    parse_birth_date,
)
from app.census.models import CensusEntry
from app.census.reading import RowReader, read_records
from app.census.writing import Batch, BatchWriter, DniSet, WriterThread
from app.db import TENANT_KEY, CrossTenantWriteError, UnscopedQueryError
from app.errors import Invalid
from app.geozones.models import Geozone
from app.i18n import N_

__all__ = [
    "ImportReport",
    "RowError",
    "birth_digest",
    "census_key",
    "dni_digest",
    "extra_digest",
    "find_census_entry",
    "import_census",
    "normalize_dni",
    "parse_birth_date",
]

MAX_KEPT_ERRORS = 1000
DEFAULT_BATCH_SIZE = 5000


@dataclass(frozen=True)
class RowError:
    """A rejected row: ``message`` is an English msgid, to be translated, then ``% values``."""

    line: int
    message: str
    values: Mapping[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message % dict(self.values) if self.values else self.message


@dataclass
class ImportReport:
    """What an import did. Each data row read counts in exactly one of imported (new entries),
    updated, duplicates (a DNI already read from the same file) and error_count."""

    rows_read: int = 0
    imported: int = 0
    updated: int = 0
    duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)  # the first MAX_KEPT_ERRORS
    error_count: int = 0

    @property
    def errors_truncated(self) -> bool:
        return self.error_count > len(self.errors)

    def reject(self, line: int, error: Invalid) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_KEPT_ERRORS:
            values = {name: str(value) for name, value in error.values.items()}
            self.errors.append(RowError(line, error.message, values))


def import_census(
    session: Session,
    tenant_id: int,
    key: bytes,
    lines: Iterable[str],
    *,
    progress: Callable[[int], None] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    commit_interval: float | None = None,
    today: date | None = None,
) -> ImportReport:
    """Add or update census entries from CSV ``lines``, read once and never held in memory.

    The first line is the header: ``dni,fecha_nacimiento,codigo_geozona,extra`` (or
    ``dni,birth_date,geozone_code,extra``), in any case and order; the last two are optional.
    A bad row is reported with its line number (the header is line 1) and skipped; the good
    rows are kept. A DNI already in the census is updated, never duplicated; a DNI repeated in
    the file counts once and its last row wins. A header without the required columns raises
    ``Invalid`` before anything is written; so does text that is not UTF-8, when met.

    ``session`` must serve ``tenant_id`` (``scoped_to``). ``progress`` is called after every
    batch with the number of data rows read so far.

    By default the service only executes statements and the caller commits once: the import
    is all or nothing. With ``commit_interval`` (seconds) the service itself commits after a
    batch whenever that long has passed since its last commit (``0``: after every batch).
    That keeps a census of a million rows from holding one long transaction (other writers
    locked out on SQLite, a growing WAL, nothing visible until the end) while spending little
    time in commits. The price is that a failure part way leaves the batches before it
    imported; that is safe to repair, as importing the same file again updates those entries
    instead of duplicating them.
    """
    _require_session_serving(session, tenant_id)
    report = ImportReport()
    records = read_records(lines)
    header = next(records, None)
    if header is None:
        raise Invalid(N_("The census file is empty."))
    rows = RowReader(key, header[1] or [], _geozone_codes(session), today or date.today())
    writer = BatchWriter(session, tenant_id, commit_interval)
    seen = DniSet()
    batch = Batch()
    with WriterThread(writer) as write:
        for line, fields in records:
            if fields == []:  # a blank line
                continue
            report.rows_read += 1
            try:
                if fields is None:
                    raise Invalid(N_("This line is not valid CSV (check its quotes)."))
                dni, entry = rows.read(fields)
            except Invalid as error:
                report.reject(line, error)
            else:
                repeated = not seen.add(dni)
                report.duplicates += repeated
                batch.add(entry, repeated)
            if report.rows_read % batch_size == 0:
                write(batch)
                batch = Batch()
                if progress is not None:
                    progress(report.rows_read)
        write(batch)
    report.imported, report.updated = writer.added, writer.updated
    _expire_loaded_entries(session)
    if progress is not None:
        progress(report.rows_read)
    return report


def find_census_entry(
    session: Session, key: bytes, dni: str, birth: date, extra: str | None
) -> CensusEntry | None:
    """The census entry matching what a person (or the desk) typed, or None.

    The DNI finds the entry; the date of birth, and the extra field when the entry has one,
    must then match. ``Invalid`` if the DNI is not 8 digits. Needs a tenant-bound session.
    """
    if session.info.get(TENANT_KEY) is None:
        raise UnscopedQueryError("a census lookup needs a session bound to a tenant")
    digits = normalize_dni(dni)
    digests = Digester(key)
    wanted_birth = digests.of_birth(digits, birth)
    wanted_extra = digests.of_extra(digits, normalize_extra(extra or ""))
    entry = session.scalars(
        select(CensusEntry).where(CensusEntry.dni_digest == digests.of_dni(digits))
    ).one_or_none()
    if entry is None:
        return None
    matches = hmac.compare_digest(entry.birth_digest, wanted_birth)
    if entry.extra_digest is not None:
        # An empty extra is stored as None, so typing nothing never matches a stored extra.
        matches &= hmac.compare_digest(entry.extra_digest, wanted_extra)
    return entry if matches else None


def _require_session_serving(session: Session, tenant_id: int) -> None:
    # The upserts are Core statements, which the ORM's tenant checks in app.db do not see.
    bound = session.info.get(TENANT_KEY)
    if bound is None:
        raise UnscopedQueryError("the census import needs a session bound to its tenant")
    if bound != tenant_id:
        raise CrossTenantWriteError("the census import was given another tenant's session")


def _geozone_codes(session: Session) -> frozenset[str]:
    return frozenset(session.scalars(select(Geozone.code)))  # scoped to the session's tenant


def _expire_loaded_entries(session: Session) -> None:
    # The upserts went around the ORM: entries it had loaded must be read again.
    for loaded in list(session.identity_map.values()):
        if isinstance(loaded, CensusEntry):
            session.expire(loaded)
