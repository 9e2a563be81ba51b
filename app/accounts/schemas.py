from __future__ import annotations

import re
from datetime import date

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from app.accounts.models import GENDERS
from app.accounts.passwords import MIN_PASSWORD_LENGTH
from app.i18n import LANGUAGES, N_

# A plain address (what people type), nothing a mail header could read as a second one:
# no quotes, comments, angle brackets, commas or spaces; domain labels of letters and digits.
EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class FormError(ValueError):
    """A form field is wrong; the message is a msgid shown next to the field."""


def normalize_email(value: str) -> str:
    email = value.strip().lower()
    if len(email) > 254 or not EMAIL.match(email):
        raise FormError(N_("Enter a valid email address, such as nombre@correo.pe."))
    return email


def _password(value: str) -> str:
    if len(value) < MIN_PASSWORD_LENGTH:
        raise FormError(N_("The password must have at least 10 characters."))
    if len(value) > 200:
        raise FormError(N_("The password is too long."))
    return value


def _confirmed(value: str, info: ValidationInfo) -> str:
    if "password" in info.data and value != info.data["password"]:
        raise FormError(N_("The two passwords do not match."))
    return value


class RegistrationForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=False)

    display_name: str
    email: str
    password: str
    password_confirmation: str
    accept_terms: bool = False

    @field_validator("display_name")
    @classmethod
    def _name(cls, value: str) -> str:
        name = " ".join(value.split())
        if not 2 <= len(name) <= 120 or CONTROL.search(name):
            raise FormError(N_("Enter a name between 2 and 120 characters."))
        return name

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return normalize_email(value)

    @field_validator("password")
    @classmethod
    def _strong(cls, value: str) -> str:
        return _password(value)

    @field_validator("accept_terms")
    @classmethod
    def _accepted(cls, value: bool) -> bool:
        if not value:
            raise FormError(N_("You must accept the terms of use to register."))
        return value

    @field_validator("password_confirmation")
    @classmethod
    def _same(cls, value: str, info: ValidationInfo) -> str:
        return _confirmed(value, info)


class NewPasswordForm(BaseModel):
    password: str
    password_confirmation: str

    @field_validator("password")
    @classmethod
    def _strong(cls, value: str) -> str:
        return _password(value)

    @field_validator("password_confirmation")
    @classmethod
    def _same(cls, value: str, info: ValidationInfo) -> str:
        return _confirmed(value, info)


class ProfileForm(BaseModel):
    """Optional self-declared data for participation indicators; empty means not said."""

    display_name: str
    gender: str | None = None
    birth_year: int | None = Field(default=None)
    geozone_id: int | None = None
    language: str | None = None
    # Opt-in, off unless ticked: notifications also arrive by email.
    email_notifications: bool = False

    @field_validator("display_name")
    @classmethod
    def _name(cls, value: str) -> str:
        return RegistrationForm._name(value)

    @field_validator("gender")
    @classmethod
    def _gender(cls, value: str | None) -> str | None:
        if value and value not in GENDERS:
            raise FormError(N_("Choose one of the options."))
        return value or None

    @field_validator("birth_year")
    @classmethod
    def _year(cls, value: int | None) -> int | None:
        this_year = date.today().year
        if value is not None and not this_year - 120 <= value <= this_year - 10:
            raise FormError(N_("Enter a valid year of birth, such as 1984."))
        return value

    @field_validator("language")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        if value and value not in LANGUAGES:
            raise FormError(N_("Choose one of the options."))
        return value or None
