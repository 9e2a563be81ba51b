"""Booth days for tests: a poll, a booth in a given phase, its officer signed in."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.db import scoped_to
from app.polls.models import Poll, PollBooth, PollVoter
from app.tenants.models import Tenant
from tests.people import csrf_of, make_user, sign_in
from tests.polls.factories import make_booth, make_poll

HOUR = timedelta(hours=1)
# Booth opening and closing (from now) for each phase of a booth day; the poll stays open.
BOOTH_PHASES = {
    "before": (HOUR, 3 * HOUR),
    "during": (-HOUR, 3 * HOUR),
    "after": (-3 * HOUR, -HOUR),
}


def booth_in_phase(
    db: Session,
    tenant: Tenant,
    phase: str = "during",
    *,
    officers: tuple[User, ...] = (),
    poll: Poll | None = None,
    **poll_fields: object,
) -> PollBooth:
    opens, closes = BOOTH_PHASES[phase]
    if poll is None:
        poll = make_poll(db, tenant, **poll_fields)  # type: ignore[arg-type]
    return make_booth(db, tenant, poll, officers=officers, opens=opens, closes=closes)


def officer_at(db: Session, tenant: Tenant, client: TestClient, *booths: PollBooth) -> User:
    """A poll officer assigned to the booths, signed in on the client."""
    from app.polls.models import PollBoothOfficer

    officer = make_user(db, tenant, "poll_officer")
    with scoped_to(db, tenant.id):
        for booth in booths:
            db.add(PollBoothOfficer(booth_id=booth.id, user_id=officer.id))
        db.flush()
    db.commit()
    sign_in(client, officer)
    return officer


def post(client: TestClient, path: str, data: dict[str, str] | None = None) -> Response:
    return client.post(
        path, data={**(data or {}), "csrf_token": csrf_of(client)}, follow_redirects=False
    )


def roll_of(db: Session, tenant: Tenant, poll_id: int) -> list[PollVoter]:
    with scoped_to(db, tenant.id):
        return list(db.scalars(select(PollVoter).where(PollVoter.poll_id == poll_id)))


def poll_of(db: Session, tenant: Tenant, booth: PollBooth) -> Poll:
    with scoped_to(db, tenant.id):
        return db.scalars(select(Poll).where(Poll.id == booth.poll_id)).one()


def fresh_booth(db: Session, tenant: Tenant, booth_id: int) -> PollBooth:
    with scoped_to(db, tenant.id):
        return db.scalars(
            select(PollBooth)
            .where(PollBooth.id == booth_id)
            .execution_options(populate_existing=True)
        ).one()
