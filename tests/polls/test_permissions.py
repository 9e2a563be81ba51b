"""Every poll action × every kind of person × every phase of the poll (draft, upcoming, open,
counting, closed) × the voter's zone eligible or not, through the real routes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.answers.calendar import LIMA
from app.census.models import CensusEntry
from app.db import scoped_to, utcnow
from app.polls.closing import close_poll
from app.polls.models import Poll
from app.tenants.models import Tenant
from app.verification.models import Resident
from tests.authz.matrix import ALL_KINDS, Action, answer, person_for
from tests.factories import make_geozone
from tests.people import sign_in
from tests.polls.factories import make_poll, questions_of

PHASES = ("draft", "upcoming", "open", "counting", "closed")
STAFF = frozenset({"administrator", "official"})
EDITABLE = frozenset({"draft", "upcoming", "open"})
LIMA_DAY = (utcnow() + timedelta(days=1)).astimezone(LIMA).strftime("%Y-%m-%d")
TEXTS = {
    "title": "Título corregido",
    "summary": "Resumen corregido",
    "opens_at": f"{LIMA_DAY}T08:00",
    "closes_at": f"{LIMA_DAY}T18:00",
    "voter_level": "verified",
}
QUESTION = {"title": "¿Otra pregunta?", "kind": "single", "answers": "Sí\nNo"}

# action -> (path after /admin/polls/{id}, form, who may, in which phases)
ADMIN_ACTIONS: dict[str, tuple[str, dict[str, str], frozenset[str], frozenset[str]]] = {
    "view": ("", {}, STAFF, frozenset(PHASES)),
    "edit": ("/edit", TEXTS, STAFF, EDITABLE),
    "add_question": ("/questions/new", QUESTION, STAFF, EDITABLE),
    "publish": ("/publish", {}, STAFF, frozenset({"draft"})),
    "unpublish": ("/unpublish", {}, STAFF, frozenset({"upcoming"})),
    "delete": ("/delete", {}, STAFF, frozenset({"draft"})),
}


def poll_in(db: Session, tenant: Tenant, phase: str, **fields: object) -> Poll:
    if phase == "draft":
        return make_poll(db, tenant, published=False, **fields)  # type: ignore[arg-type]
    if phase == "upcoming":
        return make_poll(db, tenant, opens=timedelta(days=2), **fields)  # type: ignore[arg-type]
    if phase == "open":
        return make_poll(db, tenant, **fields)  # type: ignore[arg-type]
    ended = {"opens": timedelta(days=-3), "closes": timedelta(hours=-1)}
    poll = make_poll(db, tenant, **ended, **fields)  # type: ignore[arg-type]
    if phase == "closed":
        with scoped_to(db, tenant.id):
            close_poll(db, poll, datetime.now(UTC))
    return poll


def _sign_in(kind: str, client: TestClient, db: Session, tenant: Tenant) -> User | None:
    person = person_for(kind, db, tenant)
    db.commit()
    if person is not None:
        sign_in(client, person)  # type: ignore[arg-type]
    return person  # type: ignore[return-value]


def _refused(kind: str, status: int, where: str, hidden: bool = False) -> None:
    if kind == "anonymous":
        assert status in {303, 401}, f"allowed: {where}"
    else:
        assert status in ({403, 404} if hidden else {403}), f"allowed: {where}"


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_the_poll_editor_matrix(
    client_a: TestClient, db: Session, tenant_a: Tenant, kind: str
) -> None:
    _sign_in(kind, client_a, db, tenant_a)
    for path in ("/admin/polls", "/admin/polls/new"):
        status = answer(client_a, Action(path, "GET", path, frozenset()), path)
        if kind in STAFF:
            assert status == 200, f"{kind} {path}: {status}"
        else:
            _refused(kind, status, f"{kind} {path}")
    create = Action("create", "POST", "/admin/polls/new", frozenset(), {"title": ""})
    created = answer(client_a, create, "/admin/polls/new")
    if kind in STAFF:
        assert created == 422
    else:
        _refused(kind, created, f"{kind} create")
    for action, (suffix, data, kinds, phases) in sorted(ADMIN_ACTIONS.items()):
        for phase in PHASES:
            poll = poll_in(db, tenant_a, phase)
            db.commit()
            path = f"/admin/polls/{poll.id}{suffix}"
            method = "GET" if action == "view" else "POST"
            status = answer(client_a, Action(action, method, path, frozenset(), data), path)
            db.expunge(poll)  # deleting a draft frees its id for the next poll
            where = f"{kind} {action} on {phase}: {status}"
            if kind in kinds and phase in phases:
                assert status in {200, 303}, f"refused: {where}"
            else:
                _refused(kind, status, where)


def _on_census(db: Session, tenant: Tenant, person: User | None, zone_code: str) -> None:
    """Put a verified person's DNI digest on the census, living in this zone."""
    if person is None:
        return
    with scoped_to(db, tenant.id):
        resident = db.query(Resident).filter(Resident.user_id == person.id).one_or_none()
        if resident is not None:
            db.add(
                CensusEntry(
                    dni_digest=resident.dni_digest,
                    birth_digest="x",
                    geozone_code=zone_code,
                    updated_at=utcnow(),
                )
            )
            db.flush()


