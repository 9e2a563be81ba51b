"""The hourly purge forgets ended sessions, spent links and old throttle counts, per instance,
and keeps everything that can still be used (or was ended less than a week ago)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.accounts.models import AccountToken, ThrottleEvent, UserSession
from app.accounts.purge import KEEP_ENDED
from app.config import Settings
from app.db import scoped_to, utcnow
from app.jobs.models import Job
from app.jobs.periodic import PERIODIC, PREFIX, schedule_periodic
from app.jobs.queue import run_due_jobs
from app.tenants.models import Tenant
from tests.people import make_user

LONG_AGO = KEEP_ENDED + timedelta(days=1)
LATELY = KEEP_ENDED - timedelta(days=1)


def _rows(db: Session, tenant: Tenant) -> dict[str, set[str]]:
    """Every kind of row, named by what makes it kept or dropped."""
    now = utcnow()
    user = make_user(db, tenant)
    digests: dict[str, set[str]] = {"sessions": set(), "tokens": set(), "events": set()}
    with scoped_to(db, tenant.id):
        for name, expires, revoked in (
            ("session-live", now + timedelta(days=1), None),
            ("session-expired-long-ago", now - LONG_AGO, None),
            ("session-expired-lately", now - LATELY, None),
            ("session-revoked-long-ago", now + timedelta(days=20), now - LONG_AGO),
            ("session-revoked-lately", now + timedelta(days=20), now - LATELY),
        ):
            digest = f"{name}-{secrets.token_hex(8)}"
            db.add(
                UserSession(
                    token_digest=digest,
                    user_id=user.id,
                    created_at=now - timedelta(days=30),
                    expires_at=expires,
                    revoked_at=revoked,
                )
            )
            digests["sessions"].add(digest)
        for name, expires, used in (
            ("token-live", now + timedelta(hours=1), None),
            ("token-expired-long-ago", now - LONG_AGO, None),
            ("token-used-long-ago", now + timedelta(days=20), now - LONG_AGO),
            ("token-used-lately", now + timedelta(days=20), now - LATELY),
        ):
            digest = f"{name}-{secrets.token_hex(8)}"
            db.add(
                AccountToken(
                    token_digest=digest,
                    user_id=user.id,
                    purpose="reset_password",
                    created_at=now - timedelta(days=30),
                    expires_at=expires,
                    used_at=used,
                )
            )
            digests["tokens"].add(digest)
        for name, age in (("event-counting", timedelta(minutes=30)), ("event-old", LONG_AGO)):
            digest = f"{name}-{secrets.token_hex(8)}"
            db.add(ThrottleEvent(kind="login_account", key_digest=digest, created_at=now - age))
            digests["events"].add(digest)
        db.commit()
    return digests


def _left(db: Session, tenant: Tenant) -> dict[str, set[str]]:
    db.expire_all()
    with scoped_to(db, tenant.id):
        return {
            "sessions": set(db.scalars(select(UserSession.token_digest))),
            "tokens": set(db.scalars(select(AccountToken.token_digest))),
            "events": set(db.scalars(select(ThrottleEvent.key_digest))),
        }


def _kept(names: set[str]) -> set[str]:
    return {name for name in names if "long-ago" not in name and "event-old" not in name}


def test_the_job_worker_purges_ended_records_of_each_instance(
    db: Session,
    sessions: sessionmaker[Session],
    settings: Settings,
    tenant_a: Tenant,
    tenant_b: Tenant,
) -> None:
    made = {tenant.id: _rows(db, tenant) for tenant in (tenant_a, tenant_b)}
    now = utcnow()
    schedule_periodic(sessions, now)
    assert PERIODIC["purge_ended_sign_in_records"].every == timedelta(hours=1)
    with scoped_to(db, tenant_a.id):
        db.expire_all()
        pending = db.scalars(select(Job.kind).where(Job.tenant_id == tenant_a.id)).all()
    assert PREFIX + "purge_ended_sign_in_records" in pending
    run_due_jobs(sessions, now, limit=100, settings=settings)
    for tenant in (tenant_a, tenant_b):
        left = _left(db, tenant)
        for kind, names in made[tenant.id].items():
            assert left[kind] & names == _kept(names), (tenant.slug, kind)
            assert _kept(names) < names  # each kind had something to drop
