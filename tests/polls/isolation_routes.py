"""GET routes of the poll pages and editor with an id, for tests/test_isolation.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from app.db import scoped_to
from app.polls.closing import close_poll
from app.polls.models import Poll
from app.tenants.models import Tenant
from tests.polls.factories import make_poll, questions_of


def _title(tenant: Tenant) -> str:
    return f"Votación solo de {tenant.slug}"


def _closed(db: Session, tenant: Tenant) -> Poll:
    poll = make_poll(
        db, tenant, opens=timedelta(days=-5), closes=timedelta(days=-1), title=_title(tenant)
    )
    with scoped_to(db, tenant.id):
        close_poll(db, poll, datetime.now(UTC))
    return poll


def _page(suffix: str, marked: bool = True) -> Callable[[Session, Tenant], tuple[str, str | None]]:
    def build(db: Session, tenant: Tenant) -> tuple[str, str | None]:
        poll = _closed(db, tenant)
        return f"/polls/{poll.id}{suffix}", _title(tenant) if marked else None

    return build


def _open(suffix: str) -> Callable[[Session, Tenant], tuple[str, str | None]]:
    def build(db: Session, tenant: Tenant) -> tuple[str, str | None]:
        poll = make_poll(db, tenant, published=False, title=_title(tenant))
        return suffix.format(id=poll.id), _title(tenant)

    return build


def _question(db: Session, tenant: Tenant) -> tuple[str, str | None]:
    poll = make_poll(db, tenant, published=False, title=_title(tenant))
    question, _answers = questions_of(db, poll)[0]
    return f"/admin/polls/{poll.id}/questions/{question.id}", _title(tenant)


ROUTES: dict[str, Callable[[Session, Tenant], tuple[str, str | None]]] = {
    "show_poll": _page(""),
    "poll_results": _page("/results"),
    "poll_receipts": _page("/receipts"),
    "poll_results_csv": _page("/results.csv", marked=False),
    "poll_results_json": _page("/results.json", marked=False),
    "poll_ballots_json": _page("/ballots.json", marked=False),
    "admin_poll": _open("/admin/polls/{id}"),
    "admin_edit_poll": _open("/admin/polls/{id}/edit"),
    "admin_new_question": _open("/admin/polls/{id}/questions/new"),
    "admin_edit_question": _question,
}
