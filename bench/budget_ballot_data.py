"""A generated instance for the budget-ballot benchmark: a La Libertad budget in balloting.

The tenant, its twelve provinces and the budget (a region-wide heading and one heading per
province, with the demo's amounts, moved through its phases to *balloting*) are made through
the services an administrator uses; a handful of rows. Everything else is loaded with bulk SQL
(bench/bulk_load.py): selected, priced projects (30–60 a heading), verified residents (account,
resident, census entry in their province), a login session each (minted as the participation
benchmark mints them), and ballots some residents already hold.

Every random choice is made before a row is written, including the project each resident adds
in the benchmark and whether it fits their ballot: the benchmark knows which requests must be
accepted (303) or refused as over the amount (422), and what the ballot tables must hold after.
"""

from __future__ import annotations

import hashlib
import random
import secrets
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.accounts.sessions import SESSION_LIFETIME, SESSION_TOKEN_KEY
from app.budgets.models import PHASES
from app.budgets.schemas import BudgetForm, GroupForm, HeadingForm
from app.budgets.service import (
    create_budget,
    create_group,
    create_heading,
    move_phase,
    publish_budget,
)
from app.db import make_engine, make_sessionmaker, platform_session, scoped_to
from app.dbschema import upgrade_database
from app.demo import LA_LIBERTAD_PROVINCES
from app.demo_budgets import POPULATION, REGION_AMOUNT, REGION_POPULATION, province_amount
from app.geozones.models import Geozone
from app.security import CSRF_SESSION_KEY
from app.tenants.schemas import TenantCreate
from app.tenants.service import create_tenant
from app.tokens import digest
from bench import spanish_text
from bench.bulk_load import BulkLoader
from bench.participation_data import FIRST_NAMES, HOSTS, SURNAMES, mint_cookie

BALLOT_TABLES = ("budget_ballots", "budget_ballot_lines")
# (heading id, voter key) -> the projects on that person's ballot there.
Ballots = dict[tuple[int, str], frozenset[int]]


@dataclass(frozen=True)
class Scale:
    residents: int  # verified, each with a login session; each may add one project
    projects: tuple[int, int] = (30, 60)  # per province heading; the region's has the most
    prefilled: float = 0.4  # chance a resident already has a ballot in a heading


DEFAULT = Scale(4_000)
TINY = Scale(40, (4, 8), prefilled=0.8)


@dataclass(frozen=True)
class Heading:
    id: int
    group_id: int
    amount: int
    zone: str | None  # the province's code; None for the region-wide heading
    projects: tuple[tuple[int, int], ...]  # (project id, price)


@dataclass(frozen=True)
class Add:
    """One resident, signed in, adding one project to their ballot of their province."""

    user_id: int
    voter_key: str
    cookie: str  # the value of the minka_session cookie
    csrf: str
    heading_id: int
    project_id: int
    fits: bool  # the price fits in what their ballot has left: 303, else 422


@dataclass
class Generated:
    scale: Scale
    budget_id: int
    region: Heading
    headings: list[Heading]
    adds: list[Add]  # one per resident, in the order the benchmark sends them
    ballots: Ballots  # before the benchmark
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def expected(self, sent: Iterable[Add]) -> Ballots:
        """The ballots once ``sent`` were all answered: every add that fits is on the ballot."""
        after = dict(self.ballots)
        for add in sent:
            if add.fits:
                key = (add.heading_id, add.voter_key)
                after[key] = after.get(key, frozenset()) | {add.project_id}
        return after


