"""Signed-in people served from kept pages and remembered sessions: right for that person only.

Two apps on one database stand for two workers of a deployment that share only the database.
People sign in with a session cookie minted as the session middleware signs it (as after a login
some seconds ago), because a login through the form is itself a write, after which every cache is
skipped for a few seconds; tests below check that too.
"""

from __future__ import annotations

import json
import re
import secrets
import time
import zlib
from base64 import b64decode, b64encode
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner
from markupsafe import escape
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from app.accounts.models import User, UserSession
from app.accounts.sessions import start_session
from app.authz.models import RoleAssignment
from app.config import Settings
from app.db import scoped_to, utcnow
from app.main import SESSION_COOKIE, create_app
from app.moderation.service import block_account
from app.tenants.models import Tenant
from tests.conftest import SECRET, client_for
from tests.notifications.factories import make_notification
from tests.people import make_user, sign_in
from tests.proposals.factories import make_proposal

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
SHARED_PAGES = ["/", "/proposals", "/proposals?sort=newest&page=1", "/proposals/answers"]
# Roles, verified, organization.
KINDS: list[tuple[tuple[str, ...], bool, bool]] = [
    ((), False, False),
    ((), True, False),
    ((), False, True),
    (("administrator",), False, False),
    (("moderator",), False, False),
    (("official",), False, False),
    (("valuator",), False, False),
    (("desk_manager",), False, False),
    (("poll_officer",), False, False),
]


def make_app(settings: Settings, sessions: sessionmaker[Session], seconds: float) -> FastAPI:
    application = create_app(settings.model_copy(update={"cache_seconds": seconds}))
    application.state.sessionmaker = sessions
    return application


@pytest.fixture
def workers(settings: Settings, sessions: sessionmaker[Session]) -> Iterator[list[FastAPI]]:
    """Two workers keeping pages and sessions for a minute, and one that keeps nothing."""
    apps = [make_app(settings, sessions, seconds) for seconds in (60.0, 60.0, 0.0)]
    yield apps
    for application in apps:
        application.state.engine.dispose()


def session_cookie(db: Session, tenant: Tenant, user: User) -> str:
    """The cookie of a person who signed in a while ago (no recent write of theirs in it)."""
    with scoped_to(db, tenant.id):
        token, _login = start_session(db, user)
    db.commit()
    values = {"sid": token, "csrf": secrets.token_urlsafe(32)}
    data = b64encode(json.dumps(values).encode())
    return TimestampSigner(SECRET).sign(data).decode()


def client_with(application: FastAPI, host: str, cookie: str) -> TestClient:
    client = client_for(application, host)
    client.cookies.set(SESSION_COOKIE, cookie, domain=host)
    return client


def header_name(page: str) -> str | None:
    match = re.search(r'<a href="/account">([^<]*)</a>', page)
    return match.group(1) if match else None


@pytest.mark.parametrize(("roles", "verified", "organization"), KINDS)
def test_shared_pages_are_byte_for_byte_what_a_fresh_render_shows(
    workers: list[FastAPI],
    db: Session,
    tenant_a: Tenant,
    roles: tuple[str, ...],
    verified: bool,
    organization: bool,
) -> None:
    kept, _other, fresh = workers
    make_proposal(db, tenant_a)
    person = make_user(db, tenant_a, *roles, verified=verified, organization=organization)
    for _ in range(12):  # more than "9+"
        make_notification(db, tenant_a, person)
    cookie = session_cookie(db, tenant_a, person)
    with (
        client_for(kept, "alfa.test") as visitor,
        client_with(kept, "alfa.test", cookie) as cached,
        client_with(fresh, "alfa.test", cookie) as rendered,
    ):
        for number, path in enumerate(SHARED_PAGES):
            if number % 2:
                visitor.get(path)  # kept first for an anonymous visitor, or else for this person
            for _ in range(2):  # once kept, then from what was kept
                page = cached.get(path)
                assert page.status_code == 200
                assert page.text == rendered.get(path).text, path
                assert header_name(page.text) == escape(person.display_name)
                assert "9+" in page.text


