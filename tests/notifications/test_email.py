"""Email for those who opt in: chosen on the account page, queued by notify(), sent by a job."""

from __future__ import annotations

from datetime import timedelta
from email.header import decode_header, make_header

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.accounts.models import User
from app.db import scoped_to, utcnow
from app.jobs.models import Job
from app.jobs.queue import run_due_jobs
from app.notifications.service import EMAIL_JOB, notify
from app.tenants.models import Tenant
from tests.debates.factories import make_debate
from tests.factories import HOSTILE
from tests.mailbox import Mailbox, free_port
from tests.people import csrf_of, make_user, sign_in
from tests.rendering import context_of


def _opt_in(db: Session, user: User, language: str | None = None) -> None:
    user.email_notifications = True
    user.language = language
    db.flush()


def _jobs(db: Session) -> list[Job]:
    return list(db.scalars(select(Job).where(Job.kind == EMAIL_JOB).order_by(Job.id)))


def _subject(message: object) -> str:
    return str(make_header(decode_header(message["Subject"])))  # type: ignore[index]


def test_the_account_page_sets_and_clears_the_choice(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    me = make_user(db, tenant_a)
    db.commit()
    sign_in(client_a, me)
    page = client_a.get("/account")
    assert "Also send my notifications by email" in page.text
    assert context_of(page)["form"]["email_notifications"] is False
    form = {"display_name": "Rosa Quispe", "csrf_token": csrf_of(client_a, "/account")}

    ticked = client_a.post("/account/profile", data={**form, "email_notifications": "yes"})
    db.expire_all()
    assert ticked.status_code == 200
    assert db.get(User, me.id).email_notifications is True  # type: ignore[union-attr]
    assert 'name="email_notifications" value="yes" aria-describedby' not in ticked.text
    assert "checked" in ticked.text

    client_a.post("/account/profile", data=form)
    db.expire_all()
    assert db.get(User, me.id).email_notifications is False  # type: ignore[union-attr]


def test_a_form_error_keeps_the_tick(db: Session, tenant_a: Tenant, client_a: TestClient) -> None:
    me = make_user(db, tenant_a)
    db.commit()
    sign_in(client_a, me)

    response = client_a.post(
        "/account/profile",
        data={
            "display_name": "x",
            "email_notifications": "yes",
            "csrf_token": csrf_of(client_a, "/account"),
        },
    )

    assert response.status_code == 422
    assert context_of(response)["form"]["email_notifications"] is True
    db.expire_all()
    assert db.get(User, me.id).email_notifications is False  # type: ignore[union-attr]


def test_notify_queues_one_job_per_notification_for_opted_in_confirmed_emails(
    db: Session, tenant_a: Tenant
) -> None:
    wants = make_user(db, tenant_a)
    unconfirmed = make_user(db, tenant_a, confirmed=False)
    silent = make_user(db, tenant_a)
    actor = make_user(db, tenant_a)
    with scoped_to(db, tenant_a.id):
        for user in (wants, unconfirmed, actor):
            _opt_in(db, user)
        created = notify(
            db,
            [wants.id, unconfirmed.id, silent.id, actor.id, None],
            "comment",
            "debate",
            7,
            {"author": "Rosa", "title": HOSTILE},
            actor_id=actor.id,
        )
    assert {n.user_id for n in created} == {wants.id, unconfirmed.id, silent.id}
    mine = next(n for n in created if n.user_id == wants.id)
    jobs = _jobs(db)
    assert [(j.tenant_id, j.payload) for j in jobs] == [(tenant_a.id, {"notification_id": mine.id})]


def test_the_job_sends_a_plain_text_email_with_links(
    app: FastAPI,
    db: Session,
    sessions: sessionmaker[Session],
    tenant_a: Tenant,
    mailbox: Mailbox,
) -> None:
    reader = make_user(db, tenant_a)
    debate = make_debate(db, tenant_a)
    with scoped_to(db, tenant_a.id):
        _opt_in(db, reader, language="en")
        notify(db, [reader.id], "reply", "debate", debate.id, {"author": HOSTILE, "title": "Agua"})
    db.commit()
    assert mailbox.messages == []  # nothing is sent inside the request/transaction

    ran = run_due_jobs(sessions, settings=app.state.settings)

    assert ran == 1
    assert reader.email is not None
    [message] = mailbox.to(reader.email)
    assert _subject(message) == " ".join(f"{HOSTILE} replied to your comment on Agua".split())
    assert message.get_content_type() == "text/plain"
    body = mailbox.text(message)
    assert f"{HOSTILE} replied to your comment on Agua" in body  # plain text: shown as typed
    assert "&lt;" not in body
    assert mailbox.link(message, f"/debates/{debate.id}") == (
        f"http://alfa.test:8000/debates/{debate.id}"
    )
    assert "http://alfa.test:8000/account" in body
    [job] = _jobs(db)
    db.refresh(job)
    assert job.done_at is not None
    assert job.attempts == 1
    assert run_due_jobs(sessions, settings=app.state.settings) == 0
    assert len(mailbox.messages) == 1


def test_nothing_is_sent_when_read_first_or_opted_out_since(
    app: FastAPI,
    db: Session,
    sessions: sessionmaker[Session],
    tenant_a: Tenant,
    mailbox: Mailbox,
) -> None:
    read_it, changed_mind = make_user(db, tenant_a), make_user(db, tenant_a)
    with scoped_to(db, tenant_a.id):
        _opt_in(db, read_it)
        _opt_in(db, changed_mind)
        created = notify(db, [read_it.id, changed_mind.id], "answer", "debate", 1, {"title": "T"})
        next(n for n in created if n.user_id == read_it.id).read_at = utcnow()
        changed_mind.email_notifications = False
        db.flush()
    db.commit()

    assert run_due_jobs(sessions, settings=app.state.settings) == 2

    assert mailbox.messages == []
    assert all(job.done_at is not None for job in _jobs(db))


def test_an_unreachable_mail_server_is_retried_later(
    app: FastAPI,
    db: Session,
    sessions: sessionmaker[Session],
    tenant_a: Tenant,
    mailbox: Mailbox,
) -> None:
    reader = make_user(db, tenant_a)
    with scoped_to(db, tenant_a.id):
        _opt_in(db, reader)
        notify(db, [reader.id], "threshold", "debate", 1, {"title": "Agua"})
    db.commit()
    working = app.state.settings
    now = utcnow()

    broken = working.model_copy(update={"mail_port": free_port()})
    assert run_due_jobs(sessions, now, settings=broken) == 1
    [job] = _jobs(db)
    db.refresh(job)
    assert job.done_at is None
    assert job.attempts == 1
    assert job.last_error is not None
    assert "MailNotSent" in job.last_error
    assert job.locked_until is None
    assert mailbox.messages == []
    # Not due again at once: it waits for its back-off.
    assert run_due_jobs(sessions, now + timedelta(seconds=5), settings=working) == 0

    assert run_due_jobs(sessions, now + timedelta(minutes=1), settings=working) == 1
    db.refresh(job)
    assert job.done_at is not None
    assert job.attempts == 2
    assert job.last_error is None
    assert len(mailbox.messages) == 1
