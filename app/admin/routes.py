"""Administration pages of one instance. Every change is authorized and written to the audit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from app.accounts.models import User
from app.admin import service
from app.audit.repository import filter_entries
from app.audit.service import record
from app.authz.core import authorize
from app.authz.models import ROLES
from app.deps import ClientAddress, IdPath, SessionDep, TenantDep, UserDep
from app.errors import Invalid, NotFound
from app.flash import flash
from app.forms import FieldError, error_of
from app.i18n import N_
from app.templating import render
from app.verification.models import VerificationConflict
from app.verification.service import open_conflicts, resident_of, resolve_conflict

router = APIRouter(prefix="/admin")
Short = Annotated[str, Form(max_length=200)]
Search = Annotated[str, Query(max_length=200)]
PageNumber = Annotated[int, Query(ge=1, le=100_000)]

ROLE_LABELS = {
    "administrator": N_("Administrator"),
    "moderator": N_("Moderator"),
    "official": N_("Official"),
    "valuator": N_("Valuator"),
    "desk_manager": N_("Desk manager"),
    "poll_officer": N_("Poll officer"),
}


@router.get("", name="admin_home")
def admin_home(request: Request, tenant: TenantDep, session: SessionDep, me: UserDep) -> Response:
    authorize(me, "admin.view")
    return render(request, "admin/home.html", {"conflicts": len(open_conflicts(session))})


@router.get("/users", name="admin_users")
def list_users(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    q: Search = "",
    page: PageNumber = 1,
) -> Response:
    authorize(me, "admin.users.manage")
    users, total = service.search_users(session, q, page)
    roles = service.roles_by_user(session, [user.id for user in users])
    context = {
        "users": users,
        "roles": roles,
        "total": total,
        "q": q,
        "page": page,
        "role_labels": ROLE_LABELS,
        "page_size": service.PAGE_SIZE,
    }
    return render(request, "admin/users.html", context)


@router.get("/users/{user_id}", name="admin_user")
def show_user(
    request: Request, user_id: IdPath, tenant: TenantDep, session: SessionDep, me: UserDep
) -> Response:
    authorize(me, "admin.users.manage")
    return _user_page(request, session, service.require_user(session, user_id))


def _user_page(
    request: Request,
    session: SessionDep,
    user: User,
    errors: Mapping[str, FieldError] | None = None,
    form: Mapping[str, str] | None = None,
) -> Response:
    context = {
        "user": user,
        "roles": service.roles_by_user(session, [user.id])[user.id],
        "role_labels": ROLE_LABELS,
        "all_roles": ROLES,
        "errors": errors or {},
        "form": form or {},
    }
    return render(request, "admin/user.html", context, status_code=422 if errors else 200)


@router.post("/users/{user_id}/roles", name="admin_user_roles")
def change_role(
    request: Request,
    user_id: IdPath,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    role: Short = "",
    operation: Short = "add",
    office: Short = "",
    badge: Short = "",
) -> Response:
    authorize(me, "admin.roles.assign")
    user = service.require_user(session, user_id)
    if operation == "remove":
        if user.id == me.user_id and role == "administrator":
            flash(request, N_("You cannot remove your own administrator role."), "error")
            return RedirectResponse(f"/admin/users/{user.id}", status_code=303)
        if service.remove_role(session, user, role):
            record(
                session,
                "role.removed",
                actor=me,
                object_type="user",
                object_id=user.id,
                client_address=address,
                details={"role": role},
            )
        return RedirectResponse(f"/admin/users/{user.id}", status_code=303)
    try:
        service.assign_role(session, user, role, office, badge)
    except Invalid as invalid:
        form = {"role": role, "office": office, "badge": badge}
        return _user_page(request, session, user, {"role": error_of(invalid)}, form)
    record(
        session,
        "role.assigned",
        actor=me,
        object_type="user",
        object_id=user.id,
        client_address=address,
        details={"role": role, "office": office, "badge": badge},
    )
    flash(request, N_("The role has been saved."), "success")
    return RedirectResponse(f"/admin/users/{user.id}", status_code=303)


@router.post("/users/{user_id}/organization", name="admin_user_organization")
def mark_organization(
    request: Request,
    user_id: IdPath,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    is_organization: Short = "",
) -> Response:
    authorize(me, "admin.users.manage")
    user = service.require_user(session, user_id)
    if is_organization == "yes" and resident_of(session, user.id) is not None:
        flash(request, N_("A verified resident cannot become an organization account."), "error")
        return RedirectResponse(f"/admin/users/{user.id}", status_code=303)
    user.is_organization = is_organization == "yes"
    record(
        session,
        "user.organization",
        actor=me,
        object_type="user",
        object_id=user.id,
        client_address=address,
        details={"is_organization": user.is_organization},
    )
    return RedirectResponse(f"/admin/users/{user.id}", status_code=303)


@router.get("/audit", name="admin_audit")
def show_audit(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    action: Search = "",
    actor: Search = "",
    channel: Search = "",
    page: PageNumber = 1,
) -> Response:
    authorize(me, "admin.audit.view")
    entries, total = filter_entries(session, action=action, actor=actor, channel=channel, page=page)
    context = {
        "entries": entries,
        "total": total,
        "page": page,
        "filters": {"action": action, "actor": actor, "channel": channel},
    }
    return render(request, "admin/audit.html", context)


@router.get("/conflicts", name="admin_conflicts")
def list_conflicts(
    request: Request, tenant: TenantDep, session: SessionDep, me: UserDep
) -> Response:
    authorize(me, "admin.conflicts.resolve")
    conflicts = open_conflicts(session)
    ids = {c.claimant_id for c in conflicts} | {c.holder_id for c in conflicts}
    people = service.users_by_id(session, {i for i in ids if i is not None})
    return render(request, "admin/conflicts.html", {"conflicts": conflicts, "people": people})


@router.post("/conflicts/{conflict_id}", name="admin_conflict_resolve")
def decide_conflict(
    request: Request,
    conflict_id: IdPath,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    decision: Short = "",
) -> Response:
    authorize(me, "admin.conflicts.resolve")
    conflict = session.get(VerificationConflict, conflict_id)
    if conflict is None or conflict.resolved_at is not None:
        raise NotFound()
    if decision not in {"transfer", "keep"}:
        raise Invalid(N_("Choose one of the options."))
    try:
        resolve_conflict(session, conflict, decision)
    except Invalid as refused:
        flash(request, refused.message, "error")
        return RedirectResponse("/admin/conflicts", status_code=303)
    record(
        session,
        "verification.conflict_resolved",
        actor=me,
        object_type="conflict",
        object_id=conflict.id,
        client_address=address,
        details={"decision": decision},
    )
    flash(request, N_("The conflict has been resolved."), "success")
    return RedirectResponse("/admin/conflicts", status_code=303)