def test_signed_in_people_share_the_kept_list_for_a_while(
    workers: list[FastAPI], db: Session, tenant_a: Tenant
) -> None:
    kept = workers[0]
    make_proposal(db, tenant_a, title="Primera propuesta")
    cookie = session_cookie(db, tenant_a, make_user(db, tenant_a))
    with client_for(kept, "alfa.test") as visitor, client_with(kept, "alfa.test", cookie) as me:
        visitor.get("/proposals")
        make_proposal(db, tenant_a, title="Propuesta reciente")
        db.commit()
        page = me.get("/proposals").text
        assert "Primera propuesta" in page
        assert "Propuesta reciente" not in page  # the list kept a moment ago, for everyone
        assert "Propuesta reciente" in me.get("/proposals?sort=newest").text


def test_two_people_never_see_each_others_header_or_token(
    workers: list[FastAPI], db: Session, tenant_a: Tenant
) -> None:
    kept = workers[0]
    make_proposal(db, tenant_a)
    ana = make_user(db, tenant_a, "administrator")
    beto, carla = make_user(db, tenant_a), make_user(db, tenant_a)  # the same kind of person
    make_notification(db, tenant_a, ana)
    people = [ana, beto, carla]
    cookies = [session_cookie(db, tenant_a, person) for person in people]
    clients = [client_with(kept, "alfa.test", cookie) for cookie in cookies]
    with clients[0] as ana_client, clients[1] as beto_client, clients[2]:
        for _ in range(3):
            for client, me in zip(clients, people, strict=True):
                page = client.get("/proposals").text
                assert header_name(page) == escape(me.display_name)
                for other in people:
                    if other is not me:
                        assert str(escape(other.display_name)) not in page
                assert set(TOKEN.findall(page)) == {_session_token(client)}
        assert 'href="/admin"' in ana_client.get("/proposals").text
        assert 'href="/admin"' not in beto_client.get("/proposals").text
        assert 'class="unread-count"' in ana_client.get("/proposals").text
        assert 'class="unread-count"' not in beto_client.get("/proposals").text


def _session_token(client: TestClient) -> str:
    data = TimestampSigner(SECRET).unsign(client.cookies[SESSION_COOKIE])
    token = json.loads(b64decode(data))["csrf"]
    assert isinstance(token, str)
    return token


def test_the_token_on_a_kept_page_works_for_its_reader(
    workers: list[FastAPI], db: Session, tenant_a: Tenant
) -> None:
    kept = workers[0]
    person = make_user(db, tenant_a)
    cookie = session_cookie(db, tenant_a, person)
    with client_for(kept, "alfa.test") as visitor, client_with(kept, "alfa.test", cookie) as me:
        visitor.get("/proposals")
        token = TOKEN.findall(me.get("/proposals").text)[0]
        left = me.post("/logout", data={"csrf_token": token}, follow_redirects=False)
        assert left.status_code == 303


def test_logout_and_blocking_take_effect_at_once_in_the_same_worker(
    workers: list[FastAPI], db: Session, tenant_a: Tenant
) -> None:
    kept = workers[0]
    leaving, blocked = make_user(db, tenant_a), make_user(db, tenant_a)
    leaving_cookie = session_cookie(db, tenant_a, leaving)
    blocked_cookie = session_cookie(db, tenant_a, blocked)
    with (
        client_with(kept, "alfa.test", leaving_cookie) as leaving_client,
        client_with(kept, "alfa.test", leaving_cookie) as copied_cookie,
        client_with(kept, "alfa.test", blocked_cookie) as blocked_client,
    ):
        assert header_name(copied_cookie.get("/proposals").text) is not None  # remembered
        assert header_name(blocked_client.get("/proposals").text) is not None
        token = TOKEN.findall(leaving_client.get("/proposals").text)[0]
        leaving_client.post("/logout", data={"csrf_token": token})
        with scoped_to(db, tenant_a.id):
            block_account(db, db.get(User, blocked.id) or blocked)
        db.commit()
        assert header_name(copied_cookie.get("/proposals").text) is None
        assert copied_cookie.get("/account", follow_redirects=False).status_code != 200
        assert header_name(blocked_client.get("/proposals").text) is None


