"""Interface languages: message catalogues, and choosing the language of a request.

Catalogues are the ``.po`` files under ``app/locale``; they are compiled in memory when first
used, so there is no generated ``.mo`` file to forget. Message ids are English.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES: dict[str, str] = {"es": "Español", "qu": "Runasimi", "en": "English"}
DEFAULT_LANGUAGE = "es"
LANGUAGE_COOKIE = "minka_lang"
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, where the language is known."""
    return message


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> Translations:
    po_path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        return Translations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def gettext(language: str, message: str) -> str:
    return translations(language).gettext(message)


def translate(language: str, message: str, values: Mapping[str, Any] | None = None) -> str:
    """A msgid in the reader's language, with its %(name)s placeholders filled."""
    text = gettext(language, message)
    return text % values if values else text


def ngettext(language: str, singular: str, plural: str, n: int) -> str:
    return translations(language).ngettext(singular, plural, n)


def parse_accept_language(header: str) -> list[str]:
    """Primary language subtags from an Accept-Language header, most preferred first."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        if not tag or tag == "*":
            continue
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                continue
        if quality <= 0:
            continue
        weighted.append((-quality, position, tag.split("-", 1)[0]))
    return [tag for _, _, tag in sorted(weighted)]


def choose_language(
    *,
    cookie: str | None,
    accept_language: str | None,
    enabled: Iterable[str],
    default: str,
) -> str:
    """The switch (cookie) wins, then the browser's preference, then the instance default."""
    available = [code for code in enabled if code in LANGUAGES]
    if cookie is not None and cookie in available:
        return cookie
    for tag in parse_accept_language(accept_language or ""):
        if tag in available:
            return tag
        if tag in {"quz", "quy", "qub", "qxp", "que"} and "qu" in available:
            return "qu"
    return default if default in available else DEFAULT_LANGUAGE
