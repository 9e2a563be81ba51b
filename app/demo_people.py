"""Demo residents and accounts: a fictional census and one account per role, for trying Minka.

Everything here is invented. The password is printed by ``minka demo load`` and is the same for
every demo account, so a demo must never be exposed as a real instance.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.passwords import hash_password
from app.authz.models import RoleAssignment
from app.census.service import census_key, dni_digest, import_census
from app.db import scoped_to, utcnow
from app.tenants.models import Tenant
from app.verification.service import claim_resident

DEMO_PASSWORD = "minka-demo-2026"  # noqa: S105 - printed on purpose; demo data only
CENSUS_SIZE = 300
# (email local part, name, roles, verified, organization, office)
DEMO_ACCOUNTS: tuple[tuple[str, str, tuple[str, ...], bool, bool, str | None], ...] = (
    ("admin", "Administradora Demo", ("administrator",), False, False, None),
    ("moderador", "Moderador Demo", ("moderator",), False, False, None),
    ("funcionaria", "Funcionaria Demo", ("official",), False, False, "Gerencia de Planeamiento"),
    ("evaluador", "Evaluador Demo", ("valuator",), False, False, None),
    ("mesa", "Mesa de Atención Demo", ("desk_manager",), False, False, None),
    ("personero", "Personero de Mesa Demo", ("poll_officer",), False, False, None),
    ("vecina", "Vecina Verificada Demo", (), True, False, None),
    ("vecino", "Vecino por Verificar Demo", (), False, False, None),
    ("organizacion", "Organización Vecinal Demo", (), False, True, None),
)


def demo_census_rows(tenant_number: int, codes: list[str]) -> list[tuple[str, date, str]]:
    """Deterministic fictional residents: DNI 7N000001… with birth dates and territories."""
    chooser = random.Random(tenant_number)
    rows = []
    for index in range(1, CENSUS_SIZE + 1):
        dni = f"7{tenant_number}{index:06d}"
        birth = date(1950, 1, 1) + timedelta(days=chooser.randrange(0, 365 * 55))
        rows.append((dni, birth, chooser.choice(codes) if codes else ""))
    return rows


def demo_email(local: str, tenant: Tenant) -> str:
    return f"{local}@{tenant.slug}.minka.example"


def load_demo_people(
    session: Session, tenant: Tenant, tenant_number: int, zone_codes: list[str], secret: bytes
) -> list[tuple[str, str]]:
    """Census and accounts for one instance; returns (email, what it is) for the login list."""
    key = census_key(secret, tenant.slug)
    rows = demo_census_rows(tenant_number, zone_codes)
    with scoped_to(session, tenant.id):
        lines = ["dni,fecha_nacimiento,codigo_geozona\n"]
        lines += [f"{dni},{birth.isoformat()},{code}\n" for dni, birth, code in rows]
        import_census(session, tenant.id, key, lines)
        listed = []
        password_hash = hash_password(DEMO_PASSWORD)
        for index, (local, name, roles, verified, organization, office) in enumerate(DEMO_ACCOUNTS):
            email = demo_email(local, tenant)
            user = session.scalars(select(User).where(User.email == email)).one_or_none()
            if user is None:
                user = User(
                    email=email,
                    display_name=name,
                    password_hash=password_hash,
                    email_confirmed_at=utcnow(),
                    is_organization=organization,
                )
                session.add(user)
                session.flush()
                for role in roles:
                    session.add(RoleAssignment(user_id=user.id, role=role, office=office))
                if verified:
                    claim_resident(session, user, dni_digest(key, rows[index][0]), "desk")
            listed.append(
                (
                    email,
                    ", ".join(roles)
                    or (
                        "organization"
                        if organization
                        else "verified resident"
                        if verified
                        else "citizen"
                    ),
                )
            )
        session.flush()
    return listed
