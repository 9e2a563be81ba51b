"""Voiding a paper ballot typed in by mistake: who may, when (every kind of person × every
phase, through the real route), what stays (an audit entry without the person or the
projects), and that the person can then be entered again."""

from __future__ import annotations

import json
import secrets

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.audit.models import AuditEntry
from app.authz.core import can
from app.authz.principal import Principal
from app.budgets import paper_ballots
from app.budgets.models import PHASES, Budget, BudgetBallot, BudgetBallotLine, BudgetHeading
from app.budgets.permissions import EnteredPaperBallot
from app.config import Settings
from app.db import scoped_to, utcnow
from app.errors import Conflict
from app.i18n import translate
from app.tenants.models import Tenant
from tests.authz.matrix import ALL_KINDS, Action, answer, person_for
from tests.budgets.ballot_helpers import ballot_budget, ballots_of, lines_of, post
from tests.conftest import client_for
from tests.people import make_user, sign_in
from tests.polls.factories import make_person
from tests.rendering import context_of

REASON = "Proyectos mal marcados <script>alert(1)</script> — ñawpa 🗳️"
VOID_KINDS = frozenset({"poll_officer", "administrator"})
# Every phase, and reviewing ballots once more with the heading's results published.
PUBLISHED = "reviewing_ballots+results"
MATRIX_PHASES = (*PHASES, PUBLISHED)
VOID_PHASES = frozenset({"balloting", "reviewing_ballots"})
VOIDED_MESSAGE = "The paper ballot has been voided. The person may be entered again."
RESULTS_PUBLISHED = (
    "The results of this heading are published: its ballots can no longer be voided."
)


def _es(message: str, **values: object) -> str:
    """A message as a Spanish page shows it (the msgid itself until it is translated)."""
    return str(escape(translate("es", message, values or None)))


def _paper_ballot(
    db: Session, tenant: Tenant, heading: BudgetHeading, project_ids: list[int], officer_id: int
) -> int:
    """A paper ballot as ``record_paper_ballot`` leaves it, for a person nobody else has."""
    with scoped_to(db, tenant.id):
        now = utcnow()
        ballot = BudgetBallot(
            heading_id=heading.id,
            group_id=heading.group_id,
            voter_key=secrets.token_hex(32),
            channel="paper",
            recorded_by_id=officer_id,
            created_at=now,
            updated_at=now,
        )
        db.add(ballot)
        db.flush()
        db.add_all(BudgetBallotLine(ballot_id=ballot.id, project_id=pid) for pid in project_ids)
        db.commit()
        return ballot.id


def _void_url(budget: Budget, ballot_id: int) -> str:
    return f"/budgets/{budget.id}/paper/ballots/{ballot_id}/void"


def _voided_entries(db: Session, tenant: Tenant) -> list[AuditEntry]:
    with scoped_to(db, tenant.id):
        statement = select(AuditEntry).where(AuditEntry.action == "budgets.paper_ballot_voided")
        return list(db.scalars(statement.order_by(AuditEntry.id)))


def _publish(db: Session, tenant: Tenant, heading: BudgetHeading) -> None:
    with scoped_to(db, tenant.id):
        heading.results_json = json.dumps({"funded": []})
        db.commit()


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_the_voiding_matrix(client_a: TestClient, db: Session, tenant_a: Tenant, kind: str) -> None:
    """The officer who entered a ballot, or an administrator, voids it while balloting and in
    reviewing ballots until the heading's results are published; nobody else, never."""
    person = person_for(kind, db, tenant_a)
    other_officer = make_user(db, tenant_a, "poll_officer")
    db.commit()
    if person is not None:
        sign_in(client_a, person)  # type: ignore[arg-type]
    # A ballot "entered" by the person asking (the role, not the column, must decide), and one
    # entered by another officer.
    own_recorder = person.id if isinstance(person, User) else other_officer.id
    for phase in MATRIX_PHASES:
        budget, headings, projects = ballot_budget(
            db, tenant_a, phase=phase.removesuffix("+results")
        )
        heading = headings[0]
        if phase == PUBLISHED:
            _publish(db, tenant_a, heading)
        chosen = [projects[heading.id][0].id]
        own = _paper_ballot(db, tenant_a, heading, chosen, own_recorder)
        others = _paper_ballot(db, tenant_a, heading, chosen, other_officer.id)
        for whose, ballot_id in (("own", own), ("other", others)):
            url = _void_url(budget, ballot_id)
            action = Action(f"void {whose}", "POST", url, frozenset(), {"reason": REASON})
            status = answer(client_a, action, url)
            remaining = {ballot.id for ballot in ballots_of(db, tenant_a)}
            where = f"{kind} voids {whose} ballot in {phase}: {status}"
            allowed = phase in VOID_PHASES and (
                kind == "administrator" or (kind == "poll_officer" and whose == "own")
            )
            if allowed:
                assert status == 303, f"refused: {where}"
                assert ballot_id not in remaining, where
            else:
                assert status in ({303, 401} if kind == "anonymous" else {403}), where
                assert ballot_id in remaining, f"voided: {where}"


