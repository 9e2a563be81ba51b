"""People for tests: accounts with roles, verified or not, signed in through the real form."""

from __future__ import annotations

import re
from itertools import count

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.passwords import hash_password
from app.authz.models import RoleAssignment
from app.db import scoped_to, utcnow
from app.tenants.models import Tenant
from app.verification.models import Resident, VerificationConflict
from tests.factories import HOSTILE

PASSWORD = "kusi-llaqta-2026"
_HASH = hash_password(PASSWORD)
_numbers = count(1)


def make_user(
    db: Session,
    tenant: Tenant,
    *roles: str,
    email: str | None = None,
    verified: bool = False,
    organization: bool = False,
    confirmed: bool = True,
    name: str = HOSTILE,
) -> User:
    number = next(_numbers)
    with scoped_to(db, tenant.id):
        user = User(
            email=email or f"persona{number}@{tenant.slug}.test",
            email_confirmed_at=utcnow() if confirmed else None,
            password_hash=_HASH,
            display_name=f"{name} {number}",
            is_organization=organization,
        )
        db.add(user)
        db.flush()
        for role in roles:
            db.add(
                RoleAssignment(
                    user_id=user.id, role=role, office="Oficina" if role == "official" else None
                )
            )
        if verified:
            db.add(
                Resident(
                    dni_digest=f"test-dni-{tenant.id}-{number}",
                    user_id=user.id,
                    method="desk",
                    verified_at=utcnow(),
                )
            )
        db.flush()
    return user


def csrf_of(client: TestClient, path: str = "/") -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client: TestClient, user: User, password: str = PASSWORD) -> None:
    assert user.email is not None
    response = client.post(
        "/login",
        data={"email": user.email, "password": password, "csrf_token": csrf_of(client, "/login")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:500]


def add_to_census(
    db: Session,
    tenant: Tenant,
    census_secret: bytes,
    dni: str,
    birth: str = "1980-01-01",
    geozone_code: str = "",
) -> None:
    """Load residents through the real import, as an administrator's CSV would."""
    from app.census.service import census_key, import_census

    key = census_key(census_secret, tenant.slug)
    lines = ["dni,fecha_nacimiento,codigo_geozona\n", f"{dni},{birth},{geozone_code}\n"]
    with scoped_to(db, tenant.id):
        report = import_census(db, tenant.id, key, lines)
        db.commit()
    assert report.error_count == 0, report.errors


def make_conflict(
    db: Session, tenant: Tenant, dni_digest: str = "d-conflict"
) -> tuple[Resident, VerificationConflict, User, User]:
    """A DNI held by one account and claimed by another, waiting for an administrator."""
    holder, claimant = make_user(db, tenant), make_user(db, tenant)
    with scoped_to(db, tenant.id):
        resident = Resident(
            dni_digest=dni_digest, user_id=holder.id, method="census", verified_at=utcnow()
        )
        db.add(resident)
        db.flush()
        conflict = VerificationConflict(
            resident_id=resident.id,
            claimant_id=claimant.id,
            holder_id=holder.id,
            method="census",
            created_at=utcnow(),
        )
        db.add(conflict)
        db.flush()
    return resident, conflict, holder, claimant
