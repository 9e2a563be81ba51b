"""Shared steps of the moderation tests: staff signed in, posting a decision, reading back."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.audit.models import AuditEntry
from app.db import scoped_to
from app.moderation.models import Flag
from app.tenants.models import Tenant
from tests.people import csrf_of, make_user, sign_in


def signed_in(client: TestClient, db: Session, tenant: Tenant, *roles: str) -> User:
    user = make_user(db, tenant, *roles)
    db.commit()
    sign_in(client, user)
    return user


def decide(
    client: TestClient, action: str, target_type: str, target_id: int, **fields: str
) -> Response:
    data = {"target_type": target_type, "target_id": str(target_id), **fields}
    data["csrf_token"] = csrf_of(client)
    return client.post(f"/moderation/{action}", data=data, follow_redirects=False)


def post(client: TestClient, path: str, **fields: str) -> Response:
    data = {**fields, "csrf_token": csrf_of(client)}
    return client.post(path, data=data, follow_redirects=False)


def reload(db: Session, tenant: Tenant, row: Any) -> Any:
    with scoped_to(db, tenant.id):
        db.expire_all()
        return db.get(type(row), row.id)


def audit(db: Session, tenant: Tenant, action: str) -> list[AuditEntry]:
    with scoped_to(db, tenant.id):
        query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        return list(db.scalars(query))


def open_flags(db: Session, tenant: Tenant, target_type: str, target_id: int) -> int:
    with scoped_to(db, tenant.id):
        query = select(Flag).where(
            Flag.target_type == target_type,
            Flag.target_id == target_id,
            Flag.reviewed_at.is_(None),
        )
        return len(db.scalars(query).all())