def _principal(*roles: str, user_id: int = 7) -> Principal:
    return Principal(
        user_id=user_id,
        display_name="Rosa",
        roles=frozenset(roles),
        resident_id=None,
        is_organization=False,
    )


def test_the_voiding_rule() -> None:
    officer, admin = _principal("poll_officer"), _principal("administrator", user_id=8)
    for phase in PHASES:
        budget = Budget(phase=phase, published_at=utcnow())
        for published in (False, True):
            open_now = phase == "balloting" or (phase == "reviewing_ballots" and not published)
            own = EnteredPaperBallot(budget, officer.user_id, published)
            others = EnteredPaperBallot(budget, 99, published)
            assert can(officer, "budgets.void_paper_ballot", own) is open_now
            assert not can(officer, "budgets.void_paper_ballot", others)
            assert can(admin, "budgets.void_paper_ballot", others) is open_now
            # Once an officer, but no longer: the column alone grants nothing.
            assert not can(_principal("desk_manager"), "budgets.void_paper_ballot", own)
            assert not can(None, "budgets.void_paper_ballot", own)
        draft = Budget(phase=phase, published_at=None)
        assert not can(admin, "budgets.void_paper_ballot", EnteredPaperBallot(draft, 8, False))
    assert not can(admin, "budgets.void_paper_ballot", object())


def test_an_officer_voids_a_mistyped_ballot_and_enters_it_again(
    client_a: TestClient, db: Session, tenant_a: Tenant, settings: Settings, app: FastAPI
) -> None:
    budget, headings, projects = ballot_budget(db, tenant_a)
    heading = headings[0]
    person = make_person(db, tenant_a, census_secret=settings.census_secret)
    officer = make_user(db, tenant_a, "poll_officer")
    db.commit()
    sign_in(client_a, officer)
    identity = {
        "dni": person.dni,
        "birth_date": person.born_on.isoformat(),
        "heading_id": str(heading.id),
    }
    wrong = [str(p.id) for p in projects[heading.id][:2]]
    paper = f"/budgets/{budget.id}/paper/ballots"
    assert post(client_a, paper, {**identity, "project": wrong}).status_code == 303
    [ballot] = ballots_of(db, tenant_a)
    ballot_id = ballot.id
    page = client_a.get(f"/budgets/{budget.id}/paper")
    assert [item.id for item in context_of(page)["entered"]] == [ballot_id]
    assert _void_url(budget, ballot_id) in page.text
    assert "<script>alert(1)</script>" not in page.text
    assert _es("Void this paper ballot") in page.text
    voided = post(client_a, _void_url(budget, ballot_id), {"reason": f"  {REASON}\n"})
    assert voided.status_code == 303
    assert ballots_of(db, tenant_a) == []
    with scoped_to(db, tenant_a.id):
        assert list(db.scalars(select(BudgetBallotLine))) == []
    after = client_a.get(voided.headers["location"])
    assert context_of(after)["entered"] == []
    assert _es(VOIDED_MESSAGE) in after.text
    # The audit keeps who, when, why and where; not the person nor what they chose.
    [entry] = _voided_entries(db, tenant_a)
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        officer.id,
        "budget_ballot",
        str(ballot_id),
    )
    assert entry.details["reason"] == REASON
    assert entry.details["heading"] == heading.id
    assert entry.details["budget"] == budget.id
    assert entry.details["projects"] == 2
    assert entry.details["entered_by"] == officer.id
    written = json.dumps(entry.details)
    for secret in (person.dni, person.dni_digest, *(f'"{pid}"' for pid in wrong)):
        assert secret not in written
    assert set(entry.details) == {
        "budget",
        "heading",
        "reason",
        "projects",
        "entered_by",
        "entered_at",
    }
    # Entered again, correctly; the one-ballot rule holds again afterwards.
    right = str(projects[heading.id][3].id)
    assert post(client_a, paper, {**identity, "project": right}).status_code == 303
    [again] = ballots_of(db, tenant_a)
    assert lines_of(db, tenant_a, again) == {int(right)}
    assert post(client_a, paper, {**identity, "project": wrong[0]}).status_code == 409
    with client_for(app, "alfa.test") as resident:
        assert person.user is not None
        sign_in(resident, person.user)
        url = f"/budgets/{budget.id}/ballot/{heading.id}/add"
        assert post(resident, url, {"project_id": wrong[0]}).status_code == 409


