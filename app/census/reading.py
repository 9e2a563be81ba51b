"""Reading a census CSV: its header, its records, and the values to store for each row."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import date
from itertools import chain
from typing import Any

from app.census.digests import Digester, normalize_dni, normalize_extra, parse_birth_date
from app.errors import Invalid
from app.i18n import N_

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
SHOWN_LENGTH = 40


def read_records(lines: Iterable[str]) -> Iterator[tuple[int, list[str] | None]]:
    """(line number, fields) of each CSV record, numbered from the line where it starts.

    Fields are separated by commas, or by semicolons when the first line has semicolons and no
    comma (as spreadsheets save CSV in some locales). The fields are None for a record the csv
    module cannot parse (a field over its size limit); reading goes on with the next line.
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


class RowReader:
    """Turns the fields of one data row into the values to store, or raises ``Invalid``."""

    def __init__(self, key: bytes, header: list[str], zones: frozenset[str], today: date) -> None:
        columns = _columns(header)
        self.digests = Digester(key)
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
            raise Invalid(N_("Unknown geozone code %(code)s."), code=shown(code))
        extra = normalize_extra(fields[self.extra_at]) if 0 <= self.extra_at < count else ""
        return int(dni), {
            "dni_digest": self.digests.of_dni(dni),
            "birth_digest": self.digests.of_birth(dni, birth),
            "extra_digest": self.digests.of_extra(dni, extra) if extra else None,
            "geozone_code": code or None,
        }


def shown(text: str) -> str:
    """A value from the file as a message may quote it: short, and with any control character
    escaped (a terminal would obey it)."""
    text = text[:SHOWN_LENGTH]
    return text if text.isprintable() else ascii(text)


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
                column=shown(name.strip()),
                known=DOCUMENTED_COLUMNS,
            )
        if field_name in columns:
            raise Invalid(
                N_("The census file has the column %(column)s twice."),
                column=shown(name.strip()),
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
