"""The census import and lookup, against the real database (SQLite, or PostgreSQL when set)."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.census import writing
from app.census.models import CensusEntry
from app.census.service import (
    ImportReport,
    birth_digest,
    census_key,
    dni_digest,
    extra_digest,
    find_census_entry,
    import_census,
    normalize_dni,
    parse_birth_date,
)
from app.config import Settings
from app.db import CrossTenantWriteError, UnscopedQueryError, scoped_to
from app.errors import Invalid
from app.tenants.models import Tenant
from app.tokens import keyed_digest
from tests.factories import HOSTILE, make_geozone

TODAY = date(2026, 11, 22)
HEADER = "dni,fecha_nacimiento,codigo_geozona,extra\n"


@pytest.fixture
def zones_a(db: Session, tenant_a: Tenant) -> Tenant:
    for code in ("1301", "1302"):
        make_geozone(db, tenant_a, code)
    return tenant_a


def key_of(settings: Settings, tenant: Tenant) -> bytes:
    return census_key(settings.census_secret, tenant.slug)


def run_import(
    db: Session, settings: Settings, tenant: Tenant, text: str, **options: Any
) -> ImportReport:
    with scoped_to(db, tenant.id):
        return import_census(
            db,
            tenant.id,
            key_of(settings, tenant),
            io.StringIO(text, newline=""),
            today=TODAY,
            **options,
        )


def entries(db: Session, tenant: Tenant) -> list[CensusEntry]:
    with scoped_to(db, tenant.id):
        return list(db.scalars(select(CensusEntry).order_by(CensusEntry.id)))


def lookup(
    db: Session, settings: Settings, tenant: Tenant, dni: str, birth: date, extra: str | None
) -> CensusEntry | None:
    with scoped_to(db, tenant.id):
        return find_census_entry(db, key_of(settings, tenant), dni, birth, extra)


def test_good_rows_are_imported(db: Session, settings: Settings, zones_a: Tenant) -> None:
    report = run_import(
        db,
        settings,
        zones_a,
        HEADER + "12345678,1990-05-17,1301,\n87654321,1951-01-02,,\n00012345,2000-12-31,1302,x\n",
    )
    assert (report.rows_read, report.imported, report.updated, report.error_count) == (3, 3, 0, 0)
    stored = entries(db, zones_a)
    assert [entry.geozone_code for entry in stored] == ["1301", None, "1302"]
    assert [entry.extra_digest is None for entry in stored] == [True, True, False]
    assert {entry.tenant_id for entry in stored} == {zones_a.id}
    assert stored[0].dni_digest == dni_digest(key_of(settings, zones_a), "12345678")


def test_bad_rows_are_reported_by_line_and_good_rows_kept(
    db: Session, settings: Settings, zones_a: Tenant
) -> None:
    text = (
        HEADER  # line 1
        + "12345678,1990-05-17,1301,\n"  # 2: good
        + "1234567,1990-05-17,,\n"  # 3: seven digits
        + "\n"  # 4: blank, skipped
        + "22222222,1990-02-30,,\n"  # 5: no such day
        + "33333333,2030-01-01,,\n"  # 6: future
        + "44444444,1890-01-01,,\n"  # 7: older than 130
        + "55555555,1990-05-17,9999,\n"  # 8: unknown geozone
        + "66666666,,,\n"  # 9: no birth date
        + ",1990-05-17,,\n"  # 10: no DNI
        + "77777777,1990-05-17,1301,x,surplus\n"  # 11: a field too many
        + "88888888,17.05.1990,,\n"  # 12: not a date format we read
        + '"99999999,1990-05-17\n'  # 13: an unclosed quote swallows the rest
        + "11111111,1990-05-17,1302,\n"
    )
    report = run_import(db, settings, zones_a, text)
    errors = [(error.line, str(error)) for error in report.errors]
    assert errors == [
        (3, "The DNI must have exactly 8 digits."),
        (5, "The date of birth does not exist in the calendar."),
        (6, "The date of birth is in the future."),
        (7, "The date of birth is more than 130 years ago."),
        (8, "Unknown geozone code 9999."),
        (9, "The date of birth is missing."),
        (10, "The DNI is missing."),
        (11, "This row has more fields than the header."),
        (12, "The date of birth is not a date; write it as YYYY-MM-DD or DD/MM/YYYY."),
        (13, "The DNI must have exactly 8 digits."),
    ]
    assert report.errors[4].message == "Unknown geozone code %(code)s."  # a msgid to translate
    assert report.errors[4].values == {"code": "9999"}
    assert (report.rows_read, report.imported, report.error_count) == (11, 1, 10)
    assert [entry.geozone_code for entry in entries(db, zones_a)] == ["1301"]


def test_a_record_the_csv_module_cannot_read_is_reported_and_the_import_goes_on(
    db: Session, settings: Settings, zones_a: Tenant
) -> None:
    huge = "x" * (csv.field_size_limit() + 1)
    text = HEADER + f"12345678,1990-05-17,,{huge}\n87654321,1990-05-17,,\n"
    report = run_import(db, settings, zones_a, text)
    assert [(error.line, str(error)) for error in report.errors] == [
        (2, "This line is not valid CSV (check its quotes).")
    ]
    assert report.imported == 1


def test_values_quoted_in_errors_cannot_drive_the_terminal(
    db: Session, settings: Settings, zones_a: Tenant
) -> None:
    report = run_import(db, settings, zones_a, HEADER + "12345678,1990-05-17,\x1b[2J,\n")
    assert [str(error) for error in report.errors] == ["Unknown geozone code '\\x1b[2J'."]


def test_reimport_updates_without_duplicating(
    db: Session, settings: Settings, zones_a: Tenant
) -> None:
    first = run_import(
        db, settings, zones_a, HEADER + "12345678,1990-05-17,1301,\n87654321,1951-01-02,,\n"
    )
    before = {entry.dni_digest: entry for entry in entries(db, zones_a)}
    second = run_import(
        db,
        settings,
        zones_a,
        HEADER + "12345678,1990-05-18,1302,azul\n87654321,1951-01-02,,\n11112222,1980-01-01,,\n",
    )
    assert (first.imported, first.updated) == (2, 0)
    assert (second.imported, second.updated, second.error_count) == (1, 2, 0)
    stored = entries(db, zones_a)
    assert len(stored) == 3
    moved = next(entry for entry in stored if entry.geozone_code == "1302")
    assert moved.id == before[moved.dni_digest].id
    assert lookup(db, settings, zones_a, "12345678", date(1990, 5, 18), "Azul") is moved
    assert lookup(db, settings, zones_a, "12345678", date(1990, 5, 17), None) is None


def test_a_dni_repeated_in_the_file_counts_once_and_the_last_row_wins(
    db: Session, settings: Settings, zones_a: Tenant
) -> None:
    text = (
        HEADER
        + "12345678,1990-01-01,,\n"
        + "12345678,1990-01-02,,\n"  # same batch as the first
        + "22223333,1970-01-01,,\n"
        + "12.345.678,1990-01-03,1301,\n"  # a later batch (batch_size=2)
        + "44445555,1970-01-01,,\n"
    )
    report = run_import(db, settings, zones_a, text, batch_size=2)
    assert (report.rows_read, report.imported, report.updated, report.duplicates) == (5, 3, 0, 2)
    assert len(entries(db, zones_a)) == 3
    assert lookup(db, settings, zones_a, "12345678", date(1990, 1, 3), None) is not None
    assert lookup(db, settings, zones_a, "12345678", date(1990, 1, 2), None) is None

    again = run_import(db, settings, zones_a, text, batch_size=2)
    assert (again.imported, again.updated, again.duplicates) == (0, 3, 2)


def test_the_stored_rows_hold_no_dni_or_birth_date_in_clear(
    db: Session, settings: Settings, zones_a: Tenant
) -> None:
    run_import(db, settings, zones_a, HEADER + "40506070,1987-03-09,1301,Quispe\n")
    table = CensusEntry.__table__
    rows = db.execute(select(table).where(table.c.tenant_id == zones_a.id)).mappings().all()
    assert len(rows) == 1
    stored = " ".join(str(value) for value in rows[0].values()).lower()
    for clear in ("40506070", "1987-03-09", "09/03/1987", "19870309", "1987", "quispe"):
        assert clear not in stored


def test_digests_differ_between_instances(
    db: Session, settings: Settings, zones_a: Tenant, tenant_b: Tenant
) -> None:
    key_a, key_b = key_of(settings, zones_a), key_of(settings, tenant_b)
    assert key_a != key_b
    assert dni_digest(key_a, "12345678") != dni_digest(key_b, "12345678")
    birth = date(1990, 5, 17)
    assert birth_digest(key_a, "12345678", birth) != birth_digest(key_b, "12345678", birth)
    assert extra_digest(key_a, "12345678", "x") != extra_digest(key_b, "12345678", "x")
    run_import(db, settings, zones_a, HEADER + "12345678,1990-05-17,,\n")
    run_import(db, settings, tenant_b, HEADER + "12345678,1990-05-17,,\n")
    (entry_a,), (entry_b,) = entries(db, zones_a), entries(db, tenant_b)
    assert entry_a.dni_digest != entry_b.dni_digest
    assert entry_a.birth_digest != entry_b.birth_digest


def test_importing_into_b_leaves_a_untouched(
    db: Session, settings: Settings, zones_a: Tenant, tenant_b: Tenant
) -> None:
    run_import(db, settings, zones_a, HEADER + "12345678,1990-05-17,1301,\n")
    (before,) = entries(db, zones_a)
    snapshot = (before.id, before.birth_digest, before.geozone_code, before.updated_at)
    report = run_import(db, settings, tenant_b, HEADER + "12345678,1960-01-01,,\n")
    assert (report.imported, report.updated) == (1, 0)
    db.expire_all()
    (after,) = entries(db, zones_a)
    assert (after.id, after.birth_digest, after.geozone_code, after.updated_at) == snapshot
    assert lookup(db, settings, tenant_b, "12345678", date(1990, 5, 17), None) is None
    assert lookup(db, settings, zones_a, "12345678", date(1960, 1, 1), None) is None
    # B's geozones are its own: A's code 1301 is unknown there.
    unknown = run_import(db, settings, tenant_b, HEADER + "87654321,1960-01-01,1301,\n")
    assert [str(error) for error in unknown.errors] == ["Unknown geozone code 1301."]


@pytest.mark.parametrize(
    "header",
    [
        "dni,fecha_nacimiento,codigo_geozona,extra",
        "DNI,Fecha_Nacimiento,Codigo_Geozona,EXTRA",
        "dni,birth_date,geozone_code,extra",
        " Geozone_Code , extra, BIRTH_DATE ,dni",
    ],
)
def test_spanish_and_english_headers_in_any_case_and_order(
    db: Session, settings: Settings, zones_a: Tenant, header: str
) -> None:
    values = {"dni": "12345678", "birth": "1990-05-17", "zone": "1301", "extra": "Rojo"}
    order = [name.strip().lower() for name in header.split(",")]
    field = {
        "dni": "dni",
        "fecha_nacimiento": "birth",
        "birth_date": "birth",
        "codigo_geozona": "zone",
        "geozone_code": "zone",
        "extra": "extra",
    }
    row = ",".join(values[field[name]] for name in order)
    report = run_import(db, settings, zones_a, f"{header}\n{row}\n")
    assert (report.imported, report.error_count) == (1, 0)
    found = lookup(db, settings, zones_a, "12345678", date(1990, 5, 17), "rojo")
    assert found is not None
    assert found.geozone_code == "1301"


def test_only_the_required_columns_byte_order_mark_day_first_dates_and_semicolons(
    db: Session, settings: Settings, zones_a: Tenant
) -> None:
    text = "\ufeffDNI;Fecha_Nacimiento\r\n12345678;17/05/1990\r\n87654321;1/2/1951\r\n"
    report = run_import(db, settings, zones_a, text)
    assert (report.imported, report.error_count) == (2, 0)
    assert lookup(db, settings, zones_a, "12345678", date(1990, 5, 17), None) is not None
    assert lookup(db, settings, zones_a, "87654321", date(1951, 2, 1), None) is not None


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("dni,codigo_geozona\n12345678,1301\n", "has no fecha_nacimiento column"),
        ("fecha_nacimiento\n1990-05-17\n", "has no dni column"),
        ("12345678,1990-05-17\n", "unknown column 12345678"),
        ("dni,fecha_nacimiento,telefono\n", "unknown column telefono"),
        ("dni,birth_date,fecha_nacimiento\n", "the column fecha_nacimiento twice"),
        ("", "The census file is empty."),
    ],
)
def test_a_file_without_the_documented_header_is_refused_whole(
    db: Session, settings: Settings, zones_a: Tenant, text: str, fragment: str
) -> None:
    with pytest.raises(Invalid) as refused:
        run_import(db, settings, zones_a, text)
    assert fragment in str(refused.value)
    assert entries(db, zones_a) == []


def test_text_that_is_not_utf8_is_refused(db: Session, settings: Settings, zones_a: Tenant) -> None:
    data = (HEADER + "12345678,1990-05-17,,Peña\n").encode("latin-1")
    lines = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    with scoped_to(db, zones_a.id), pytest.raises(Invalid) as refused:
        import_census(db, zones_a.id, key_of(settings, zones_a), lines)
    assert "not UTF-8" in str(refused.value)


def test_an_error_part_way_leaves_no_write_in_flight(
    db: Session, settings: Settings, zones_a: Tenant
) -> None:
    def lines() -> Iterator[str]:
        yield HEADER
        for number in range(10):
            yield f"{40000000 + number},1990-05-17,,\n"
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")

    threads = threading.active_count()
    with scoped_to(db, zones_a.id), pytest.raises(Invalid, match="at line 12 or after it"):
        import_census(db, zones_a.id, key_of(settings, zones_a), lines(), batch_size=2)
    assert threading.active_count() == threads
    # The session is usable again (the caller rolls back); a batch waiting to be written when
    # the error came was dropped, so how many rows are there depends on timing.
    assert len(entries(db, zones_a)) <= 10


def test_progress_is_told_the_rows_read(db: Session, settings: Settings, zones_a: Tenant) -> None:
    rows = "".join(f"{10000000 + number},1990-05-17,,\n" for number in range(7))
    seen: list[int] = []
    run_import(db, settings, zones_a, HEADER + rows, batch_size=3, progress=seen.append)
    assert seen == [3, 6, 7]


def test_committing_as_it_goes_counts_the_same(
    db: Session, settings: Settings, zones_a: Tenant
) -> None:
    rows = "".join(f"{20000000 + number},1990-05-17,1301,\n" for number in range(10))
    report = run_import(db, settings, zones_a, HEADER + rows, batch_size=4, commit_interval=0)
    assert (report.imported, report.updated) == (10, 0)
    assert len(entries(db, zones_a)) == 10


def test_a_failing_write_stops_the_import_with_its_error(
    db: Session, settings: Settings, zones_a: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: object, batch: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(writing.BatchWriter, "write", broken)
    rows = "".join(f"{30000000 + number},1990-05-17,,\n" for number in range(10))
    with pytest.raises(RuntimeError, match="disk full"):
        run_import(db, settings, zones_a, HEADER + rows, batch_size=2)


def test_the_import_needs_a_session_bound_to_its_tenant(
    db: Session, settings: Settings, zones_a: Tenant, tenant_b: Tenant
) -> None:
    key = key_of(settings, zones_a)
    with pytest.raises(UnscopedQueryError):
        import_census(db, zones_a.id, key, [HEADER])
    with scoped_to(db, tenant_b.id), pytest.raises(CrossTenantWriteError):
        import_census(db, zones_a.id, key, [HEADER])


def test_lookup_matches_dni_birth_and_extra(
    db: Session, settings: Settings, zones_a: Tenant
) -> None:
    text = io.StringIO(newline="")
    csv.writer(text, lineterminator="\n").writerows(
        [
            ["dni", "fecha_nacimiento", "codigo_geozona", "extra"],
            ["12345678", "1990-05-17", "1301", f"  {HOSTILE}  "],
            ["87654321", "1951-01-02", "", ""],
        ]
    )
    run_import(db, settings, zones_a, text.getvalue())
    birth = date(1990, 5, 17)
    assert lookup(db, settings, zones_a, "12345678", birth, HOSTILE.upper()) is not None
    assert lookup(db, settings, zones_a, "12.345.678", birth, HOSTILE) is not None
    assert lookup(db, settings, zones_a, "12345678", date(1990, 5, 16), HOSTILE) is None
    assert lookup(db, settings, zones_a, "12345678", birth, "otra cosa") is None
    assert lookup(db, settings, zones_a, "12345678", birth, None) is None
    assert lookup(db, settings, zones_a, "12345678", birth, "  ") is None
    assert lookup(db, settings, zones_a, "99999999", birth, HOSTILE) is None
    # An entry without an extra field is found whatever extra is typed.
    assert lookup(db, settings, zones_a, "87654321", date(1951, 1, 2), None) is not None
    assert lookup(db, settings, zones_a, "87654321", date(1951, 1, 2), "algo") is not None


def test_lookup_refuses_a_malformed_dni_and_an_unbound_session(
    db: Session, settings: Settings, zones_a: Tenant
) -> None:
    with pytest.raises(Invalid, match="exactly 8 digits"):
        lookup(db, settings, zones_a, "1234", date(1990, 5, 17), None)
    with pytest.raises(UnscopedQueryError):
        find_census_entry(db, key_of(settings, zones_a), "12345678", date(1990, 5, 17), None)


def test_lookup_on_another_instance_finds_nothing(
    db: Session, settings: Settings, zones_a: Tenant, tenant_b: Tenant
) -> None:
    run_import(db, settings, zones_a, HEADER + "12345678,1990-05-17,,\n")
    with scoped_to(db, tenant_b.id):
        found = find_census_entry(
            db, key_of(settings, zones_a), "12345678", date(1990, 5, 17), None
        )
    assert found is None


@pytest.mark.parametrize(
    ("typed", "digits"),
    [("12345678", "12345678"), (" 12.345.678 ", "12345678"), ("01-234-567", "01234567")],
)
def test_dni_is_normalised(typed: str, digits: str) -> None:
    assert normalize_dni(typed) == digits
    key = b"k" * 32
    assert dni_digest(key, typed) == keyed_digest(key, "dni", digits)


@pytest.mark.parametrize(
    "typed", ["", "1234567", "123456789", "1234567a", "１２３４５６７８", "12_345_678"]
)
def test_malformed_dnis_are_refused(typed: str) -> None:
    with pytest.raises(Invalid):
        normalize_dni(typed)


def test_digests_are_keyed_hmacs_of_the_normalised_values() -> None:
    key = census_key(b"s" * 40, "alfa")
    assert key == census_key(b"s" * 40, "alfa") != census_key(b"t" * 40, "alfa")
    birth = date(1990, 5, 17)
    assert birth_digest(key, "12.345.678", birth) == keyed_digest(
        key, "birth", "12345678", "1990-05-17"
    )
    assert extra_digest(key, "12345678", "  ÑAWPAQ ") == keyed_digest(
        key, "extra", "12345678", "ñawpaq"
    )
    assert birth_digest(key, "12345678", birth) != birth_digest(key, "87654321", birth)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1990-05-17", date(1990, 5, 17)),
        (" 17/05/1990 ", date(1990, 5, 17)),
        ("7/5/1990", date(1990, 5, 7)),
        ("2000-02-29", date(2000, 2, 29)),
        ("2026-11-22", TODAY),
        ("1896-11-22", date(1896, 11, 22)),  # 130 years ago today
    ],
)
def test_birth_dates_in_both_formats(text: str, expected: date) -> None:
    assert parse_birth_date(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "missing"),
        ("1990/05/17", "not a date"),
        ("05/17/1990", "does not exist"),
        ("1900-02-29", "does not exist"),
        ("17-05-90", "not a date"),
        ("١٩٩٠-٠٥-١٧", "not a date"),
        ("2026-11-23", "future"),
        ("1896-11-21", "more than 130 years ago"),
    ],
)
def test_impossible_birth_dates_are_refused(text: str, fragment: str) -> None:
    with pytest.raises(Invalid, match=fragment):
        parse_birth_date(text, today=TODAY)


def test_the_report_keeps_at_most_a_thousand_errors(
    db: Session, settings: Settings, zones_a: Tenant
) -> None:
    rows = "bad,1990-05-17,,\n" * 1005
    report = run_import(db, settings, zones_a, HEADER + rows)
    assert (report.error_count, len(report.errors), report.errors_truncated) == (1005, 1000, True)
    assert report.errors[-1].line == 1001
    with scoped_to(db, zones_a.id):
        assert db.scalar(select(func.count()).select_from(CensusEntry)) == 0
