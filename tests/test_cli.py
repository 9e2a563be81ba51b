"""The `minka` command, run as a newcomer runs it, against a scratch database."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.db import make_engine, make_sessionmaker, platform_session
from app.geozones.models import Geozone
from app.pages.models import Page
from app.tenants.models import Tenant
from tests.databases import drop_database, fresh_database

MINKA = str(Path(sys.executable).with_name("minka"))
Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def scratch_url(tmp_path: Path) -> Iterator[str]:
    url = fresh_database("minka_test_cli", tmp_path)
    yield url
    drop_database(url)


@pytest.fixture
def minka(scratch_url: str, tmp_path: Path) -> Run:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MINKA_")},
        "MINKA_DATABASE_URL": scratch_url,
        "MINKA_VAR_DIR": str(tmp_path / "var"),
    }

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [MINKA, *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            input=stdin,
        )

    return run


def minka_with_input(minka: Run, stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    return minka(*args, stdin=stdin)


def _count(url: str, model: type) -> int:
    engine = make_engine(url)
    try:
        with platform_session(make_sessionmaker(engine)) as session:
            return session.scalar(select(func.count()).select_from(model)) or 0
    finally:
        engine.dispose()


def test_demo_load_is_idempotent(minka: Run, scratch_url: str) -> None:
    assert minka("db", "upgrade").returncode == 0
    first = minka("demo", "load")
    assert first.returncode == 0, first.stderr
    assert "lalibertad, trujillo, otuzco" in first.stdout
    zones, pages = _count(scratch_url, Geozone), _count(scratch_url, Page)
    again = minka("demo", "load")
    assert again.returncode == 0
    assert "already present" in again.stdout
    assert (_count(scratch_url, Tenant), _count(scratch_url, Geozone)) == (3, zones)
    assert _count(scratch_url, Page) == pages
    assert zones == 12 + 11 + 10
    listing = minka("tenants", "list").stdout
    assert "lalibertad\tGobierno Regional La Libertad\t127.0.0.1, localhost" in listing
    assert "trujillo\tMunicipalidad Provincial de Trujillo\ttrujillo.localhost" in listing
    assert "otuzco\tMunicipalidad Provincial de Otuzco\totuzco.localhost" in listing


def test_tenants_create_with_several_hosts(minka: Run) -> None:
    minka("db", "upgrade")
    created = minka(
        "tenants",
        "create",
        "--slug",
        "chepen",
        "--name",
        "Municipalidad de Chepén",
        "--host",
        "chepen.example.gob.pe",
        "--host",
        "Participa.Chepen.pe",
    )
    assert created.returncode == 0, created.stderr
    listing = minka("tenants", "list").stdout
    assert "chepen\tMunicipalidad de Chepén\tchepen.example.gob.pe, participa.chepen.pe" in listing


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--slug", "Bad Slug!", "--name", "X municipality", "--host", "x.pe"], "slug"),
        (["--slug", "ok", "--name", "Ok municipality", "--host", "not a host"], "not a host name"),
        (["--slug", "ok", "--name", "Ok", "--host", "x.pe", "--primary-color", "red"], "color"),
        (["--slug", "ok", "--name", "Ok", "--host", "x.pe", "--language", "fr"], "languages"),
    ],
)
def test_tenants_create_rejects_bad_input_in_one_line(
    minka: Run, args: list[str], fragment: str
) -> None:
    minka("db", "upgrade")
    result = minka("tenants", "create", *args)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("minka: error: ")
    assert fragment in lines[0]


def test_duplicate_slug_or_host_is_refused(minka: Run) -> None:
    minka("db", "upgrade")
    minka("demo", "load")
    slug = minka("tenants", "create", "--slug", "trujillo", "--name", "Otra", "--host", "o.pe")
    assert slug.returncode == 1
    assert slug.stderr.strip() == "minka: error: An instance with the slug trujillo already exists."
    host = minka("tenants", "create", "--slug", "nueva", "--name", "Nueva", "--host", "localhost")
    assert host.returncode == 1
    assert "localhost already serves another instance" in host.stderr


def test_commands_fail_clearly_before_migrations(minka: Run) -> None:
    result = minka("tenants", "list")
    assert result.returncode == 1
    assert result.stderr.startswith("minka: error: database: ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_db_downgrade_and_upgrade(minka: Run) -> None:
    assert minka("db", "upgrade").returncode == 0
    assert minka("db", "downgrade", "base").returncode == 0
    assert minka("tenants", "list").returncode == 1
    assert minka("db", "upgrade").returncode == 0
    assert minka("tenants", "list").returncode == 0


def test_create_admin_then_sign_in_is_possible(minka: Run, scratch_url: str) -> None:
    minka("db", "upgrade")
    minka("demo", "load")
    created = minka_with_input(
        minka,
        "clave-del-admin-1\nclave-del-admin-1\n",
        "users",
        "create-admin",
        "--tenant",
        "otuzco",
        "--email",
        "Jefa@Otuzco.pe",
    )
    assert created.returncode == 0, created.stderr
    assert "Created jefa@otuzco.pe: administrator of otuzco." in created.stdout
    short = minka_with_input(
        minka,
        "corta\ncorta\n",
        "users",
        "create-admin",
        "--tenant",
        "otuzco",
        "--email",
        "otro@otuzco.pe",
    )
    assert short.returncode == 1
    assert (
        short.stderr.strip()
        .splitlines()[-1]
        .startswith("minka: error: the password must have at least 10")
    )


def test_oidc_add_prints_the_callback_for_every_host(minka: Run) -> None:
    minka("db", "upgrade")
    minka("demo", "load")
    added = minka(
        "oidc",
        "add",
        "--tenant",
        "lalibertad",
        "--name",
        "idgobpe",
        "--issuer",
        "https://idp.example.gob.pe",
        "--client-id",
        "minka",
        "--client-secret",
        "s3",
    )
    assert added.returncode == 0, added.stderr
    assert "http://127.0.0.1:8000/auth/idgobpe/callback" in added.stdout
    assert "http://localhost:8000/auth/idgobpe/callback" in added.stdout
    again = minka(
        "oidc",
        "add",
        "--tenant",
        "lalibertad",
        "--name",
        "idgobpe",
        "--issuer",
        "https://idp.example.gob.pe",
        "--client-id",
        "minka",
        "--client-secret",
        "s3",
    )
    assert again.returncode == 1
    assert "already exists" in again.stderr
