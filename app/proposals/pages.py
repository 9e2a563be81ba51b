"""What the proposal pages share: loading a proposal, its page's context and the form fields."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request

from app.answers.panel import answer_panel
from app.authz.core import can
from app.authz.principal import Principal
from app.comments.service import comment_section
from app.content.limits import TEXT_FIELD_CHARS
from app.content.markdown import render_markdown
from app.db import utcnow
from app.deps import SessionDep
from app.i18n import N_
from app.notifications.service import is_following
from app.polls.repository import polls_from_proposal
from app.proposals import repository, service
from app.proposals.models import RETIRE_REASONS, Proposal
from app.proposals.permissions import aware

# Bodies are checked against their real limits in the form model, so that too-long text comes
# back in the form; this cap only stops abuse.
TEXT_CAP = TEXT_FIELD_CHARS
Text = Annotated[str, Form(max_length=TEXT_CAP)]

RETIRE_LABELS = {
    "duplicated": N_("It duplicates another proposal"),
    "started": N_("It is already being done"),
    "unfeasible": N_("It is not feasible"),
    "done": N_("It has been done"),
    "other": N_("Other reasons"),
}


def int_or_none(value: str | None) -> int | None:
    try:
        number = int(value) if value else None
    except ValueError:
        return None
    return number if number is not None and 1 <= number < 2**63 else None


def load_proposal(session: SessionDep, principal: Principal | None, proposal_id: int) -> Proposal:
    return service.visible_proposal(
        session, proposal_id, include_hidden=can(principal, "proposals.view_hidden")
    )


def show_context(
    request: Request,
    session: SessionDep,
    principal: Principal | None,
    proposal: Proposal,
    comments_sort: str = "",
    comments_page: int = 1,
) -> dict[str, Any]:
    acting: Principal | None = getattr(request.state, "acting_for", None)
    supporter = acting or principal
    supported = (
        supporter is not None
        and supporter.resident_id is not None
        and repository.has_supported(session, proposal.id, supporter.resident_id)
    )
    authors = {proposal.author_id} if proposal.author_id is not None else set()
    zones = {proposal.geozone_id} if proposal.geozone_id is not None else set()
    return {
        "proposal": proposal,
        "author_name": repository.names_of_users(session, authors).get(proposal.author_id or 0),
        "zone": repository.geozones_by_id(session, zones).get(proposal.geozone_id or 0),
        "supporter": supporter,
        "supported": supported,
        "answer": answer_panel(session, proposal),
        "proposal_polls": polls_from_proposal(session, proposal.id),
        "body_html": render_markdown(proposal.body),
        "updates": [
            (news, render_markdown(news.body))
            for news in repository.updates_of(session, proposal.id)
        ],
        "retire_reasons": [(key, RETIRE_LABELS[key]) for key in RETIRE_REASONS],
        "now": utcnow(),
        "aware": aware,
        # What the shared includes need (comments, follow, flag, moderation buttons).
        "comments": comment_section(
            session,
            "proposal",
            proposal.id,
            supporter,
            comments_sort,
            comments_page,
            target=proposal,
        ),
        "following": supporter is not None
        and is_following(session, supporter.user_id, "proposal", proposal.id),
        "target_type": "proposal",
        "target_id": proposal.id,
        "target_hidden": proposal.hidden_at is not None,
        "flag_author_id": proposal.author_id,
        "form": {},
        "errors": {},
    }
