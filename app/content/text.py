"""Checks shared by every form that takes people's text (titles, bodies, names, reasons)."""

from __future__ import annotations

from app.i18n import N_

# What a browser never sends in a text field: NUL (PostgreSQL refuses it) and the replacement
# character the form parser puts where the bytes were not valid UTF-8.
_UNREADABLE = ("\x00", "\ufffd")


def readable(value: str) -> str:
    """The text unchanged, or ValueError (for a form validator) when part of it was unreadable."""
    if any(mark in value for mark in _UNREADABLE):
        raise ValueError(N_("The text contains characters that could not be read. Retype it."))
    return value


def clean_line(value: str) -> str:
    """A one-line text: readable, with runs of spaces and line breaks made one space."""
    return " ".join(readable(value).split())
