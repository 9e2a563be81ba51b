"""Poll pages through the real routes: the list and its marks, a poll's page and its ballot,
the receipt, results and receipt codes after closing (and not before), escaping everywhere."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import scoped_to
from app.polls.closing import close_poll
from app.polls.models import Poll, PollBallot, PollVoter
from app.polls.repository import RECEIPTS_PAGE
from app.tenants.models import Tenant
from tests.factories import make_geozone
from tests.people import csrf_of, make_user, sign_in
from tests.polls.factories import make_booth, make_person, make_poll, questions_of
from tests.proposals.test_list import counted
from tests.rendering import context_of, template_name

ESCAPED = "&lt;script&gt;alert("
# The middleware's tenant and sign-in lookups, savepoints, the page's polls, the voter (account,
# resident, census entry), the roll entries under both keys and the zones of the listed polls.
MAX_STATEMENTS = 20


def _ballot_for(db: Session, poll: Poll) -> dict[str, str]:
    """A valid ballot: the first answer of every question (rank 1 for a ranking)."""
    form = {}
    for question, answers in questions_of(db, poll):
        if question.kind == "ranked":
            form[f"q{question.id}_rank{answers[0].id}"] = "1"
        else:
            form[f"q{question.id}"] = str(answers[0].id)
    return form


def _vote(client: TestClient, poll: Poll, ballot: dict[str, str]):
    data = {**ballot, "csrf_token": csrf_of(client, f"/polls/{poll.id}")}
    return client.post(f"/polls/{poll.id}/vote", data=data, follow_redirects=False)


def _count(db: Session, tenant: Tenant, model: type) -> int:
    with scoped_to(db, tenant.id):
        return db.scalar(select(func.count()).select_from(model)) or 0


def test_the_list_shows_open_upcoming_and_closed_polls_escaped(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    open_poll = make_poll(db, tenant_a)
    upcoming = make_poll(db, tenant_a, opens=timedelta(days=2), title="Próxima consulta")
    closed = make_poll(
        db, tenant_a, opens=timedelta(days=-9), closes=timedelta(days=-2), title="Cerrada"
    )
    draft = make_poll(db, tenant_a, published=False, title="Borrador secreto")
    db.commit()
    page = client_a.get("/polls")
    assert page.status_code == 200
    assert "Votaciones" in page.text
    assert f'href="/polls/{open_poll.id}"' in page.text
    assert "<script>alert" not in page.text
    assert ESCAPED in page.text
    assert "Próxima consulta" not in page.text
    assert "Borrador secreto" not in page.text
    assert "Próxima consulta" in client_a.get("/polls?state=upcoming").text
    closed_page = client_a.get("/polls?state=closed").text
    assert f'href="/polls/{closed.id}"' in closed_page
    assert f'href="/polls/{upcoming.id}"' not in closed_page
    assert client_a.get(f"/polls/{draft.id}").status_code == 404


def test_a_verified_resident_sees_the_ballot_votes_and_gets_a_receipt(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    poll = make_poll(db, tenant_a, questions=(("single", 3), ("multiple", 4, 2), ("ranked", 3)))
    person = make_person(db, tenant_a)
    db.commit()
    assert person.user is not None
    sign_in(client_a, person.user)
    listing = client_a.get("/polls")
    assert context_of(listing)["marks"] == {poll.id: "can_vote"}
    assert "Puedes votar" in listing.text
    page = client_a.get(f"/polls/{poll.id}")
    assert page.status_code == 200
    assert ESCAPED in page.text
    assert "<script>alert" not in page.text
    assert page.text.count("<fieldset") == 3
    assert page.text.count("<legend>") == 3
    assert 'type="radio"' in page.text
    assert 'type="checkbox"' in page.text
    assert "_rank" in page.text
    receipt = _vote(client_a, poll, _ballot_for(db, poll))
    assert receipt.status_code == 200, receipt.text[:1000]
    assert template_name(receipt) == "polls/receipt.html"
    code = context_of(receipt)["receipt"]
    assert code in receipt.text
    assert "Puedes cambiar tu voto hasta" in receipt.text
    assert receipt.headers["cache-control"] == "no-store"
    assert _count(db, tenant_a, PollBallot) == 1
    again = client_a.get(f"/polls/{poll.id}")
    assert "Votaste" in again.text
    assert code not in again.text
    assert context_of(client_a.get("/polls"))["marks"] == {poll.id: "voted"}
    # Voting again replaces the ballot: still one ballot, one roll entry, a new code.
    second = _vote(client_a, poll, _ballot_for(db, poll))
    assert second.status_code == 200
    assert context_of(second)["receipt"] != code
    assert _count(db, tenant_a, PollBallot) == 1
    assert _count(db, tenant_a, PollVoter) == 1


@pytest.mark.parametrize(
    ("ballot_of", "message"),
    [
        (lambda qs: {f"q{qs[0][0].id}": [str(a.id) for a in qs[0][1][:2]]}, "Elige solo una"),
        (lambda qs: {f"q{qs[0][0].id}": [str(qs[1][1][0].id)]}, "no pertenece"),
        (
            lambda qs: {
                f"q{qs[1][0].id}_rank{qs[1][1][0].id}": ["1"],
                f"q{qs[1][0].id}_rank{qs[1][1][1].id}": ["1"],
            },
            "número de orden distinto",
        ),
        (lambda qs: {}, "al menos una respuesta"),
    ],
    ids=["two-answers-to-single", "answer-of-another-question", "repeated-rank", "empty"],
)
def test_a_bad_ballot_is_422_with_the_form_and_nothing_stored(
    client_a: TestClient,
    db: Session,
    tenant_a: Tenant,
    ballot_of: object,
    message: str,
) -> None:
    poll = make_poll(db, tenant_a, questions=(("single", 3), ("ranked", 3)))
    person = make_person(db, tenant_a)
    db.commit()
    assert person.user is not None
    sign_in(client_a, person.user)
    ballot = ballot_of(questions_of(db, poll))  # type: ignore[operator]
    data = {**ballot, "csrf_token": csrf_of(client_a, f"/polls/{poll.id}")}
    response = client_a.post(f"/polls/{poll.id}/vote", data=data)
    assert response.status_code == 422
    assert template_name(response) == "polls/show.html"
    assert message in response.text
    assert 'id="f-ballot"' in response.text
    assert _count(db, tenant_a, PollBallot) == 0
    assert _count(db, tenant_a, PollVoter) == 0


def test_a_ballot_keeps_the_choices_when_it_comes_back(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    poll = make_poll(db, tenant_a, questions=(("multiple", 4, 2), ("ranked", 3)))
    person = make_person(db, tenant_a)
    db.commit()
    assert person.user is not None
    sign_in(client_a, person.user)
    (multiple, options), (ranked, ranks) = questions_of(db, poll)
    ballot = {
        f"q{multiple.id}": [str(a.id) for a in options[:3]],
        f"q{ranked.id}_rank{ranks[2].id}": ["1"],
    }
    data = {**ballot, "csrf_token": csrf_of(client_a, f"/polls/{poll.id}")}
    response = client_a.post(f"/polls/{poll.id}/vote", data=data)
    assert response.status_code == 422
    assert "como máximo 2" in response.text
    assert response.text.count(" checked>") == 3
    assert '<option value="1" selected>' in response.text


def test_people_who_may_not_vote_are_told_why(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    north = make_geozone(db, tenant_a, code="NORTE")
    poll = make_poll(db, tenant_a, geozones=[north], min_age=18)
    citizen = make_user(db, tenant_a)
    elsewhere = make_person(db, tenant_a, geozone_code="SUR")
    db.commit()
    anonymous = client_a.get(f"/polls/{poll.id}")
    assert "Inicia sesión para votar" in anonymous.text
    assert 'id="f-ballot"' not in anonymous.text
    assert "18" in anonymous.text
    sign_in(client_a, citizen)
    page = client_a.get(f"/polls/{poll.id}")
    assert "solo votan residentes verificados" in page.text
    assert 'href="/account/verify"' in page.text
    unverified = _vote(client_a, poll, _ballot_for(db, poll))
    assert unverified.status_code == 403
    assert "solo votan residentes verificados" in unverified.text
    client_a.post("/logout", data={"csrf_token": csrf_of(client_a)})
    assert elsewhere.user is not None
    sign_in(client_a, elsewhere.user)
    page = client_a.get(f"/polls/{poll.id}")
    assert "otras zonas" in page.text
    refused = _vote(client_a, poll, _ballot_for(db, poll))
    assert refused.status_code == 403
    assert "otras zonas" in refused.text
    upcoming = make_poll(db, tenant_a, opens=timedelta(days=1))
    ended = make_poll(db, tenant_a, opens=timedelta(days=-3), closes=timedelta(minutes=-1))
    db.commit()
    early = _vote(client_a, upcoming, _ballot_for(db, upcoming))
    assert early.status_code == 403
    assert "aún no se ha abierto" in early.text
    late = _vote(client_a, ended, _ballot_for(db, ended))
    assert late.status_code == 403
    assert "ya no se aceptan votos" in late.text
    assert _count(db, tenant_a, PollBallot) == 0


def test_results_receipts_and_exports_only_after_closing(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    poll = make_poll(db, tenant_a, questions=(("single", 2), ("ranked", 3)))
    person = make_person(db, tenant_a)
    admin = make_user(db, tenant_a, "administrator")
    db.commit()
    assert person.user is not None
    sign_in(client_a, person.user)
    code = context_of(_vote(client_a, poll, _ballot_for(db, poll)))["receipt"]
    paths = ("results", "receipts", "results.csv", "results.json", "ballots.json")
    sign_in(client_a, admin)  # staff see no more than anyone before closing
    for path in paths:
        hidden = client_a.get(f"/polls/{poll.id}/{path}")
        assert hidden.status_code == 403, path
        assert "Los resultados se publican cuando la votación cierra" in hidden.text
        assert code not in hidden.text
    with scoped_to(db, tenant_a.id):
        stored = db.get(Poll, poll.id)
        assert stored is not None
        stored.closes_at = datetime.now(UTC) - timedelta(seconds=1)
        db.flush()
        counting = client_a.get(f"/polls/{poll.id}/results")
        assert counting.status_code == 403
        assert "se están contando" in counting.text
        close_poll(db, stored, datetime.now(UTC))
        db.commit()
    results = client_a.get(f"/polls/{poll.id}/results")
    assert results.status_code == 200
    assert ESCAPED in results.text
    assert "<script>alert" not in results.text
    assert "Participación" in results.text
    assert "Rondas del conteo" in results.text
    # The code is posted, never put in the address (proxy logs, a shared device's history).
    receipts_path = f"/polls/{poll.id}/receipts"
    receipts_page = client_a.get(receipts_path)
    assert f'method="post" action="{receipts_path}"' in receipts_page.text
    in_address = client_a.get(receipts_path, params={"code": code})
    assert "está entre los votos contados" not in in_address.text
    token = csrf_of(client_a, receipts_path)
    found = client_a.post(receipts_path, data={"code": code.lower(), "csrf_token": token})
    assert found.status_code == 200
    assert code in found.text
    assert "está entre los votos contados" in found.text
    missing = client_a.post(receipts_path, data={"code": "0000-0000-0000", "csrf_token": token})
    assert "Ningún voto contado" in missing.text
    assert client_a.post(receipts_path, data={"code": code}).status_code == 403  # no CSRF token
    csv_export = client_a.get(f"/polls/{poll.id}/results.csv")
    assert csv_export.status_code == 200
    assert csv_export.headers["content-type"].startswith("text/csv")
    assert json.loads(client_a.get(f"/polls/{poll.id}/results.json").text)["ballots"] == 1
    ballots = client_a.get(f"/polls/{poll.id}/ballots.json")
    assert ballots.status_code == 200
    assert code not in ballots.text
    shown = client_a.get(f"/polls/{poll.id}")
    assert f'href="/polls/{poll.id}/results"' in shown.text


def test_the_list_runs_a_fixed_number_of_queries(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    zones = [make_geozone(db, tenant_a, code=f"Z{i}") for i in range(3)]
    for i in range(30):
        make_poll(db, tenant_a, geozones=zones[: i % 3], min_age=18 if i % 2 else None)
    for _ in range(5):
        make_poll(db, tenant_a, opens=timedelta(days=3))
    person = make_person(db, tenant_a, geozone_code="Z1")
    db.commit()
    assert person.user is not None
    sign_in(client_a, person.user)
    engine = db.get_bind()
    with counted(engine.engine) as statements:
        full = client_a.get("/polls")
    assert full.status_code == 200
    assert len(context_of(full)["polls"]) == 25
    assert "can_vote" in context_of(full)["marks"].values()
    assert len(statements) <= MAX_STATEMENTS, "\n".join(statements)
    with counted(engine.engine) as fewer:
        upcoming = client_a.get("/polls?state=upcoming")
    assert len(context_of(upcoming)["polls"]) == 5
    assert len(fewer) <= len(statements)
    with counted(engine.engine) as again:
        client_a.get("/polls?page=2")
    assert len(again) == len(statements)  # 5 open polls cost what 25 do


def test_a_desk_manager_acting_for_someone_cannot_vote_for_them(
    client_a: TestClient, db: Session, tenant_a: Tenant, settings: Settings
) -> None:
    from tests.desk.test_desk import _serve

    poll = make_poll(db, tenant_a)
    registered_poll = make_poll(db, tenant_a, voter_level="registered")
    manager = make_user(db, tenant_a, "desk_manager")
    db.commit()
    sign_in(client_a, manager)
    person = _serve(client_a, db, tenant_a, settings, "40999777")
    client_a.post("/desk/act", data={"user_id": str(person), "csrf_token": csrf_of(client_a)})
    page = client_a.get(f"/polls/{poll.id}")
    assert "El voto es secreto: nadie vota por otra persona" in page.text
    assert 'id="f-ballot"' not in page.text
    for target in (poll, registered_poll):
        refused = _vote(client_a, target, _ballot_for(db, target))
        assert refused.status_code == 403
    assert _count(db, tenant_a, PollBallot) == 0
    assert _count(db, tenant_a, PollVoter) == 0


def test_receipt_codes_are_listed_page_after_page(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    poll = make_poll(db, tenant_a, opens=timedelta(days=-3), closes=timedelta(days=-1))
    ((question, answers),) = questions_of(db, poll)
    with scoped_to(db, tenant_a.id):
        for number in range(RECEIPTS_PAGE + 1):
            code = f"{number:012d}"
            db.add(
                PollBallot(
                    receipt=f"{code[:4]}-{code[4:8]}-{code[8:]}",
                    poll_id=poll.id,
                    channel="web",
                    choices=f"{question.id}:{answers[0].id}",
                )
            )
        db.flush()
        close_poll(db, poll, datetime.now(UTC))
    db.commit()
    first = client_a.get(f"/polls/{poll.id}/receipts")
    assert len(context_of(first)["receipts"]) == RECEIPTS_PAGE
    assert "Se contaron 201 votos" in first.text
    next_after = context_of(first)["next_after"]
    assert f"?after={next_after}" in first.text
    rest = client_a.get(f"/polls/{poll.id}/receipts", params={"after": next_after})
    assert context_of(rest)["receipts"] == ["0000-0000-0200"]
    assert context_of(rest)["next_after"] is None


def test_the_page_mentions_booths_only_when_the_poll_has_some(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    with_booth = make_poll(db, tenant_a)
    make_booth(db, tenant_a, with_booth)
    without = make_poll(db, tenant_a)
    db.commit()
    booth_line = "También puedes votar en persona en una mesa de votación"
    assert booth_line in client_a.get(f"/polls/{with_booth.id}").text
    assert booth_line not in client_a.get(f"/polls/{without.id}").text
