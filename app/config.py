"""Settings from MINKA_* environment variables (and an optional .env file)."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal, Self

from pydantic import (
    AnyHttpUrl,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "MINKA_"
SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a secret
CENSUS_KEY_FILE = "census_key"
MIN_SECRET_LENGTH = 32


class SettingsError(Exception):
    """A setting is missing or invalid; the message names the variable in one line."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", frozen=True
    )

    var_dir: Path = Path("var")
    database_url: str = ""
    secret_key: SecretStr | None = None
    census_key: SecretStr | None = None
    base_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:8000")
    default_tenant: str | None = None
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    log_level: str = "INFO"

    mail_host: str = "127.0.0.1"
    mail_port: int = Field(default=25, ge=1, le=65535)
    mail_username: str | None = None
    mail_password: SecretStr | None = None
    mail_starttls: bool = False
    mail_from: str = "minka@localhost.localdomain"

    # "embedded": a thread inside the web process runs queued jobs (one machine, SQLite);
    # "external": `minka jobs work` runs them in its own process (production).
    jobs_mode: Literal["embedded", "external"] = "embedded"
    # How long anonymous pages and the host → instance lookup are kept in memory (0 = never).
    cache_seconds: float = Field(default=5.0, ge=0, le=300)

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if value and not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must start with sqlite:// or postgresql+psycopg://")
        return value

    @field_validator("mail_from")
    @classmethod
    def _looks_like_address(cls, value: str) -> str:
        local, _, domain = value.rpartition("@")
        if not local or "." not in domain:
            raise ValueError("must be an email address such as minka@region.gob.pe")
        return value

    @field_validator("default_tenant")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return level

    @model_validator(mode="after")
    def _fill_defaults(self) -> Self:
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{self.var_dir / 'minka.db'}")
        for field, file_name in (("secret_key", SECRET_KEY_FILE), ("census_key", CENSUS_KEY_FILE)):
            value: SecretStr | None = getattr(self, field)
            if value is None:
                object.__setattr__(self, field, SecretStr(_stored_secret(self.var_dir, file_name)))
            elif len(value.get_secret_value()) < MIN_SECRET_LENGTH:
                raise ValueError(f"{field} must be at least {MIN_SECRET_LENGTH} characters")
        return self

    @property
    def secret(self) -> str:
        assert self.secret_key is not None
        return self.secret_key.get_secret_value()

    @property
    def census_secret(self) -> bytes:
        assert self.census_key is not None
        return self.census_key.get_secret_value().encode()

    @property
    def https(self) -> bool:
        return self.base_url.scheme == "https"


def _stored_secret(var_dir: Path, file_name: str) -> str:
    """Read a secret from var/, creating it (mode 0600) on first run."""
    path = var_dir / file_name
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    # Write a private temporary file, then link it into place: the link either creates the
    # complete file or fails because another worker's complete file is already there.
    temporary = var_dir / f".{file_name}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secret + "\n")
    try:
        os.link(temporary, path)
    except FileExistsError:
        secret = path.read_text(encoding="ascii").strip()
    finally:
        temporary.unlink()
    return secret


def describe_validation_error(error: ValidationError) -> str:
    """One line naming the first offending variable, e.g. 'MINKA_BASE_URL: Input should be…'."""
    first = error.errors()[0]
    message = first["msg"].removeprefix("Value error, ")
    if first["loc"]:
        field = str(first["loc"][0])
    else:  # a model-level check names its field first
        field, _, message = message.partition(" ")
    return f"{ENV_PREFIX}{field.upper()}: {message}"


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        raise SettingsError(describe_validation_error(error)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
