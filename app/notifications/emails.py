"""The email that repeats a notification, in the reader's language. Plain text, as every
email of Minka: user text cannot become markup, and headers get one clean line."""

from __future__ import annotations

import re

from app.config import Settings
from app.i18n import N_, translate
from app.mail import Mail

CONTROL = re.compile(r"[\x00-\x1f\x7f]")
SUBJECT_LENGTH = 150


def one_line(text: str, length: int = SUBJECT_LENGTH) -> str:
    flat = " ".join(CONTROL.sub(" ", text).split())
    return flat if len(flat) <= length else flat[: length - 1] + "…"


def instance_origin(hosts: list[str], settings: Settings) -> str:
    """Scheme and port of MINKA_BASE_URL on the instance's primary host (as app.urls does when
    there is no request to trust)."""
    base = settings.base_url
    port = f":{base.port}" if base.port not in (None, 80, 443) else ""
    host = hosts[0] if hosts else (base.host or "127.0.0.1")
    return f"{base.scheme}://{host}{port}"


def notification_mail(
    language: str, to: str, site: str, sentence: str, link: str, account_link: str
) -> Mail:
    paragraphs = [
        sentence,
        translate(language, N_("See it on %(site)s:"), {"site": site}) + "\n" + link,
        "-- \n"
        + translate(
            language,
            N_(
                "You receive this email because you asked for your notifications by email. "
                "To stop them, untick that option on your account page:"
            ),
        )
        + "\n"
        + account_link,
    ]
    return Mail(to, one_line(sentence), "\n\n".join(paragraphs) + "\n")
