"""Who may vote: verification level × geozone × age (on the Lima date) × who is asking."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from app.answers.calendar import lima_today
from app.authz.principal import Principal
from app.db import scoped_to
from app.polls.ballots import Voter, booth_voter, ineligibility, web_voter
from app.tenants.models import Tenant
from tests.conftest import SECRET
from tests.factories import make_geozone
from tests.people import make_user
from tests.polls.factories import CENSUS_SECRET, make_person, make_poll, years_ago

ADULT = date(1980, 1, 1)


@pytest.mark.parametrize(
    ("level", "verified", "organization", "allowed"),
    [
        ("verified", True, False, True),
        ("verified", False, False, False),
        ("registered", True, False, True),
        ("registered", False, False, True),
        ("registered", False, True, False),
        ("verified", False, True, False),
    ],
)
def test_verification_level(
    db: Session, tenant_a: Tenant, level: str, verified: bool, organization: bool, allowed: bool
) -> None:
    poll = make_poll(db, tenant_a, voter_level=level)
    voter = Voter("k", None, None, verified=verified, organization=organization)
    with scoped_to(db, tenant_a.id):
        reason = ineligibility(db, poll, voter, lima_today())
    assert (reason is None) == allowed, reason


@pytest.mark.parametrize(
    ("poll_zones", "home", "allowed"),
    [
        ((), None, True),
        ((), "Z1", True),
        (("Z1",), "Z1", True),
        (("Z1", "Z2"), "Z2", True),
        (("Z1",), "Z2", False),
        (("Z1",), None, False),
    ],
)
def test_geozone(
    db: Session, tenant_a: Tenant, poll_zones: tuple[str, ...], home: str | None, allowed: bool
) -> None:
    zones = {code: make_geozone(db, tenant_a, code) for code in ("Z1", "Z2")}
    poll = make_poll(db, tenant_a, geozones=[zones[code] for code in poll_zones])
    with scoped_to(db, tenant_a.id):
        reason = ineligibility(db, poll, Voter("k", home, ADULT, verified=True), lima_today())
    assert (reason is None) == allowed, reason


def test_geozones_of_another_instance_do_not_count(
    db: Session, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    make_geozone(db, tenant_b, "Z1")
    poll = make_poll(db, tenant_a, geozones=[make_geozone(db, tenant_a, "Z2")])
    with scoped_to(db, tenant_a.id):
        reason = ineligibility(db, poll, Voter("k", "Z1", ADULT, verified=True), lima_today())
    assert reason is not None


@pytest.mark.parametrize(
    ("born_on", "allowed"),
    [
        (years_ago(18), True),  # eighteen today, in Lima
        (years_ago(18, days=1), False),  # eighteen tomorrow
        (years_ago(40), True),
        (None, False),  # the date of birth was never confirmed
    ],
    ids=["birthday-today", "birthday-tomorrow", "forty", "unknown"],
)
def test_minimum_age(db: Session, tenant_a: Tenant, born_on: date | None, allowed: bool) -> None:
    poll = make_poll(db, tenant_a, min_age=18)
    with scoped_to(db, tenant_a.id):
        reason = ineligibility(db, poll, Voter("k", None, born_on, verified=True), lima_today())
    assert (reason is None) == allowed, reason
    if born_on is None:
        assert reason is not None
        assert "date of birth" in reason


def test_no_minimum_age_needs_no_date_of_birth(db: Session, tenant_a: Tenant) -> None:
    poll = make_poll(db, tenant_a)
    with scoped_to(db, tenant_a.id):
        assert ineligibility(db, poll, Voter("k", None, None, verified=True), lima_today()) is None


def test_nobody_signed_in_is_asked_to_sign_in(db: Session, tenant_a: Tenant) -> None:
    poll = make_poll(db, tenant_a, voter_level="registered")
    with scoped_to(db, tenant_a.id):
        assert ineligibility(db, poll, None, lima_today()) == "Sign in to vote in this poll."


def test_a_web_voter_carries_the_census_zone_and_date_of_birth(
    db: Session, tenant_a: Tenant
) -> None:
    person = make_person(db, tenant_a, geozone_code="Z7", born_on=date(2001, 2, 3))
    assert person.user is not None
    assert person.resident is not None
    principal = Principal(user_id=person.user.id, display_name="x", resident_id=person.resident.id)
    with scoped_to(db, tenant_a.id):
        voter = web_voter(db, principal, SECRET)
        nobody = web_voter(db, None, SECRET)
        plain = web_voter(
            db, Principal(user_id=make_user(db, tenant_a).id, display_name="y"), SECRET
        )
    assert voter is not None
    assert voter == Voter(
        person.dni_digest, "Z7", date(2001, 2, 3), verified=True, user_key=voter.user_key
    )
    assert nobody is None
    assert plain is not None
    assert not plain.verified
    assert plain.key != voter.key


def test_a_booth_finds_the_same_person_by_dni_and_date_of_birth(
    db: Session, tenant_a: Tenant
) -> None:
    person = make_person(db, tenant_a, geozone_code="Z1", born_on=date(1975, 6, 7))
    with scoped_to(db, tenant_a.id):
        found = booth_voter(db, CENSUS_SECRET, tenant_a.slug, person.dni, date(1975, 6, 7))
        wrong_birth = booth_voter(db, CENSUS_SECRET, tenant_a.slug, person.dni, date(1975, 6, 8))
        unknown = booth_voter(db, CENSUS_SECRET, tenant_a.slug, "49999999", date(1975, 6, 7))
    # The key is the resident's: a booth mark and a web vote by the same person collide.
    assert found == Voter(person.dni_digest, "Z1", date(1975, 6, 7), verified=True)
    assert wrong_birth is None
    assert unknown is None


def test_a_booth_lookup_in_another_instance_finds_nobody(
    db: Session, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    person = make_person(db, tenant_a, born_on=date(1975, 6, 7))
    with scoped_to(db, tenant_b.id):
        assert booth_voter(db, CENSUS_SECRET, tenant_a.slug, person.dni, date(1975, 6, 7)) is None
