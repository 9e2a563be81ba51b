"""The texts of account emails, in the reader's language. Plain text: nothing to escape into."""

from __future__ import annotations

from app.i18n import gettext
from app.mail import Mail


def confirmation_mail(language: str, to: str, site: str, link: str) -> Mail:
    _ = lambda text: gettext(language, text)  # noqa: E731 - a local alias keeps texts readable
    body = "\n\n".join(
        [
            _("Welcome to %(site)s.") % {"site": site},
            _("Open this link to confirm your email address (it expires in 3 days):"),
            link,
            _("If you did not register, ignore this message."),
        ]
    )
    return Mail(to, _("Confirm your email address"), body + "\n")


def already_registered_mail(language: str, to: str, site: str, link: str) -> Mail:
    _ = lambda text: gettext(language, text)  # noqa: E731
    body = "\n\n".join(
        [
            _(
                "Someone tried to register at %(site)s with this email address, but you already "
                "have an account."
            )
            % {"site": site},
            _("If it was you and you forgot your password, choose a new one here:"),
            link,
            _("If it was not you, ignore this message."),
        ]
    )
    return Mail(to, _("You already have an account"), body + "\n")


def reset_mail(language: str, to: str, site: str, link: str) -> Mail:
    _ = lambda text: gettext(language, text)  # noqa: E731
    body = "\n\n".join(
        [
            _("You asked to choose a new password at %(site)s.") % {"site": site},
            _("Open this link to choose it (it expires in one hour and works once):"),
            link,
            _("If you did not ask for it, ignore this message: your password has not changed."),
        ]
    )
    return Mail(to, _("Choose a new password"), body + "\n")


def verified_at_desk_mail(language: str, to: str, site: str) -> Mail:
    _ = lambda text: gettext(language, text)  # noqa: E731
    body = "\n\n".join(
        [
            _(
                "Your account at %(site)s was verified as a resident at a service desk, with a "
                "DNI shown in person."
            )
            % {"site": site},
            _("If you did not ask for it, tell the municipality: an administrator can undo it."),
        ]
    )
    return Mail(to, _("Your account was verified at a service desk"), body + "\n")
