"""Every booth action × every kind of person × before / during / after × this booth or another.

One test signs one person in and sends every action in turn, so the matrix stays fast: the
actions that change state run in an order where none hides the next one's answer (confirming
the paper count and turning the device into the tablet, which signs out, come last).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.db import scoped_to
from app.polls.models import PollBoothOfficer
from app.tenants.models import Tenant
from tests.authz.matrix import ALL_KINDS, person_for
from tests.people import csrf_of, sign_in
from tests.polls.factories import make_booth, make_poll
from tests.polls_booths.helpers import BOOTH_PHASES

PHASES = tuple(BOOTH_PHASES)
OFFICER = "poll_officer"


@dataclass(frozen=True)
class Step:
    name: str
    method: str
    path: str  # {booth} and {poll} are filled in
    phases: tuple[str, ...]  # when the allowed person is allowed
    data: dict[str, str] | None = None
    # What the allowed person gets outside those phases when the refusal is not a 403.
    off_phase: int = 403


OFFICER_STEPS = [
    Step("booths.list", "GET", "/booths", PHASES),
    Step("booths.view", "GET", "/booths/{booth}", PHASES),
    Step("booths.paper_view", "GET", "/booths/{booth}/paper", ("after",), off_phase=409),
    Step(
        "booths.lookup",
        "POST",
        "/booths/{booth}/lookup",
        ("during",),
        {"dni": "11112222", "birth_date": "1980-01-01"},
    ),
    Step(
        "booths.record_voter",
        "POST",
        "/booths/{booth}/voters",
        ("during",),
        {"dni": "11112222", "birth_date": "1980-01-01", "channel": "paper"},
    ),
    Step("booths.cancel_pending", "POST", "/booths/{booth}/pending/cancel", ("during",)),
    Step(
        "booths.paper_save",
        "POST",
        "/booths/{booth}/paper",
        ("after",),
        {"paper_ballots": "0"},
    ),
    Step("booths.paper_ballot", "POST", "/booths/{booth}/paper/ballots", ("after",)),
    Step("booths.paper_confirm", "POST", "/booths/{booth}/paper/confirm", ("after",)),
    Step("booths.start_kiosk", "POST", "/booths/{booth}/kiosk", ("before", "during")),
]


def _send(client: TestClient, step: Step, path: str, token: str | None = None) -> int:
    if step.method == "GET":
        return client.get(path, follow_redirects=False).status_code
    data = {**(step.data or {}), "csrf_token": token or csrf_of(client)}
    return client.post(path, data=data, follow_redirects=False).status_code


def _expect(status: int, *, allowed: bool, kind: str, step: Step, off: bool) -> None:
    if kind == "anonymous":
        assert status in {303, 401}, f"anonymous got {status} for {step.name}"
    elif not allowed:
        assert status == 403, f"{kind} got {status} for {step.name}"
    elif off:
        assert status == step.off_phase, f"{kind} got {status} for {step.name} off phase"
    else:
        assert status not in {401, 403}, f"{kind} refused {step.name}: {status}"
        assert status < 500


def _run(
    client: TestClient,
    db: Session,
    tenant: Tenant,
    kind: str,
    phase: str,
    here: bool,
    steps: list[Step],
    allowed_kind: Callable[[str], bool],
    build: Callable[[Session, Tenant, str], tuple[int, int, int]],
) -> None:
    poll_id, booth_id, other_id = build(db, tenant, phase)
    person = person_for(kind, db, tenant)
    if person is not None:
        with scoped_to(db, tenant.id):
            db.add(PollBoothOfficer(booth_id=booth_id if here else other_id, user_id=person.id))  # type: ignore[attr-defined]
            db.flush()
    db.commit()
    if person is not None:
        sign_in(client, person)  # type: ignore[arg-type]
    token = csrf_of(client)  # the same until the session ends (the tablet step, last)
    for step in steps:
        path = step.path.format(booth=booth_id, poll=poll_id)
        allowed = allowed_kind(kind) and (here or step.name == "booths.list")
        status = _send(client, step, path, token)
        _expect(status, allowed=allowed, kind=kind, step=step, off=phase not in step.phases)


def _officer_world(db: Session, tenant: Tenant, phase: str) -> tuple[int, int, int]:
    opens, closes = BOOTH_PHASES[phase]
    poll = make_poll(db, tenant)
    booth = make_booth(db, tenant, poll, opens=opens, closes=closes, kiosk_pending=1)
    other = make_booth(db, tenant, poll, opens=opens, closes=closes, kiosk_pending=1)
    return poll.id, booth.id, other.id


# An anonymous visitor is assigned nowhere, so one case of theirs is enough.
WHO = [(kind, True) for kind in ALL_KINDS] + [(k, False) for k in ALL_KINDS if k != "anonymous"]


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize(
    ("kind", "here"), WHO, ids=[f"{k}-{'this' if h else 'other'}_booth" for k, h in WHO]
)
def test_officer_matrix(
    kind: str, phase: str, here: bool, client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    _run(
        client_a,
        db,
        tenant_a,
        kind,
        phase,
        here,
        OFFICER_STEPS,
        lambda k: k == OFFICER,
        _officer_world,
    )


# Poll phases for administrators: not yet open, open, closed.
POLL_PHASES = {
    "before": {"opens": timedelta(days=1), "closes": timedelta(days=3)},
    "during": {"opens": timedelta(days=-1), "closes": timedelta(days=3)},
    "after": {"opens": timedelta(days=-3), "closes": timedelta(hours=-1), "closed": True},
}
EDITING = ("before", "during")
ADMIN_STEPS = [
    Step("admin.polls.booths", "GET", "/admin/polls/{poll}/booths", PHASES),
    Step("admin.polls.booth", "GET", "/admin/polls/{poll}/booths/{booth}", PHASES),
    Step("admin.polls.booths.create", "POST", "/admin/polls/{poll}/booths", EDITING, {"name": "x"}),
    Step(
        "admin.polls.booths.edit",
        "POST",
        "/admin/polls/{poll}/booths/{booth}",
        EDITING,
        {"name": "x"},
    ),
    Step(
        "admin.polls.booths.officer",
        "POST",
        "/admin/polls/{poll}/booths/{booth}/officers",
        EDITING,
        {"user_id": "1", "operation": "remove"},
    ),
    Step("admin.polls.booths.delete", "POST", "/admin/polls/{poll}/booths/{booth}/delete", EDITING),
]


def _admin_world(db: Session, tenant: Tenant, phase: str) -> tuple[int, int, int]:
    poll = make_poll(db, tenant, **POLL_PHASES[phase])  # type: ignore[arg-type]
    booth = make_booth(db, tenant, poll)
    return poll.id, booth.id, booth.id


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("kind", ALL_KINDS)
def test_admin_matrix(
    kind: str, phase: str, client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    _run(
        client_a,
        db,
        tenant_a,
        kind,
        phase,
        True,
        ADMIN_STEPS,
        lambda k: k == "administrator",
        _admin_world,
    )


def test_officers_of_another_instance_get_404(
    db: Session, tenant_a: Tenant, tenant_b: Tenant, client_b: TestClient
) -> None:
    from tests.people import make_user

    poll_id, booth_id, _other = _officer_world(db, tenant_a, "during")
    stranger = make_user(db, tenant_b, OFFICER)
    admin = make_user(db, tenant_b, "administrator")
    db.commit()
    sign_in(client_b, stranger)
    for step in OFFICER_STEPS[1:-1]:
        assert _send(client_b, step, step.path.format(booth=booth_id, poll=poll_id)) == 404
    sign_in(client_b, admin)
    for step in ADMIN_STEPS[1:]:
        assert _send(client_b, step, step.path.format(booth=booth_id, poll=poll_id)) == 404
    assert _send(client_b, ADMIN_STEPS[0], f"/admin/polls/{poll_id}/booths") == 404
