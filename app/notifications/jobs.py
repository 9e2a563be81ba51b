"""The job that emails a notification to someone who opted in."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import app.authz.registry  # noqa: F401 - registers the target kinds (paths of links)
from app.accounts.models import User
from app.config import Settings
from app.db import TENANT_KEY
from app.jobs.queue import job_handler
from app.mail import send_mail
from app.notifications.emails import instance_origin, notification_mail
from app.notifications.messages import notification_text
from app.notifications.models import Notification
from app.notifications.service import EMAIL_JOB, notification_path
from app.tenants.models import Tenant
from app.tenants.repository import hosts_of


class MailNotSent(RuntimeError):
    """The mail server refused or could not be reached; the queue retries later."""


@job_handler(EMAIL_JOB, writes=False)
def send_notification_email(session: Session, payload: dict[str, Any], settings: Settings) -> None:
    notification = session.scalars(
        select(Notification).where(Notification.id == int(payload["notification_id"]))
    ).one_or_none()
    # Read in the meantime, or gone with its account: nothing left to tell.
    if notification is None or notification.read_at is not None:
        return
    user = session.scalars(select(User).where(User.id == notification.user_id)).one_or_none()
    if (
        user is None
        or not user.email_notifications
        or user.email is None
        or user.email_confirmed_at is None
        or user.blocked_at is not None
    ):
        return
    tenant = session.get(Tenant, session.info[TENANT_KEY])
    assert tenant is not None
    origin = instance_origin(hosts_of(session, tenant.id), settings)
    path = notification_path(notification) or "/notifications"
    language = user.language or tenant.default_language
    mail = notification_mail(
        language,
        user.email,
        tenant.name,
        notification_text(language, notification),
        origin + path,
        origin + "/account",
    )
    if not send_mail(settings, mail):
        raise MailNotSent(f"mail for notification {notification.id} was not sent")
