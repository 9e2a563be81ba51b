"""Reporting content, and the moderators' queue and decisions. Every decision is audited."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from app.accounts.models import User
from app.audit.service import record
from app.authz.core import authorize, can
from app.authz.principal import Principal
from app.content.markdown import plain_excerpt
from app.content.targets import load_target, target_kind, target_path
from app.db import MAX_ID
from app.deps import ClientAddress, IdForm, IdPath, SessionDep, TenantDep, UserDep
from app.errors import Conflict, Forbidden, NotFound
from app.flash import flash
from app.forms import FieldError, FormInvalid, parse_form
from app.i18n import N_
from app.moderation import queue, repository, service
from app.moderation.permissions import Account
from app.moderation.schemas import FlagForm
from app.security import safe_next
from app.templating import render

router = APIRouter()
Short = Annotated[str, Form(max_length=200)]
# An abuse cap only: the real limit (500) is checked by FlagForm, which answers in the form.
Details = Annotated[str, Form(max_length=20_000)]
TargetType = Annotated[str, Query(max_length=40)]
QueryId = Annotated[int, Query(ge=1, le=MAX_ID)]
Next = Annotated[str, Query(max_length=2000)]
PageNumber = Annotated[int, Query(ge=1, le=queue.MAX_PAGE)]
Tab = Literal["pending", "hidden", "blocked"]

MISSING_TARGET = N_("The content you want to report does not exist or is no longer visible.")
OWN_CONTENT = N_("You cannot report your own content.")


def _reportable(session: SessionDep, me: Principal, target_type: str, target_id: int) -> Any:
    try:
        target = load_target(session, target_type, target_id)
    except NotFound:
        raise NotFound(MISSING_TARGET) from None
    if not can(me, "moderation.flag", target):
        raise Forbidden(OWN_CONTENT)
    return target


def _flag_page(
    request: Request,
    target_type: str,
    target: Any,
    form: Mapping[str, str],
    errors: Mapping[str, FieldError],
    status: int = 200,
) -> Response:
    context = {
        "target_type": target_type,
        "target_id": target.id,
        "kind_label": target_kind(target_type).label,
        "title": getattr(target, "title", None),
        "excerpt": plain_excerpt(target.body, 240),
        "next": safe_next(form.get("next"), target_path(target_type, target.id)),
        "form": form,
        "errors": errors,
    }
    return render(request, "moderation/flag.html", context, status_code=status)


@router.get("/flags/new", name="new_flag")
def new_flag(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    target_type: TargetType,
    target_id: QueryId,
    next: Next = "",
) -> Response:
    """The report form on its own page: for long lists, and for browsers without <details>."""
    authorize(me, "moderation.flag")
    target = _reportable(session, me, target_type, target_id)
    return _flag_page(request, target_type, target, {"next": next}, {})


@router.post("/flags", name="create_flag")
def create_flag(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    target_type: Short = "",
    target_id: Short = "",
    reason: Short = "",
    details: Details = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    authorize(me, "moderation.flag")
    if not target_id.isdigit() or not 0 < int(target_id) <= MAX_ID:
        raise NotFound(MISSING_TARGET)
    target = _reportable(session, me, target_type, int(target_id))
    submitted = {"reason": reason, "details": details, "next": next}
    try:
        form = parse_form(FlagForm, {"reason": reason, "details": details})
    except FormInvalid as invalid:
        return _flag_page(request, target_type, target, submitted, invalid.errors, 422)
    if service.report_content(session, me.user_id, target_type, target.id, form):
        flash(request, N_("Thank you. A moderator will review your report."), "success")
    else:
        flash(request, N_("You had already reported this. A moderator will review it."), "info")
    return RedirectResponse(safe_next(next, target_path(target_type, target.id)), status_code=303)


@router.get("/moderation", name="moderation_queue")
def moderation_queue(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    tab: Tab = "pending",
    page: PageNumber = 1,
) -> Response:
    authorize(me, "moderation.view")
    result: queue.Page[Any]
    if tab == "hidden":
        result = queue.hidden_page(session, page)
    elif tab == "blocked":
        result = queue.blocked_page(session, page)
    else:
        result = queue.pending_page(session, page)
    return render(request, "moderation/queue.html", {"tab": tab, "result": result})


def _back(next: str) -> RedirectResponse:
    return RedirectResponse(safe_next(next, "/moderation"), status_code=303)


def _decide(
    session: SessionDep,
    action: str,
    decide: Callable[[Session, str, int], service.Decision],
    me: Principal,
    address: str,
    target_type: str,
    target_id: int,
) -> service.Decision:
    """A moderator's decision on some content (the action names its permission), audited."""
    authorize(me, action)
    decision = decide(session, target_type, target_id)
    record(
        session,
        action,
        actor=me,
        object_type=target_type,
        object_id=target_id,
        client_address=address,
        details={
            "changed": decision.changed,
            "flags_reviewed": decision.flags_reviewed,
            "reasons": decision.reasons,
        },
    )
    return decision