def generate(url: str, scale: Scale, secret: str, seed: int = 6) -> Generated:
    """Migrate the empty database at ``url`` and fill it; return what the benchmark needs."""
    started = time.perf_counter()
    upgrade_database(url)
    migrated = time.perf_counter()
    tenant_id, budget_id, structure = _create_budget(url)
    built = time.perf_counter()
    rng = random.Random(seed)
    now = datetime.now(UTC)
    headings = _plan_projects(rng, scale, structure)
    region = next(heading for heading in headings if heading.zone is None)
    by_zone = {heading.zone: heading for heading in headings if heading.zone is not None}
    zones = sorted(by_zone)
    weights = [POPULATION[zone] for zone in zones]
    keys = [_voter_key(i) for i in range(scale.residents)]
    homes = [by_zone[zone] for zone in rng.choices(zones, weights, k=scale.residents)]
    ballots: Ballots = {}
    for key, home in zip(keys, homes, strict=True):
        for heading in (region, home):
            if rng.random() < scale.prefilled:
                # At least one project stays off, for the resident to add in the benchmark.
                wanted = min(rng.randint(1, 6), len(heading.projects) - 1)
                ballots[(heading.id, key)] = _filled(rng, heading, wanted)
    loader = BulkLoader(url)
    try:
        _load_people(loader, rng, tenant_id, keys, homes, now)
        _load_projects(loader, rng, tenant_id, budget_id, headings, now)
        _load_ballots(loader, tenant_id, headings, ballots, now)
        sessions = _load_sessions(loader, tenant_id, scale.residents, secret, now)
        loader.finish(
            (
                "census_entries",
                "users",
                "residents",
                "user_sessions",
                "budget_projects",
                *BALLOT_TABLES,
            )
        )
    finally:
        loader.close()
    adds = []
    for i, (key, home) in enumerate(zip(keys, homes, strict=True)):
        chosen = ballots.get((home.id, key), frozenset())
        prices = dict(home.projects)
        project = rng.choice([pid for pid, _price in home.projects if pid not in chosen])
        left = home.amount - sum(prices[pid] for pid in chosen)
        cookie, csrf = sessions[i]
        adds.append(Add(i + 1, key, cookie, csrf, home.id, project, prices[project] <= left))
    timings = {"migrations": migrated - started, "budget": built - migrated, **loader.timings}
    return Generated(
        scale=scale,
        budget_id=budget_id,
        region=region,
        headings=headings,
        adds=adds,
        ballots=ballots,
        seconds=time.perf_counter() - started,
        timings=timings,
        counts=loader.counts,
    )


def _voter_key(number: int) -> str:
    """The stand-in for a person's keyed DNI digest (census, resident and ballots share it)."""
    return hashlib.sha256(f"bench-ballot-dni-{number}".encode()).hexdigest()


def _create_budget(url: str) -> tuple[int, int, list[tuple[int, int, int, str | None]]]:
    """Tenant, provinces and a published budget in balloting, through the services.

    Returns the tenant, the budget and each heading's (id, group id, amount, zone code)."""
    engine = make_engine(url)
    session = platform_session(make_sessionmaker(engine))
    try:
        tenant = create_tenant(
            session,
            TenantCreate(slug="bench", name="Gobierno Regional La Libertad", hosts=list(HOSTS)),
        )
        with scoped_to(session, tenant.id):
            zones = [
                Geozone(code=code, name=name, kind=kind)
                for code, name, kind in LA_LIBERTAD_PROVINCES
            ]
            session.add_all(zones)
            session.flush()
            form = BudgetForm(year=2026, name="Presupuesto participativo La Libertad 2026")
            budget = create_budget(session, form)
            region_group = create_group(session, budget, GroupForm(name="Toda la región"))
            region = HeadingForm(
                name="Región La Libertad", amount=REGION_AMOUNT, population=REGION_POPULATION
            )
            headings = [create_heading(session, budget, region_group, region)]
            provinces = create_group(session, budget, GroupForm(name="Por provincia"))
            for zone in zones:
                population = POPULATION[zone.code]
                form_of = HeadingForm(
                    name=zone.name,
                    amount=province_amount(population),
                    geozone_id=zone.id,
                    population=population,
                )
                headings.append(create_heading(session, budget, provinces, form_of))
            publish_budget(session, budget)
            while budget.phase != "balloting":
                move_phase(session, budget.id, 1)
            assert PHASES.index(budget.phase) == PHASES.index("balloting")
            code_of = {zone.id: zone.code for zone in zones}
            structure = [
                (h.id, h.group_id, h.amount, code_of.get(h.geozone_id or 0)) for h in headings
            ]
            budget_id = budget.id
        session.commit()
        return tenant.id, budget_id, structure
    finally:
        session.close()
        engine.dispose()


