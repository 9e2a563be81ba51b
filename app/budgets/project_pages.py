"""What the project pages share: loading a budget and its project, and a project page's context.

Prices and valuations are not shown here: they belong to the valuation step, which shows them
only from publishing_prices on, in ``templates/budgets/_valuation.html``, which the project
page includes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from sqlalchemy.orm import Session

from app.authz.core import can
from app.authz.principal import Principal
from app.budgets import projects, repository, service, supports
from app.budgets.models import Budget, BudgetProject
from app.budgets.pages import PHASE_NAMES
from app.budgets.projects import TARGET, ProjectQuery
from app.comments.service import comment_section
from app.content.markdown import render_markdown
from app.errors import NotFound
from app.forms import FieldError
from app.i18n import N_
from app.notifications.service import is_following

REVIEW_NAMES = {
    "pending": N_("Not reviewed yet"),
    "accepted": N_("Admitted"),
    "rejected": N_("Not admitted"),
}


def load_budget(session: Session, principal: Principal | None, budget_id: int) -> Budget:
    return service.visible_budget(
        session, budget_id, include_drafts=can(principal, "budgets.manage")
    )


def load_project(
    session: Session, principal: Principal | None, budget_id: int, project_id: int
) -> tuple[Budget, BudgetProject]:
    budget = load_budget(session, principal, budget_id)
    project = projects.get_project(
        session, budget, project_id, include_hidden=can(principal, "budgets.manage")
    )
    return budget, project


def int_or_none(value: str | None) -> int | None:
    text = (value or "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 1 <= number < 2**63 else None


def list_url(budget: Budget, query: ProjectQuery, **changes: object) -> str:
    """The list's address with these parameters changed (defaults left out)."""
    values = {
        "heading": query.heading_id or "",
        "state": query.state,
        "valuation": query.valuation,
        "sort": query.sort,
        "page": query.page,
        **changes,
    }
    defaults: dict[str, object] = {
        "heading": "",
        "state": "",
        "valuation": "",
        "sort": "newest",
        "page": 1,
    }
    kept = {key: value for key, value in values.items() if value != defaults[key]}
    return f"/budgets/{budget.id}/projects" + ("?" + urlencode(kept) if kept else "")


def heading_choices(session: Session, budget: Budget) -> list[tuple[str, list[Any]]]:
    """The budget's headings grouped by their group, in order: for selects and filters."""
    headings = repository.headings_by_group(session, budget.id)
    return [(group.name, headings[group.id]) for group in repository.groups_of(session, budget.id)]


def show_context(
    request: Request,
    session: Session,
    principal: Principal | None,
    budget: Budget,
    project: BudgetProject,
    *,
    comments_sort: str = "",
    comments_page: int = 1,
    form: Mapping[str, Any] | None = None,
    errors: Mapping[str, FieldError] | None = None,
    problem: FieldError | None = None,
) -> dict[str, Any]:
    acting: Principal | None = getattr(request.state, "acting_for", None)
    supporter = acting or principal
    heading = repository.get_heading(session, budget.id, project.heading_id)
    if heading is None:
        raise NotFound()
    group = repository.get_group(session, budget.id, heading.group_id)
    resident_id = supporter.resident_id if supporter is not None else None
    supported = resident_id is not None and supports.has_supported(session, project.id, resident_id)
    headings_supported = (
        supports.supported_headings(session, resident_id, heading.group_id)
        if resident_id is not None and group is not None
        else []
    )
    return {
        "budget": budget,
        "project": project,
        "heading": heading,
        "group": group,
        "author_name": projects.author_name(session, project),
        "documents": projects.documents_of(session, project.id),
        "description_html": render_markdown(project.description),
        "phase_names": PHASE_NAMES,
        "review_names": REVIEW_NAMES,
        "rules": {"budget": budget},
        "supporter": supporter,
        "supported": supported,
        "headings_supported": headings_supported,
        "comments": comment_section(
            session,
            TARGET,
            project.id,
            supporter,
            comments_sort,
            comments_page,
            target=project,
        ),
        "following": supporter is not None
        and is_following(session, supporter.user_id, TARGET, project.id),
        "target_type": TARGET,
        "target_id": project.id,
        "form": form or {},
        "errors": errors or {},
        "problem": problem,
    }
