"""Who may write, support, edit and retire proposals.

Any registered account writes a proposal, organizations included. Supporting is for verified
residents only (one DNI, one support), never organizations, and only while the proposal is
open or successful and its time has not run out. A support may be withdrawn only while the
proposal is still below its threshold. The author edits only until the first support, so no
one's support changes meaning afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import app.proposals.targets  # noqa: F401 - registers the "proposal" target kind
from app.authz.core import has_role, rule, signed_in
from app.authz.principal import Level, Principal
from app.db import utcnow
from app.proposals.models import Proposal

SUPPORTABLE_STATES = ("open", "successful")

rule("proposals.create")(signed_in)
# Moderation hides a proposal; its staff still reach it to review or restore it.
rule("proposals.view_hidden")(has_role("moderator", "administrator"))
rule("admin.proposals.settings")(has_role("administrator"))


def aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; every moment we store is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def is_running(proposal: Proposal, now: datetime | None = None) -> bool:
    """Open or successful, visible, and still within its support period."""
    return (
        proposal.hidden_at is None
        and proposal.state in SUPPORTABLE_STATES
        and aware(proposal.deadline_at) > (now or utcnow())
    )


def _resident(principal: Principal | None) -> bool:
    return principal is not None and principal.level >= Level.VERIFIED


def _author(principal: Principal | None, proposal: Any) -> bool:
    return (
        principal is not None
        and isinstance(proposal, Proposal)
        and proposal.author_id == principal.user_id
        and proposal.hidden_at is None
    )


@rule("proposals.support")
def may_support(principal: Principal | None, proposal: Any, _ctx: Mapping[str, Any]) -> bool:
    return _resident(principal) and isinstance(proposal, Proposal) and is_running(proposal)


@rule("proposals.unsupport")
def may_unsupport(principal: Principal | None, proposal: Any, _ctx: Mapping[str, Any]) -> bool:
    return (
        _resident(principal)
        and isinstance(proposal, Proposal)
        and proposal.state == "open"
        and proposal.supports_count < proposal.supports_needed
        and is_running(proposal)
    )


@rule("proposals.edit")
def may_edit(principal: Principal | None, proposal: Any, _ctx: Mapping[str, Any]) -> bool:
    return (
        _author(principal, proposal)
        and proposal.state == "open"
        and proposal.supports_count == 0
        and is_running(proposal)
    )


@rule("proposals.retire")
def may_retire(principal: Principal | None, proposal: Any, _ctx: Mapping[str, Any]) -> bool:
    return _author(principal, proposal) and proposal.state in SUPPORTABLE_STATES


@rule("proposals.send_update")
def may_send_update(principal: Principal | None, proposal: Any, _ctx: Mapping[str, Any]) -> bool:
    return _author(principal, proposal) and proposal.state != "retired"