def _plan_projects(
    rng: random.Random, scale: Scale, structure: list[tuple[int, int, int, str | None]]
) -> list[Heading]:
    """Projects of each heading, priced between a 25th and a quarter of its amount."""
    low, high = scale.projects
    headings, next_id = [], 1
    for heading_id, group_id, amount, zone in structure:
        count = high if zone is None else rng.randint(low, high)
        step = 1000 if amount >= 100_000 else 1
        projects = tuple(
            (next_id + i, max(step, rng.randint(amount // 25, amount // 4) // step * step))
            for i in range(count)
        )
        next_id += count
        headings.append(Heading(heading_id, group_id, amount, zone, projects))
    return headings


def _filled(rng: random.Random, heading: Heading, wanted: int) -> frozenset[int]:
    """Up to ``wanted`` random projects, each taken only if it still fits (as a person would)."""
    chosen: set[int] = set()
    left = heading.amount
    for project_id, price in rng.sample(heading.projects, len(heading.projects)):
        if len(chosen) == wanted:
            break
        if price <= left:
            chosen.add(project_id)
            left -= price
    return frozenset(chosen)


def _load_people(
    loader: BulkLoader,
    rng: random.Random,
    tenant_id: int,
    keys: list[str],
    homes: list[Heading],
    now: datetime,
) -> None:
    """Accounts, resident rows and census entries (the census gives the voter's province)."""
    long_ago = now - timedelta(days=400)
    loader.insert(
        "census_entries",
        ("id", "tenant_id", "dni_digest", "birth_digest", "geozone_code", "updated_at"),
        (
            (i + 1, tenant_id, key, _voter_key(-i - 1), home.zone, long_ago)
            for i, (key, home) in enumerate(zip(keys, homes, strict=True))
        ),
    )

    def users() -> Iterator[tuple[object, ...]]:
        for i in range(len(keys)):
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)} {rng.choice(SURNAMES)}"
            flags = (False, False, False)  # not an organization, not by the desk, no e-mails
            yield (i + 1, tenant_id, f"votante{i + 1}@bench.test", long_ago, name, *flags, long_ago)

    loader.insert(
        "users",
        (
            *("id", "tenant_id", "email", "email_confirmed_at", "display_name"),
            *("is_organization", "created_by_desk", "email_notifications", "created_at"),
        ),
        users(),
    )
    loader.insert(
        "residents",
        ("id", "tenant_id", "dni_digest", "user_id", "method", "verified_at"),
        ((i + 1, tenant_id, key, i + 1, "census", long_ago) for i, key in enumerate(keys)),
    )


def _load_projects(
    loader: BulkLoader,
    rng: random.Random,
    tenant_id: int,
    budget_id: int,
    headings: list[Heading],
    now: datetime,
) -> None:
    """Admitted, feasible, priced and selected: what reaches the ballot after valuating."""
    proposed, valuated = now - timedelta(days=200), now - timedelta(days=60)

    def projects() -> Iterator[tuple[object, ...]]:
        for heading in headings:
            for project_id, price in heading.projects:
                yield (
                    *(project_id, tenant_id, budget_id, heading.id, spanish_text.title(rng)),
                    *(spanish_text.body(rng), proposed, 0, "accepted", rng.randint(5, 400)),
                    *("feasible", price, "Precio según el expediente técnico.", valuated),
                    *(True, 0, False, "not_started", 0),
                )

    loader.insert(
        "budget_projects",
        (
            *("id", "tenant_id", "budget_id", "heading_id", "title"),
            *("description", "created_at", "comments_count", "review_state", "supports_count"),
            *("feasibility", "price", "price_explanation", "valuated_at"),
            *("selected", "ballot_votes", "winner", "execution_status", "progress"),
        ),
        projects(),
    )


def _load_ballots(
    loader: BulkLoader, tenant_id: int, headings: list[Heading], ballots: Ballots, now: datetime
) -> None:
    group_of = {heading.id: heading.group_id for heading in headings}
    cast = now - timedelta(days=2)
    ordered = list(ballots.items())
    loader.insert(
        "budget_ballots",
        (
            *("id", "tenant_id", "heading_id", "group_id", "voter_key"),
            *("channel", "created_at", "updated_at"),
        ),
        (
            (i + 1, tenant_id, heading_id, group_of[heading_id], key, "web", cast, cast)
            for i, ((heading_id, key), _chosen) in enumerate(ordered)
        ),
    )
    lines = (
        (ballot, project)
        for ballot, (_key, chosen) in enumerate(ordered, start=1)
        for project in sorted(chosen)
    )
    loader.insert(
        "budget_ballot_lines",
        ("id", "tenant_id", "ballot_id", "project_id"),
        ((i + 1, tenant_id, ballot, project) for i, (ballot, project) in enumerate(lines)),
    )


def _load_sessions(
    loader: BulkLoader, tenant_id: int, users: int, secret: str, now: datetime
) -> list[tuple[str, str]]:
    """A login session for every resident: (cookie, CSRF token), user after user."""
    rows, minted = [], []
    for user_id in range(1, users + 1):
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        rows.append(
            (user_id, tenant_id, digest(token), user_id, now, now + SESSION_LIFETIME, "web")
        )
        minted.append(
            (mint_cookie(secret, {SESSION_TOKEN_KEY: token, CSRF_SESSION_KEY: csrf}), csrf)
        )
    loader.insert(
        "user_sessions",
        ("id", "tenant_id", "token_digest", "user_id", "created_at", "expires_at", "channel"),
        rows,
    )
    return minted


def ballots_in(connection: Connection) -> Ballots:
    """Every ballot of the database with its projects (budget ballots are not secret)."""
    found: dict[tuple[int, str], set[int]] = {}
    rows = connection.execute(
        text(
            "SELECT b.heading_id, b.voter_key, l.project_id FROM budget_ballots b "
            "LEFT JOIN budget_ballot_lines l ON l.ballot_id = b.id"
        )
    )
    for heading_id, key, project_id in rows:
        projects = found.setdefault((heading_id, key), set())
        if project_id is not None:
            projects.add(project_id)
    return {key: frozenset(projects) for key, projects in found.items()}


def ballots_over_amount(connection: Connection) -> int:
    """How many ballots cost more than their heading's amount (must be none)."""
    over = connection.scalar(
        text(
            "SELECT count(*) FROM (SELECT b.id FROM budget_ballots b "
            "JOIN budget_headings h ON h.id = b.heading_id "
            "JOIN budget_ballot_lines l ON l.ballot_id = b.id "
            "JOIN budget_projects p ON p.id = l.project_id "
            "GROUP BY b.id, h.amount HAVING sum(p.price) > h.amount) AS over_amount"
        )
    )
    return int(over or 0)


def differences(expected: Ballots, found: Ballots) -> list[str]:
    """What the database holds that it should not, and what it lacks (a few of each)."""
    problems = []
    missing = [key for key in expected if key not in found]
    extra = [key for key in found if key not in expected]
    wrong = [key for key in expected if key in found and found[key] != expected[key]]
    for label, keys in (("missing", missing), ("unexpected", extra), ("different", wrong)):
        if keys:
            sample = ", ".join(f"heading {h} voter {k[:8]}…" for h, k in keys[:3])
            problems.append(f"{len(keys):,} ballots {label} ({sample})")
    return problems
