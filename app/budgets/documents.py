"""PDF documents of budget projects: checked, bounded, stored under a random name.

A file is taken only if its bytes start as a PDF does (``%PDF-``) and it is declared as a PDF
or as unknown bytes; what a browser or a person names it decides nothing. Documents are served
as downloads with ``nosniff`` and a sandbox policy, never shown inline on our origin, so a
crafted PDF cannot run script as the site.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import BinaryIO

from app.errors import Invalid
from app.i18n import N_

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
MAX_DOCUMENTS = 3
MAGIC = b"%PDF-"
DECLARED_TYPES = frozenset({"application/pdf", "application/x-pdf", "application/octet-stream", ""})
MEDIA_TYPE = "application/pdf"
TITLE_MAX = 200


def media_dir(var_dir: Path) -> Path:
    return var_dir / "media" / "budget_documents"


def document_path(var_dir: Path, name: str) -> Path:
    return media_dir(var_dir) / name


def document_title(file_name: str | None) -> str:
    """A readable title from the uploaded file's name (shown escaped, never used as a path)."""
    stem = (file_name or "").replace("\\", "/").rsplit("/", 1)[-1]
    if stem.lower().endswith(".pdf"):
        stem = stem[:-4]
    title = " ".join("".join(c for c in stem if c.isprintable()).split())
    return title[:TITLE_MAX] or "PDF"


def store_document(var_dir: Path, upload: BinaryIO, content_type: str | None) -> str:
    """Save an uploaded PDF as it is; answer its file name."""
    declared = (content_type or "").split(";", 1)[0].strip().lower()
    data = upload.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise Invalid(N_("A document is too large: at most 5 MB each."))
    if declared not in DECLARED_TYPES or not data.startswith(MAGIC):
        raise Invalid(N_("Documents must be PDF files."))
    name = f"{secrets.token_hex(16)}.pdf"
    folder = media_dir(var_dir)
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{name}.part"
    temporary.write_bytes(data)
    temporary.replace(folder / name)
    return name


def remove_documents(var_dir: Path, names: list[str]) -> None:
    for name in names:
        document_path(var_dir, name).unlink(missing_ok=True)
