"""Who may set up booths and what a poll officer may do at one, and when.

Administrators set booths up and assign officers until the poll ends. An officer acts only at
the booths they are assigned to, and only while they still hold the poll officer role (an
administrator who serves at a booth gives themself the role, which is logged): looking people
up and marking them while the booth is open; preparing the tablet until it closes; entering
the paper count after it (or the poll) has closed, until they confirm it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.authz.core import has_role, rule
from app.authz.principal import Principal
from app.db import utcnow
from app.polls.booths import OFFICER_ROLE, BoothDesk, booth_open, booth_over, poll_over
from app.polls.models import Poll

rule("admin.polls.booths")(has_role("administrator"))
rule("booths.list")(has_role(OFFICER_ROLE))


@rule("admin.polls.booths.edit")
def may_edit_booths(principal: Principal | None, poll: Any, _ctx: Mapping[str, Any]) -> bool:
    return (
        principal is not None
        and principal.has_role("administrator")
        and isinstance(poll, Poll)
        and poll.voter_level != "registered"
        and not poll_over(poll, utcnow())
    )


def _officer(principal: Principal | None, desk: Any) -> bool:
    return (
        principal is not None
        and principal.has_role(OFFICER_ROLE)
        and isinstance(desk, BoothDesk)
        and desk.is_officer(principal.user_id)
    )


@rule("booths.view")
def may_view_booth(principal: Principal | None, desk: Any, _ctx: Mapping[str, Any]) -> bool:
    return _officer(principal, desk)


@rule("booths.record_voter")
def may_record_voter(principal: Principal | None, desk: Any, _ctx: Mapping[str, Any]) -> bool:
    return _officer(principal, desk) and booth_open(desk, utcnow())


@rule("booths.start_kiosk")
def may_start_kiosk(principal: Principal | None, desk: Any, _ctx: Mapping[str, Any]) -> bool:
    return (
        _officer(principal, desk)
        and desk.poll.published_at is not None
        and not booth_over(desk, utcnow())
    )


@rule("booths.paper")
def may_enter_paper(principal: Principal | None, desk: Any, _ctx: Mapping[str, Any]) -> bool:
    return (
        _officer(principal, desk)
        and desk.poll.published_at is not None
        and booth_over(desk, utcnow())
        and desk.booth.paper_reported_at is None
    )
