"""Budget projects are commented on and followed, and notify, as ``("budget_project", id)``.

A target's path knows only the id; ``/budgets/projects/{id}`` redirects to the project's page
under its budget (project_routes.py)."""

from __future__ import annotations

from app.budgets.models import BudgetProject
from app.content.targets import TargetKind, register_target
from app.i18n import N_

BUDGET_PROJECT = register_target(
    TargetKind(
        "budget_project", BudgetProject, N_("budget project"), lambda id: f"/budgets/projects/{id}"
    )
)
