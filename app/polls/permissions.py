"""Who may run polls and who may vote in them.

Administrators and officials publish polls (the issue: "an administrator or official publishes
a poll"): they create drafts, edit them, publish them, send an upcoming poll back to draft and
delete drafts. Voting is for people of the poll's verification level — verified residents by
default, any account for a poll open to registered people — never organizations, and only
while the poll is open by the server clock. Whether a person's zone and age fit the poll needs
the census, so app.polls.ballots.ineligibility decides that part, after these rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from app.authz.core import has_role, rule
from app.authz.principal import Level, Principal
from app.db import utcnow
from app.polls.models import Poll

PHASES = ("draft", "upcoming", "open", "counting", "closed")
EDITABLE_PHASES = ("draft", "upcoming", "open")


class PollTimes(Protocol):
    """What the phase and the voting rule read of a poll: a Poll or a ``PollGlance``."""

    @property
    def published_at(self) -> datetime | None: ...
    @property
    def opens_at(self) -> datetime: ...
    @property
    def closes_at(self) -> datetime: ...
    @property
    def closed_at(self) -> datetime | None: ...
    @property
    def voter_level(self) -> str: ...


@dataclass(frozen=True, slots=True)
class PollGlance:
    """A poll as the ballot route reads it with its lock (app.polls.ballot_plan), without the
    cost of an ORM object on the busiest path: what the rules and the receipt page need."""

    id: int
    tenant_id: int
    title: str
    published_at: datetime | None
    opens_at: datetime
    closes_at: datetime
    closed_at: datetime | None
    voter_level: str
    min_age: int | None


_manager = has_role("administrator", "official")
rule("polls.manage")(_manager)


def aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; every moment we store is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def phase(poll: PollTimes, now: datetime | None = None) -> str:
    """draft, upcoming, open, counting (time is up, the count is not published yet), closed."""
    now = now or utcnow()
    if poll.published_at is None:
        return "draft"
    if poll.closed_at is not None:
        return "closed"
    if aware(poll.closes_at) <= now:
        return "counting"
    if aware(poll.opens_at) > now:
        return "upcoming"
    return "open"


def required_level(poll: PollTimes) -> Level:
    return Level.REGISTERED if poll.voter_level == "registered" else Level.VERIFIED


def _managed(principal: Principal | None, poll: Any, phases: tuple[str, ...]) -> bool:
    return _manager(principal, poll, {}) and isinstance(poll, Poll) and phase(poll) in phases


@rule("polls.edit")
def may_edit(principal: Principal | None, poll: Any, _ctx: Mapping[str, Any]) -> bool:
    return _managed(principal, poll, EDITABLE_PHASES)


@rule("polls.publish")
def may_publish(principal: Principal | None, poll: Any, _ctx: Mapping[str, Any]) -> bool:
    return _managed(principal, poll, ("draft",))


@rule("polls.unpublish")
def may_unpublish(principal: Principal | None, poll: Any, _ctx: Mapping[str, Any]) -> bool:
    return _managed(principal, poll, ("upcoming",))


@rule("polls.delete")
def may_delete(principal: Principal | None, poll: Any, _ctx: Mapping[str, Any]) -> bool:
    return _managed(principal, poll, ("draft",))


@rule("polls.vote")
def may_vote(principal: Principal | None, poll: Any, _ctx: Mapping[str, Any]) -> bool:
    return (
        principal is not None
        and not principal.is_organization
        and isinstance(poll, (Poll, PollGlance))
        and principal.level >= required_level(poll)
        and phase(poll) == "open"
    )
