"""Domain errors: raised by services, rendered by the one handler in ``app.error_pages``.

A message is an English msgid (translated when rendered) with optional ``%(name)s`` values.
"""

from __future__ import annotations

from typing import Any

from app.i18n import N_


class DomainError(Exception):
    status_code = 400
    message = N_("The request could not be completed.")

    def __init__(self, message: str | None = None, **values: Any) -> None:
        self.message = message or type(self).message
        self.values = values
        super().__init__(self.message % values if values else self.message)


class NotFound(DomainError):
    status_code = 404
    message = N_("The page you are looking for does not exist or was moved.")


class Forbidden(DomainError):
    status_code = 403
    message = N_("You do not have permission to do this.")


class CsrfRejected(Forbidden):
    message = N_(
        "Your form expired or came from another site. Go back, reload the page and try again."
    )


class Conflict(DomainError):
    status_code = 409
    message = N_("This conflicts with something that already exists.")


class Invalid(DomainError):
    status_code = 422
    message = N_("Some of the information sent is not valid.")
