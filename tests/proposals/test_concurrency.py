"""Simultaneous supports on PostgreSQL: one per resident, and the count equals the rows."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from app.accounts.models import User
from app.db import (
    make_engine,
    make_sessionmaker,
    platform_session,
    scoped_to,
    session_scope,
    utcnow,
)
from app.dbschema import upgrade_database
from app.proposals.models import Proposal, ProposalSupport
from app.proposals.service import support_proposal
from app.verification.models import Resident
from tests.databases import drop_database, fresh_database
from tests.factories import make_tenant
from tests.proposals.factories import make_proposal

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    url = fresh_database("minka_test_supports", tmp_path)
    upgrade_database(url)
    engine = make_engine(url, pool_size=20, max_overflow=0, pool_timeout=60)
    yield engine
    engine.dispose()
    drop_database(url)


def _prepare(engine: Engine, residents: int, needed: int) -> tuple[int, int, list[tuple[int, int]]]:
    factory = make_sessionmaker(engine)
    with platform_session(factory) as db:
        tenant = make_tenant(db, "apoyos", "apoyos.test")
        proposal = make_proposal(db, tenant, supports_needed=needed)
        people: list[tuple[int, int]] = []
        with scoped_to(db, tenant.id):
            for number in range(residents):
                user = User(email=f"r{number}@apoyos.test", display_name=f"R{number}")
                db.add(user)
                db.flush()
                resident = Resident(
                    dni_digest=f"dni-{number}", user_id=user.id, method="desk", verified_at=utcnow()
                )
                db.add(resident)
                db.flush()
                people.append((resident.id, user.id))
        db.commit()
        return tenant.id, proposal.id, people


def _run(
    engine: Engine, tenant_id: int, proposal_id: int, people: list[tuple[int, int]]
) -> list[str]:
    factory = make_sessionmaker(engine)
    start = threading.Barrier(len(people))
    outcomes: list[str] = []

    def support(resident_id: int, user_id: int) -> None:
        start.wait(timeout=60)
        try:
            for session in session_scope(factory, tenant_id, write=True):
                proposal = session.get_one(Proposal, proposal_id)
                done = support_proposal(
                    session, proposal, resident_id=resident_id, user_id=user_id, channel="web"
                )
                outcomes.append("added" if done.added else "duplicate")
        except Exception as error:
            outcomes.append(repr(error))

    threads = [threading.Thread(target=support, args=person) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def _counts(engine: Engine, tenant_id: int, proposal_id: int) -> tuple[int, int, str]:
    with platform_session(make_sessionmaker(engine)) as db, scoped_to(db, tenant_id):
        proposal = db.get_one(Proposal, proposal_id)
        rows = db.scalar(
            select(func.count(ProposalSupport.id)).where(ProposalSupport.proposal_id == proposal_id)
        )
        return proposal.supports_count, rows or 0, proposal.state


def test_fifty_simultaneous_supports_by_one_resident_count_once(engine: Engine) -> None:
    tenant_id, proposal_id, people = _prepare(engine, 1, needed=10)
    outcomes = _run(engine, tenant_id, proposal_id, people * 50)
    assert sorted(outcomes) == ["added"] + ["duplicate"] * 49, outcomes
    assert _counts(engine, tenant_id, proposal_id) == (1, 1, "open")


def test_two_hundred_residents_at_once_count_two_hundred(engine: Engine) -> None:
    tenant_id, proposal_id, people = _prepare(engine, 200, needed=150)
    outcomes = _run(engine, tenant_id, proposal_id, people)
    assert outcomes == ["added"] * 200, [o for o in outcomes if o != "added"][:5]
    assert _counts(engine, tenant_id, proposal_id) == (200, 200, "successful")