def test_a_role_given_in_this_worker_shows_at_once(
    workers: list[FastAPI], db: Session, tenant_a: Tenant
) -> None:
    kept = workers[0]
    person = make_user(db, tenant_a)
    cookie = session_cookie(db, tenant_a, person)
    with client_with(kept, "alfa.test", cookie) as me:
        assert 'href="/admin"' not in me.get("/proposals").text  # remembered, without the role
        with scoped_to(db, tenant_a.id):
            db.add(RoleAssignment(user_id=person.id, role="administrator"))
            db.flush()
        db.commit()
        assert 'href="/admin"' in me.get("/proposals").text


def test_a_session_ended_by_another_worker_is_accepted_only_until_its_entry_expires(
    settings: Settings, sessions: sessionmaker[Session], db: Session, tenant_a: Tenant
) -> None:
    worker = make_app(settings, sessions, 3.0)
    person = make_user(db, tenant_a)
    cookie = session_cookie(db, tenant_a, person)
    with client_with(worker, "alfa.test", cookie) as me:
        assert header_name(me.get("/proposals").text) is not None
        # Another process logs this session out: only the database learns of it here.
        ended = time.monotonic()
        db.execute(update(UserSession).values(revoked_at=utcnow()))
        db.commit()
        if time.monotonic() - ended < 2:  # (a very slow machine may have let the entry expire)
            assert header_name(me.get("/proposals").text) is not None  # the documented bound
        time.sleep(3.1)
        assert header_name(me.get("/proposals").text) is None
        assert me.get("/account", follow_redirects=False).status_code != 200
    worker.state.engine.dispose()


def test_after_their_own_support_a_person_sees_it_in_every_worker(
    workers: list[FastAPI], db: Session, tenant_a: Tenant
) -> None:
    one, two, _fresh = workers
    proposal = make_proposal(db, tenant_a, title="Agua para Otuzco")
    person = make_user(db, tenant_a, verified=True)
    cookie = session_cookie(db, tenant_a, person)
    supports = re.compile(rf'id="supports-{proposal.id}" class="muted">(\d+) ')
    with (
        client_for(two, "alfa.test") as visitor,
        client_with(one, "alfa.test", cookie) as on_one,
        client_with(two, "alfa.test", cookie) as on_two,
    ):
        before = supports.findall(visitor.get("/proposals").text)
        assert supports.findall(on_two.get("/proposals").text) == before  # kept on worker two
        token = TOKEN.findall(on_one.get("/proposals").text)[0]
        supported = on_one.post(
            f"/proposals/{proposal.id}/support", data={"csrf_token": token}, follow_redirects=False
        )
        assert supported.status_code == 303
        # The cookie now says "wrote just now"; worker two renders afresh for this person.
        on_two.cookies.set(SESSION_COOKIE, on_one.cookies[SESSION_COOKIE], domain="alfa.test")
        after = supports.findall(on_two.get("/proposals").text)
        assert [int(n) for n in after] == [int(n) + 1 for n in before]
        assert supports.findall(visitor.get("/proposals").text) == before  # others: kept page


def test_after_signing_in_through_the_form_nothing_kept_is_shown(
    workers: list[FastAPI], db: Session, tenant_a: Tenant
) -> None:
    kept = workers[0]
    make_proposal(db, tenant_a, title="Primera propuesta")
    person = make_user(db, tenant_a)
    db.commit()
    with client_for(kept, "alfa.test") as visitor, client_for(kept, "alfa.test") as member:
        visitor.get("/proposals")
        make_proposal(db, tenant_a, title="Propuesta reciente")
        db.commit()
        sign_in(member, person)
        assert "Propuesta reciente" in member.get("/proposals").text


