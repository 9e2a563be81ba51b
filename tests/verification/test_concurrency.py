"""Two accounts verify the same DNI at the same moment: exactly one wins (real commits)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from app.accounts.models import User
from app.db import make_engine, make_sessionmaker, platform_session, scoped_to, session_scope
from app.dbschema import upgrade_database
from app.verification.models import Resident, VerificationConflict
from app.verification.service import claim_resident
from tests.databases import drop_database, fresh_database
from tests.factories import make_tenant

ROUNDS = 5


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    url = fresh_database("minka_test_concurrency", tmp_path)
    upgrade_database(url)
    engine = make_engine(url, pool_size=10) if url.startswith("postgresql") else make_engine(url)
    yield engine
    engine.dispose()
    drop_database(url)


def _claim(
    engine: Engine,
    tenant_id: int,
    user_id: int,
    dni: str,
    start: threading.Barrier,
    results: list[str],
) -> None:
    factory = make_sessionmaker(engine)
    start.wait(timeout=10)
    for session in session_scope(factory, tenant_id, write=True):
        user = session.get(User, user_id)
        assert user is not None
        outcome = claim_resident(session, user, dni, "census")
        results.append("won" if outcome.resident is not None else "conflict")


def test_concurrent_verifications_of_one_dni_leave_one_winner(engine: Engine) -> None:
    factory = make_sessionmaker(engine)
    with platform_session(factory) as db:
        tenant = make_tenant(db, "carrera", "carrera.test")
        with scoped_to(db, tenant.id):
            users = [
                User(email=f"u{i}@carrera.test", display_name=f"U{i}") for i in range(ROUNDS * 2)
            ]
            db.add_all(users)
            db.flush()
            ids = [user.id for user in users]
        tenant_id = tenant.id
        db.commit()
    for round_number in range(ROUNDS):
        dni = f"digest-{round_number}"
        pair = ids[round_number * 2 : round_number * 2 + 2]
        start = threading.Barrier(2)
        results: list[str] = []
        threads = [
            threading.Thread(target=_claim, args=(engine, tenant_id, uid, dni, start, results))
            for uid in pair
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(results) == ["conflict", "won"], results
        with platform_session(factory) as db:
            residents = db.scalars(select(Resident).where(Resident.dni_digest == dni)).all()
            conflicts = db.scalars(
                select(VerificationConflict).where(
                    VerificationConflict.resident_id == residents[0].id
                )
            ).all()
        assert len(residents) == 1
        assert residents[0].user_id in pair
        assert len(conflicts) == 1
        assert {conflicts[0].claimant_id, conflicts[0].holder_id} == set(pair)