def _ballot(db: Session, poll: Poll) -> dict[str, str]:
    (question, answers), *_ = questions_of(db, poll)
    return {f"q{question.id}": str(answers[0].id)}


VERIFIED = frozenset({"verified"})
ACCOUNTS = frozenset(set(ALL_KINDS) - {"anonymous", "organization"})

# variant -> (the zone of the poll, its voter level, who may vote in it while it is open)
VOTE_VARIANTS: dict[str, tuple[str | None, str, frozenset[str]]] = {
    "zone-eligible": ("NORTE", "verified", VERIFIED),
    "zone-not-eligible": ("SUR", "verified", frozenset()),
    "whole-region-registered": (None, "registered", ACCOUNTS),
}


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_the_vote_matrix(client_a: TestClient, db: Session, tenant_a: Tenant, kind: str) -> None:
    """Only while open, only people of the poll's level, only from its zones."""
    person = _sign_in(kind, client_a, db, tenant_a)
    zones = {code: make_geozone(db, tenant_a, code=code) for code in ("NORTE", "SUR")}
    _on_census(db, tenant_a, person, "NORTE")
    for variant, (zone, level, kinds) in sorted(VOTE_VARIANTS.items()):
        for phase in PHASES:
            chosen = [zones[zone]] if zone else []
            poll = poll_in(db, tenant_a, phase, geozones=chosen, voter_level=level)
            db.commit()
            path = f"/polls/{poll.id}/vote"
            vote = Action("vote", "POST", path, frozenset(), _ballot(db, poll))
            status = answer(client_a, vote, path)
            where = f"{kind} vote {variant} on {phase}: {status}"
            if kind in kinds and phase == "open":
                assert status == 200, f"refused: {where}"
            else:
                _refused(kind, status, where, hidden=phase == "draft")


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_drafts_and_results_are_shown_to_whom_and_when(
    client_a: TestClient, db: Session, tenant_a: Tenant, kind: str
) -> None:
    _sign_in(kind, client_a, db, tenant_a)
    for phase in PHASES:
        poll = poll_in(db, tenant_a, phase)
        db.commit()
        page = client_a.get(f"/polls/{poll.id}", follow_redirects=False).status_code
        if phase == "draft" and kind not in STAFF:
            assert page == 404, f"{kind} sees a draft"
        else:
            assert page == 200, f"{kind} page on {phase}: {page}"
        results = client_a.get(f"/polls/{poll.id}/results", follow_redirects=False).status_code
        if phase == "closed":
            assert results == 200, f"{kind} results on {phase}: {results}"
        elif phase == "draft" and kind not in STAFF:
            assert results == 404
        else:
            assert results == 403, f"{kind} sees results on {phase}: {results}"


def test_staff_of_another_instance_get_404_for_every_poll_action(
    client_b: TestClient, db: Session, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    draft = poll_in(db, tenant_a, "draft")
    upcoming = poll_in(db, tenant_a, "upcoming")
    ((question, _answers),) = questions_of(db, draft)
    _sign_in("administrator", client_b, db, tenant_b)
    posts = [
        (f"/admin/polls/{draft.id}/edit", TEXTS),
        (f"/admin/polls/{draft.id}/questions/new", QUESTION),
        (f"/admin/polls/{draft.id}/questions/{question.id}", QUESTION),
        (f"/admin/polls/{draft.id}/questions/{question.id}/move", {"direction": "up"}),
        (f"/admin/polls/{draft.id}/questions/{question.id}/delete", {}),
        (f"/admin/polls/{draft.id}/publish", {}),
        (f"/admin/polls/{draft.id}/delete", {}),
        (f"/admin/polls/{upcoming.id}/unpublish", {}),
        (f"/polls/{upcoming.id}/vote", _ballot(db, upcoming)),
    ]
    for path, data in posts:
        status = answer(client_b, Action(path, "POST", path, frozenset(), data), path)
        assert status == 404, f"{path}: {status}"
    with scoped_to(db, tenant_a.id):
        db.expire_all()
        assert db.get(Poll, draft.id) is not None
        assert len(questions_of(db, draft)) == 1
