"""Sending email through SMTP. Messages are plain text, sent after the response."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from app.config import Settings

log = logging.getLogger("minka.mail")


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


def send_mail(settings: Settings, mail: Mail) -> bool:
    """Send one message; failures are logged (never shown to whoever triggered it)."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(domain=settings.mail_from.rpartition("@")[2])
    message.set_content(mail.body)
    try:
        with smtplib.SMTP(settings.mail_host, settings.mail_port, timeout=15) as smtp:
            if settings.mail_starttls:
                smtp.starttls()
            if settings.mail_username and settings.mail_password:
                smtp.login(settings.mail_username, settings.mail_password.get_secret_value())
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        log.error("mail to a recipient failed: %s", type(error).__name__)
        return False
    return True
