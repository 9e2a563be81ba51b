"""Assigning, answering and following up, through the real routes."""

from __future__ import annotations

import re
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.answers.models import ProposalAnswer, ProposalMilestone
from app.audit.models import AuditEntry
from app.db import scoped_to
from app.notifications.models import Notification
from app.notifications.service import follow
from app.proposals.models import ProposalSupport
from app.tenants.models import Tenant
from app.verification.models import Resident
from tests.answers.factories import make_answer, make_office, make_successful
from tests.factories import HOSTILE
from tests.people import csrf_of, make_user, sign_in
from tests.proposals.factories import make_proposal
from tests.rendering import template_name

ESCAPED = "&lt;script&gt;alert("
REASONS = f"{HOSTILE}\n\nLa Gerencia ejecutará la obra en 2027 con presupuesto propio **aprobado**."


def _post(client: TestClient, url: str, data: dict[str, str]):
    return client.post(url, data={**data, "csrf_token": csrf_of(client)}, follow_redirects=False)


def _answer(client: TestClient, proposal_id: int, **fields: str):
    data = {"status": "accepted", "body": REASONS, **fields}
    return _post(client, f"/proposals/{proposal_id}/answer", data)


def test_admin_assigns_a_successful_proposal(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    office = make_office(db, tenant_a, HOSTILE)
    proposal = make_successful(db, tenant_a)
    admin = make_user(db, tenant_a, "administrator")
    db.commit()
    sign_in(client_a, admin)
    page = client_a.get(f"/proposals/{proposal.id}/assign")
    assert page.status_code == 200
    assert template_name(page) == "answers/assign.html"
    assert "<script>alert" not in page.text
    response = _post(client_a, f"/proposals/{proposal.id}/assign", {"office_id": str(office.id)})
    assert response.status_code == 303
    db.refresh(proposal)
    assert proposal.office_id == office.id
    assert proposal.assigned_at is not None
    with scoped_to(db, tenant_a.id):
        entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "answers.assigned")).one()
    assert entry.object_id == str(proposal.id)
    assert entry.details["office_id"] == office.id


