from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import SettingsError, load_settings

MINKA = str(Path(sys.executable).with_name("minka"))


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in list(os.environ):
        if name.startswith("MINKA_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env file
    monkeypatch.setenv("MINKA_VAR_DIR", str(tmp_path / "var"))
    return tmp_path / "var"


def test_defaults_use_sqlite_under_var(clean_env: Path) -> None:
    settings = load_settings()
    assert settings.database_url == f"sqlite:///{clean_env / 'minka.db'}"
    assert str(settings.base_url) == "http://127.0.0.1:8000/"
    assert settings.default_tenant is None


def test_secret_key_is_generated_once_and_kept_private(clean_env: Path) -> None:
    first = load_settings().secret
    second = load_settings().secret
    path = clean_env / "secret_key"
    assert first == second
    assert len(first) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_explicit_secret_key_is_used_and_nothing_is_written(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MINKA_SECRET_KEY", "s" * 40)
    assert load_settings().secret == "s" * 40
    assert not (clean_env / "secret_key").exists()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MINKA_BASE_URL", "not a url"),
        ("MINKA_DATABASE_URL", "mysql://x"),
        ("MINKA_SECRET_KEY", "short"),
        ("MINKA_CENSUS_KEY", "short"),
        ("MINKA_MAIL_PORT", "99999"),
        ("MINKA_MAIL_FROM", "nobody"),
        ("MINKA_LOG_LEVEL", "chatty"),
        ("MINKA_MAX_BODY_BYTES", "ten"),
    ],
)
def test_invalid_setting_names_the_variable(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    message = str(error.value)
    assert message.startswith(f"{name}: ")
    assert "\n" not in message


def test_env_file_is_read(clean_env: Path) -> None:
    Path(".env").write_text("MINKA_DEFAULT_TENANT=trujillo\n", encoding="utf-8")
    assert load_settings().default_tenant == "trujillo"


def test_invalid_setting_stops_the_command_with_one_line(clean_env: Path) -> None:
    env = {**os.environ, "MINKA_BASE_URL": "nope"}
    result = subprocess.run(
        [MINKA, "serve", "--port", "8999"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("minka: error: MINKA_BASE_URL: ")
