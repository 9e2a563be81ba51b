"""The goal and period of proposals: a number or a share of the census, fixed at publication."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.census.models import CensusEntry
from app.db import scoped_to, utcnow
from app.proposals.schemas import ProposalForm
from app.proposals.service import create_proposal
from app.proposals.settings import (
    DEFAULT_THRESHOLD,
    ProposalSettings,
    deadline_from,
    load_settings,
    save_settings,
    supports_needed,
)
from app.tenants.models import Tenant
from tests.factories import HOSTILE
from tests.people import csrf_of, make_user, sign_in


def _census(db: Session, tenant: Tenant, people: int) -> None:
    with scoped_to(db, tenant.id):
        db.add_all(
            CensusEntry(dni_digest=f"d{i}", birth_digest="b", updated_at=utcnow())
            for i in range(people)
        )
        db.flush()


def test_defaults_a_share_of_the_census_and_a_fixed_number(
    db: Session, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    with scoped_to(db, tenant_a.id):
        assert supports_needed(db, load_settings(db, tenant_a.id)) == DEFAULT_THRESHOLD
    _census(db, tenant_a, 250)
    _census(db, tenant_b, 1000)
    with scoped_to(db, tenant_a.id):
        assert supports_needed(db, ProposalSettings()) == 3  # 1 % of 250, rounded up
        assert supports_needed(db, ProposalSettings(threshold_percent=0.1)) == 1
        assert supports_needed(db, ProposalSettings(threshold=42)) == 42


def test_the_goal_and_deadline_are_fixed_when_published(db: Session, tenant_a: Tenant) -> None:
    author = make_user(db, tenant_a)
    with scoped_to(db, tenant_a.id):
        save_settings(db, tenant_a.id, ProposalSettings(threshold=7, months=3))
        form = ProposalForm(title=HOSTILE, summary=HOSTILE, body=HOSTILE)
        proposal = create_proposal(db, tenant_a.id, author.id, form, [], None)
        save_settings(db, tenant_a.id, ProposalSettings(threshold=99, months=1))
        assert load_settings(db, tenant_a.id).threshold == 99
    assert proposal.supports_needed == 7
    assert 88 <= (proposal.deadline_at - proposal.created_at).days <= 92


def test_months_are_calendar_months() -> None:
    start = datetime(2026, 1, 31, 12, tzinfo=UTC)
    assert deadline_from(start, ProposalSettings(months=1)) == datetime(2026, 2, 28, 12, tzinfo=UTC)
    assert deadline_from(start, ProposalSettings(months=12)).year == 2027


def test_administrators_change_the_settings_and_mistakes_keep_the_input(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    sign_in(client_a, make_user(db, tenant_a, "administrator"))
    page = client_a.get("/admin/proposals")
    assert page.status_code == 200
    assert "<script>alert" not in page.text  # the instance's hostile name in the layout
    wrong = client_a.post(
        "/admin/proposals",
        data={
            "goal": "number",
            "threshold": "<b>mil</b>",
            "months": "12",
            "csrf_token": csrf_of(client_a, "/admin/proposals"),
        },
    )
    assert wrong.status_code == 422
    assert "&lt;b&gt;mil&lt;/b&gt;" in wrong.text
    saved = client_a.post(
        "/admin/proposals",
        data={
            "goal": "number",
            "threshold": "500",
            "threshold_percent": "",
            "months": "6",
            "csrf_token": csrf_of(client_a, "/admin/proposals"),
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    with scoped_to(db, tenant_a.id):
        db.expire_all()
        assert load_settings(db, tenant_a.id) == ProposalSettings(threshold=500, months=6)
    # Every page still renders with the setting stored in the instance's settings.
    again = client_a.get("/admin/proposals")
    assert again.status_code == 200
    assert 'value="500"' in again.text