def test_assigning_to_an_unknown_office_comes_back_with_a_message(
    client_a: TestClient, db: Session, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    make_office(db, tenant_a)
    foreign = make_office(db, tenant_b, "Ajena")
    proposal = make_successful(db, tenant_a)
    sign_in(client_a, make_user(db, tenant_a, "administrator"))
    db.commit()
    for value in ("", "abc", str(foreign.id), "9" * 40):
        response = _post(client_a, f"/proposals/{proposal.id}/assign", {"office_id": value})
        assert response.status_code == 422, value
        assert "Elige una de las opciones" in response.text or "Choose one" in response.text
    db.refresh(proposal)
    assert proposal.office_id is None


def test_only_successful_proposals_are_assigned(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    office = make_office(db, tenant_a)
    sign_in(client_a, make_user(db, tenant_a, "administrator"))
    for state in ("open", "archived", "retired"):
        proposal = make_proposal(db, tenant_a, state=state)
        db.commit()
        url = f"/proposals/{proposal.id}/assign"
        assert _post(client_a, url, {"office_id": str(office.id)}).status_code == 403
        db.refresh(proposal)
        assert proposal.office_id is None


def test_official_of_the_office_answers_and_everyone_is_told(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    office = make_office(db, tenant_a)
    author = make_user(db, tenant_a)
    proposal = make_successful(db, tenant_a, office=office, author=author)
    supporter, gone = make_user(db, tenant_a, verified=True), make_user(db, tenant_a, verified=True)
    follower, stranger = make_user(db, tenant_a), make_user(db, tenant_a)
    official = make_user(db, tenant_a, "official")
    with scoped_to(db, tenant_a.id):
        for person in (supporter, gone):
            resident = db.scalars(select(Resident).where(Resident.user_id == person.id)).one()
            db.add(ProposalSupport(proposal_id=proposal.id, resident_id=resident.id))
        # A supporter whose account is gone: the resident has no current account.
        db.scalars(select(Resident).where(Resident.user_id == gone.id)).one().user_id = None
        follow(db, follower.id, "proposal", proposal.id)
        follow(db, official.id, "proposal", proposal.id)
        db.flush()
    db.commit()
    sign_in(client_a, official)
    form = client_a.get(f"/proposals/{proposal.id}/answer")
    assert form.status_code == 200
    assert "<script>alert" not in form.text
    response = _answer(
        client_a,
        proposal.id,
        milestone_title_1=HOSTILE,
        milestone_due_1="2027-03-31",
        milestone_title_3="Licitación",
    )
    assert response.status_code == 303, response.text[:800]
    assert response.headers["location"] == f"/proposals/{proposal.id}#official-answer"
    db.refresh(proposal)
    assert proposal.answer_status == "accepted"
    assert proposal.answered_at is not None
    with scoped_to(db, tenant_a.id):
        answer = db.scalars(select(ProposalAnswer)).one()
        milestones = db.scalars(select(ProposalMilestone).order_by(ProposalMilestone.position))
        notified = db.scalars(select(Notification).where(Notification.kind == "answer")).all()
        entries = db.scalars(select(AuditEntry).where(AuditEntry.action == "answers.answered"))
        assert len(entries.all()) == 1
    assert answer.official_id == official.id
    assert answer.office_name == office.name
    assert answer.body == REASONS.strip()
    assert [(m.title, m.due_on) for m in milestones] == [
        (HOSTILE, date(2027, 3, 31)),
        ("Licitación", None),
    ]
    assert {n.user_id for n in notified} == {author.id, supporter.id, follower.id}
    assert stranger.id not in {n.user_id for n in notified}
    assert all(n.values == {"title": proposal.title, "status": "accepted"} for n in notified)


def test_an_answer_is_shown_escaped_and_the_newest_first(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    office = make_office(db, tenant_a)
    proposal = make_successful(db, tenant_a, office=office)
    official = make_user(db, tenant_a, "official")
    db.commit()
    sign_in(client_a, official)
    assert _answer(client_a, proposal.id, status="under_study").status_code == 303
    db.refresh(proposal)
    first_answered_at = proposal.answered_at
    body = f"{HOSTILE} [enlace](javascript:alert(1)) " + "segunda respuesta " * 4
    assert _answer(client_a, proposal.id, status="partly_accepted", body=body).status_code == 303
    db.refresh(proposal)
    assert proposal.answer_status == "partly_accepted"
    assert proposal.answered_at == first_answered_at
    page = client_a.get(f"/proposals/{proposal.id}/answer")
    assert "<script>alert" not in page.text
    assert ESCAPED in page.text
    assert 'href="javascript' not in page.text
    current, earlier = page.text.split("<details", 1)
    assert "segunda respuesta" in current
    assert "Gerencia ejecutará" in earlier


def test_officials_of_another_office_cannot_answer(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    proposal = make_successful(db, tenant_a, office=make_office(db, tenant_a, "Gerencia de Salud"))
    official = make_user(db, tenant_a, "official")  # office "Oficina"
    db.commit()
    sign_in(client_a, official)
    assert client_a.get(f"/proposals/{proposal.id}/answer").status_code == 403
    assert _answer(client_a, proposal.id).status_code == 403
    with scoped_to(db, tenant_a.id):
        assert db.scalars(select(ProposalAnswer)).all() == []


def test_administrator_may_answer_an_unassigned_proposal(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    proposal = make_successful(db, tenant_a)
    sign_in(client_a, make_user(db, tenant_a, "administrator"))
    db.commit()
    assert _answer(client_a, proposal.id, status="rejected").status_code == 303
    with scoped_to(db, tenant_a.id):
        answer = db.scalars(select(ProposalAnswer)).one()
    assert (answer.status, answer.office_name) == ("rejected", "")


def test_a_bad_answer_comes_back_with_the_text_and_messages(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    proposal = make_successful(db, tenant_a, office=make_office(db, tenant_a))
    sign_in(client_a, make_user(db, tenant_a, "official"))
    db.commit()
    cases = [
        {"status": "accepted", "body": f"No. {HOSTILE[:30]}"},
        {"status": "maybe", "body": REASONS},
        {"status": "accepted", "body": "x" * 20_001},
        {"status": "accepted", "body": REASONS, "milestone_due_2": "31/12/2026"},
        {"status": "accepted", "body": REASONS, "milestone_title_2": "A", "milestone_due_2": "x"},
        {"status": "accepted", "body": REASONS, "milestone_title_4": "y" * 201},
    ]
    for data in cases:
        response = _post(client_a, f"/proposals/{proposal.id}/answer", data)
        assert response.status_code == 422, data
        assert 'class="error"' in response.text
        assert "<script>alert" not in response.text
        if "No. " in data["body"]:
            assert "No. &lt;script&gt;alert(" in response.text
    over_cap = {"status": "accepted", "body": "z" * 1_500_000}
    assert _post(client_a, f"/proposals/{proposal.id}/answer", over_cap).status_code in {413, 422}
    with scoped_to(db, tenant_a.id):
        assert db.scalars(select(ProposalAnswer)).all() == []


def test_open_proposals_are_not_answered(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    proposal = make_proposal(db, tenant_a)
    sign_in(client_a, make_user(db, tenant_a, "administrator"))
    db.commit()
    assert client_a.get(f"/proposals/{proposal.id}/answer").status_code == 403
    assert _answer(client_a, proposal.id).status_code == 403


def test_hidden_proposals_have_no_answer_pages(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    proposal = make_successful(db, tenant_a, hidden=True)
    sign_in(client_a, make_user(db, tenant_a, "administrator"))
    db.commit()
    assert client_a.get(f"/proposals/{proposal.id}/answer").status_code == 404
    assert _answer(client_a, proposal.id).status_code == 404


def test_milestones_are_marked_done(client_a: TestClient, db: Session, tenant_a: Tenant) -> None:
    office = make_office(db, tenant_a)
    proposal = make_successful(db, tenant_a, office=office)
    make_answer(db, tenant_a, proposal, milestones=(HOSTILE, "Obra"))
    other = make_successful(db, tenant_a, office=office)
    official = make_user(db, tenant_a, "official")
    db.commit()
    with scoped_to(db, tenant_a.id):
        first = db.scalars(select(ProposalMilestone).order_by(ProposalMilestone.id)).first()
    assert first is not None
    sign_in(client_a, official)
    page = client_a.get(f"/proposals/{proposal.id}/answer")
    action = f"/proposals/{proposal.id}/milestones/{first.id}/done"
    assert f'action="{action}"' in page.text
    # A milestone is reached only through its own proposal.
    wrong = _post(client_a, f"/proposals/{other.id}/milestones/{first.id}/done", {})
    assert wrong.status_code == 404
    assert _post(client_a, action, {}).status_code == 303
    db.refresh(first)
    assert first.done_on is not None
    page = client_a.get(f"/proposals/{proposal.id}/answer")
    assert f'action="{action}"' not in page.text


def test_panel_warns_when_the_answer_is_overdue(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    late = make_successful(db, tenant_a, due_on=date.today() - timedelta(days=12))
    waiting = make_successful(db, tenant_a, due_on=date.today() + timedelta(days=20))
    sign_in(client_a, make_user(db, tenant_a, "administrator"))
    db.commit()
    text = client_a.get(f"/proposals/{late.id}/assign").text
    assert re.search(r"(Overdue by|Vencida hace|Con) ?1[123] ", text) or "answer-overdue" in text
    assert "answer-warning" in text
    text = client_a.get(f"/proposals/{waiting.id}/assign").text
    assert "answer-waiting" in text
    assert "answer-warning" not in text
