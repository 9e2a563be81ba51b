"""Valuators per heading, the valuation form, the author told, and the selection for the
ballot, through the real routes; bad input comes back as a 4xx with nothing changed."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.audit.models import AuditEntry
from app.budgets.models import Budget, BudgetHeading, BudgetProject, BudgetValuator
from app.budgets.valuation import BAD_PRICE
from app.db import scoped_to, utcnow
from app.notifications.models import Notification
from app.tenants.models import Tenant
from tests.budgets.factories import headings_of, make_budget, make_project
from tests.factories import HOSTILE
from tests.people import csrf_of, make_user, sign_in
from tests.rendering import context_of

ESCAPED = "&lt;script&gt;alert("
VALUATION = {
    "feasibility": "feasible",
    "explanation": f"{HOSTILE} se puede hacer",
    "price": "1 250 000",
    "price_explanation": f"{HOSTILE} según el expediente",
    "duration": "8 meses",
}


def _post(client: TestClient, path: str, data: dict[str, Any]) -> Response:
    return client.post(
        path, data={**data, "csrf_token": csrf_of(client, "/budgets")}, follow_redirects=False
    )


def _signed_in(client: TestClient, db: Session, tenant: Tenant, *roles: str) -> User:
    person = make_user(db, tenant, *roles)
    db.commit()
    sign_in(client, person)
    return person


def _assign(db: Session, heading: BudgetHeading, user: User) -> None:
    with scoped_to(db, heading.tenant_id):
        db.add(BudgetValuator(heading_id=heading.id, user_id=user.id))
        db.flush()


def _fresh(db: Session, tenant: Tenant, model: Any) -> list[Any]:
    with scoped_to(db, tenant.id):
        db.expire_all()  # the app wrote through its own session
        return list(db.scalars(select(model).order_by(model.id)))


def _project(db: Session, tenant: Tenant, project_id: int) -> BudgetProject:
    found: BudgetProject = next(p for p in _fresh(db, tenant, BudgetProject) if p.id == project_id)
    return found


def _audited(db: Session, tenant: Tenant) -> list[tuple[str, dict[str, Any] | None]]:
    rows = _fresh(db, tenant, AuditEntry)
    return [(row.action, row.details) for row in rows if row.action.startswith("budgets.")]


def _valuation_of(project: BudgetProject) -> tuple[Any, ...]:
    return (
        project.feasibility,
        project.feasibility_explanation,
        project.price,
        project.price_explanation,
        project.duration,
        project.valuated_at,
        project.selected,
    )


# ---------------------------------------------------------------- valuators


def test_an_administrator_assigns_and_removes_valuators(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget = make_budget(db, tenant_a, phase="selecting")
    heading = headings_of(db, budget)[1]
    ana = make_user(db, tenant_a, email="ana.quispe@example.pe", name="Ana Quispe")
    _signed_in(client_a, db, tenant_a, "administrator")
    path = f"/admin/budgets/{budget.id}/valuators"
    added = _post(
        client_a, path, {"heading_id": str(heading.id), "account": "ANA.Quispe@example.pe"}
    )
    assert added.status_code == 303, added.text[:2000]
    again = _post(client_a, path, {"heading_id": str(heading.id), "account": ana.display_name})
    assert again.status_code == 303  # by exact name; already there: nothing added
    (assignment,) = _fresh(db, tenant_a, BudgetValuator)
    assert (assignment.heading_id, assignment.user_id) == (heading.id, ana.id)
    page = client_a.get(path)
    assert page.status_code == 200
    assert "ana.quispe@example.pe" in page.text
    assert ESCAPED in page.text
    assert "<script>alert" not in page.text
    removed = _post(client_a, f"{path}/{assignment.id}/remove", {})
    assert removed.status_code == 303
    assert _fresh(db, tenant_a, BudgetValuator) == []
    assert _audited(db, tenant_a) == [
        ("budgets.valuator_added", {"heading": heading.id, "valuator": ana.id}),
        ("budgets.valuator_removed", {"heading": heading.id, "valuator": ana.id}),
    ]


@pytest.mark.parametrize(
    ("account", "field", "message"),
    [
        ("nadie@example.pe", "account", "No account has this email or name."),
        ("", "account", "Type the email or the name of the account."),
        ("organization", "account", "An organization cannot valuate: choose a person."),
        ("blocked", "account", "This account is blocked."),
        ("twin", "account", "Several accounts have this name: type the email of the one you mean."),
        ("other tenant", "account", "No account has this email or name."),
        ("bad heading", "heading_id", "Choose a heading from the list."),
        ("foreign heading", "heading_id", "Choose a heading from the list."),
    ],
)
def test_a_valuator_that_cannot_be_assigned_comes_back_with_a_message(
    client_a: TestClient,
    db: Session,
    tenant_a: Tenant,
    tenant_b: Tenant,
    account: str,
    field: str,
    message: str,
) -> None:
    budget = make_budget(db, tenant_a, phase="valuating")
    heading_id = str(headings_of(db, budget)[0].id)
    other_budget = make_budget(db, tenant_a, phase="valuating")
    person = make_user(db, tenant_a)
    typed = account
    if account == "organization":
        typed = str(make_user(db, tenant_a, organization=True).email)
    elif account == "blocked":
        blocked = make_user(db, tenant_a)
        with scoped_to(db, tenant_a.id):
            blocked.blocked_at = utcnow()
            db.flush()
        typed = str(blocked.email)
    elif account == "twin":
        make_user(db, tenant_a, name="Rosa Mamani")
        make_user(db, tenant_a, name="Rosa Mamani")
        with scoped_to(db, tenant_a.id):
            for user in _fresh(db, tenant_a, User):
                if user.display_name.startswith("Rosa Mamani"):
                    user.display_name = "Rosa Mamani"
            db.flush()
        typed = "Rosa Mamani"
    elif account == "other tenant":
        typed = str(make_user(db, tenant_b).email)
    elif account == "bad heading":
        typed, heading_id = str(person.email), "x1"
    elif account == "foreign heading":
        typed, heading_id = str(person.email), str(headings_of(db, other_budget)[0].id)
    _signed_in(client_a, db, tenant_a, "administrator")
    form = {"heading_id": heading_id, "account": typed}
    answer = _post(client_a, f"/admin/budgets/{budget.id}/valuators", form)
    assert answer.status_code == 422
    assert context_of(answer)["errors"] == {field: message}
    assert context_of(answer)["form"] == form  # what was typed stays
    assert 'aria-invalid="true"' in answer.text
    assert _fresh(db, tenant_a, BudgetValuator) == []
    assert _audited(db, tenant_a) == []


def test_valuators_are_fixed_once_balloting_starts(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget = make_budget(db, tenant_a, phase="balloting")
    heading = headings_of(db, budget)[0]
    ana = make_user(db, tenant_a)
    _assign(db, heading, ana)
    _signed_in(client_a, db, tenant_a, "administrator")
    path = f"/admin/budgets/{budget.id}/valuators"
    assert client_a.get(path).status_code == 200  # still readable
    form = {"heading_id": str(heading.id), "account": str(ana.email)}
    assert _post(client_a, path, form).status_code == 403
    (assignment,) = _fresh(db, tenant_a, BudgetValuator)
    assert _post(client_a, f"{path}/{assignment.id}/remove", {}).status_code == 403
    assert len(_fresh(db, tenant_a, BudgetValuator)) == 1


def test_another_budgets_or_instances_assignment_is_not_found(
    client_a: TestClient, db: Session, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    budget = make_budget(db, tenant_a, phase="valuating")
    other = make_budget(db, tenant_a, phase="valuating")
    _assign(db, headings_of(db, other)[0], make_user(db, tenant_a))
    foreign = make_budget(db, tenant_b, phase="valuating")
    _assign(db, headings_of(db, foreign)[0], make_user(db, tenant_b))
    _signed_in(client_a, db, tenant_a, "administrator")
    with scoped_to(db, tenant_b.id):
        foreign_assignment = db.scalars(select(BudgetValuator)).one()
    mine = _fresh(db, tenant_a, BudgetValuator)[0]
    for assignment in (mine, foreign_assignment):
        path = f"/admin/budgets/{budget.id}/valuators/{assignment.id}/remove"
        assert _post(client_a, path, {}).status_code == 404
    assert client_a.get(f"/admin/budgets/{foreign.id}/valuators").status_code == 404
    assert len(_fresh(db, tenant_a, BudgetValuator)) == 1
    with scoped_to(db, tenant_b.id):
        assert len(db.scalars(select(BudgetValuator)).all()) == 1


# ---------------------------------------------------------------- valuating


def _valuating(
    db: Session, tenant: Tenant, phase: str = "valuating"
) -> tuple[Budget, BudgetProject, BudgetProject, User, User]:
    """A budget, a project of its first province and one of its second, their author and the
    valuator of the first province."""
    budget = make_budget(db, tenant, phase=phase)
    _region, first, second = headings_of(db, budget)
    author = make_user(db, tenant)
    here = make_project(db, first, author=author)
    there = make_project(db, second, author=author)
    valuator = make_user(db, tenant)
    _assign(db, first, valuator)
    db.commit()
    return budget, here, there, author, valuator


def _notifications(db: Session, tenant: Tenant, user: User) -> list[Notification]:
    return [n for n in _fresh(db, tenant, Notification) if n.user_id == user.id]


def test_a_valuator_valuates_and_the_author_is_told_once_per_change(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget, project, _there, author, valuator = _valuating(db, tenant_a)
    sign_in(client_a, valuator)
    listing = client_a.get(f"/budgets/{budget.id}/valuation")
    assert listing.status_code == 200
    assert f"/budgets/{budget.id}/valuation/{project.id}" in listing.text
    assert ESCAPED in listing.text
    assert "<script>alert" not in listing.text
    assert [p.id for items in context_of(listing)["projects"].values() for p in items] == [
        project.id
    ]  # only the projects of the heading they valuate
    assert f'href="/budgets/{budget.id}/valuation"' in client_a.get(f"/budgets/{budget.id}").text
    path = f"/budgets/{budget.id}/valuation/{project.id}"
    form = client_a.get(path)
    assert form.status_code == 200
    assert 'name="price"' in form.text
    saved = _post(client_a, path, VALUATION)
    assert saved.status_code == 303, saved.text[:2000]
    stored = _project(db, tenant_a, project.id)
    assert stored.feasibility == "feasible"
    assert stored.price == 1_250_000
    assert stored.feasibility_explanation == VALUATION["explanation"]
    assert stored.price_explanation == VALUATION["price_explanation"]
    assert stored.duration == "8 meses"
    assert stored.valuated_at is not None
    (told,) = _notifications(db, tenant_a, author)
    assert (told.kind, told.target_type, told.target_id) == (
        "valuation",
        "budget_project",
        project.id,
    )
    assert "1250000" not in str(told.values)
    assert "se puede" not in str(told.values)
    # Saved again unchanged, or only its wording: the author is not told again.
    assert _post(client_a, path, VALUATION).status_code == 303
    reworded = {**VALUATION, "explanation": "Otra redacción", "duration": "9 meses"}
    assert _post(client_a, path, reworded).status_code == 303
    assert len(_notifications(db, tenant_a, author)) == 1
    assert _post(client_a, path, {**VALUATION, "price": "1 300 000"}).status_code == 303
    assert len(_notifications(db, tenant_a, author)) == 2
    assert _project(db, tenant_a, project.id).price == 1_300_000
    actions = [action for action, _ in _audited(db, tenant_a)]
    assert actions == ["budgets.project_valuated"] * 4
    # The author reads the notification with the title escaped.
    client_a.cookies.clear()
    sign_in(client_a, author)
    page = client_a.get("/notifications")
    assert ESCAPED in page.text
    assert "<script>alert" not in page.text


def test_an_unfeasible_project_keeps_no_price_and_leaves_the_ballot(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget, project, _there, _author, valuator = _valuating(db, tenant_a)
    with scoped_to(db, tenant_a.id):
        project.feasibility, project.price, project.selected = "feasible", 900_000, True
        db.commit()
    sign_in(client_a, valuator)
    form = {**VALUATION, "feasibility": "unfeasible", "explanation": "Terreno en litigio"}
    saved = _post(client_a, f"/budgets/{budget.id}/valuation/{project.id}", form)
    assert saved.status_code == 303
    stored = _project(db, tenant_a, project.id)
    assert (stored.feasibility, stored.price, stored.price_explanation, stored.duration) == (
        "unfeasible",
        None,
        None,
        None,
    )
    assert stored.selected is False
    assert _audited(db, tenant_a)[-1][1]["unselected"] is True  # type: ignore[index]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"price": "-5"}, "price", BAD_PRICE),
        ({"price": "-1 250 000"}, "price", BAD_PRICE),
        ({"price": "doce mil"}, "price", BAD_PRICE),
        ({"price": "1250000.50"}, "price", BAD_PRICE),
        ({"price": "10000000000000"}, "price", "The price is too large."),
        ({"price": ""}, "price", "A feasible project needs its price in soles."),
        ({"explanation": "  "}, "explanation", "Write the explanation the public will read."),
        ({"feasibility": ""}, "feasibility", "Say whether the project is feasible."),
        ({"feasibility": "maybe"}, "feasibility", "Say whether the project is feasible."),
        ({"duration": "x" * 101}, "duration", "The duration is too long: at most 100 characters."),
    ],
)
def test_bad_valuation_input_comes_back_with_a_message_and_changes_nothing(
    client_a: TestClient,
    db: Session,
    tenant_a: Tenant,
    changes: dict[str, str],
    field: str,
    message: str,
) -> None:
    budget, project, _there, author, valuator = _valuating(db, tenant_a)
    before = _valuation_of(_project(db, tenant_a, project.id))
    sign_in(client_a, valuator)
    typed = {**VALUATION, **changes}
    answer = _post(client_a, f"/budgets/{budget.id}/valuation/{project.id}", typed)
    assert answer.status_code == 422
    assert context_of(answer)["errors"] == {field: message}
    assert context_of(answer)["form"] == typed
    assert f'id="f-{field}-error"' in answer.text
    assert _valuation_of(_project(db, tenant_a, project.id)) == before
    assert _notifications(db, tenant_a, author) == []
    assert _audited(db, tenant_a) == []


def test_a_valuator_cannot_valuate_another_heading_nor_instance(
    client_a: TestClient, db: Session, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    budget, _here, there, _author, valuator = _valuating(db, tenant_a)
    foreign_budget, foreign, _f2, _fa, _fv = _valuating(db, tenant_b)
    other_budget, elsewhere, _o2, _oa, _ov = _valuating(db, tenant_a)
    sign_in(client_a, valuator)
    cases = [
        (f"/budgets/{budget.id}/valuation/{there.id}", 403),  # another heading's project
        (f"/budgets/{budget.id}/valuation/{elsewhere.id}", 404),  # another budget's project
        (f"/budgets/{budget.id}/valuation/{foreign.id}", 404),  # another instance's project
        (f"/budgets/{foreign_budget.id}/valuation/{foreign.id}", 404),
        (f"/budgets/{other_budget.id}/valuation", 403),  # valuates nothing there
    ]
    for path, status in cases:
        assert client_a.get(path).status_code == status, path
        if not path.endswith("/valuation"):
            assert _post(client_a, path, VALUATION).status_code == status, path
    for tenant in (tenant_a, tenant_b):
        assert all(p.valuated_at is None for p in _fresh(db, tenant, BudgetProject))
    assert _audited(db, tenant_a) == []


def test_rejected_and_own_projects_are_not_valuated(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget, _project, _there, _author, valuator = _valuating(db, tenant_a)
    heading = headings_of(db, budget)[1]  # the one they valuate
    rejected = make_project(db, heading, review_state="rejected")
    own = make_project(db, heading, author=valuator)
    db.commit()
    sign_in(client_a, valuator)
    listed = context_of(client_a.get(f"/budgets/{budget.id}/valuation"))
    shown = {p.id for items in listed["projects"].values() for p in items}
    assert rejected.id not in shown
    assert own.id in shown
    assert own.id not in listed["valuable"]  # listed, but no link to valuate it
    for target in (rejected, own):
        path = f"/budgets/{budget.id}/valuation/{target.id}"
        assert _post(client_a, path, VALUATION).status_code == 403
    assert all(p.valuated_at is None for p in _fresh(db, tenant_a, BudgetProject))


# ---------------------------------------------------------------- selection


def test_an_administrator_selects_feasible_projects_for_the_ballot(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget = make_budget(db, tenant_a, phase="publishing_prices")
    heading = headings_of(db, budget)[1]
    feasible = [make_project(db, heading, price=price) for price in (400_000, 300_000)]
    unfeasible = make_project(db, heading)
    undecided = make_project(db, heading)
    other = make_project(db, headings_of(db, make_budget(db, tenant_a, phase="valuating"))[0])
    with scoped_to(db, tenant_a.id):
        for project in [*feasible, other]:
            project.feasibility, project.supports_count = "feasible", 7
            project.price = project.price or 1
        unfeasible.feasibility = "unfeasible"
        db.commit()
    _signed_in(client_a, db, tenant_a, "administrator")
    path = f"/admin/budgets/{budget.id}/selection"
    page = client_a.get(path)
    assert page.status_code == 200
    assert "S/ 400 000" in page.text
    assert f'value="{unfeasible.id}"' not in page.text  # no box to tick
    chosen = {"projects": [str(feasible[0].id), str(feasible[1].id)]}
    assert _post(client_a, path, chosen).status_code == 303
    selected = {p.id for p in _fresh(db, tenant_a, BudgetProject) if p.selected}
    assert selected == {feasible[0].id, feasible[1].id}
    for wrong in (unfeasible.id, undecided.id, other.id, "x"):
        refused = _post(client_a, path, {"projects": [str(feasible[0].id), str(wrong)]})
        assert refused.status_code == 422, wrong
        assert "projects" in context_of(refused)["errors"]
    assert {p.id for p in _fresh(db, tenant_a, BudgetProject) if p.selected} == selected
    assert _post(client_a, path, {"projects": [str(feasible[1].id)]}).status_code == 303
    assert {p.id for p in _fresh(db, tenant_a, BudgetProject) if p.selected} == {feasible[1].id}
    assert _audited(db, tenant_a) == [
        ("budgets.projects_selected", {"added": sorted(selected), "removed": []}),
        ("budgets.projects_selected", {"added": [], "removed": [feasible[0].id]}),
    ]
