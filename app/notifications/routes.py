"""The notification centre, marking notifications read, and following debates and proposals.

Everything that changes something is a POST form (with its CSRF token), so it works without
JavaScript and no link can mark or follow anything behind the person's back.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from app.authz.core import authorize
from app.content.targets import target_path
from app.deps import ActorDep, IdForm, IdPath, SessionDep, TenantDep, UserDep
from app.flash import flash
from app.i18n import N_
from app.notifications import service
from app.notifications.messages import notification_message
from app.security import safe_next
from app.templating import render

router = APIRouter()
PageNumber = Annotated[int, Query(ge=1, le=1000)]
TargetType = Annotated[str, Form(max_length=20)]
NextPath = Annotated[str, Form(max_length=2000)]


@router.get("/notifications", name="list_notifications")
def list_notifications(
    request: Request, tenant: TenantDep, session: SessionDep, me: UserDep, page: PageNumber = 1
) -> Response:
    authorize(me, "notifications.view")
    notifications, has_next = service.list_notifications(session, me.user_id, page)
    entries = [
        {
            "notification": n,
            "message": notification_message(n),
            "path": service.notification_path(n),
        }
        for n in notifications
    ]
    return render(
        request,
        "notifications/list.html",
        {"entries": entries, "page": page, "has_next": has_next},
    )


@router.post("/notifications/read-all", name="read_all_notifications")
def read_all_notifications(
    request: Request, tenant: TenantDep, session: SessionDep, me: UserDep
) -> Response:
    authorize(me, "notifications.view")
    service.mark_all_read(session, me.user_id)
    flash(request, N_("All your notifications are marked as read."), "success")
    return RedirectResponse("/notifications", status_code=303)


@router.post("/notifications/{notification_id}/read", name="read_notification")
def read_notification(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    notification_id: IdPath,
) -> Response:
    """Mark it read and go to what it is about."""
    notification = service.own_notification(session, me.user_id, notification_id)
    authorize(me, "notifications.read", notification)
    service.mark_read(session, notification)
    return RedirectResponse(
        service.notification_path(notification) or "/notifications", status_code=303
    )


@router.post("/follows", name="follow_target")
def follow_target(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    actor: ActorDep,
    target_type: TargetType,
    target_id: IdForm,
    next: NextPath = "",
) -> Response:
    authorize(actor.person, "notifications.follow")
    service.require_followable(session, target_type, target_id)
    service.follow(session, actor.person.user_id, target_type, target_id)
    flash(request, N_("You follow it now: you will be notified of what happens."), "success")
    return RedirectResponse(safe_next(next, target_path(target_type, target_id)), status_code=303)


@router.post("/follows/delete", name="unfollow_target")
def unfollow_target(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    actor: ActorDep,
    target_type: TargetType,
    target_id: IdForm,
    next: NextPath = "",
) -> Response:
    authorize(actor.person, "notifications.follow")
    # Hidden things can still be unfollowed; unknown ones cannot.
    service.require_followable(session, target_type, target_id, include_hidden=True)
    service.unfollow(session, actor.person.user_id, target_type, target_id)
    flash(request, N_("You no longer follow it."), "success")
    return RedirectResponse(safe_next(next, target_path(target_type, target_id)), status_code=303)
