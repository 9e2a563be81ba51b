"""What people do on a proposal's page: support it or withdraw their support, and the author's
actions (retire it, send news to its supporters)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import Form, Request
from starlette.responses import RedirectResponse, Response

from app.audit.service import record
from app.authz.core import authorize
from app.authz.principal import Principal
from app.content.limits import TEXT_FORM_BYTES, TEXT_FORM_LIMITS
from app.deps import ActorDep, ClientAddress, IdPath, SessionDep, TenantDep
from app.flash import flash
from app.forms import FieldError, FormInvalid, parse_form
from app.i18n import N_
from app.proposals import service
from app.proposals.models import Proposal
from app.proposals.pages import Text, load_proposal, show_context
from app.proposals.router import router
from app.proposals.schemas import RetireForm, UpdateForm
from app.templating import render


@router.post("/proposals/{proposal_id}/support", name="support_proposal")
def support_proposal(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    actor: ActorDep,
    address: ClientAddress,
    proposal_id: IdPath,
) -> Response:
    proposal = load_proposal(session, actor.person, proposal_id)
    authorize(actor.person, "proposals.support", proposal)
    assert actor.person.resident_id is not None  # the rule asks for a verified resident
    outcome = service.support_proposal(
        session,
        proposal,
        resident_id=actor.person.resident_id,
        user_id=actor.person.user_id,
        channel=actor.channel,
    )
    if outcome.added and actor.manager is not None:
        # A support given at the desk names the manager who gave it, in the audit log.
        record(
            session,
            "proposals.support",
            actor=actor.manager,
            object_type="proposal",
            object_id=proposal.id,
            channel="desk",
            client_address=address,
            details={"for_user": actor.person.user_id},
        )
    if not outcome.added:
        flash(request, N_("You already support this proposal."), "info")
    elif outcome.reached_goal:
        flash(request, N_("Thank you! With your support the proposal reached its goal."), "success")
    else:
        flash(request, N_("Thank you for your support."), "success")
    return RedirectResponse(f"/proposals/{proposal.id}", status_code=303)


@router.post("/proposals/{proposal_id}/unsupport", name="unsupport_proposal")
def unsupport_proposal(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    actor: ActorDep,
    proposal_id: IdPath,
) -> Response:
    proposal = load_proposal(session, actor.person, proposal_id)
    authorize(actor.person, "proposals.unsupport", proposal)
    assert actor.person.resident_id is not None
    if service.withdraw_support(session, proposal, resident_id=actor.person.resident_id):
        flash(request, N_("Your support has been withdrawn."), "success")
    else:
        flash(request, N_("You did not support this proposal."), "info")
    return RedirectResponse(f"/proposals/{proposal.id}", status_code=303)


def _show_with_errors(
    request: Request,
    session: SessionDep,
    proposal: Proposal,
    principal: Principal,
    form: dict[str, str],
    errors: Mapping[str, FieldError],
) -> Response:
    context = show_context(request, session, principal, proposal)
    context.update(form=form, errors=errors)
    return render(request, "proposals/show.html", context, status_code=422)


@router.post(
    "/proposals/{proposal_id}/retire",
    name="retire_proposal",
    max_body_size=TEXT_FORM_BYTES,
    form_limits=TEXT_FORM_LIMITS,
)
def retire_proposal(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    actor: ActorDep,
    address: ClientAddress,
    proposal_id: IdPath,
    reason: Annotated[str, Form(max_length=40)] = "",
    explanation: Text = "",
) -> Response:
    me = actor.person  # a desk manager acts for the resident being served
    proposal = load_proposal(session, me, proposal_id)
    authorize(me, "proposals.retire", proposal)
    submitted = {"reason": reason, "explanation": explanation}
    try:
        form = parse_form(RetireForm, submitted)
    except FormInvalid as invalid:
        return _show_with_errors(request, session, proposal, me, submitted, invalid.errors)
    service.retire_proposal(session, proposal, form)
    record(
        session,
        "proposals.retire",
        actor=me,
        object_type="proposal",
        object_id=proposal.id,
        client_address=address,
        details={"reason": form.reason},
    )
    flash(request, N_("Your proposal has been retired."), "success")
    return RedirectResponse(f"/proposals/{proposal.id}", status_code=303)


@router.post(
    "/proposals/{proposal_id}/updates",
    name="send_proposal_update",
    max_body_size=TEXT_FORM_BYTES,
    form_limits=TEXT_FORM_LIMITS,
)
def send_proposal_update(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    actor: ActorDep,
    address: ClientAddress,
    proposal_id: IdPath,
    update_title: Text = "",
    update_body: Text = "",
) -> Response:
    me = actor.person  # a desk manager acts for the resident being served
    proposal = load_proposal(session, me, proposal_id)
    authorize(me, "proposals.send_update", proposal)
    submitted = {"update_title": update_title, "update_body": update_body}
    try:
        form = parse_form(UpdateForm, {"title": update_title, "body": update_body})
    except FormInvalid as invalid:
        errors = {f"update_{name}": text for name, text in invalid.errors.items()}
        return _show_with_errors(request, session, proposal, me, submitted, errors)
    news = service.send_update(session, proposal, form, me.user_id)
    record(
        session,
        "proposals.send_update",
        actor=me,
        object_type="proposal",
        object_id=proposal.id,
        client_address=address,
        details={"update": news.id},
    )
    flash(request, N_("Your news has been sent to the supporters."), "success")
    return RedirectResponse(f"/proposals/{proposal.id}#updates", status_code=303)
