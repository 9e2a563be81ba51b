"""GET routes of the booths with an id, for tests/test_isolation.py."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from app.polls.models import PollBooth
from app.tenants.models import Tenant
from tests.polls.factories import make_booth, make_poll


def _booth(db: Session, tenant: Tenant) -> PollBooth:
    poll = make_poll(db, tenant, title=f"Votación solo de {tenant.slug}")
    booth = make_booth(db, tenant, poll)
    booth.name = f"Mesa solo de {tenant.slug}"
    db.flush()
    return booth


def _admin_list(db: Session, tenant: Tenant) -> tuple[str, str | None]:
    booth = _booth(db, tenant)
    return f"/admin/polls/{booth.poll_id}/booths", f"Mesa solo de {tenant.slug}"


def _admin_booth(db: Session, tenant: Tenant) -> tuple[str, str | None]:
    booth = _booth(db, tenant)
    return f"/admin/polls/{booth.poll_id}/booths/{booth.id}", f"Mesa solo de {tenant.slug}"


# The isolation test signs in administrators, who are no officers: the officer's pages answer
# them 403 on their own instance, and must answer 404 on another.
ROUTES: dict[str, Callable[[Session, Tenant], tuple[str, str | None]]] = {
    "admin_poll_booths": _admin_list,
    "admin_poll_booth": _admin_booth,
    "my_booth": lambda db, tenant: (f"/booths/{_booth(db, tenant).id}", None),
    "my_booth_paper": lambda db, tenant: (f"/booths/{_booth(db, tenant).id}/paper", None),
}