def test_bad_void_requests_change_nothing(
    client_a: TestClient, db: Session, tenant_a: Tenant, app: FastAPI
) -> None:
    budget, headings, projects = ballot_budget(db, tenant_a)
    other_budget, other_headings, other_projects = ballot_budget(db, tenant_a)
    heading = headings[0]
    officer = make_user(db, tenant_a, "poll_officer")
    db.commit()
    sign_in(client_a, officer)
    chosen = [projects[heading.id][0].id]
    ballot_id = _paper_ballot(db, tenant_a, heading, chosen, officer.id)
    elsewhere = _paper_ballot(
        db, tenant_a, other_headings[0], [other_projects[other_headings[0].id][0].id], officer.id
    )
    with scoped_to(db, tenant_a.id):
        web = BudgetBallot(
            heading_id=heading.id,
            group_id=heading.group_id,
            voter_key=secrets.token_hex(32),
            channel="web",
        )
        db.add(web)
        db.commit()
        web_id = web.id
    before = {ballot.id for ballot in ballots_of(db, tenant_a)}
    url = _void_url(budget, ballot_id)
    for reason in ("", "   \n "):
        missing = post(client_a, url, {"reason": reason})
        assert missing.status_code == 422
        assert _es(paper_ballots.VOID_REASON_MISSING) in missing.text
        context = context_of(missing)
        assert context["voiding"] == ballot_id
        assert f"reason-{ballot_id}" in context["errors"]
        assert 'aria-invalid="true"' in missing.text
    long = "x" * 301
    too_long = post(client_a, url, {"reason": long})
    assert too_long.status_code == 422
    assert f'value="{long}"' in too_long.text
    assert _es(paper_ballots.VOID_REASON_TOO_LONG, max=300) in too_long.text
    unknown = _es(paper_ballots.NO_SUCH_PAPER_BALLOT)
    cases = [
        ("unknown id", _void_url(budget, 2**31 - 1), 404, unknown),
        ("a web ballot", _void_url(budget, web_id), 404, unknown),
        (
            "another budget's",
            _void_url(budget, elsewhere),
            404,
            _es(paper_ballots.NO_SUCH_PAPER_BALLOT),
        ),
        # Past the database's INTEGER ids: refused before any query (PostgreSQL would fail).
        ("too large an id", _void_url(budget, 2**31), 422, ""),
        ("too large a budget id", f"/budgets/{10**12}/paper/ballots/{ballot_id}/void", 422, ""),
        ("not a number", f"/budgets/{budget.id}/paper/ballots/uno/void", 422, ""),
        ("zero", _void_url(budget, 0), 422, ""),
    ]
    for case, path, status, text in cases:
        response = post(client_a, path, {"reason": REASON})
        assert response.status_code == status, f"{case}: {response.status_code}"
        assert text in response.text, case
    assert {ballot.id for ballot in ballots_of(db, tenant_a)} == before
    assert _voided_entries(db, tenant_a) == []
    # Voided once; the second (a double click, a second tab) is told so, with the form kept.
    assert post(client_a, url, {"reason": REASON}).status_code == 303
    twice = post(client_a, url, {"reason": REASON})
    assert twice.status_code == 409
    assert _es(paper_ballots.ALREADY_VOIDED) in twice.text
    assert context_of(twice)["form"] == {"reason": REASON}
    assert len(_voided_entries(db, tenant_a)) == 1
    # The other budget's void entry does not make this one "already voided".
    assert post(client_a, _void_url(other_budget, ballot_id), {"reason": REASON}).status_code == 404


def test_two_voids_at_once_delete_the_ballot_once(db: Session, tenant_a: Tenant) -> None:
    """The second of two requests that both found the ballot: its conditional delete finds
    nothing and it is refused, instead of failing or voiding anything else."""
    _budget, headings, projects = ballot_budget(db, tenant_a)
    officer = make_user(db, tenant_a, "poll_officer")
    db.commit()
    heading = headings[0]
    ballot_id = _paper_ballot(db, tenant_a, heading, [projects[heading.id][0].id], officer.id)
    keep = _paper_ballot(db, tenant_a, heading, [projects[heading.id][1].id], officer.id)
    with scoped_to(db, tenant_a.id):
        found = db.get(BudgetBallot, ballot_id)
        assert found is not None
        voter_key = found.voter_key
        assert paper_ballots.void_paper_ballot(db, ballot_id, voter_key) == 1
        with pytest.raises(Conflict):
            paper_ballots.void_paper_ballot(db, ballot_id, voter_key)
        db.commit()
    assert [ballot.id for ballot in ballots_of(db, tenant_a)] == [keep]