def test_read_notifications_leave_the_header_at_once(
    workers: list[FastAPI], db: Session, tenant_a: Tenant
) -> None:
    one, two, _fresh = workers
    person = make_user(db, tenant_a)
    make_notification(db, tenant_a, person)
    cookie = session_cookie(db, tenant_a, person)
    with (
        client_with(one, "alfa.test", cookie) as on_one,
        client_with(two, "alfa.test", cookie) as on_two,
    ):
        assert 'class="unread-count"' in on_two.get("/proposals").text
        token = TOKEN.findall(on_one.get("/proposals").text)[0]
        on_one.post("/notifications/read-all", data={"csrf_token": token})
        on_two.cookies.set(SESSION_COOKIE, on_one.cookies[SESSION_COOKIE], domain="alfa.test")
        assert 'class="unread-count"' not in on_two.get("/proposals").text


def test_pages_that_depend_on_the_person_are_never_shared(
    workers: list[FastAPI], db: Session, tenant_a: Tenant
) -> None:
    kept = workers[0]
    proposal = make_proposal(db, tenant_a)
    person = make_user(db, tenant_a, verified=True)
    cookie = session_cookie(db, tenant_a, person)
    with client_for(kept, "alfa.test") as visitor, client_with(kept, "alfa.test", cookie) as me:
        for path in ("/debates", f"/proposals/{proposal.id}"):
            anonymous = visitor.get(path).text
            mine = me.get(path).text
            assert anonymous.replace(TOKEN.findall(anonymous)[0], "") != mine
        assert 'href="/debates/new"' in me.get("/debates").text


def test_instances_share_neither_pages_nor_sessions(
    workers: list[FastAPI], db: Session, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    kept = workers[0]
    make_proposal(db, tenant_a, title="Solo en Alfa")
    make_proposal(db, tenant_b, title="Solo en Beta")
    alfa_person, beta_person = make_user(db, tenant_a), make_user(db, tenant_b)
    alfa_cookie = session_cookie(db, tenant_a, alfa_person)
    beta_cookie = session_cookie(db, tenant_b, beta_person)
    with (
        client_with(kept, "alfa.test", alfa_cookie) as in_alfa,
        client_with(kept, "beta.test", beta_cookie) as in_beta,
        client_with(kept, "beta.test", alfa_cookie) as alfa_cookie_in_beta,
    ):
        assert "Solo en Alfa" in in_alfa.get("/proposals").text
        beta_page = in_beta.get("/proposals").text
        assert "Solo en Beta" in beta_page
        assert "Solo en Alfa" not in beta_page
        assert header_name(beta_page) == escape(beta_person.display_name)
        # A session of one instance, remembered there, is nobody on another instance's host.
        assert header_name(alfa_cookie_in_beta.get("/proposals").text) is None


def test_a_kept_page_is_one_valid_gzip_member(
    workers: list[FastAPI], db: Session, tenant_a: Tenant
) -> None:
    kept, _other, fresh = workers
    make_proposal(db, tenant_a)
    person = make_user(db, tenant_a)
    cookie = session_cookie(db, tenant_a, person)
    for who in (None, cookie):
        with (
            client_with(kept, "alfa.test", who) if who else client_for(kept, "alfa.test")
        ) as client:
            client.get("/proposals")
            with client.stream("GET", "/proposals", headers={"accept-encoding": "gzip"}) as sent:
                assert sent.headers["content-encoding"] == "gzip"
                assert "Cookie" in sent.headers["vary"]
                raw = b"".join(sent.iter_raw())
            assert int(sent.headers["content-length"]) == len(raw)
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            page = inflater.decompress(raw) + inflater.flush()
            assert inflater.eof
            assert inflater.unused_data == b""
            plain = client.get("/proposals", headers={"accept-encoding": "identity"})
            assert "content-encoding" not in plain.headers
            assert page == plain.content
            if who:
                with client_with(fresh, "alfa.test", who) as rendered:
                    assert page.decode() == rendered.get("/proposals").text
