"""The census of an instance: importing it from CSV, and finding a person in it.

Only keyed digests are stored (see ``CensusEntry``). Each instance has its own key, derived from
the census secret and the instance's slug, so the same DNI gives unrelated digests on two
instances and a digest taken from one instance is useless on another.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from itertools import chain
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Executable,
    Integer,
    String,
    Table,
    bindparam,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from app.census.models import CensusEntry
from app.db import TENANT_KEY, Base, CrossTenantWriteError, UnscopedQueryError, utcnow
from app.errors import Invalid
from app.geozones.models import Geozone
from app.i18n import N_
from app.tokens import keyed_digest

DNI_LENGTH = 8
MAX_AGE_YEARS = 130
MAX_KEPT_ERRORS = 1000
DEFAULT_BATCH_SIZE = 5000

# Header name (Spanish or English, compared case-insensitively) -> field.
COLUMN_NAMES: dict[str, str] = {
    "dni": "dni",
    "fecha_nacimiento": "birth_date",
    "birth_date": "birth_date",
    "codigo_geozona": "geozone_code",
    "geozone_code": "geozone_code",
    "extra": "extra",
}
REQUIRED_COLUMNS = {"dni": "dni", "birth_date": "fecha_nacimiento"}
DOCUMENTED_COLUMNS = "dni, fecha_nacimiento, codigo_geozona, extra"

_DNI_SEPARATORS = str.maketrans("", "", " .-\t\u00a0")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DAY_FIRST_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_SHOWN_CODE_LENGTH = 40


# Keys and digests ---------------------------------------------------------------------------


def census_key(settings_secret: bytes, tenant_slug: str) -> bytes:
    """The census key of one instance: HMAC-SHA256 of its slug under the census secret.

    Renaming an instance's slug changes its key, so its census must then be imported again.
    """
    return hmac.digest(settings_secret, tenant_slug.encode(), hashlib.sha256)


def normalize_dni(dni: str) -> str:
    """The 8 digits of a Peruvian DNI, ignoring spaces, dots and dashes; Invalid otherwise."""
    digits = dni.translate(_DNI_SEPARATORS)
    if len(digits) != DNI_LENGTH or not (digits.isascii() and digits.isdigit()):
        raise Invalid(N_("The DNI must have exactly 8 digits."))
    return digits


def normalize_extra(extra: str) -> str:
    return extra.strip().casefold()


def dni_digest(key: bytes, dni: str) -> str:
    return _dni_digest(key, normalize_dni(dni))


def birth_digest(key: bytes, dni: str, birth: date) -> str:
    return _birth_digest(key, normalize_dni(dni), birth)


def extra_digest(key: bytes, dni: str, extra: str) -> str:
    return _extra_digest(key, normalize_dni(dni), normalize_extra(extra))


# The private forms take an already normalised DNI. The DNI is part of the birth and extra
# digests so that two people born on the same day do not share a digest.
def _dni_digest(key: bytes, dni: str) -> str:
    return keyed_digest(key, "dni", dni)


def _birth_digest(key: bytes, dni: str, birth: date) -> str:
    return keyed_digest(key, "birth", dni, birth.isoformat())


def _extra_digest(key: bytes, dni: str, extra: str) -> str:
    return keyed_digest(key, "extra", dni, extra)


# Dates --------------------------------------------------------------------------------------


def parse_birth_date(text: str, *, today: date | None = None) -> date:
    """A date of birth written ``YYYY-MM-DD`` or ``DD/MM/YYYY``, not in the future, age ≤ 130."""
    text = text.strip()
    if not text:
        raise Invalid(N_("The date of birth is missing."))
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = match.groups()
    elif match := _DAY_FIRST_DATE.fullmatch(text):
        day, month, year = match.groups()
    else:
        raise Invalid(N_("The date of birth is not a date; write it as YYYY-MM-DD or DD/MM/YYYY."))
    try:
        birth = date(int(year), int(month), int(day))
    except ValueError:
        raise Invalid(N_("The date of birth does not exist in the calendar.")) from None
    today = today or date.today()
    if birth > today:
        raise Invalid(N_("The date of birth is in the future."))
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    if age > MAX_AGE_YEARS:
        raise Invalid(
            N_("The date of birth is more than %(years)s years ago."), years=MAX_AGE_YEARS
        )
    return birth


# Import -------------------------------------------------------------------------------------


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
    """What an import did. Every data row read is counted in exactly one of imported, updated,
    duplicates or error_count."""

    rows_read: int = 0
    imported: int = 0
    updated: int = 0
    duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)
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
    """Add or update census entries from CSV ``lines`` (read once, never held in memory).

    The first line is the header: ``dni,fecha_nacimiento,codigo_geozona,extra`` (or
    ``dni,birth_date,geozone_code,extra``), any case and order; the last two are optional.
    Fields are separated by commas, or by semicolons when the header has semicolons and no
    comma (as a spreadsheet saves CSV in some locales). A bad row is reported with its line
    number (the header is line 1) and skipped; the good rows are kept. A DNI already in the
    census is updated, never duplicated; a DNI repeated in the file is counted once and its
    last row wins. A header without the required columns raises ``Invalid`` before anything
    is written; so does a line that is not UTF-8 text.

    ``session`` must be bound to ``tenant_id`` (``scoped_to``). ``progress`` is called after
    every batch with the number of data rows read so far.

    By default the service only executes statements and the caller commits once: the import
    is all or nothing. With ``commit_interval`` (seconds) the service itself commits after a
    batch whenever that long has passed since its last commit. That keeps a census of a
    million rows from holding one long transaction (other writers locked out on SQLite, a
    growing WAL, nothing visible until the end) while costing few commits (each one is an
    fsync); ``0`` commits every batch. The price is that a failure part way leaves the
    batches before it imported. That is safe to repair, because importing the same file
    again updates those entries instead of duplicating them.
    """
    _require_session_bound_to(session, tenant_id)
    zones = _geozone_codes(session, tenant_id)
    report = ImportReport()
    rows = _csv_rows(lines)
    header = next(rows, None)
    if header is None:
        raise Invalid(N_("The census file is empty."))
    row_reader = _RowReader(key, header[1] or [], zones, today or date.today())
    writer = _BatchWriter(session, tenant_id, report, commit_interval)
    seen = _DniSet()
    batch = _Batch()
    for line, fields in rows:
        if fields == []:  # a blank line
            continue
        report.rows_read += 1
        try:
            if fields is None:
                raise Invalid(N_("This line is not valid CSV (check its quotes)."))
            dni, entry = row_reader.read(fields)
        except Invalid as error:
            report.reject(line, error)
        else:
            repeated = not seen.add(dni)
            report.duplicates += repeated
            batch.add(entry, repeated)
        if report.rows_read % batch_size == 0:
            writer.write(batch)
            batch = _Batch()
            if progress is not None:
                progress(report.rows_read)
    writer.write(batch)
    if progress is not None:
        progress(report.rows_read)
    return report


def _require_session_bound_to(session: Session, tenant_id: int) -> None:
    # The upsert is a Core statement, which the ORM's tenant checks in app.db do not see.
    bound = session.info.get(TENANT_KEY)
    if bound is None:
        raise UnscopedQueryError("the census import needs a session bound to its tenant")
    if bound != tenant_id:
        raise CrossTenantWriteError("the census import was given another tenant's session")


def _geozone_codes(session: Session, tenant_id: int) -> frozenset[str]:
    statement = select(Geozone.code).where(Geozone.tenant_id == tenant_id)
    return frozenset(session.scalars(statement))


def _csv_rows(lines: Iterable[str]) -> Iterator[tuple[int, list[str] | None]]:
    """(line number, fields) of each CSV record, from the line where it starts.

    The fields are None for a record the csv module cannot parse (a NUL byte, a field longer
    than its limit); the reader then goes on with the next line.
    """
    source = iter(lines)
    line = 1
    try:
        first = next(source, None)
        if first is None:
            return
        first = first.removeprefix("\ufeff")
        delimiter = ";" if ";" in first and "," not in first else ","
        reader = csv.reader(chain((first,), source), delimiter=delimiter)
        while True:
            line = reader.line_num + 1
            try:
                fields: list[str] | None = next(reader)
            except StopIteration:
                return
            except csv.Error:
                fields = None
            yield line, fields
    except UnicodeDecodeError:
        # Text is decoded a block at a time, so the bad byte is on this line or a later one.
        raise Invalid(
            N_(
                "The file is not UTF-8 text (at line %(line)s or after it). Save it as "
                "“CSV UTF-8” and import it again."
            ),
            line=line,
        ) from None


class _RowReader:
    """Turns the fields of one data row into the values to store, or raises ``Invalid``."""

    def __init__(self, key: bytes, header: list[str], zones: frozenset[str], today: date) -> None:
        columns = _columns(header)
        self.key = key
        self.zones = zones
        self.today = today
        self.width = len(header)
        self.dni_at = columns["dni"]
        self.birth_at = columns["birth_date"]
        self.zone_at = columns.get("geozone_code", -1)
        self.extra_at = columns.get("extra", -1)

    def read(self, fields: list[str]) -> tuple[int, dict[str, Any]]:
        """The DNI as a number, and the column values to store."""
        count = len(fields)
        if count > self.width and any(cell.strip() for cell in fields[self.width :]):
            raise Invalid(N_("This row has more fields than the header."))
        raw_dni = fields[self.dni_at] if self.dni_at < count else ""
        if not raw_dni.strip():
            raise Invalid(N_("The DNI is missing."))
        dni = normalize_dni(raw_dni)
        birth = parse_birth_date(
            fields[self.birth_at] if self.birth_at < count else "", today=self.today
        )
        code = fields[self.zone_at].strip() if 0 <= self.zone_at < count else ""
        if code and code not in self.zones:
            raise Invalid(N_("Unknown geozone code %(code)s."), code=code[:_SHOWN_CODE_LENGTH])
        extra = normalize_extra(fields[self.extra_at]) if 0 <= self.extra_at < count else ""
        return int(dni), {
            "dni_digest": _dni_digest(self.key, dni),
            "birth_digest": _birth_digest(self.key, dni, birth),
            "extra_digest": _extra_digest(self.key, dni, extra) if extra else None,
            "geozone_code": code or None,
        }


def _columns(header: list[str]) -> dict[str, int]:
    """Field name -> position, from the header row."""
    columns: dict[str, int] = {}
    for position, name in enumerate(header):
        label = name.strip().lower()
        if not label:
            continue
        field_name = COLUMN_NAMES.get(label)
        if field_name is None:
            raise Invalid(
                N_("The census file has an unknown column %(column)s; the columns are %(known)s."),
                column=name.strip()[:_SHOWN_CODE_LENGTH],
                known=DOCUMENTED_COLUMNS,
            )
        if field_name in columns:
            raise Invalid(
                N_("The census file has the column %(column)s twice."),
                column=name.strip()[:_SHOWN_CODE_LENGTH],
            )
        columns[field_name] = position
    for field_name, spanish in REQUIRED_COLUMNS.items():
        if field_name not in columns:
            raise Invalid(
                N_(
                    "The census file has no %(column)s column. Its first line must name the "
                    "columns: %(known)s (the last two are optional)."
                ),
                column=spanish,
                known=DOCUMENTED_COLUMNS,
            )
    return columns


class _DniSet:
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


class _Batch:
    """Rows to write together, one per DNI digest: a later row of the same DNI replaces it."""

    def __init__(self) -> None:
        self.entries: dict[str, dict[str, Any]] = {}
        # DNIs an earlier batch of this import already wrote: updated again, but not counted.
        self.rewritten = 0

    def add(self, entry: dict[str, Any], repeated: bool) -> None:
        digest = entry["dni_digest"]
        if repeated and digest not in self.entries:
            self.rewritten += 1
        self.entries[digest] = entry


class _BatchWriter:
    """Upserts batches and counts, in the report, the entries they added and updated."""

    def __init__(
        self,
        session: Session,
        tenant_id: int,
        report: ImportReport,
        commit_interval: float | None,
    ) -> None:
        self.session = session
        self.tenant_id = tenant_id
        self.report = report
        self.commit_interval = commit_interval
        self.last_commit = time.monotonic()
        self.table = Base.metadata.tables[CensusEntry.__tablename__]
        dialect = session.get_bind().dialect.name
        self.upsert = _upsert_statement(dialect, self.table)
        self.on_postgresql = dialect == "postgresql"
        self.updated_at = utcnow()

    def write(self, batch: _Batch) -> None:
        if not batch.entries:
            return
        if self.on_postgresql:
            added = self._upsert_columns(batch.entries)
        else:
            added = self._upsert_rows(batch.entries)
        self.report.imported += added
        self.report.updated += len(batch.entries) - added - batch.rewritten
        if (
            self.commit_interval is not None
            and time.monotonic() - self.last_commit >= self.commit_interval
        ):
            self.session.commit()
            self.last_commit = time.monotonic()

    def _upsert_columns(self, entries: dict[str, dict[str, Any]]) -> int:
        """PostgreSQL: one set-based statement (row-at-a-time upserts are several times slower)
        whose RETURNING says which rows it inserted."""
        columns = {name: [entry[name] for entry in entries.values()] for name in _WRITTEN}
        inserted = self.session.scalars(
            self.upsert,
            {"tenant_id": self.tenant_id, "updated_at": self.updated_at, **columns},
        )
        return sum(inserted)

    def _upsert_rows(self, entries: dict[str, dict[str, Any]]) -> int:
        """SQLite: count the DNIs already there, then one parameter set per row."""
        table = self.table
        existing = self.session.scalar(
            select(func.count()).where(
                table.c.tenant_id == self.tenant_id, table.c.dni_digest.in_(list(entries))
            )
        )
        common = {"tenant_id": self.tenant_id, "updated_at": self.updated_at}
        self.session.execute(self.upsert, [{**entry, **common} for entry in entries.values()])
        return len(entries) - (existing or 0)


_WRITTEN = ("dni_digest", "birth_digest", "extra_digest", "geozone_code")
_UPDATED = ("birth_digest", "extra_digest", "geozone_code", "updated_at")


def _upsert_statement(dialect: str, table: Table) -> Executable:
    """INSERT … ON CONFLICT (tenant_id, dni_digest) DO UPDATE, in the dialect's own form.

    On PostgreSQL the rows come as one array per column (``unnest``); on SQLite as one
    parameter set per row. tenant_id is always explicit: Core statements bypass the ORM's
    tenant stamping.
    """
    columns = ["tenant_id", *_WRITTEN, "updated_at"]
    if dialect == "postgresql":
        arrays = func.unnest(
            *(bindparam(name, type_=ARRAY(String)) for name in _WRITTEN)
        ).table_valued(*_WRITTEN)
        rows = select(
            bindparam("tenant_id", type_=Integer),
            *arrays.render_derived().c,
            bindparam("updated_at", type_=DateTime(timezone=True)),
        )
        statement: Any = postgresql.insert(table).from_select(columns, rows)
    elif dialect == "sqlite":
        statement = sqlite.insert(table)
    else:
        raise NotImplementedError(f"census import on {dialect}")
    upsert = statement.on_conflict_do_update(
        index_elements=[table.c.tenant_id, table.c.dni_digest],
        set_={name: statement.excluded[name] for name in _UPDATED},
    )
    if dialect == "postgresql":
        # xmax is 0 only in a row version that this statement inserted, not updated.
        upsert = upsert.returning(literal_column("xmax = 0", Boolean))
    result: Executable = upsert
    return result


# Lookup -------------------------------------------------------------------------------------


def find_census_entry(
    session: Session, key: bytes, dni: str, birth: date, extra: str | None
) -> CensusEntry | None:
    """The census entry matching what a person (or the desk) typed, or None.

    The DNI finds the entry; the date of birth, and the extra field when the entry has one,
    must then match. ``Invalid`` if the DNI is not 8 digits. Needs a tenant-bound session.
    """
    if session.info.get(TENANT_KEY) is None:
        raise UnscopedQueryError("a census lookup needs a session bound to a tenant")
    number = normalize_dni(dni)
    wanted_birth = _birth_digest(key, number, birth)
    wanted_extra = _extra_digest(key, number, normalize_extra(extra or ""))
    entry = session.scalars(
        select(CensusEntry).where(CensusEntry.dni_digest == _dni_digest(key, number))
    ).one_or_none()
    if entry is None:
        return None
    matches = hmac.compare_digest(entry.birth_digest, wanted_birth)
    if entry.extra_digest is not None:
        # An empty extra is stored as None, so typing nothing never matches a stored extra.
        matches &= hmac.compare_digest(entry.extra_digest, wanted_extra)
    return entry if matches else None
