"""The proposal settings of an instance, kept in ``tenants.settings["proposals"]``.

The goal is either a fixed number of supports or a share of the census; the support period is
counted in months. Both are copied onto each proposal when it is published, so changing them
later never moves the goal of a proposal already gathering supports.
"""

from __future__ import annotations

import calendar
import math
from datetime import datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.census.models import CensusEntry
from app.errors import NotFound
from app.i18n import N_
from app.tenants.models import Tenant

SETTINGS_KEY = "proposals"
DEFAULT_PERCENT = 1.0
# Used while an instance has no census loaded, so a share of it would mean one support.
DEFAULT_THRESHOLD = 100
DEFAULT_MONTHS = 12


class ProposalSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    threshold: int | None = Field(default=None, ge=1, le=10_000_000)
    threshold_percent: float | None = Field(default=None, gt=0, le=100)
    months: int = Field(default=DEFAULT_MONTHS, ge=1, le=60)

    @model_validator(mode="after")
    def _one_goal(self) -> Self:
        if self.threshold is not None and self.threshold_percent is not None:
            raise ValueError(N_("Give either a number of supports or a percentage, not both."))
        return self

    @property
    def uses_percent(self) -> bool:
        return self.threshold is None


def _tenant(session: Session, tenant_id: int) -> Tenant:
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound()
    return tenant


def load_settings(session: Session, tenant_id: int) -> ProposalSettings:
    """The stored settings, or the defaults when none (or unreadable ones) are stored."""
    raw = (_tenant(session, tenant_id).settings or {}).get(SETTINGS_KEY)
    if not isinstance(raw, dict):
        return ProposalSettings()
    try:
        return ProposalSettings.model_validate(raw)
    except ValidationError:
        return ProposalSettings()


def save_settings(session: Session, tenant_id: int, settings: ProposalSettings) -> None:
    tenant = _tenant(session, tenant_id)
    # A new dict, so the JSON column is seen as changed.
    tenant.settings = {
        **(tenant.settings or {}),
        SETTINGS_KEY: settings.model_dump(exclude_none=True),
    }
    session.flush()


def census_size(session: Session) -> int:
    return session.scalar(select(func.count(CensusEntry.id))) or 0


def supports_needed(session: Session, settings: ProposalSettings) -> int:
    if settings.threshold is not None:
        return settings.threshold
    people = census_size(session)
    if people == 0:
        return DEFAULT_THRESHOLD
    percent = settings.threshold_percent or DEFAULT_PERCENT
    return max(1, math.ceil(people * percent / 100))


def deadline_from(start: datetime, settings: ProposalSettings) -> datetime:
    """``months`` calendar months later (the last day of a shorter month when needed)."""
    month_index = start.month - 1 + settings.months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return start.replace(year=year, month=month, day=day)
