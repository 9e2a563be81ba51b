"""What the author does: edit until the first support, retire with a reason, send news."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.db import make_engine, make_sessionmaker, platform_session, scoped_to, utcnow
from app.dbschema import upgrade_database
from app.notifications.models import Notification
from app.proposals.models import Proposal, ProposalSupport, ProposalUpdate
from app.proposals.service import archive_expired
from app.tenants.models import Tenant
from app.verification.models import Resident
from tests.databases import drop_database, fresh_database
from tests.factories import HOSTILE, make_tenant
from tests.people import csrf_of, make_user, sign_in
from tests.proposals.factories import make_proposal


def _edit(client: TestClient, proposal_id: int, title: str) -> int:
    data = {
        "title": title,
        "summary": "Resumen nuevo",
        "body": "Texto nuevo",
        "csrf_token": csrf_of(client),
    }
    return client.post(
        f"/proposals/{proposal_id}/edit", data=data, follow_redirects=False
    ).status_code


def test_the_author_edits_only_until_the_first_support(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    author = make_user(db, tenant_a)
    proposal = make_proposal(db, tenant_a, author=author)
    db.commit()
    sign_in(client_a, author)
    assert client_a.get(f"/proposals/{proposal.id}/edit").status_code == 200
    assert _edit(client_a, proposal.id, "Título nuevo") == 303
    db.expire_all()
    with scoped_to(db, tenant_a.id):
        assert db.get_one(Proposal, proposal.id).title == "Título nuevo"
        assert db.scalars(select(AuditEntry.action)).all()[-1] == "proposals.edit"
    with scoped_to(db, tenant_a.id):
        db.get_one(Proposal, proposal.id).supports_count = 1
    db.commit()
    assert client_a.get(f"/proposals/{proposal.id}/edit").status_code == 403
    assert _edit(client_a, proposal.id, "Otra vez") == 403
    sign_in(client_a, make_user(db, tenant_a))
    assert client_a.get(f"/proposals/{proposal.id}/edit").status_code == 403


def test_the_author_retires_with_a_reason_and_it_takes_no_more_supports(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    author = make_user(db, tenant_a)
    proposal = make_proposal(db, tenant_a, author=author)
    db.commit()
    sign_in(client_a, author)
    refused = client_a.post(
        f"/proposals/{proposal.id}/retire",
        data={"reason": "bogus", "explanation": HOSTILE, "csrf_token": csrf_of(client_a)},
    )
    assert refused.status_code == 422
    assert "&lt;script&gt;" in refused.text
    done = client_a.post(
        f"/proposals/{proposal.id}/retire",
        data={"reason": "done", "explanation": HOSTILE, "csrf_token": csrf_of(client_a)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    db.expire_all()
    with scoped_to(db, tenant_a.id):
        saved = db.get_one(Proposal, proposal.id)
        assert (saved.state, saved.retired_reason) == ("retired", "done")
        assert db.scalars(select(AuditEntry.action)).all()[-1] == "proposals.retire"
    page = client_a.get(f"/proposals/{proposal.id}").text
    assert "<script>alert" not in page
    assert f'action="/proposals/{proposal.id}/support"' not in page


def test_news_reaches_the_current_accounts_of_supporters_and_followers(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    author = make_user(db, tenant_a)
    supporter = make_user(db, tenant_a, verified=True)
    proposal = make_proposal(db, tenant_a, author=author, supports_count=1)
    with scoped_to(db, tenant_a.id):
        resident = db.scalars(select(Resident).where(Resident.user_id == supporter.id)).one()
        db.add(ProposalSupport(proposal_id=proposal.id, resident_id=resident.id))
        db.flush()
    db.commit()
    sign_in(client_a, author)
    empty = client_a.post(
        f"/proposals/{proposal.id}/updates",
        data={"update_title": HOSTILE, "update_body": " ", "csrf_token": csrf_of(client_a)},
    )
    assert empty.status_code == 422
    assert "f-update_body-error" in empty.text
    sent = client_a.post(
        f"/proposals/{proposal.id}/updates",
        data={"update_title": HOSTILE, "update_body": HOSTILE, "csrf_token": csrf_of(client_a)},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    with scoped_to(db, tenant_a.id):
        assert len(db.scalars(select(ProposalUpdate)).all()) == 1
        told = db.scalars(select(Notification.user_id).where(Notification.kind == "update")).all()
    assert told == [supporter.id]  # the author follows but is not told of their own news
    page = client_a.get(f"/proposals/{proposal.id}").text
    assert "<script>alert" not in page
    sign_in(client_a, supporter)
    forbidden = client_a.post(
        f"/proposals/{proposal.id}/updates",
        data={"update_title": "x", "update_body": "y", "csrf_token": csrf_of(client_a)},
    )
    assert forbidden.status_code == 403


def test_open_proposals_past_their_deadline_are_archived_successful_ones_stay(
    db: Session, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    past = utcnow() - timedelta(days=1)
    late = make_proposal(db, tenant_a, deadline_at=past)
    won = make_proposal(db, tenant_a, successful=True, deadline_at=past)
    running = make_proposal(db, tenant_a)
    other = make_proposal(db, tenant_b, deadline_at=past)
    with scoped_to(db, tenant_a.id):
        assert archive_expired(db) == 1
        db.expire_all()
        states = {p.id: p.state for p in db.scalars(select(Proposal))}
    assert states == {late.id: "archived", won.id: "successful", running.id: "open"}
    with scoped_to(db, tenant_b.id):
        assert db.get_one(Proposal, other.id).state == "open"


def test_the_archive_command_runs_over_every_instance(tmp_path: Path) -> None:
    url = fresh_database("minka_test_proposals_cli", tmp_path)
    try:
        upgrade_database(url)
        engine = make_engine(url)
        factory = make_sessionmaker(engine)
        past = utcnow() - timedelta(days=1)
        with platform_session(factory) as session:
            ids = [
                make_proposal(session, make_tenant(session, slug), deadline_at=past).id
                for slug in ("uno", "dos")
            ]
            session.commit()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("MINKA_")},
            "MINKA_DATABASE_URL": url,
            "MINKA_VAR_DIR": str(tmp_path / "var"),
        }
        minka = str(Path(sys.executable).with_name("minka"))
        done = subprocess.run(
            [minka, "proposals", "archive-expired"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert "archived: 2" in done.stdout
        with platform_session(factory) as session:
            states = session.scalars(select(Proposal.state).where(Proposal.id.in_(ids))).all()
        assert states == ["archived", "archived"]
        engine.dispose()
    finally:
        drop_database(url)
