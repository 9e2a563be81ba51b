"""The demo budget of La Libertad: published, accepting projects, the whole region and one
heading per province with its zone; loading twice changes nothing; other instances get none."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.budgets.models import Budget, BudgetGroup, BudgetHeading, BudgetPhase
from app.db import scoped_to
from app.demo import LA_LIBERTAD_PROVINCES
from app.demo_budgets import load_demo_budgets
from app.geozones.models import Geozone
from app.tenants.models import Tenant
from tests.factories import make_tenant


def test_the_demo_budget_of_la_libertad(db: Session, tenant_a: Tenant) -> None:
    region = make_tenant(db, "lalibertad", "lalibertad.test")
    with scoped_to(db, region.id):
        for code, name, kind in LA_LIBERTAD_PROVINCES:
            db.add(Geozone(code=code, name=name, kind=kind))
        db.flush()
    load_demo_budgets(db, region)
    load_demo_budgets(db, region)
    load_demo_budgets(db, tenant_a)
    with scoped_to(db, tenant_a.id):
        assert db.scalars(select(Budget)).all() == []
    with scoped_to(db, region.id):
        (budget,) = db.scalars(select(Budget)).all()
        assert budget.phase == "accepting"
        assert budget.published_at is not None
        assert budget.rule == "equal_shares"
        groups = db.scalars(select(BudgetGroup).order_by(BudgetGroup.position)).all()
        assert [group.name for group in groups] == ["Toda la región", "Por provincia"]
        headings = db.scalars(select(BudgetHeading).order_by(BudgetHeading.id)).all()
        by_group = {group.id: [h for h in headings if h.group_id == group.id] for group in groups}
        assert len(by_group[groups[0].id]) == 1
        provinces = by_group[groups[1].id]
        assert len(provinces) == len(LA_LIBERTAD_PROVINCES)
        zones = {zone.id: zone.name for zone in db.scalars(select(Geozone))}
        assert sorted(zones[h.geozone_id] for h in provinces if h.geozone_id) == sorted(
            name for _code, name, _kind in LA_LIBERTAD_PROVINCES
        )
        assert all(h.amount > 0 and h.population for h in headings)
        phases = db.scalars(select(BudgetPhase)).all()
        assert len(phases) == 9
        assert all(phase.description and phase.starts_on for phase in phases)
