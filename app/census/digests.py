"""What the census stores instead of DNIs and dates of birth: keyed digests (HMAC-SHA256).

Each instance has its own key, derived from the census secret and the instance's slug, so the
same DNI gives unrelated digests on two instances and a digest taken from one instance is
useless on another. Values are normalised before hashing, so "12.345.678" finds "12345678".
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date

from app.errors import Invalid
from app.i18n import N_
from app.tokens import keyed_digest

DNI_LENGTH = 8
MAX_AGE_YEARS = 130

_DNI_SEPARATORS = str.maketrans("", "", " .-\t\u00a0")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DAY_FIRST_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")


def census_key(settings_secret: bytes, tenant_slug: str) -> bytes:
    """The census key of one instance: HMAC-SHA256 of its slug under the census secret.

    Renaming an instance's slug changes its key, so its census must then be imported again.
    """
    return hmac.digest(settings_secret, tenant_slug.encode(), hashlib.sha256)


def normalize_dni(dni: str) -> str:
    """The 8 digits of a Peruvian DNI, ignoring spaces, dots and dashes; Invalid otherwise."""
    digits = dni.translate(_DNI_SEPARATORS)
    if len(digits) != DNI_LENGTH or not (digits.isascii() and digits.isdigit()):
        raise Invalid(N_("The DNI must have exactly 8 digits."))
    return digits


def normalize_extra(extra: str) -> str:
    return extra.strip().casefold()


def dni_digest(key: bytes, dni: str) -> str:
    return Digester(key).of_dni(normalize_dni(dni))


def birth_digest(key: bytes, dni: str, birth: date) -> str:
    return Digester(key).of_birth(normalize_dni(dni), birth)


def extra_digest(key: bytes, dni: str, extra: str) -> str:
    return Digester(key).of_extra(normalize_dni(dni), normalize_extra(extra))


class Digester:
    """The digests of one instance, from values already normalised (the import's fast path).

    The DNI is part of the birth and extra digests, so that people born on the same day do not
    share a digest; each kind of value is labelled, so that no two kinds can collide.
    """

    def __init__(self, key: bytes) -> None:
        self.key = key

    def of_dni(self, digits: str) -> str:
        return keyed_digest(self.key, "dni", digits)

    def of_birth(self, digits: str, birth: date) -> str:
        return keyed_digest(self.key, "birth", digits, birth.isoformat())

    def of_extra(self, digits: str, extra: str) -> str:
        return keyed_digest(self.key, "extra", digits, extra)


def parse_birth_date(text: str, *, today: date | None = None) -> date:
    """A date of birth written ``YYYY-MM-DD`` or ``DD/MM/YYYY``: a real day, not in the future,
    and at most 130 years ago."""
    text = text.strip()
    if not text:
        raise Invalid(N_("The date of birth is missing."))
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = match.groups()
    elif match := _DAY_FIRST_DATE.fullmatch(text):
        day, month, year = match.groups()
    else:
        raise Invalid(N_("The date of birth is not a date; write it as YYYY-MM-DD or DD/MM/YYYY."))
    try:
        birth = date(int(year), int(month), int(day))
    except ValueError:
        raise Invalid(N_("The date of birth does not exist in the calendar.")) from None
    today = today or date.today()
    if birth > today:
        raise Invalid(N_("The date of birth is in the future."))
    if (birth.year + MAX_AGE_YEARS, birth.month, birth.day) < (today.year, today.month, today.day):
        raise Invalid(
            N_("The date of birth is more than %(years)s years ago."), years=MAX_AGE_YEARS
        )
    return birth
