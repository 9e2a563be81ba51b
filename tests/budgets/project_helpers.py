"""What the project and support tests share: posting forms, files, and reading back rows."""

from __future__ import annotations

import io
from typing import Any

from fastapi.testclient import TestClient
from httpx2 import Response
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.budgets.models import BudgetHeading
from app.db import scoped_to
from app.tenants.models import Tenant
from tests.factories import HOSTILE
from tests.people import csrf_of

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
Files = list[tuple[str, tuple[str, bytes, str]]]


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(buffer, "PNG")
    return buffer.getvalue()


def post(
    client: TestClient, path: str, data: dict[str, Any], files: Files | None = None
) -> Response:
    form = {**data, "csrf_token": csrf_of(client, "/budgets")}
    return client.post(path, data=form, files=files, follow_redirects=False)


def project_form(heading: BudgetHeading, **changes: str) -> dict[str, str]:
    return {
        "title": f"{HOSTILE} Puente peatonal",
        "description": f"{HOSTILE}\n\nUn puente sobre el río **Moche**.",
        "heading_id": str(heading.id),
        "location": f"{HOSTILE} Jr. Pizarro 123",
        "image_alt": "",
        **changes,
    }


def fresh(db: Session, tenant: Tenant, model: Any, *where: Any) -> list[Any]:
    """Rows as the app committed them (its session is not the test's)."""
    with scoped_to(db, tenant.id):
        db.expire_all()
        return list(db.scalars(select(model).where(*where).order_by(model.id)))


def audited(db: Session, tenant: Tenant, prefix: str = "budgets.project") -> list[str]:
    return [
        entry.action for entry in fresh(db, tenant, AuditEntry) if entry.action.startswith(prefix)
    ]
