"""The poll editor through the real routes: a draft, its questions, publishing, bad input kept
in the form, and the lock once the first person is on the voter roll."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.answers.calendar import LIMA
from app.audit.models import AuditEntry
from app.db import scoped_to, utcnow
from app.polls.models import Poll, PollAnswer, PollQuestion
from app.polls.permissions import aware
from app.tenants.models import Tenant
from tests.factories import HOSTILE, make_geozone
from tests.people import csrf_of, make_user, sign_in
from tests.polls.factories import make_booth, make_person, make_poll, questions_of
from tests.proposals.factories import make_proposal
from tests.rendering import context_of, template_name

ESCAPED = "&lt;script&gt;alert("


def _lima(days: int) -> str:
    return (utcnow() + timedelta(days=days)).astimezone(LIMA).strftime("%Y-%m-%dT%H:%M")


def _poll_form(**changes: Any) -> dict[str, Any]:
    return {
        "title": HOSTILE,
        "summary": f"{HOSTILE} resumen",
        "description": f"{HOSTILE}\n\n**negrita**",
        "opens_at": _lima(1),
        "closes_at": _lima(8),
        "voter_level": "verified",
        "min_age": "",
        "proposal_id": "",
        **changes,
    }


def _post(client: TestClient, path: str, data: dict[str, Any]) -> Response:
    return client.post(
        path, data={**data, "csrf_token": csrf_of(client, "/polls")}, follow_redirects=False
    )


def _only_poll(db: Session, tenant: Tenant) -> Poll:
    with scoped_to(db, tenant.id):
        db.expire_all()
        return db.scalars(select(Poll)).one()


def _questions(db: Session, poll: Poll) -> list[tuple[PollQuestion, list[PollAnswer]]]:
    db.expire_all()  # the app wrote through its own session
    return questions_of(db, poll)


def _signed_in_official(client: TestClient, db: Session, tenant: Tenant) -> None:
    official = make_user(db, tenant, "official")
    db.commit()
    sign_in(client, official)


def test_an_official_drafts_a_poll_adds_questions_and_publishes_it(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    zone = make_geozone(db, tenant_a, code="NORTE")
    proposal = make_proposal(db, tenant_a, successful=True, title="Agua para Huanchaco")
    _signed_in_official(client_a, db, tenant_a)
    assert client_a.get("/admin/polls/new").status_code == 200
    form = _poll_form(geozone_ids=[str(zone.id)], min_age="16", proposal_id=str(proposal.id))
    created = _post(client_a, "/admin/polls/new", form)
    assert created.status_code == 303, created.text[:2000]
    poll = _only_poll(db, tenant_a)
    assert poll.published_at is None
    assert poll.min_age == 16
    assert poll.proposal_id == proposal.id
    page = client_a.get(f"/admin/polls/{poll.id}")
    assert ESCAPED in page.text
    assert "<script>alert" not in page.text
    assert "Aún no hay preguntas" in page.text
    refused = _post(client_a, f"/admin/polls/{poll.id}/publish", {})
    assert refused.status_code == 422
    assert "Añade al menos una pregunta" in refused.text
    question = {
        "title": f"{HOSTILE} ¿Qué obra primero?",
        "description": "",
        "kind": "ranked",
        "max_choices": "",
        "answers": f"Pistas\n{HOSTILE}\n\nPuente  ",
    }
    added = _post(client_a, f"/admin/polls/{poll.id}/questions/new", question)
    assert added.status_code == 303, added.text[:2000]
    ((stored, answers),) = _questions(db, poll)
    assert stored.kind == "ranked"
    assert stored.max_choices == 3
    assert [answer.title for answer in answers] == ["Pistas", HOSTILE, "Puente"]
    published = _post(client_a, f"/admin/polls/{poll.id}/publish", {})
    assert published.status_code == 303
    poll = _only_poll(db, tenant_a)
    assert poll.published_at is not None
    assert poll.ballot_salt is not None
    with scoped_to(db, tenant_a.id):
        actions = db.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert [a for a in actions if a.startswith("polls.")] == [
        "polls.create",
        "polls.question_added",
        "polls.publish",
    ]
    shown = client_a.get(f"/polls/{poll.id}")
    assert "Esta votación viene de la propuesta" in shown.text
    assert "De 16 años o más" in shown.text
    assert f'href="/proposals/{proposal.id}"' in shown.text
    proposal_page = client_a.get(f"/proposals/{proposal.id}")
    assert f'href="/polls/{poll.id}"' in proposal_page.text
    # Back to draft before it opens, then deleted.
    assert _post(client_a, f"/admin/polls/{poll.id}/unpublish", {}).status_code == 303
    assert _post(client_a, f"/admin/polls/{poll.id}/delete", {}).status_code == 303
    with scoped_to(db, tenant_a.id):
        assert db.scalars(select(Poll)).all() == []
        assert db.scalars(select(PollAnswer)).all() == []


BAD_POLLS = [
    ({"title": "   "}, "title", "Escribe un título"),
    ({"title": ""}, "title", "Escribe un título"),
    ({"summary": ""}, "summary", "Escribe un resumen breve"),
    ({"closes_at": _lima(0)}, "closes_at", "La votación debe cerrarse después de abrirse"),
    ({"opens_at": "mañana"}, "opens_at", "Escribe una fecha y hora como"),
    ({"opens_at": "2026-02-30T10:00"}, "opens_at", "Escribe una fecha y hora como"),
    ({"closes_at": ""}, "closes_at", "Indica cuándo se cierra la votación"),
    ({"description": "x" * 2_000_000}, "description", "demasiado largo"),
    ({"min_age": "doce"}, "min_age", "Escribe una edad"),
    ({"voter_level": "everyone"}, "voter_level", "Elige una de las opciones"),
    ({"proposal_id": "999999"}, "proposal_id", "propuesta que alcanzó su meta"),
    ({"geozone_ids": ["999999"]}, "geozone_ids", "Elige zonas de la lista"),
]


@pytest.mark.parametrize(("changes", "field", "message"), BAD_POLLS)
def test_a_bad_poll_form_comes_back_422_with_what_was_typed(
    client_a: TestClient,
    db: Session,
    tenant_a: Tenant,
    changes: dict[str, Any],
    field: str,
    message: str,
) -> None:
    _signed_in_official(client_a, db, tenant_a)
    response = _post(client_a, "/admin/polls/new", _poll_form(**changes))
    assert response.status_code == 422
    assert template_name(response) == "polls/admin_form.html"
    assert field in context_of(response)["errors"]
    assert message in response.text
    assert ESCAPED in response.text  # the hostile summary typed is back, escaped
    assert "<script>alert" not in response.text
    with scoped_to(db, tenant_a.id):
        assert db.scalars(select(Poll)).all() == []


BAD_QUESTIONS = [
    ({"title": ""}, "title", "Escribe la pregunta"),
    ({"answers": "Sí"}, "answers", "al menos dos respuestas"),
    ({"answers": "Sí\nsí"}, "answers", "Dos respuestas son iguales"),
    ({"kind": "multiple", "max_choices": "3"}, "max_choices", "como máximo 2"),
    ({"kind": "ranked", "max_choices": "5"}, "max_choices", "como máximo 2"),
    ({"kind": "multiple", "max_choices": ""}, "max_choices", "cuántas respuestas"),
    ({"kind": "secret"}, "kind", "Elige una de las opciones"),
    ({"answers": "Sí\n" + "n" * 201}, "answers", "demasiado larga"),
    ({"description": "x" * 2_000_000}, "description", "demasiado larga"),
]


@pytest.mark.parametrize(("changes", "field", "message"), BAD_QUESTIONS)
def test_a_bad_question_comes_back_422_with_what_was_typed(
    client_a: TestClient,
    db: Session,
    tenant_a: Tenant,
    changes: dict[str, Any],
    field: str,
    message: str,
) -> None:
    poll = make_poll(db, tenant_a, published=False, questions=())
    _signed_in_official(client_a, db, tenant_a)
    form = {
        "title": f"{HOSTILE} ¿pregunta?",
        "description": "",
        "kind": "single",
        "max_choices": "",
        "answers": "Sí\nNo",
        **changes,
    }
    response = _post(client_a, f"/admin/polls/{poll.id}/questions/new", form)
    assert response.status_code == 422
    assert template_name(response) == "polls/admin_question.html"
    assert field in context_of(response)["errors"]
    assert message in response.text
    assert context_of(response)["form"]["answers"] == form["answers"]
    with scoped_to(db, tenant_a.id):
        assert db.scalars(select(PollQuestion)).all() == []


def _cast_one_vote(client: TestClient, db: Session, tenant: Tenant, poll: Poll) -> None:
    person = make_person(db, tenant)
    db.commit()
    assert person.user is not None
    sign_in(client, person.user)
    (question, answers), *_ = _questions(db, poll)
    data = {f"q{question.id}": str(answers[0].id), "csrf_token": csrf_of(client, "/polls")}
    assert client.post(f"/polls/{poll.id}/vote", data=data).status_code == 200


def test_after_the_first_ballot_only_the_wording_can_change(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    poll = make_poll(db, tenant_a, questions=(("single", 3),))
    opens, closes = poll.opens_at, poll.closes_at
    db.commit()
    _cast_one_vote(client_a, db, tenant_a, poll)
    admin = make_user(db, tenant_a, "administrator")
    db.commit()
    sign_in(client_a, admin)
    ((question, answers),) = _questions(db, poll)
    page = client_a.get(f"/admin/polls/{poll.id}")
    assert "solo se puede corregir la redacción" in page.text
    assert f"/admin/polls/{poll.id}/questions/new" not in page.text
    form = client_a.get(f"/admin/polls/{poll.id}/edit")
    assert 'name="opens_at"' not in form.text
    # Changed dates and level are ignored; the wording is saved.
    sent = _poll_form(title="Título corregido", closes_at=_lima(30), voter_level="registered")
    assert _post(client_a, f"/admin/polls/{poll.id}/edit", sent).status_code == 303
    saved = _only_poll(db, tenant_a)
    assert saved.title == "Título corregido"
    assert (aware(saved.opens_at), aware(saved.closes_at)) == (aware(opens), aware(closes))
    assert saved.voter_level == "verified"
    # A question: reworded answers are fine, one answer more or less is not.
    reworded = "\n".join(["Primera opción", "Segunda", "Tercera"])
    wording = {"title": "¿Pregunta corregida?", "description": "", "answers": reworded}
    assert (
        _post(
            client_a,
            f"/admin/polls/{poll.id}/questions/{question.id}",
            {**wording, "kind": "ranked"},
        ).status_code
        == 303
    )
    ((question, answers),) = _questions(db, poll)
    assert question.kind == "single"
    assert [a.title for a in answers] == ["Primera opción", "Segunda", "Tercera"]
    fewer = _post(
        client_a,
        f"/admin/polls/{poll.id}/questions/{question.id}",
        {**wording, "answers": "Primera opción\nSegunda"},
    )
    assert fewer.status_code == 422
    assert "mantén las mismas 3 respuestas" in fewer.text
    new_question = {"title": "¿Otra?", "kind": "single", "answers": "Sí\nNo"}
    added = _post(client_a, f"/admin/polls/{poll.id}/questions/new", new_question)
    assert added.status_code == 409
    assert "La votación empezó" in added.text
    deleted = _post(client_a, f"/admin/polls/{poll.id}/questions/{question.id}/delete", {})
    assert deleted.status_code == 409
    assert len(_questions(db, poll)) == 1
    # An open poll cannot go back to draft nor be deleted.
    assert _post(client_a, f"/admin/polls/{poll.id}/unpublish", {}).status_code == 403
    assert _post(client_a, f"/admin/polls/{poll.id}/delete", {}).status_code == 403


def test_questions_are_edited_moved_and_deleted_before_voting(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    poll = make_poll(db, tenant_a, published=False, questions=(("single", 2), ("multiple", 3, 2)))
    _signed_in_official(client_a, db, tenant_a)
    (first, first_answers), (second, _) = _questions(db, poll)
    edit = client_a.get(f"/admin/polls/{poll.id}/questions/{first.id}")
    assert edit.status_code == 200
    assert ESCAPED in edit.text
    changed = {
        "title": "¿Primera?",
        "description": "",
        "kind": "multiple",
        "max_choices": "2",
        "answers": "A\nB\nC",
    }
    assert (
        _post(client_a, f"/admin/polls/{poll.id}/questions/{first.id}", changed).status_code == 303
    )
    (edited, answers), _ = _questions(db, poll)
    assert (edited.kind, edited.max_choices) == ("multiple", 2)
    assert [a.title for a in answers] == ["A", "B", "C"]
    assert answers[0].id == first_answers[0].id  # kept ids of answers that stay
    moved = _post(
        client_a, f"/admin/polls/{poll.id}/questions/{second.id}/move", {"direction": "up"}
    )
    assert moved.status_code == 303
    assert [q.id for q, _ in _questions(db, poll)] == [second.id, first.id]
    deleted = _post(client_a, f"/admin/polls/{poll.id}/questions/{first.id}/delete", {})
    assert deleted.status_code == 303
    assert [q.id for q, _ in _questions(db, poll)] == [second.id]
    other = make_poll(db, tenant_a, published=False)
    db.commit()
    foreign = client_a.get(f"/admin/polls/{other.id}/questions/{second.id}")
    assert foreign.status_code == 404


def test_a_poll_past_its_closing_date_cannot_be_published(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    poll = make_poll(
        db, tenant_a, published=False, opens=timedelta(days=-3), closes=timedelta(days=-1)
    )
    _signed_in_official(client_a, db, tenant_a)
    refused = _post(client_a, f"/admin/polls/{poll.id}/publish", {})
    assert refused.status_code == 422
    assert "La fecha de cierre ya pasó" in refused.text
    assert _only_poll(db, tenant_a).published_at is None


def test_a_poll_with_booths_keeps_dni_voters_and_a_period_holding_its_booths(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    """Opening it to every registered account would let one person vote twice: with their
    account key online and with their DNI at a booth."""
    _signed_in_official(client_a, db, tenant_a)
    poll = make_poll(db, tenant_a, opens=timedelta(days=1), closes=timedelta(days=8))
    make_booth(db, tenant_a, poll, opens=timedelta(days=2), closes=timedelta(days=3))
    db.commit()
    path = f"/admin/polls/{poll.id}/edit"
    registered = _post(client_a, path, _poll_form(voter_level="registered"))
    assert registered.status_code == 422
    assert "quitar las mesas" in registered.text
    assert context_of(registered)["form"]["voter_level"] == "registered"
    shorter = _post(client_a, path, _poll_form(opens_at=_lima(1), closes_at=_lima(2)))
    assert shorter.status_code == 422
    assert "fuera del nuevo periodo de votación" in shorter.text
    assert _only_poll(db, tenant_a).voter_level == "verified"
    assert aware(_only_poll(db, tenant_a).closes_at) > utcnow() + timedelta(days=7)
    assert _post(client_a, path, _poll_form(closes_at=_lima(9))).status_code == 303
