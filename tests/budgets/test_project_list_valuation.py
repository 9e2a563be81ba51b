"""The public project list once prices are published: each project's price and feasibility, a
valuation filter (feasible, unfeasible, selected, and funded once the results are out) and the
order by price. Before publishing_prices none of it shows and its parameters change nothing."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy.orm import Session

from app.budgets.models import PHASES, Budget, BudgetProject
from app.budgets.results import publish_results
from app.db import scoped_to, utcnow
from app.tenants.models import Tenant
from tests.budgets.factories import headings_of, make_budget, make_project
from tests.people import make_user, sign_in
from tests.rendering import context_of

PUBLIC_FROM = PHASES.index("publishing_prices")
HIDDEN_PHASES = PHASES[:PUBLIC_FROM]
FEASIBLE = '<span class="badge badge-ok">Viable</span>'
UNFEASIBLE = '<span class="badge">No viable</span>'
FUNDED = '<span class="badge badge-ok">Financiado</span>'
FILTER = '<select id="f-valuation" name="valuation">'
PRICE_ORDER = '<option value="price"'
MAIN = re.compile(r"<main\b.*</main>", re.DOTALL)


def _valuate(
    db: Session,
    project: BudgetProject,
    feasibility: str,
    price: int | None = None,
    *,
    selected: bool = False,
) -> BudgetProject:
    with scoped_to(db, project.tenant_id):
        project.feasibility, project.price, project.selected = feasibility, price, selected
        project.valuated_at = utcnow()
        db.flush()
    return project


def _move(db: Session, budget: Budget, phase: str) -> None:
    with scoped_to(db, budget.tenant_id):
        budget.phase = phase
        db.commit()


def _valuated_budget(db: Session, tenant: Tenant, phase: str) -> dict[str, BudgetProject]:
    """A budget whose first provincial heading (S/ 1 250 000) holds one project of each kind.

    With no ballots the greedy count funds the selected projects in number order while they
    fit: a and b (1 100 000); c no longer fits. The unfeasible project keeps a stored price
    (as old data might): it is never shown and never orders."""
    budget = make_budget(db, tenant, phase=phase, name=f"Presupuesto {tenant.slug}")
    heading = headings_of(db, budget)[1]

    def project(key: str) -> BudgetProject:
        return make_project(db, heading, title=f"Proyecto {key} de {tenant.slug}")

    made = {
        "a": _valuate(db, project("a"), "feasible", 500_000, selected=True),
        "b": _valuate(db, project("b"), "feasible", 600_000, selected=True),
        "c": _valuate(db, project("c"), "feasible", 400_000, selected=True),
        "d": _valuate(db, project("d"), "feasible", 100_000),
        "e": _valuate(db, project("e"), "unfeasible", 50_000),
        "f": project("f"),
    }
    hidden = _valuate(db, project("oculto"), "feasible", 10_000, selected=True)
    with scoped_to(db, tenant.id):
        hidden.hidden_at = utcnow()
        db.flush()
        publish_results(db, budget.id)
        db.commit()
    return made


def _budget_of(db: Session, project: BudgetProject) -> Budget:
    with scoped_to(db, project.tenant_id):
        return db.get_one(Budget, project.budget_id)


def _listed(response: Response) -> list[int]:
    assert response.status_code == 200, response.text[:2000]
    return [project.id for project in context_of(response)["projects"]]


def _same_page(one: Response, other: Response) -> None:
    """The same page content (the language switcher around it keeps the address asked)."""
    mine, theirs = MAIN.search(one.text), MAIN.search(other.text)
    assert mine is not None
    assert theirs is not None
    assert mine.group() == theirs.group()


@pytest.mark.parametrize("phase", PHASES)
def test_prices_badges_and_the_filter_show_from_publishing_prices_on(
    client_a: TestClient, db: Session, tenant_a: Tenant, phase: str
) -> None:
    budget = make_budget(db, tenant_a, phase=phase)
    heading = headings_of(db, budget)[1]
    _valuate(db, make_project(db, heading, title="Puente"), "feasible", 7_654_321, selected=True)
    _valuate(db, make_project(db, heading, title="Represa"), "unfeasible")
    _valuate(db, make_project(db, heading, title="Canal"), "undecided", 3_210_000)
    db.commit()
    page = client_a.get(f"/budgets/{budget.id}/projects")
    assert page.status_code == 200
    public = PHASES.index(phase) >= PUBLIC_FROM
    shown = {
        "price": "S/ 7 654 321" in page.text,
        "feasible": FEASIBLE in page.text,
        "unfeasible": UNFEASIBLE in page.text,
        "filter": FILTER in page.text,
        "price order": PRICE_ORDER in page.text,
    }
    assert shown == dict.fromkeys(shown, public)
    assert "3 210 000" not in page.text  # an undecided project's price is never shown
    assert '<label for="f-valuation">' in page.text if public else "f-valuation" not in page.text
    # No results are stored for this budget, so funding is never offered.
    assert '<option value="funded"' not in page.text


@pytest.mark.parametrize("phase", ["balloting", "reviewing_ballots", "finished"])
def test_funded_is_offered_once_results_are_published_and_public(
    client_a: TestClient, db: Session, tenant_a: Tenant, phase: str
) -> None:
    made = _valuated_budget(db, tenant_a, phase)
    budget = _budget_of(db, made["a"])
    page = client_a.get(f"/budgets/{budget.id}/projects")
    public = phase in ("reviewing_ballots", "finished")
    assert ('<option value="funded"' in page.text) is public
    assert page.text.count(FUNDED) == (2 if public else 0)
    assert context_of(page)["valuations"] == (
        ("feasible", "unfeasible", "selected", "funded")
        if public
        else ("feasible", "unfeasible", "selected")
    )


def test_each_valuation_lists_exactly_its_projects(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    made = _valuated_budget(db, tenant_a, "finished")
    ids = {key: project.id for key, project in made.items()}
    budget = _budget_of(db, made["a"])
    url = f"/budgets/{budget.id}/projects"
    expected = {
        "": "abcdef",
        "feasible": "abcd",
        "unfeasible": "e",
        "selected": "abc",
        "funded": "ab",
    }
    for valuation, keys in expected.items():
        found = _listed(client_a.get(url, params={"valuation": valuation}))
        assert sorted(found) == sorted(ids[key] for key in keys), valuation
    assert _listed(client_a.get(url, params={"sort": "price"})) == [
        ids[key]
        for key in ("d", "c", "a", "b", "f", "e")  # priceless last, newest first
    ]
    cheapest = client_a.get(url, params={"sort": "price", "valuation": "selected"})
    assert _listed(cheapest) == [ids["c"], ids["a"], ids["b"]]
    assert "50 000" not in cheapest.text
    assert "50 000" not in client_a.get(url).text


def test_the_list_and_the_project_pages_agree_on_what_is_funded(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    made = _valuated_budget(db, tenant_a, "finished")
    budget = _budget_of(db, made["a"])
    # A winner flag without stored results for its heading (results withdrawn) is not funded.
    withdrawn = headings_of(db, budget)[2]
    stale = _valuate(db, make_project(db, withdrawn), "feasible", 1_000, selected=True)
    with scoped_to(db, tenant_a.id):
        stale.winner, withdrawn.results_json = True, None
        db.commit()
    funded = client_a.get(f"/budgets/{budget.id}/projects", params={"valuation": "funded"})
    assert sorted(_listed(funded)) == sorted([made["a"].id, made["b"].id])
    every = client_a.get(f"/budgets/{budget.id}/projects")
    assert every.text.count(FUNDED) == 2
    for project in (*made.values(), stale):
        page = client_a.get(f"/budgets/{budget.id}/projects/{project.id}")
        assert (FUNDED in page.text) is (project.id in _listed(funded)), project.title


def test_another_instance_never_appears(
    client_a: TestClient, client_b: TestClient, db: Session, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    mine = _valuated_budget(db, tenant_a, "finished")
    theirs = _valuated_budget(db, tenant_b, "finished")
    url = f"/budgets/{_budget_of(db, mine['a']).id}/projects"
    for valuation in ("", "feasible", "unfeasible", "selected", "funded"):
        for sort in ("newest", "price"):
            page = client_a.get(url, params={"valuation": valuation, "sort": sort})
            assert page.status_code == 200
            assert tenant_b.slug not in page.text
            assert not set(_listed(page)) & {p.id for p in theirs.values()}
    elsewhere = f"/budgets/{_budget_of(db, theirs['a']).id}/projects?valuation=funded"
    assert client_a.get(elsewhere).status_code == 404
    assert client_b.get(elsewhere).status_code == 200


@pytest.mark.parametrize("phase", HIDDEN_PHASES)
def test_before_publishing_prices_the_parameters_change_nothing(
    client_a: TestClient, db: Session, tenant_a: Tenant, phase: str
) -> None:
    made = _valuated_budget(db, tenant_a, phase)
    budget = _budget_of(db, made["a"])
    viewer = make_user(db, tenant_a, verified=True)
    db.commit()
    sign_in(client_a, viewer)
    url = f"/budgets/{budget.id}/projects"
    plain = client_a.get(url)
    assert len(_listed(plain)) == 6
    for params in ({"valuation": "feasible"}, {"valuation": "funded"}, {"sort": "price"}):
        asked = client_a.get(url, params=params)
        assert _listed(asked) == _listed(plain), params
        assert context_of(asked)["query"] == context_of(plain)["query"]
        _same_page(asked, plain)


@pytest.mark.parametrize(
    ("phase", "params", "taken"),
    [
        ("publishing_prices", {"valuation": "nonsense"}, ("", "newest")),
        ("publishing_prices", {"valuation": "FEASIBLE"}, ("", "newest")),
        ("publishing_prices", {"valuation": "funded"}, ("", "newest")),  # no results yet
        ("publishing_prices", {"sort": "nonsense"}, ("", "newest")),
        ("publishing_prices", {"sort": "price", "valuation": "<script>"}, ("", "price")),
        ("finished", {"valuation": "funded ", "sort": "-price"}, ("", "newest")),
        ("finished", {"valuation": "", "sort": ""}, ("", "newest")),
    ],
)
def test_unknown_values_fall_back_to_the_default(
    client_a: TestClient,
    db: Session,
    tenant_a: Tenant,
    phase: str,
    params: dict[str, str],
    taken: tuple[str, str],
) -> None:
    made = _valuated_budget(db, tenant_a, phase)
    url = f"/budgets/{_budget_of(db, made['a']).id}/projects"
    asked = client_a.get(url, params=params)
    assert asked.status_code == 200
    query = context_of(asked)["query"]
    assert (query.valuation, query.sort) == taken
    if taken == ("", "newest"):
        _same_page(asked, client_a.get(url))


def test_the_filter_and_order_survive_paging(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget = make_budget(db, tenant_a, phase="publishing_prices")
    heading = headings_of(db, budget)[0]
    feasible = [
        _valuate(db, make_project(db, heading, title=f"Obra {n}"), "feasible", 1_000 * (n + 1))
        for n in range(30)
    ]
    for n in range(5):
        _valuate(db, make_project(db, heading, title=f"Inviable {n}"), "unfeasible")
    db.commit()
    first = client_a.get(
        f"/budgets/{budget.id}/projects", params={"valuation": "feasible", "sort": "price"}
    )
    assert _listed(first) == [project.id for project in feasible[:25]]
    following = re.search(r'<a rel="next" href="([^"]+)"', first.text)
    assert following is not None
    link = following.group(1).replace("&amp;", "&")
    assert link == f"/budgets/{budget.id}/projects?valuation=feasible&sort=price&page=2"
    second = client_a.get(link)
    assert _listed(second) == [project.id for project in feasible[25:]]
    back = re.search(r'<a rel="prev" href="([^"]+)"', second.text)
    assert back is not None
    assert back.group(1) == f"/budgets/{budget.id}/projects?valuation=feasible&amp;sort=price"
    assert 'value="feasible" selected' in second.text
