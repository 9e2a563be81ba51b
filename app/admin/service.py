"""Administration of one instance: people and their roles, organizations, conflicts."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.authz.models import ROLES, RoleAssignment
from app.errors import Invalid, NotFound
from app.i18n import N_

PAGE_SIZE = 50


def search_users(session: Session, query: str, page: int = 1) -> tuple[list[User], int]:
    statement = select(User)
    if query:
        pattern = f"%{query.strip().lower()}%"
        statement = statement.where(
            or_(func.lower(User.display_name).like(pattern), func.lower(User.email).like(pattern))
        )
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.scalars(
        statement.order_by(User.id).offset((max(page, 1) - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    return list(rows), total


def roles_by_user(session: Session, user_ids: list[int]) -> dict[int, list[RoleAssignment]]:
    found: dict[int, list[RoleAssignment]] = {user_id: [] for user_id in user_ids}
    if user_ids:
        for role in session.scalars(
            select(RoleAssignment).where(RoleAssignment.user_id.in_(user_ids))
        ):
            found[role.user_id].append(role)
    return found


def users_by_id(session: Session, ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {user.id: user for user in session.scalars(select(User).where(User.id.in_(ids)))}


def require_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


def assign_role(
    session: Session, user: User, role: str, office: str | None, badge: str | None
) -> RoleAssignment:
    if role not in ROLES:
        raise Invalid(N_("Choose one of the options."))
    if role == "official" and not (office and office.strip()):
        raise Invalid(N_("An official needs the office they answer for."))
    existing = session.scalars(
        select(RoleAssignment).where(RoleAssignment.user_id == user.id, RoleAssignment.role == role)
    ).one_or_none()
    if existing is None:
        existing = RoleAssignment(user_id=user.id, role=role)
        session.add(existing)
    existing.office = office.strip() if office else None
    existing.badge = badge.strip() if badge else None
    session.flush()
    return existing


def remove_role(session: Session, user: User, role: str) -> bool:
    existing = session.scalars(
        select(RoleAssignment).where(RoleAssignment.user_id == user.id, RoleAssignment.role == role)
    ).one_or_none()
    if existing is None:
        return False
    session.delete(existing)
    session.flush()
    return True
