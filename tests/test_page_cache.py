"""Anonymous pages kept for a few seconds: shared content, never a shared token or message."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.main import create_app
from app.tenants.models import Tenant
from tests.conftest import client_for
from tests.people import make_user, sign_in
from tests.proposals.factories import make_proposal

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def cached_app(settings: Settings, sessions: sessionmaker[Session]) -> Iterator[FastAPI]:
    application = create_app(settings.model_copy(update={"cache_seconds": 60.0}))
    application.state.sessionmaker = sessions
    yield application
    application.state.engine.dispose()


def test_anonymous_visitors_share_a_page_for_a_while(
    cached_app: FastAPI, db: Session, tenant_a: Tenant
) -> None:
    make_proposal(db, tenant_a, title="Primera propuesta")
    db.commit()
    with client_for(cached_app, "alfa.test") as first, client_for(cached_app, "alfa.test") as other:
        assert "Primera propuesta" in first.get("/proposals").text
        make_proposal(db, tenant_a, title="Propuesta reciente")
        db.commit()
        kept = other.get("/proposals")
        assert kept.status_code == 200
        assert "Primera propuesta" in kept.text
        assert "Propuesta reciente" not in kept.text  # still the page kept a moment ago
        # Another address (a filter, a page) is another page.
        assert "Propuesta reciente" in other.get("/proposals?sort=newest").text


def test_signed_in_people_always_get_a_fresh_page(
    cached_app: FastAPI, db: Session, tenant_a: Tenant
) -> None:
    make_proposal(db, tenant_a, title="Primera propuesta")
    person = make_user(db, tenant_a)
    db.commit()
    with (
        client_for(cached_app, "alfa.test") as visitor,
        client_for(cached_app, "alfa.test") as member,
    ):
        visitor.get("/proposals")
        make_proposal(db, tenant_a, title="Propuesta reciente")
        db.commit()
        sign_in(member, person)
        assert "Propuesta reciente" in member.get("/proposals").text


def test_each_visitor_gets_their_own_working_token(
    cached_app: FastAPI, db: Session, tenant_a: Tenant
) -> None:
    make_proposal(db, tenant_a)
    db.commit()
    with client_for(cached_app, "alfa.test") as first, client_for(cached_app, "alfa.test") as other:
        first_token = TOKEN.findall(first.get("/proposals").text)
        other_page = other.get("/proposals")
        other_token = TOKEN.findall(other_page.text)
        assert first_token
        assert other_token
        assert set(first_token).isdisjoint(other_token)
        assert "minka-csrf" not in other_page.text
        switched = other.post(
            "/language",
            data={"language": "qu", "csrf_token": other_token[0], "next": "/proposals"},
            follow_redirects=False,
        )
        assert switched.status_code == 303
        assert switched.headers["location"] == "/proposals"


def test_a_visitor_with_a_message_gets_a_page_of_their_own(
    cached_app: FastAPI, db: Session, tenant_a: Tenant
) -> None:
    person = make_user(db, tenant_a)
    db.commit()
    with client_for(cached_app, "alfa.test") as visitor:
        visitor.get("/")  # the page is kept without any message
        sign_in(visitor, person)
        token = TOKEN.findall(visitor.get("/account").text)[0]
        visitor.post("/logout", data={"csrf_token": token}, follow_redirects=False)
        home = visitor.get("/")
        assert 'class="notice notice-' in home.text  # "you signed out", shown once
        assert 'class="notice notice-' not in visitor.get("/").text
