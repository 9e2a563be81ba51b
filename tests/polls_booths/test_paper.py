"""The paper count: totals per answer and papers in the box, typed rankings, then confirmed."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.db import scoped_to
from app.polls.models import PollAnswer, PollBallot, PollBooth, PollPaperTotal, PollQuestion
from app.polls.tally import published_results
from app.tenants.models import Tenant
from tests.polls.factories import make_poll, questions_of
from tests.polls_booths.helpers import booth_in_phase, fresh_booth, officer_at, poll_of, post

Sheet = list[tuple[PollQuestion, list[PollAnswer]]]
QUESTIONS: list[tuple[str, int] | tuple[str, int, int]] = [
    ("single", 2),
    ("multiple", 3, 2),
    ("ranked", 3),
]


def _totals(db: Session, tenant: Tenant) -> dict[tuple[int, int], int]:
    with scoped_to(db, tenant.id):
        rows = db.scalars(select(PollPaperTotal)).all()
    return {(row.question_id, row.answer_id): row.votes for row in rows}


def _setup(
    db: Session, tenant: Tenant, client: TestClient, *, closed: bool = False
) -> tuple[PollBooth, Sheet]:
    if closed:
        poll = make_poll(
            db,
            tenant,
            opens=timedelta(days=-2),
            closes=timedelta(hours=-1),
            closed=True,
            questions=QUESTIONS,
        )
        booth = booth_in_phase(db, tenant, "after", poll=poll)
    else:
        booth = booth_in_phase(db, tenant, "after", questions=QUESTIONS)
    officer_at(db, tenant, client, booth)
    return booth, questions_of(db, poll_of(db, tenant, booth))


def _count_form(questions: Sheet, papers: str, votes: list[list[str]]) -> dict[str, str]:
    form = {"paper_ballots": papers}
    for (question, answers), numbers in zip(questions, votes, strict=False):
        for answer, number in zip(answers, numbers, strict=True):
            form[f"q{question.id}_a{answer.id}"] = number
    return form


def test_totals_are_saved_corrected_and_confirmed(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    booth, questions = _setup(db, tenant_a, client_a)
    (single, yes_no), (_multiple, _picks), _ranked = questions
    page = client_a.get(f"/booths/{booth.id}/paper")
    assert page.status_code == 200
    assert "en el ánfora" in page.text
    assert "&lt;script&gt;" in page.text
    assert "<script>alert" not in page.text
    form = _count_form(questions, "10", [["6", "3"], ["4", "7", "2"]])
    assert post(client_a, f"/booths/{booth.id}/paper", form).status_code == 303
    assert _totals(db, tenant_a)[(single.id, yes_no[0].id)] == 6
    assert fresh_booth(db, tenant_a, booth.id).paper_ballots == 10
    form[f"q{single.id}_a{yes_no[0].id}"] = "7"
    assert post(client_a, f"/booths/{booth.id}/paper", form).status_code == 303
    assert _totals(db, tenant_a)[(single.id, yes_no[0].id)] == 7
    assert len(_totals(db, tenant_a)) == 5
    assert post(client_a, f"/booths/{booth.id}/paper/confirm").status_code == 303
    confirmed = fresh_booth(db, tenant_a, booth.id)
    assert confirmed.paper_reported_at is not None
    assert "fue confirmado" in client_a.get(f"/booths/{booth.id}/paper").text
    # Confirmed: no more changes.
    form[f"q{single.id}_a{yes_no[0].id}"] = "1"
    assert post(client_a, f"/booths/{booth.id}/paper", form).status_code == 403
    assert _totals(db, tenant_a)[(single.id, yes_no[0].id)] == 7
    with scoped_to(db, tenant_a.id):
        actions = db.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("polls.booth_paper%"))
        ).all()
        details = db.scalars(
            select(AuditEntry.details).where(AuditEntry.action.like("polls.booth_paper%"))
        ).all()
    assert sorted(actions) == [
        "polls.booth_paper_confirmed",
        "polls.booth_paper_saved",
        "polls.booth_paper_saved",
    ]
    assert all(not detail for detail in details)  # the log never holds the votes


def _refused(
    db: Session, tenant: Tenant, client: TestClient, booth: PollBooth, form: dict[str, str]
) -> str:
    response = post(client, f"/booths/{booth.id}/paper", form)
    assert response.status_code == 422
    assert _totals(db, tenant) == {}
    assert fresh_booth(db, tenant, booth.id).paper_ballots is None
    return response.text


def test_a_wrong_count_stores_nothing(db: Session, tenant_a: Tenant, client_a: TestClient) -> None:
    booth, questions = _setup(db, tenant_a, client_a)
    (single, _yes_no), (_multiple, picks), _ranked = questions
    negative = _count_form(questions, "10", [["-1", "3"], ["4", "7", "2"]])
    text = _refused(db, tenant_a, client_a, booth, negative)
    assert "Escribe un número entero, 0 o más" in text
    assert 'value="-1"' in text  # the officer's input comes back
    not_a_number = _count_form(questions, "10", [["seis", "3"], ["4", "7", "2"]])
    _refused(db, tenant_a, client_a, booth, not_a_number)
    # An answer of the multiple question sent as one of the single question.
    foreign = _count_form(questions, "10", [["6", "3"], ["4", "7", "2"]])
    foreign[f"q{single.id}_a{picks[0].id}"] = "1"
    assert "no es de su pregunta" in _refused(db, tenant_a, client_a, booth, foreign)
    too_many = _count_form(questions, "5", [["6", "3"], ["4", "7", "2"]])
    assert "suman 9 votos" in _refused(db, tenant_a, client_a, booth, too_many)
    no_papers = _count_form(questions, "", [["0", "0"], ["0", "0", "0"]])
    assert "cuántas cédulas había" in _refused(db, tenant_a, client_a, booth, no_papers)


def test_typed_ranked_papers(db: Session, tenant_a: Tenant, client_a: TestClient) -> None:
    booth, questions = _setup(db, tenant_a, client_a)
    _single, _multiple, (ranked, options) = questions
    ranking = {f"q{ranked.id}_rank{options[2].id}": "1", f"q{ranked.id}_rank{options[0].id}": "2"}
    assert post(client_a, f"/booths/{booth.id}/paper/ballots", ranking).status_code == 303
    with scoped_to(db, tenant_a.id):
        [ballot] = db.scalars(select(PollBallot)).all()
    assert (ballot.channel, ballot.booth_id) == ("paper", booth.id)
    assert ballot.choices == f"{ranked.id}:{options[2].id}>{options[0].id}"
    repeated = {f"q{ranked.id}_rank{options[2].id}": "1", f"q{ranked.id}_rank{options[0].id}": "1"}
    assert post(client_a, f"/booths/{booth.id}/paper/ballots", repeated).status_code == 422
    page = client_a.get(f"/booths/{booth.id}/paper")
    assert "1 cédula ingresada" in page.text
    removed = post(
        client_a, f"/booths/{booth.id}/paper/ballots/remove", {"receipt": ballot.receipt}
    )
    assert removed.status_code == 303
    with scoped_to(db, tenant_a.id):
        assert db.scalars(select(PollBallot)).all() == []


def test_every_change_refreshes_a_closed_polls_results(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    booth, questions = _setup(db, tenant_a, client_a, closed=True)
    (single, _yes_no), _multiple, (ranked, options) = questions
    form = _count_form(questions, "10", [["6", "3"], ["4", "7", "2"]])
    assert post(client_a, f"/booths/{booth.id}/paper", form).status_code == 303
    results = published_results(poll_of(db, tenant_a, booth))
    assert results is not None
    first = next(q for q in results.questions if q.question_id == single.id)
    assert first.answers[0].votes == 6
    assert first.answers[0].by_channel.get("paper") == 6
    ranking = {f"q{ranked.id}_rank{options[1].id}": "1"}
    assert post(client_a, f"/booths/{booth.id}/paper/ballots", ranking).status_code == 303
    results = published_results(poll_of(db, tenant_a, booth))
    assert results is not None
    third = next(q for q in results.questions if q.question_id == ranked.id)
    assert next(a for a in third.answers if a.answer_id == options[1].id).votes == 1


def test_no_paper_count_before_the_booth_closes(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    booth = booth_in_phase(db, tenant_a, "during")
    officer_at(db, tenant_a, client_a, booth)
    assert client_a.get(f"/booths/{booth.id}/paper").status_code == 409
    assert post(client_a, f"/booths/{booth.id}/paper", {"paper_ballots": "1"}).status_code == 403
