"""A generated instance for the participation benchmark: proposals, supports, comments.

Built by running the migrations, creating the tenant through the service, then loading every
other table with bulk SQL (bench/bulk_load.py). Counters match the rows: each proposal's
``supports_count`` is its number of ``proposal_supports`` rows and ``comments_count`` its
number of comments. Popularity is skewed (a few proposals gather thousands of supports, most
a handful) and one proposal holds ``hot_comments`` threaded comments.

Fresh verified accounts, who have supported nothing, get a server-side login session each,
minted here with the instance's secret in the format the session middleware signs, so the
support benchmark can send every request as a different resident without first paying
thousands of argon2 logins.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import secrets
import time
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from itsdangerous import TimestampSigner

from app.accounts.passwords import hash_password
from app.accounts.sessions import SESSION_LIFETIME, SESSION_TOKEN_KEY
from app.db import make_engine, make_sessionmaker, platform_session, scoped_to
from app.dbschema import upgrade_database
from app.geozones.models import Geozone
from app.security import CSRF_SESSION_KEY
from app.tenants.schemas import TenantCreate
from app.tenants.service import create_tenant
from app.tokens import digest
from bench import spanish_text
from bench.bulk_load import BulkLoader

HOSTS = ("127.0.0.1", "localhost")
PASSWORD = "kusi-llaqta-2026"  # noqa: S105 - of the generated (fictional) accounts
PROVINCES = (("1301", "Trujillo"), ("1306", "Otuzco"), ("1304", "Chepén"), ("1312", "Virú"))
FIRST_NAMES = ("Rosa", "Juan", "María", "Luis", "Carmen", "José", "Ana", "Pedro", "Flor", "Raúl")
SURNAMES = ("Quispe", "Huamán", "Rodríguez", "Vásquez", "Chávez", "Mendoza", "Ruiz", "Sánchez")
MAX_REPLY_DEPTH = 3


@dataclass(frozen=True)
class Scale:
    proposals: int
    residents: int  # verified accounts that support ``supports_each`` proposals each
    supports_each: int
    comments: int
    hot_comments: int  # on the one busy proposal
    support_users: int  # fresh verified accounts with a session, for the support benchmark

    @property
    def supports(self) -> int:
        return self.residents * self.supports_each

    @property
    def organizations(self) -> int:
        return max(1, self.residents // 100)


SCALES = {
    10_000: Scale(10_000, 2_000, 100, 50_000, 1_000, 3_000),
    100_000: Scale(100_000, 20_000, 100, 500_000, 1_000, 3_000),
}
TINY = Scale(300, 40, 10, 600, 60, 5)


@dataclass(frozen=True)
class SupportSession:
    user_id: int
    proposal_id: int
    cookie: str  # the value of the minka_session cookie
    csrf: str


@dataclass
class Generated:
    scale: Scale
    login_email: str
    hot_proposal_id: int
    support_sessions: list[SupportSession]
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def mint_cookie(secret: str, values: dict[str, str]) -> str:
    """A session cookie as Starlette's SessionMiddleware signs it (base64 JSON, timestamped)."""
    data = base64.b64encode(json.dumps(values).encode("utf-8"))
    return TimestampSigner(secret).sign(data).decode("utf-8")


