"""What the budget pages share: amounts in soles, and a budget's outline."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.budgets import repository
from app.budgets.models import PHASES, Budget
from app.content.markdown import render_markdown
from app.i18n import N_

PHASE_NAMES = {
    "informing": N_("Information"),
    "accepting": N_("Accepting projects"),
    "reviewing": N_("Reviewing projects"),
    "selecting": N_("Selecting projects (supports)"),
    "valuating": N_("Valuating projects"),
    "publishing_prices": N_("Publishing prices"),
    "balloting": N_("Balloting"),
    "reviewing_ballots": N_("Reviewing ballots"),
    "finished": N_("Finished"),
}
RULE_NAMES = {
    "greedy": N_("Most votes first (greedy)"),
    "equal_shares": N_("Method of Equal Shares"),
}


def soles(amount: int | None) -> str:
    """S/ 1 250 000: the Spanish way, thousands grouped by spaces."""
    if amount is None:
        return ""
    return "S/ " + f"{amount:,}".replace(",", " ")


def budget_outline(session: Session, budget: Budget) -> dict[str, Any]:
    """The budget with its phases in order, its groups and their headings, in four queries."""
    stored = repository.phases_of(session, budget.id)
    groups = repository.groups_of(session, budget.id)
    headings = repository.headings_by_group(session, budget.id)
    zone_ids = {h.geozone_id for items in headings.values() for h in items if h.geozone_id}
    return {
        "budget": budget,
        "phases": [(kind, stored.get(kind)) for kind in PHASES],
        "groups": groups,
        "headings": headings,
        "zones": repository.geozones_by_id(session, zone_ids),
        "description_html": render_markdown(budget.description) if budget.description else "",
        "phase_names": PHASE_NAMES,
        "rule_names": RULE_NAMES,
        "soles": soles,
    }
