"""GET routes of the proposals module with an id, for tests/test_isolation.py."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from app.tenants.models import Tenant
from tests.proposals.factories import make_proposal


def _shown(db: Session, tenant: Tenant) -> tuple[str, str | None]:
    proposal = make_proposal(db, tenant, title=f"Propuesta solo de {tenant.slug}")
    return f"/proposals/{proposal.id}", f"Propuesta solo de {tenant.slug}"


def _editable(db: Session, tenant: Tenant) -> tuple[str, str | None]:
    proposal = make_proposal(db, tenant)
    return f"/proposals/{proposal.id}/edit", None


def _image(db: Session, tenant: Tenant) -> tuple[str, str | None]:
    # No file behind the name: the other tenant must get 404 before any file is looked for.
    proposal = make_proposal(db, tenant, image_name="none.jpg", image_alt="x")
    return f"/proposals/{proposal.id}/image", None


ROUTES: dict[str, Callable[[Session, Tenant], tuple[str, str | None]]] = {
    "show_proposal": _shown,
    "edit_proposal": _editable,
    "proposal_image": _image,
}
