"""The texts of account emails, in the reader's language. Plain text: nothing to escape into."""

from __future__ import annotations

from typing import Any

from app.i18n import N_, gettext, translate
from app.mail import Mail

LINK = object()  # where the link goes among the paragraphs


def _compose(
    language: str,
    to: str,
    subject: str,
    paragraphs: list[str | object],
    link: str = "",
    **values: Any,
) -> Mail:
    lines = [
        link if part is LINK else translate(language, str(part), values) for part in paragraphs
    ]
    return Mail(to, gettext(language, subject), "\n\n".join(lines) + "\n")


def confirmation_mail(language: str, to: str, site: str, link: str) -> Mail:
    return _compose(
        language,
        to,
        N_("Confirm your email address"),
        [
            N_("Welcome to %(site)s."),
            N_("Open this link to confirm your email address (it expires in 3 days):"),
            LINK,
            N_("If you did not register, ignore this message."),
        ],
        link,
        site=site,
    )


def already_registered_mail(language: str, to: str, site: str, link: str) -> Mail:
    return _compose(
        language,
        to,
        N_("You already have an account"),
        [
            N_(
                "Someone tried to register at %(site)s with this email address, but you already "
                "have an account."
            ),
            N_("If it was you and you forgot your password, choose a new one here:"),
            LINK,
            N_("If it was not you, ignore this message."),
        ],
        link,
        site=site,
    )


def reset_mail(language: str, to: str, site: str, link: str) -> Mail:
    return _compose(
        language,
        to,
        N_("Choose a new password"),
        [
            N_("You asked to choose a new password at %(site)s."),
            N_("Open this link to choose it (it expires in one hour and works once):"),
            LINK,
            N_("If you did not ask for it, ignore this message: your password has not changed."),
        ],
        link,
        site=site,
    )


def verified_at_desk_mail(language: str, to: str, site: str) -> Mail:
    return _compose(
        language,
        to,
        N_("Your account was verified at a service desk"),
        [
            N_(
                "Your account at %(site)s was verified as a resident at a service desk, with a "
                "DNI shown in person."
            ),
            N_("If you did not ask for it, tell the municipality: an administrator can undo it."),
        ],
        site=site,
    )
