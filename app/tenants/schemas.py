from __future__ import annotations

import re
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from app.i18n import LANGUAGES

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$"
COLOR_PATTERN = r"^#[0-9a-fA-F]{6}$"
HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def normalize_host(value: str) -> str:
    """Lower-case a Host header value and drop its port and trailing dot."""
    host = value.strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0].rstrip(".") if ":" in host else host.rstrip(".")


def _valid_host(value: str) -> str:
    host = normalize_host(value)
    if host.startswith("[") and host.endswith("]"):
        return host
    labels = host.split(".")
    if not host or len(host) > 253 or not all(HOST_LABEL.match(label) for label in labels):
        raise ValueError(f"'{value}' is not a host name")
    return host


HostName = Annotated[str, AfterValidator(_valid_host)]
Color = Annotated[str, Field(pattern=COLOR_PATTERN)]


class TenantSettings(BaseModel):
    """What an instance says about itself; validated whenever it is stored or read."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tagline: str = Field(default="", max_length=200)
    welcome_text: str = Field(default="", max_length=2000)
    contact_email: str = Field(default="", max_length=200)
    contact_phone: str = Field(default="", max_length=50)
    address: str = Field(default="", max_length=300)
    # When set, verification by census also asks for this (e.g. "Ubigeo de nacimiento").
    census_extra_label: str = Field(default="", max_length=80)
    # Feature settings: each feature validates its own block when it reads it
    # (app.proposals.settings, app.answers.service), falling back to defaults if broken.
    proposals: dict[str, Any] = Field(default_factory=dict)
    answers: dict[str, Any] = Field(default_factory=dict)


class TenantCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: str = Field(pattern=SLUG_PATTERN)
    name: str = Field(min_length=2, max_length=200)
    hosts: list[HostName] = Field(min_length=1)
    default_language: str = "es"
    languages: list[str] = Field(default_factory=lambda: list(LANGUAGES))
    primary_color: Color = "#8a1538"
    accent_color: Color = "#f2c14e"
    logo_path: str | None = Field(default=None, pattern=r"^/static/[A-Za-z0-9_./-]+$")
    settings: TenantSettings = Field(default_factory=TenantSettings)

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: list[str]) -> list[str]:
        unknown = [code for code in value if code not in LANGUAGES]
        if unknown or not value:
            raise ValueError(f"languages must be among {', '.join(LANGUAGES)}")
        return list(dict.fromkeys(value))

    @field_validator("default_language")
    @classmethod
    def _known_default(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"default language must be one of {', '.join(LANGUAGES)}")
        return value

    @model_validator(mode="after")
    def _default_is_enabled(self) -> Self:
        if self.default_language not in self.languages:
            raise ValueError("the default language must be one of the enabled languages")
        return self


class FooterLink(BaseModel):
    model_config = ConfigDict(frozen=True)

    slug: str
    title: str


class CurrentTenant(BaseModel):
    """A read-only snapshot of the tenant serving this request, safe to use outside a session."""

    model_config = ConfigDict(frozen=True)

    id: int
    slug: str
    name: str
    default_language: str
    languages: tuple[str, ...]
    primary_color: str
    accent_color: str
    logo_path: str | None
    settings: TenantSettings
    footer_links: tuple[FooterLink, ...] = ()
    hosts: tuple[str, ...] = ()