def test_the_list_is_the_officers_own_latest_first_a_page_at_a_time(
    client_a: TestClient, db: Session, tenant_a: Tenant, app: FastAPI
) -> None:
    budget, headings, projects = ballot_budget(db, tenant_a)
    heading = headings[0]
    officer = make_user(db, tenant_a, "poll_officer")
    colleague = make_user(db, tenant_a, "poll_officer")
    db.commit()
    chosen = [projects[heading.id][0].id]
    mine = [_paper_ballot(db, tenant_a, heading, chosen, officer.id) for _ in range(23)]
    theirs = _paper_ballot(db, tenant_a, heading, chosen, colleague.id)
    sign_in(client_a, officer)
    first = client_a.get(f"/budgets/{budget.id}/paper")
    listed = [item.id for item in context_of(first)["entered"]]
    assert listed == mine[::-1][:20]
    assert context_of(first)["has_next"]
    assert f"/budgets/{budget.id}/paper?page=2" in first.text
    second = client_a.get(f"/budgets/{budget.id}/paper?page=2")
    assert [item.id for item in context_of(second)["entered"]] == mine[::-1][20:]
    assert not context_of(second)["has_next"]
    assert client_a.get(f"/budgets/{budget.id}/paper?page=x").status_code == 200
    assert theirs not in listed
    # A void from page 2 comes back to page 2.
    back = post(client_a, _void_url(budget, mine[0]), {"reason": REASON, "page": "2"})
    assert back.headers["location"] == f"/budgets/{budget.id}/paper?page=2"
    # An administrator sees every officer's ballots, without the look-up form.
    admin = make_user(db, tenant_a, "administrator")
    db.commit()
    with client_for(app, "alfa.test") as staff:
        sign_in(staff, admin)
        page = staff.get(f"/budgets/{budget.id}/paper")
        assert page.status_code == 200
        context = context_of(page)
        assert context["entered"][0].id == theirs
        assert context["entered"][0].officer_name == colleague.display_name
        assert not context["may_enter"]
        assert f"/budgets/{budget.id}/paper/lookup" not in page.text
        # Results published in reviewing ballots: listed, no longer voidable.
        with scoped_to(db, tenant_a.id):
            budget.phase = "reviewing_ballots"
            db.commit()
        _publish(db, tenant_a, heading)
        closed = staff.get(f"/budgets/{budget.id}/paper")
        assert "/void" not in closed.text
        assert _es(RESULTS_PUBLISHED) in closed.text
        refused = post(staff, _void_url(budget, theirs), {"reason": REASON})
        assert refused.status_code == 403
    assert theirs in {ballot.id for ballot in ballots_of(db, tenant_a)}


def test_another_instance_cannot_void_ballots_here(
    client_b: TestClient, db: Session, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    budget, headings, projects = ballot_budget(db, tenant_a)
    heading = headings[0]
    officer = make_user(db, tenant_a, "poll_officer")
    db.commit()
    ballot_id = _paper_ballot(db, tenant_a, heading, [projects[heading.id][0].id], officer.id)
    own_budget, _, _ = ballot_budget(db, tenant_b)
    admin = make_user(db, tenant_b, "administrator", "poll_officer")
    db.commit()
    sign_in(client_b, admin)
    assert post(client_b, _void_url(budget, ballot_id), {"reason": REASON}).status_code == 404
    # Nor under its own budget's address.
    assert post(client_b, _void_url(own_budget, ballot_id), {"reason": REASON}).status_code == 404
    assert [ballot.id for ballot in ballots_of(db, tenant_a)] == [ballot_id]
    assert _voided_entries(db, tenant_a) == []


def test_the_budget_page_links_each_kind_of_staff_to_the_paper_ballots(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget, _headings, _projects = ballot_budget(db, tenant_a)
    people = {
        "officer": make_user(db, tenant_a, "poll_officer"),
        "administrator": make_user(db, tenant_a, "administrator"),
        "resident": make_user(db, tenant_a, verified=True),
    }
    db.commit()
    expected = {
        "officer": _es("Enter paper ballots"),
        "administrator": _es("Paper ballots entered"),
        "resident": None,
    }
    for who, person in people.items():
        sign_in(client_a, person)
        page = client_a.get(f"/budgets/{budget.id}")
        assert page.status_code == 200
        link = f'<a href="/budgets/{budget.id}/paper">'
        if expected[who] is None:
            assert link not in page.text, who
        else:
            assert f"{link}{expected[who]}</a>" in page.text, who
