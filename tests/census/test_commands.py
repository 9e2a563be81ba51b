"""`minka census import`, run as an administrator runs it, against a scratch database.

The instance is the La Libertad demo (`minka demo load`), whose geozones are 1301…1312.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.census.models import CensusEntry
from app.db import make_engine, make_sessionmaker, platform_session
from app.tenants.models import Tenant
from tests.databases import drop_database, fresh_database

MINKA = str(Path(sys.executable).with_name("minka"))
HEADER = "dni,fecha_nacimiento,codigo_geozona,extra\n"
Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def scratch_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = fresh_database("minka_test_census_cli", tmp_path_factory.mktemp("census-cli"))
    yield url
    drop_database(url)


@pytest.fixture(scope="module")
def minka(scratch_url: str, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """`minka` on a migrated database holding the demo instances (shared by this module)."""
    directory = tmp_path_factory.mktemp("census-cli-var")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MINKA_")},
        "MINKA_DATABASE_URL": scratch_url,
        "MINKA_VAR_DIR": str(directory / "var"),
    }

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [MINKA, *args],
            env=env,
            cwd=directory,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )

    for step in (("db", "upgrade"), ("demo", "load")):
        prepared = run(*step)
        assert prepared.returncode == 0, prepared.stderr
    return run


def census_size(url: str, slug: str) -> int:
    engine = make_engine(url)
    try:
        with platform_session(make_sessionmaker(engine)) as session:
            tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == slug))
            statement = select(func.count()).where(CensusEntry.tenant_id == tenant_id)
            return session.scalar(statement) or 0
    finally:
        engine.dispose()


def cli_imports_logged(url: str) -> list[dict[str, object]]:
    engine = make_engine(url)
    try:
        with platform_session(make_sessionmaker(engine)) as session:
            statement = select(AuditEntry.details).where(
                AuditEntry.action == "census.import", AuditEntry.channel == "cli"
            )
            return list(session.scalars(statement))
    finally:
        engine.dispose()


def write_csv(path: Path, text: str) -> str:
    # As a spreadsheet saves "CSV UTF-8": a byte order mark and CRLF line ends.
    path.write_bytes(text.replace("\n", "\r\n").encode("utf-8-sig"))
    return str(path)


def test_import_reports_bad_rows_and_keeps_the_good_ones(
    minka: Run, scratch_url: str, tmp_path: Path
) -> None:
    before = census_size(scratch_url, "lalibertad")
    path = write_csv(
        tmp_path / "padron.csv",
        HEADER
        + "50000001,1990-05-17,1301,Ñawpaq\n"
        + "5000002,1990-05-17,1301,\n"
        + "50000003,17/05/1990,1312,\n"
        + "50000004,1990-05-17,9999,\n"
        + "50000005,1985-01-31,,\n",
    )
    first = minka("census", "import", "--tenant", "lalibertad", path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        "Imported 3 new, updated 0, 2 rows with errors",
        "line 3: The DNI must have exactly 8 digits.",
        "line 5: Unknown geozone code 9999.",
    ]
    assert census_size(scratch_url, "lalibertad") == before + 3

    again = minka("census", "import", "--tenant", "lalibertad", path)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[0] == "Imported 0 new, updated 3, 2 rows with errors"
    assert census_size(scratch_url, "lalibertad") == before + 3
    logged = cli_imports_logged(scratch_url)
    assert logged[-2:] == [
        {"read": 5, "new": 3, "updated": 0, "errors": 2},
        {"read": 5, "new": 0, "updated": 3, "errors": 2},
    ]


def test_import_reads_standard_input(minka: Run, scratch_url: str) -> None:
    before = census_size(scratch_url, "trujillo")
    rows = (
        "dni,birth_date,geozone_code\n"
        "60000001,1970-01-01,130104\n"
        "60000002,1971-02-03,\n"
        "60000001,1970-01-02,130104\n"
    )
    result = minka("census", "import", "--tenant", "trujillo", "-", stdin=rows)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Imported 2 new, updated 0, 0 rows with errors",
        "1 row repeated a DNI already read from the file; the last one was kept.",
    ]
    assert census_size(scratch_url, "trujillo") == before + 2


def test_only_the_first_twenty_errors_are_listed(minka: Run, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "malo.csv", HEADER + "123,1990-05-17,,\n" * 25)
    result = minka("census", "import", "--tenant", "otuzco", path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Imported 0 new, updated 0, 25 rows with errors"
    assert lines[1] == "line 2: The DNI must have exactly 8 digits."
    assert lines[20] == "line 21: The DNI must have exactly 8 digits."
    assert lines[21:] == ["… and 5 more rows with errors."]


@pytest.mark.parametrize(
    ("args", "text", "message"),
    [
        (
            ["--tenant", "nowhere"],
            HEADER,
            "minka: error: There is no instance with the slug nowhere.",
        ),
        (
            ["--tenant", "lalibertad"],
            "dni,codigo_geozona\n70000001,1301\n",
            "minka: error: The census file has no fecha_nacimiento column. Its first line must "
            "name the columns: dni, fecha_nacimiento, codigo_geozona, extra (the last two are "
            "optional).",
        ),
    ],
)
def test_fatal_errors_are_one_line_and_import_nothing(
    minka: Run, scratch_url: str, tmp_path: Path, args: list[str], text: str, message: str
) -> None:
    before = census_size(scratch_url, "lalibertad")
    path = write_csv(tmp_path / "padron.csv", text)
    result = minka("census", "import", *args, path)
    assert result.returncode == 1
    assert result.stderr.strip() == message
    assert census_size(scratch_url, "lalibertad") == before


def test_a_file_saved_in_latin1_is_refused_in_one_line(
    minka: Run, scratch_url: str, tmp_path: Path
) -> None:
    before = census_size(scratch_url, "otuzco")
    path = tmp_path / "ansi.csv"
    path.write_bytes((HEADER + "70000001,1990-05-17,130601,Peña\n").encode("latin-1"))
    result = minka("census", "import", "--tenant", "otuzco", str(path))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "minka: error: The file is not UTF-8 text (at line 1 or after it). "
        "Save it as “CSV UTF-8” and import it again."
    )
    assert census_size(scratch_url, "otuzco") == before


def test_a_missing_file_is_one_line(minka: Run, tmp_path: Path) -> None:
    result = minka("census", "import", "--tenant", "lalibertad", str(tmp_path / "no.csv"))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("minka: error: The file ")
    assert "No such file or directory" in lines[0]
