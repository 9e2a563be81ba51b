from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.accounts.schemas import FormError
from app.i18n import N_

NAME_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$"


class ProviderForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=NAME_PATTERN)
    label: str = Field(min_length=2, max_length=80)
    issuer: str = Field(max_length=300)
    client_id: str = Field(min_length=1, max_length=200)
    client_secret: str = Field(min_length=1, max_length=300)
    scope: str = Field(default="openid email profile", max_length=300)
    national_id_claim: str | None = Field(default=None, max_length=80)
    min_acr: str | None = Field(default=None, max_length=120)

    @field_validator("issuer")
    @classmethod
    def _issuer(cls, value: str) -> str:
        issuer = value.strip()
        local = issuer.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]"))
        if not (issuer.startswith("https://") or local) or " " in issuer:
            raise FormError(N_("The issuer must be an https:// address."))
        return issuer

    @field_validator("scope")
    @classmethod
    def _openid(cls, value: str) -> str:
        scopes = value.split()
        if "openid" not in scopes:
            scopes.insert(0, "openid")
        return " ".join(scopes)