@router.post("/moderation/hide", name="moderation_hide")
def hide(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    target_type: Short,
    target_id: IdForm,
    next: Short = "",
) -> Response:
    decision = _decide(
        session, "moderation.hide", service.hide_content, me, address, target_type, target_id
    )
    if decision.changed:
        flash(request, N_("The content is hidden."), "success")
    else:
        flash(request, N_("The content was already hidden."), "info")
    return _back(next)


@router.post("/moderation/restore", name="moderation_restore")
def restore(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    target_type: Short,
    target_id: IdForm,
    next: Short = "",
) -> Response:
    decision = _decide(
        session, "moderation.restore", service.restore_content, me, address, target_type, target_id
    )
    if decision.changed:
        flash(request, N_("The content is visible again."), "success")
    else:
        flash(request, N_("The content was not hidden."), "info")
    return _back(next)


@router.post("/moderation/keep", name="moderation_keep")
def keep(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    target_type: Short,
    target_id: IdForm,
    next: Short = "",
) -> Response:
    _decide(session, "moderation.keep", service.keep_content, me, address, target_type, target_id)
    flash(request, N_("The reports were dismissed; the content stays."), "success")
    return _back(next)


def _account_to_block(session: SessionDep, me: Principal, user_id: int) -> User:
    """The account, if this moderator may block or unblock it; a 403 that says why if not."""
    authorize(me, "moderation.block")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    if user.id == me.user_id:
        raise Forbidden(N_("You cannot block or unblock your own account."))
    if not can(me, "moderation.block", Account(user.id, repository.roles_of(session, user.id))):
        raise Forbidden(
            N_("Only an administrator can block or unblock a moderator or an administrator.")
        )
    return user


@router.post("/moderation/users/{user_id}/block", name="moderation_block_user")
def block_user(
    request: Request,
    user_id: IdPath,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    next: Short = "",
) -> Response:
    user = _account_to_block(session, me, user_id)
    try:
        counts = service.block_account(session, user)
    except Conflict as conflict:
        flash(request, conflict.message, "info")
        return _back(next)
    record(
        session,
        "moderation.block",
        actor=me,
        object_type="user",
        object_id=user.id,
        client_address=address,
        details={"hidden": counts},
    )
    flash(request, N_("The account is blocked and its content hidden."), "success")
    return _back(next)


@router.post("/moderation/users/{user_id}/unblock", name="moderation_unblock_user")
def unblock_user(
    request: Request,
    user_id: IdPath,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    restore: Short = "",
    next: Short = "",
) -> Response:
    user = _account_to_block(session, me, user_id)
    try:
        counts = service.unblock_account(session, user, restore=restore == "yes")
    except Conflict as conflict:
        flash(request, conflict.message, "info")
        return _back(next)
    record(
        session,
        "moderation.unblock",
        actor=me,
        object_type="user",
        object_id=user.id,
        client_address=address,
        details={"restored": counts, "restore_requested": restore == "yes"},
    )
    if restore == "yes":
        flash(request, N_("The account is unblocked and its content visible again."), "success")
    else:
        flash(request, N_("The account is unblocked. Its content stays hidden."), "success")
    return _back(next)
