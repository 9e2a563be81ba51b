"""Publishing a budget's results through the real routes: each heading counted by the budget's
rule, stored, the funded projects marked, audited; the public results page with its chart;
refusals that change nothing."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.budgets.models import Budget, BudgetBallot, BudgetBallotLine, BudgetHeading, BudgetProject
from app.db import scoped_to
from app.tenants.models import Tenant
from tests.budgets.factories import headings_of, make_budget, make_project
from tests.factories import HOSTILE
from tests.people import csrf_of, make_user, sign_in
from tests.rendering import context_of

ESCAPED = "&lt;script&gt;alert("


def add_ballots(
    db: Session,
    heading: BudgetHeading,
    choices: Sequence[Sequence[BudgetProject]],
    *,
    prefix: str = "voter",
) -> list[BudgetBallot]:
    """One ballot per entry of ``choices`` (paper for every third), with those projects."""
    ballots = []
    with scoped_to(db, heading.tenant_id):
        for number, projects in enumerate(choices):
            ballot = BudgetBallot(
                heading_id=heading.id,
                group_id=heading.group_id,
                voter_key=f"{prefix}-{number:06d}-secret-key",
                channel="paper" if number % 3 == 2 else "web",
            )
            db.add(ballot)
            db.flush()
            db.add_all(BudgetBallotLine(ballot_id=ballot.id, project_id=p.id) for p in projects)
            ballots.append(ballot)
        db.flush()
    return ballots


def counted_budget(
    db: Session,
    tenant: Tenant,
    *,
    rule: str = "greedy",
    phase: str = "reviewing_ballots",
    amount: int = 100,
    prices: Sequence[int | None] = (50, 50, 50),
) -> tuple[Budget, BudgetHeading, list[BudgetProject]]:
    """A budget with one heading of ``amount`` and a selected project per price."""
    budget = make_budget(db, tenant, phase=phase, rule=rule, groups=((f"{HOSTILE} G", (amount,)),))
    (heading,) = headings_of(db, budget)
    projects = []
    for number, price in enumerate(prices):
        project = make_project(db, heading, title=f"{HOSTILE} obra {number}", price=price)
        with scoped_to(db, tenant.id):
            project.selected = True
            project.feasibility = "feasible"
        projects.append(project)
    db.flush()
    return budget, heading, projects


def small_election(
    db: Session, tenant: Tenant, rule: str
) -> tuple[Budget, BudgetHeading, list[BudgetProject]]:
    """Six ballots for a and b, four for c, 100 to spend on three projects of 50: greedy funds
    a and b; Equal Shares gives the four voters of c their share and funds a and c."""
    budget, heading, projects = counted_budget(db, tenant, rule=rule)
    a, b, c = projects
    add_ballots(db, heading, [[a, b]] * 6 + [[c]] * 4)
    return budget, heading, projects


def admin_client(client: TestClient, db: Session, tenant: Tenant) -> None:
    admin = make_user(db, tenant, "administrator")
    db.commit()
    sign_in(client, admin)


def publish(client: TestClient, budget: Budget) -> Response:
    return client.post(
        f"/admin/budgets/{budget.id}/results",
        data={"csrf_token": csrf_of(client, "/budgets")},
        follow_redirects=False,
    )


def fresh(db: Session, tenant: Tenant, model: Any, **where: Any) -> list[Any]:
    with scoped_to(db, tenant.id):
        db.expire_all()
        statement = select(model).filter_by(**where).order_by(model.id)
        return list(db.scalars(statement))


def test_publishing_counts_each_heading_and_marks_the_winners(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget, heading, (a, b, c) = small_election(db, tenant_a, "greedy")
    db.commit()
    assert client_a.get(f"/budgets/{budget.id}/results").status_code == 404  # not yet
    admin_client(client_a, db, tenant_a)
    before = client_a.get(f"/budgets/{budget.id}/results")
    assert before.status_code == 200
    assert context_of(before)["published"] is False
    assert publish(client_a, budget).status_code == 303
    (stored,) = fresh(db, tenant_a, BudgetHeading, id=heading.id)
    outcome = json.loads(stored.results_json)
    assert outcome["funded"] == [a.id, b.id]
    assert outcome["votes"] == {str(a.id): 6, str(b.id): 6, str(c.id): 4}
    assert (outcome["amount_used"], outcome["ballots"], outcome["rule"]) == (100, 10, "greedy")
    assert outcome["tally_rule"] == "greedy_cost"
    assert "lower project number" in outcome["tie_breaking"]
    winners = {p.id: (p.winner, p.ballot_votes) for p in fresh(db, tenant_a, BudgetProject)}
    assert winners == {a.id: (True, 6), b.id: (True, 6), c.id: (False, 4)}
    (entry,) = [
        e for e in fresh(db, tenant_a, AuditEntry) if e.action == "budgets.results_published"
    ]
    assert entry.object_id == str(budget.id)
    assert entry.details["headings"][str(heading.id)]["funded"] == [a.id, b.id]


def test_the_results_page_shows_chart_table_and_rule(
    client_a: TestClient, client_b: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget, heading, (a, b, c) = small_election(db, tenant_a, "equal_shares")
    admin_client(client_a, db, tenant_a)
    assert publish(client_a, budget).status_code == 303
    client_a.post("/logout", data={"csrf_token": csrf_of(client_a)})
    page = client_a.get(f"/budgets/{budget.id}/results")
    assert page.status_code == 200
    result = context_of(page)["results"][heading.id]
    assert result.funded == [a.id, c.id]
    assert (result.amount_used, result.ballots) == (100, 10)
    assert [(p.id, p.votes, p.funded) for p in result.projects] == [
        (a.id, 6, True),
        (b.id, 6, False),
        (c.id, 4, True),
    ]
    text = page.text
    assert 'role="img"' in text
    assert "<title id=" in text
    assert "Votos por proyecto" in text  # the table's caption, in Spanish
    assert "Método de Partes Iguales" in text
    assert "S/ 100 de S/ 100" in text
    assert ESCAPED in text
    assert "<script>alert" not in text
    assert f"/budgets/{budget.id}/headings/{heading.id}/ballots.pb" in text
    assert "Contar y publicar" not in text
    assert "csrf_token" not in text.split("<main")[-1]
    assert client_b.get(f"/budgets/{budget.id}/results").status_code == 404  # another instance


def test_publishing_again_counts_again(client_a: TestClient, db: Session, tenant_a: Tenant) -> None:
    budget, heading, (a, b, c) = small_election(db, tenant_a, "greedy")
    admin_client(client_a, db, tenant_a)
    assert publish(client_a, budget).status_code == 303
    add_ballots(db, heading, [[c]] * 5, prefix="late")  # paper ballots reviewed late
    db.commit()
    assert publish(client_a, budget).status_code == 303
    (stored,) = fresh(db, tenant_a, BudgetHeading, id=heading.id)
    assert json.loads(stored.results_json)["funded"] == [c.id, a.id]
    assert {p.id: p.winner for p in fresh(db, tenant_a, BudgetProject)} == {
        a.id: True,
        b.id: False,
        c.id: True,
    }


def test_a_project_without_price_stops_publishing_and_nothing_changes(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget, heading, projects = counted_budget(db, tenant_a, prices=(50, None))
    add_ballots(db, heading, [projects] * 3)
    admin_client(client_a, db, tenant_a)
    answer = publish(client_a, budget)
    assert answer.status_code == 409
    assert "sin precio" in answer.text
    (stored,) = fresh(db, tenant_a, BudgetHeading, id=heading.id)
    assert stored.results_json is None
    assert not any(p.winner for p in fresh(db, tenant_a, BudgetProject))
    assert not [e for e in fresh(db, tenant_a, AuditEntry) if e.action.startswith("budgets.res")]


def test_an_empty_ballot_is_no_vote(client_a: TestClient, db: Session, tenant_a: Tenant) -> None:
    budget, heading, (_a, _b, _c) = small_election(db, tenant_a, "greedy")
    add_ballots(db, heading, [[]] * 3, prefix="empty")
    admin_client(client_a, db, tenant_a)
    assert publish(client_a, budget).status_code == 303
    (stored,) = fresh(db, tenant_a, BudgetHeading, id=heading.id)
    assert json.loads(stored.results_json)["ballots"] == 10


def test_the_budget_page_links_results_and_executions_once_public(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget, _heading, _projects = small_election(db, tenant_a, "greedy")
    db.commit()
    results, executions = f'href="/budgets/{budget.id}/results"', "/executions"
    before = client_a.get(f"/budgets/{budget.id}").text
    assert results not in before
    admin_client(client_a, db, tenant_a)
    assert results in client_a.get(f"/budgets/{budget.id}").text  # to count and publish
    assert publish(client_a, budget).status_code == 303
    client_a.post("/logout", data={"csrf_token": csrf_of(client_a)})
    after = client_a.get(f"/budgets/{budget.id}").text
    assert results in after
    assert f'href="/budgets/{budget.id}{executions}"' in after
