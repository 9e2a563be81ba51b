"""Turning a failed form validation into one translatable message per field."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from app.errors import DomainError
from app.i18n import N_

M = TypeVar("M", bound=BaseModel)
GENERIC = N_("Enter a valid value.")


# A field's error: a msgid, or a msgid with the values of its %(name)s placeholders.
FieldError = str | tuple[str, dict[str, Any]]


def error_of(error: DomainError) -> FieldError:
    return (error.message, error.values) if error.values else error.message


class FormInvalid(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


def field_errors(error: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for problem in error.errors():
        field = str(problem["loc"][0]) if problem["loc"] else "__all__"
        cause = (problem.get("ctx") or {}).get("error")
        message = str(cause) if isinstance(cause, ValueError) and str(cause) else GENERIC
        errors.setdefault(field, message)
    return errors


def parse_form(model: type[M], data: dict[str, Any]) -> M:
    """Validate submitted fields; raise FormInvalid with a msgid per wrong field."""
    fields = model.model_fields
    cleaned = {
        key: None if value == "" and key in fields and not fields[key].is_required() else value
        for key, value in data.items()
    }
    try:
        return model.model_validate(cleaned)
    except ValidationError as error:
        raise FormInvalid(field_errors(error)) from None
