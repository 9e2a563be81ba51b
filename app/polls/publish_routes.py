"""Publishing a poll, sending it back to draft before it opens, and deleting a draft."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from app.authz.core import authorize
from app.deps import ClientAddress, IdPath, SessionDep, TenantDep, UserDep
from app.errors import DomainError
from app.flash import flash
from app.forms import error_of
from app.i18n import N_
from app.polls import service
from app.polls.admin_routes import audit_poll, load_managed_poll
from app.polls.models import Poll
from app.polls.pages import poll_outline
from app.polls.permissions import phase
from app.polls.router import router
from app.templating import render


def _refused_page(
    request: Request, session: SessionDep, poll: Poll, error: DomainError
) -> Response:
    """The poll's page again with what stops the step, e.g. publishing without questions."""
    context = {
        **poll_outline(session, poll),
        "locked": service.is_locked(session, poll),
        "phase": phase(poll),
        "ballots": None,
        "problem": error_of(error),
    }
    return render(request, "polls/admin_poll.html", context, status_code=error.status_code)


def _move_poll(
    request: Request,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    poll_id: int,
    action: str,
    move: Callable[[Session, Poll], None],
    done: str,
) -> Response:
    """Publish or unpublish: the same checks, audit and answer, around a different move."""
    poll = load_managed_poll(session, me, poll_id)
    authorize(me, action, poll)
    try:
        move(session, poll)
    except DomainError as error:
        return _refused_page(request, session, poll, error)
    audit_poll(session, action, me, poll.id, address)
    flash(request, done, "success")
    return RedirectResponse(f"/admin/polls/{poll.id}", status_code=303)


@router.post("/admin/polls/{poll_id}/publish", name="admin_publish_poll")
def publish_poll(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    poll_id: IdPath,
) -> Response:
    message = N_("The poll has been published.")
    return _move_poll(
        request, session, me, address, poll_id, "polls.publish", service.publish_poll, message
    )


@router.post("/admin/polls/{poll_id}/unpublish", name="admin_unpublish_poll")
def unpublish_poll(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    poll_id: IdPath,
) -> Response:
    message = N_("The poll is a draft again: only staff see it.")
    return _move_poll(
        request, session, me, address, poll_id, "polls.unpublish", service.unpublish_poll, message
    )


@router.post("/admin/polls/{poll_id}/delete", name="admin_delete_poll")
def delete_poll(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    poll_id: IdPath,
) -> Response:
    poll = load_managed_poll(session, me, poll_id)
    authorize(me, "polls.delete", poll)
    service.delete_draft(session, poll)
    audit_poll(session, "polls.delete", me, poll_id, address)
    flash(request, N_("The draft has been deleted."), "success")
    return RedirectResponse("/admin/polls", status_code=303)
