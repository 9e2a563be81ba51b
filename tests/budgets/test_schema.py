"""The database itself refuses what no budget may hold: negative money, progress over 100,
an unknown phase, a second support or ballot of one person, k on a knapsack ballot."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.budgets.models import BudgetBallot, BudgetSupport
from app.db import scoped_to, utcnow
from app.tenants.models import Tenant
from app.verification.models import Resident
from tests.budgets.factories import groups_of, headings_of, make_budget, make_project
from tests.people import make_user


def test_checks_refuse_out_of_range_values(db: Session, tenant_a: Tenant) -> None:
    budget = make_budget(db, tenant_a)
    heading = headings_of(db, budget)[0]
    project = make_project(db, heading)
    cases: list[tuple[Any, str, Any]] = [
        (heading, "amount", -1),
        (project, "price", -1),
        (project, "progress", 101),
        (project, "progress", -1),
        (project, "amount_executed", -5),
        (project, "execution_status", "paused"),
        (project, "review_state", "maybe"),
        (budget, "phase", "voting"),
        (budget, "approval_limit", 3),  # knapsack ballots have no k
    ]
    with scoped_to(db, tenant_a.id):
        for row, column, value in cases:
            before = getattr(row, column)
            savepoint = db.begin_nested()
            setattr(row, column, value)
            with pytest.raises(IntegrityError):
                db.flush()
            savepoint.rollback()
            assert getattr(db.merge(row), column) == before, (column, value)


def test_one_support_and_one_ballot_per_person(db: Session, tenant_a: Tenant) -> None:
    budget = make_budget(db, tenant_a)
    group = groups_of(db, budget)[0]
    heading = headings_of(db, budget)[0]
    project = make_project(db, heading)
    user = make_user(db, tenant_a)
    with scoped_to(db, tenant_a.id):
        resident = Resident(
            dni_digest="d" * 64, user_id=user.id, method="census", verified_at=utcnow()
        )
        db.add(resident)
        db.flush()
        support = {
            "project_id": project.id,
            "resident_id": resident.id,
            "group_id": group.id,
            "heading_id": heading.id,
        }
        db.add(BudgetSupport(**support))
        db.flush()
        savepoint = db.begin_nested()
        db.add(BudgetSupport(**support, channel="desk"))
        with pytest.raises(IntegrityError):
            db.flush()
        savepoint.rollback()
        ballot = {"heading_id": heading.id, "group_id": group.id, "voter_key": "k" * 64}
        db.add(BudgetBallot(**ballot))
        db.flush()
        savepoint = db.begin_nested()
        db.add(BudgetBallot(**ballot, channel="paper"))
        with pytest.raises(IntegrityError):
            db.flush()
        savepoint.rollback()