class _Plan:
    """Every random choice, made once, so counters are known before the rows are written."""

    def __init__(self, scale: Scale, rng: random.Random, now: datetime) -> None:
        n = scale.proposals
        self.scale, self.rng, self.now = scale, rng, now
        span = timedelta(days=540)
        self.created = [now - span + span * (i + rng.random()) / (n + 1) for i in range(n)]
        self.hot = int(n * 509 / 540)  # created about a month ago, still open
        self.supported = array("i")  # proposal index of each support, resident after resident
        self.supports = [0] * n
        popular = list(range(n))
        rng.shuffle(popular)
        for _resident in range(scale.residents):
            chosen: set[int] = set()
            while len(chosen) < scale.supports_each:
                chosen.add(popular[int(n * rng.random() ** 3)])
            self.supported.extend(chosen)
            for index in chosen:
                self.supports[index] += 1
        self.commented = array("i")  # proposal index of each comment
        self.comments = [0] * n
        rng.shuffle(popular)
        self.commented.extend([self.hot] * scale.hot_comments)
        while len(self.commented) < scale.comments:
            index = popular[int(n * rng.random() ** 1.5)]
            if index != self.hot:
                self.commented.append(index)
        rng.shuffle(self.commented)  # interleave, as comments arrive over time
        for index in self.commented:
            self.comments[index] += 1
        self.needed = max(10, scale.residents // 10)
        self.retired = {i for i in range(n) if rng.random() < 0.005 and i != self.hot}
        self.hidden = {i for i in range(n) if rng.random() < 0.002 and i != self.hot}

    def deadline(self, index: int) -> datetime:
        return self.created[index] + timedelta(days=365)

    def state(self, index: int) -> str:
        if index in self.retired:
            return "retired"
        if self.supports[index] >= self.needed:
            return "successful"
        return "archived" if self.deadline(index) < self.now else "open"

    def comment_time(self, index: int, position: int) -> datetime:
        return min(self.now, self.created[index] + timedelta(minutes=10 * (position + 1)))


def generate(url: str, scale: Scale, secret: str, seed: int = 4) -> Generated:
    """Migrate the empty database at ``url`` and fill it; return what the benchmark needs."""
    started = time.perf_counter()
    upgrade_database(url)
    migrated = time.perf_counter()
    tenant_id, zone_ids = _create_tenant(url)
    rng = random.Random(seed)
    now = datetime.now(UTC)
    plan = _Plan(scale, rng, now)
    planned = time.perf_counter()
    loader = BulkLoader(url)
    try:
        sessions = _load(loader, plan, tenant_id, zone_ids, secret)
        loader.finish(
            (
                "tags",
                "users",
                "residents",
                "proposals",
                "proposal_supports",
                "comments",
                "user_sessions",
            )
        )
    finally:
        loader.close()
    timings = {"migrations": migrated - started, "plan": planned - migrated, **loader.timings}
    return Generated(
        scale=scale,
        login_email=_email(1),
        hot_proposal_id=plan.hot + 1,
        support_sessions=sessions,
        seconds=time.perf_counter() - started,
        timings=timings,
        counts=loader.counts,
    )


def _create_tenant(url: str) -> tuple[int, list[int]]:
    engine = make_engine(url)
    session = platform_session(make_sessionmaker(engine))
    try:
        tenant = create_tenant(
            session,
            TenantCreate(slug="bench", name="Gobierno Regional La Libertad", hosts=list(HOSTS)),
        )
        with scoped_to(session, tenant.id):
            zones = [Geozone(code=code, name=name, kind="urban") for code, name in PROVINCES]
            session.add_all(zones)
            session.flush()
        session.commit()
        return tenant.id, [zone.id for zone in zones]
    finally:
        session.close()
        engine.dispose()


def _email(user_id: int) -> str:
    return f"persona{user_id}@bench.test"


def _load(
    loader: BulkLoader, plan: _Plan, tenant_id: int, zones: list[int], secret: str
) -> list[SupportSession]:
    scale, rng, now = plan.scale, plan.rng, plan.now
    n = scale.proposals
    supporters, organizations = scale.residents, scale.organizations
    first_fresh = supporters + organizations + 1
    last_user = first_fresh + scale.support_users - 1
    authors = supporters + organizations  # ids 1..authors write proposals and comments
    tags = spanish_text.TAGS

    loader.insert(
        "tags",
        ("id", "tenant_id", "name"),
        ((i + 1, tenant_id, name) for i, name in enumerate(tags)),
    )
    password_hash = hash_password(PASSWORD)

    def users() -> Iterator[tuple[object, ...]]:
        for user_id in range(1, last_user + 1):
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)} {rng.choice(SURNAMES)}"
            is_org = supporters < user_id <= authors
            yield (
                user_id,
                tenant_id,
                _email(user_id),
                now,
                password_hash,
                f"Asociación {name}" if is_org else name,
                is_org,
                False,
                False,
                rng.choice(zones),
                now - timedelta(days=800),
            )

    loader.insert(
        "users",
        (
            "id",
            "tenant_id",
            "email",
            "email_confirmed_at",
            "password_hash",
            "display_name",
            "is_organization",
            "created_by_desk",
            "email_notifications",
            "geozone_id",
            "created_at",
        ),
        users(),
    )
    # Residents 1..supporters belong to users 1..supporters; then one per fresh account.
    resident_users = [*range(1, supporters + 1), *range(first_fresh, last_user + 1)]
    resident_of_user = {user_id: i + 1 for i, user_id in enumerate(resident_users)}
    loader.insert(
        "residents",
        ("id", "tenant_id", "dni_digest", "user_id", "method", "verified_at"),
        (
            (
                i + 1,
                tenant_id,
                hashlib.sha256(f"bench-dni-{i}".encode()).hexdigest(),
                user_id,
                "census",
                now - timedelta(days=700),
            )
            for i, user_id in enumerate(resident_users)
        ),
    )

    def proposals() -> Iterator[tuple[object, ...]]:
        for i in range(n):
            created, state = plan.created[i], plan.state(i)
            deadline = plan.deadline(i)
            last_comment = plan.comment_time(i, plan.comments[i] - 1)
            yield (
                i + 1,
                tenant_id,
                rng.randint(1, authors),
                spanish_text.title(rng),
                spanish_text.summary(rng),
                spanish_text.body(rng),
                rng.choice(zones) if rng.random() < 0.7 else None,
                state,
                created,
                now if i in plan.hidden else None,
                deadline,
                plan.needed,
                plan.supports[i],
                min(now, created + (deadline - created) / 2) if state == "successful" else None,
                deadline if state == "archived" else None,
                min(now, created + timedelta(days=20)) if state == "retired" else None,
                "duplicated" if state == "retired" else None,
                plan.comments[i],
                max(created, last_comment) if plan.comments[i] else created,
            )

    loader.insert(
        "proposals",
        (
            "id",
            "tenant_id",
            "author_id",
            "title",
            "summary",
            "body",
            "geozone_id",
            "state",
            "created_at",
            "hidden_at",
            "deadline_at",
            "supports_needed",
            "supports_count",
            "successful_at",
            "archived_at",
            "retired_at",
            "retired_reason",
            "comments_count",
            "last_activity_at",
        ),
        proposals(),
    )
    loader.insert(
        "proposal_tags",
        ("proposal_id", "tag_id"),
        (
            (i + 1, tag_id)
            for i in range(n)
            for tag_id in rng.sample(range(1, len(tags) + 1), rng.randint(1, 3))
        ),
    )

    def supports() -> Iterator[tuple[object, ...]]:
        each = scale.supports_each
        for position, index in enumerate(plan.supported):
            user_id = position // each + 1
            created = plan.created[index]
            end = min(now, plan.deadline(index))
            yield (
                position + 1,
                tenant_id,
                index + 1,
                resident_of_user[user_id],
                user_id,
                "web",
                created + (end - created) * rng.random(),
            )

    loader.insert(
        "proposal_supports",
        ("id", "tenant_id", "proposal_id", "resident_id", "user_id", "channel", "created_at"),
        supports(),
    )

    def comments() -> Iterator[tuple[object, ...]]:
        thread: dict[int, list[tuple[int, int]]] = {}  # proposal -> (comment id, depth)
        for position, index in enumerate(plan.commented):
            comment_id = position + 1
            earlier = thread.setdefault(index, [])
            parent_id, depth = None, 0
            if earlier and rng.random() < 0.25:
                parent_id, parent_depth = rng.choice(earlier)
                if parent_depth < MAX_REPLY_DEPTH:
                    depth = parent_depth + 1
                else:
                    parent_id = None
            author = rng.randint(1, authors)
            yield (
                comment_id,
                tenant_id,
                "proposal",
                index + 1,
                parent_id,
                depth,
                author,
                "organization" if author > supporters else None,
                spanish_text.comment(rng),
                plan.comment_time(index, len(earlier)),
                0,
                0,
            )
            earlier.append((comment_id, depth))

    loader.insert(
        "comments",
        (
            "id",
            "tenant_id",
            "target_type",
            "target_id",
            "parent_id",
            "depth",
            "author_id",
            "author_badge",
            "body",
            "created_at",
            "votes_up",
            "votes_down",
        ),
        comments(),
    )
    return _support_sessions(loader, plan, tenant_id, first_fresh, last_user, secret)


def _support_sessions(
    loader: BulkLoader, plan: _Plan, tenant_id: int, first: int, last: int, secret: str
) -> list[SupportSession]:
    """A login session for each fresh account, and an open proposal for each to support."""
    open_ids = [
        i + 1
        for i in range(plan.scale.proposals)
        if plan.state(i) == "open" and i not in plan.hidden
    ]
    rows, sessions = [], []
    for session_id, user_id in enumerate(range(first, last + 1), start=1):
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        rows.append(
            (
                session_id,
                tenant_id,
                digest(token),
                user_id,
                plan.now,
                plan.now + SESSION_LIFETIME,
                "web",
            )
        )
        cookie = mint_cookie(secret, {SESSION_TOKEN_KEY: token, CSRF_SESSION_KEY: csrf})
        sessions.append(SupportSession(user_id, plan.rng.choice(open_ids), cookie, csrf))
    loader.insert(
        "user_sessions",
        ("id", "tenant_id", "token_digest", "user_id", "created_at", "expires_at", "channel"),
        rows,
    )
    return sessions
