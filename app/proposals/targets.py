"""Proposals are commented on, flagged and followed as ``("proposal", id)``."""

from __future__ import annotations

from app.content.targets import TargetKind, register_target
from app.i18n import N_
from app.proposals.models import Proposal

PROPOSAL = register_target(
    TargetKind("proposal", Proposal, N_("proposal"), lambda id: f"/proposals/{id}")
)
