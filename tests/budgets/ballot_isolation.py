"""The balloting GET routes with an id, for tests/test_isolation.py (through isolation_routes).

The administrators the isolation test signs in are refused (403) on their own instance —
ballots are for verified residents, paper ballots for poll officers — and must get 404 on
another: the budget is looked up before the permission is checked.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from app.tenants.models import Tenant
from tests.budgets.factories import headings_of, make_budget


def _budget_path(suffix: str) -> Callable[[Session, Tenant], tuple[str, str | None]]:
    def build(db: Session, tenant: Tenant) -> tuple[str, str | None]:
        budget = make_budget(db, tenant, phase="balloting")
        heading = headings_of(db, budget)[0]
        return suffix.format(id=budget.id, heading=heading.id), None

    return build


BALLOT_ROUTES: dict[str, Callable[[Session, Tenant], tuple[str, str | None]]] = {
    "budget_ballot": _budget_path("/budgets/{id}/ballot"),
    "budget_ballot_heading": _budget_path("/budgets/{id}/ballot/{heading}"),
    "budget_paper_ballots": _budget_path("/budgets/{id}/paper"),
}
