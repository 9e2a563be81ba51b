"""Becoming a verified resident: one DNI, one account, one voice — decided by the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.census.models import CensusEntry
from app.census.service import census_key, dni_digest, find_census_entry, parse_birth_date
from app.db import utcnow
from app.errors import Invalid
from app.i18n import N_
from app.verification.models import Resident, VerificationConflict


class CensusInputInvalid(Invalid):
    """What was typed cannot be looked up; ``field`` says which form field is wrong."""

    def __init__(self, field: str, cause: Invalid) -> None:
        super().__init__(cause.message, **cause.values)
        self.field = field


@dataclass(frozen=True)
class CensusMatch:
    entry: CensusEntry | None
    dni_digest: str
    # The date of birth typed; the census confirmed it only when ``entry`` is not None.
    birth: date | None = None


def match_census(
    session: Session,
    census_secret: bytes,
    tenant_slug: str,
    dni: str,
    birth_text: str,
    extra: str | None = None,
) -> CensusMatch:
    """Look a person up in the instance's census by what they (or the desk) typed."""
    key = census_key(census_secret, tenant_slug)
    try:
        birth = parse_birth_date(birth_text)
    except Invalid as invalid:
        raise CensusInputInvalid("birth_date", invalid) from None
    try:
        entry = find_census_entry(session, key, dni, birth, extra or None)
    except Invalid as invalid:
        raise CensusInputInvalid("dni", invalid) from None
    return CensusMatch(entry, dni_digest(key, dni), birth)


def census_digest_of(
    session: Session, census_secret: bytes, tenant_slug: str, dni: str
) -> str | None:
    """The DNI's digest if the census lists it (for a DNI asserted by an identity provider)."""
    key = census_key(census_secret, tenant_slug)
    try:
        wanted = dni_digest(key, dni)
    except Invalid:
        return None
    found = session.scalar(select(CensusEntry.id).where(CensusEntry.dni_digest == wanted))
    return wanted if found is not None else None


@dataclass(frozen=True)
class Outcome:
    """Either the resident now held by the account, or the conflict that was recorded."""

    resident: Resident | None
    conflict: VerificationConflict | None = None
    already_verified: bool = False


def note_birth_date(resident: Resident | None, match: CensusMatch) -> bool:
    """Keep the date of birth the census just confirmed for this very person (polls with a
    minimum age need it); True if the resident's date changed."""
    if resident is None or match.entry is None or match.birth is None:
        return False
    if resident.dni_digest != match.dni_digest or resident.born_on == match.birth:
        return False
    resident.born_on = match.birth
    return True


def resident_of(session: Session, user_id: int) -> Resident | None:
    return session.scalars(select(Resident).where(Resident.user_id == user_id)).one_or_none()


def _by_digest(session: Session, dni_digest: str) -> Resident | None:
    return session.scalars(
        select(Resident)
        .where(Resident.dni_digest == dni_digest)
        .execution_options(populate_existing=True)
    ).one_or_none()


def claim_resident(
    session: Session,
    user: User,
    dni_digest: str,
    method: str,
    verified_by_id: int | None = None,
) -> Outcome:
    """Attach the person with this DNI to the account, unless another account holds it.

    Concurrent claims are settled by the unique constraints (one resident per DNI, one per
    account) and by a conditional update for a detached resident: exactly one claim wins.
    """
    if user.is_organization:
        raise Invalid(N_("Organization accounts are never verified as residents."))
    held = resident_of(session, user.id)
    if held is not None:
        return Outcome(held, already_verified=True)
    now = utcnow()
    resident = _by_digest(session, dni_digest)
    if resident is None:
        try:
            with session.begin_nested():
                resident = Resident(
                    dni_digest=dni_digest,
                    user_id=user.id,
                    method=method,
                    verified_at=now,
                    verified_by_id=verified_by_id,
                )
                session.add(resident)
            return Outcome(resident)
        except IntegrityError:
            resident = _by_digest(session, dni_digest)
            if resident is None:  # the same account won a concurrent claim with another DNI
                return Outcome(resident_of(session, user.id), already_verified=True)
    if resident.user_id == user.id:
        return Outcome(resident, already_verified=True)
    if resident.user_id is None:
        # A deleted account's voice: the new account takes it back, it does not get a new one.
        taken = session.execute(
            update(Resident)
            .where(Resident.id == resident.id, Resident.user_id.is_(None))
            .values(user_id=user.id, method=method, verified_at=now, verified_by_id=verified_by_id)
            .execution_options(synchronize_session=False)
        )
        resident = _by_digest(session, dni_digest)
        assert resident is not None
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            return Outcome(resident)
    open_one = session.scalars(
        select(VerificationConflict).where(
            VerificationConflict.resident_id == resident.id,
            VerificationConflict.claimant_id == user.id,
            VerificationConflict.resolved_at.is_(None),
        )
    ).first()
    if open_one is not None:  # the same claim again: one case for the administrator
        return Outcome(None, open_one)
    conflict = VerificationConflict(
        resident_id=resident.id,
        claimant_id=user.id,
        holder_id=resident.user_id,
        method=method,
        created_at=now,
    )
    session.add(conflict)
    session.flush()
    return Outcome(None, conflict)


def open_conflicts(session: Session) -> list[VerificationConflict]:
    statement = (
        select(VerificationConflict)
        .where(VerificationConflict.resolved_at.is_(None))
        .order_by(VerificationConflict.created_at)
    )
    return list(session.scalars(statement))


def resolve_conflict(session: Session, conflict: VerificationConflict, decision: str) -> None:
    """``transfer`` gives the voice to the claimant; ``keep`` leaves it with the holder."""
    resident = session.get(Resident, conflict.resident_id)
    assert resident is not None
    if decision == "transfer":
        if conflict.claimant_id is None or resident_of(session, conflict.claimant_id) is not None:
            raise Invalid(N_("The claimant's account is gone or already holds another DNI."))
        resident.user_id = conflict.claimant_id
        resident.verified_at = utcnow()
    conflict.resolved_at = utcnow()
    conflict.resolution = decision
    session.flush()
