"""A heading's ballots as an anonymised Pabulib file: the results page equals ``minka budgets
tally`` run on it, for both rules; no voter data in it; served only for published results
that still match the ballots."""

from __future__ import annotations

import random
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.budgets.export import project_codes
from app.budgets.models import Budget, BudgetHeading, BudgetProject
from app.budgets.tally import (
    Ballot,
    Election,
    Method,
    TallyProject,
    VoteType,
    parse_pabulib,
    rule_for,
    tally,
)
from app.cli import main
from app.db import scoped_to
from app.tenants.models import Tenant
from tests.budgets.factories import make_budget
from tests.budgets.test_results import add_ballots, admin_client, counted_budget, publish
from tests.rendering import context_of

PRICES = (90_000, 150_000, 60_000, 200_000, 120_000, 75_000, 40_000, 180_000, 95_000, 130_000)


def crowded_election(
    db: Session, tenant: Tenant, rule: str
) -> tuple[Budget, BudgetHeading, list[BudgetProject]]:
    """600 ballots over ten projects and S/ 500 000: a large bloc likes the first projects,
    smaller blocs others, and random ballots spread the rest (a fixed seed)."""
    budget, heading, projects = counted_budget(db, tenant, rule=rule, amount=500_000, prices=PRICES)
    chance = random.Random(2027)
    choices: list[list[BudgetProject]] = []
    choices += [[projects[0], projects[1], projects[3]]] * 260
    choices += [[projects[2], projects[5]]] * 120
    choices += [[projects[6], projects[8], projects[9]]] * 90
    for _ in range(130):
        choices.append(chance.sample(projects, chance.randint(1, 4)))
    chance.shuffle(choices)
    add_ballots(db, heading, choices)
    return budget, heading, projects


def recount(path: Path, rule: str) -> list[str]:
    result = CliRunner().invoke(main, ["budgets", "tally", str(path), "--rule", rule])
    assert result.exit_code == 0, result.stderr
    return result.stdout.split()


def test_the_published_result_equals_the_recount_of_the_file(
    client_a: TestClient, db: Session, tenant_a: Tenant, tmp_path: Path
) -> None:
    outcomes = {}
    for rule, cli_rule in (("greedy", "greedy"), ("equal_shares", "equal-shares")):
        budget, heading, _projects = crowded_election(db, tenant_a, rule)
        admin_client(client_a, db, tenant_a)
        assert publish(client_a, budget).status_code == 303
        page = client_a.get(f"/budgets/{budget.id}/results")
        funded = context_of(page)["results"][heading.id].funded
        exported = client_a.get(f"/budgets/{budget.id}/headings/{heading.id}/ballots.pb")
        assert exported.status_code == 200, exported.text[:500]
        assert "attachment" in exported.headers["content-disposition"]
        path = tmp_path / f"{rule}.pb"
        path.write_bytes(exported.content)
        assert [int(code) for code in recount(path, cli_rule)] == funded
        outcomes[rule] = funded
        data = parse_pabulib(exported.text)
        assert len(data.votes) == 600
        assert data.meta["budget"] == "500000"
        assert data.meta["vote_type"] == "approval"
    assert outcomes["greedy"] != outcomes["equal_shares"]  # the two rules really differ here


def test_the_file_says_nothing_about_the_voters(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget, heading, projects = counted_budget(db, tenant_a, prices=(30, 40, 50))
    ballots = add_ballots(db, heading, [projects[:1], projects[1:], projects] * 20)
    admin_client(client_a, db, tenant_a)
    assert publish(client_a, budget).status_code == 303
    path = f"/budgets/{budget.id}/headings/{heading.id}/ballots.pb"
    text = client_a.get(path).text
    assert "secret-key" not in text
    assert "voter-" not in text
    assert "paper" not in text
    assert "web" not in text
    assert str(ballots[0].created_at.year) not in text.split("VOTES")[1]
    data = parse_pabulib(text)
    assert [vote.voter_id for vote in data.votes] == [str(n) for n in range(1, 61)]
    chosen = [projects[:1], projects[1:], projects] * 20
    entered = [tuple(sorted(p.id for p in choice)) for choice in chosen]
    exported = [tuple(int(code) for code in vote.ballot.projects) for vote in data.votes]
    assert sorted(exported) == sorted(entered)
    assert exported != entered  # shuffled, not in the order they were entered
    assert client_a.get(path).text == text  # the same file for everyone, every time
    # the projects carry their names, votes and outcome as Pabulib fields
    names = {project.id: project.fields["name"] for project in data.projects}
    assert all("<script>" in name for name in names.values())


def test_the_file_waits_for_results_that_match_the_ballots(
    client_a: TestClient, client_b: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget, heading, projects = counted_budget(db, tenant_a)
    add_ballots(db, heading, [projects[:2]] * 4)
    db.commit()
    path = f"/budgets/{budget.id}/headings/{heading.id}/ballots.pb"
    assert client_a.get(path).status_code == 404  # nothing published yet
    admin_client(client_a, db, tenant_a)
    assert publish(client_a, budget).status_code == 303
    assert client_a.get(path).status_code == 200
    add_ballots(db, heading, [projects[2:]], prefix="late")
    db.commit()
    changed = client_a.get(path)
    assert changed.status_code == 409
    assert publish(client_a, budget).status_code == 303
    assert len(parse_pabulib(client_a.get(path).text).votes) == 5
    assert client_b.get(path).status_code == 404  # another instance
    other = make_budget(db, tenant_a, phase="finished")
    db.commit()
    assert client_a.get(f"/budgets/{other.id}/headings/{heading.id}/ballots.pb").status_code == 404
    with scoped_to(db, tenant_a.id):
        budget.phase = "balloting"  # moved back: the results are no longer public
    db.commit()
    assert client_a.get(path).status_code == 404


def test_codes_keep_number_order_as_text() -> None:
    codes = project_codes([9, 10, 123])
    assert codes == {9: "009", 10: "010", 123: "123"}
    assert sorted(codes.values()) == [codes[9], codes[10], codes[123]]
    # a tie between 9 and 10 goes to 9, as on the results page
    election = Election(
        budget=Fraction(10),
        projects=(TallyProject(codes[10], Fraction(10)), TallyProject(codes[9], Fraction(10))),
        ballots=(Ballot((codes[9],)), Ballot((codes[10],))),
    )
    for method in Method:
        assert tally(election, rule_for(method, VoteType.APPROVAL))[:1] == ["009"]


@pytest.mark.parametrize("rule", ["greedy", "equal_shares"])
def test_publishing_a_heading_without_ballots(
    client_a: TestClient, db: Session, tenant_a: Tenant, rule: str
) -> None:
    budget, heading, _projects = counted_budget(db, tenant_a, rule=rule)
    admin_client(client_a, db, tenant_a)
    assert publish(client_a, budget).status_code == 303
    exported = client_a.get(f"/budgets/{budget.id}/headings/{heading.id}/ballots.pb")
    assert exported.status_code == 200
    assert parse_pabulib(exported.text).votes == ()
