"""Debates are commented on, flagged and followed as target type ``debate``."""

from __future__ import annotations

from app.content.targets import TargetKind, register_target
from app.debates.models import Debate
from app.i18n import N_

DEBATE = register_target(TargetKind("debate", Debate, N_("debate"), lambda id: f"/debates/{id}"))
