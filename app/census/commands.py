"""``minka census import``: load an instance's census from a CSV file, with a progress bar."""

from __future__ import annotations

import io
import os
import stat
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import repeat
from typing import Any, TextIO

import click

from app.audit.service import record
from app.census.service import ImportReport, census_key, import_census
from app.config import get_settings
from app.db import scoped_to
from app.errors import Invalid
from app.i18n import N_
from app.tenants.service import require_tenant

SHOWN_ERRORS = 20
# Seconds between commits: short enough for the web app's writes to get through (they wait
# up to 5 s for SQLite's lock), long enough that commits (on SQLite each one checkpoints the
# WAL, about 0.4 s into a large census) cost a small part of the import's time.
COMMIT_INTERVAL = 2.0


@click.group()
def census() -> None:
    """Census of residents (kept only as keyed digests)."""


@census.command("import")
@click.option("--tenant", "slug", required=True, metavar="SLUG", help="The instance's slug.")
@click.argument("path", metavar="FILE")
def census_import(slug: str, path: str) -> None:
    """Add or update the census of an instance from FILE ("-" reads standard input).

    FILE is CSV in UTF-8 whose first line names the columns: dni, fecha_nacimiento
    (YYYY-MM-DD or DD/MM/YYYY) and, optionally, codigo_geozona and extra; the English names
    dni, birth_date, geozone_code, extra work too. Bad rows are listed by line number and
    skipped. Importing again updates the entries and never duplicates them.

    Rows are committed every two seconds or so: if the import stops part way, run it again with
    the same file.
    """
    from app.cli import one_line_errors  # late: app.cli imports this module

    one_line_errors(_import_file)(slug, path)


def _import_file(slug: str, path: str) -> None:
    from app.cli import platform_transaction

    secret = get_settings().census_secret
    with _open_text(path) as handle, platform_transaction() as session:
        tenant = require_tenant(session, slug)
        key = census_key(secret, tenant.slug)
        with scoped_to(session, tenant.id), _progress_bar(handle) as progress:
            report = import_census(
                session, tenant.id, key, handle, progress=progress, commit_interval=COMMIT_INTERVAL
            )
            record(
                session,
                "census.import",
                actor=None,
                object_type="census",
                channel="cli",
                details={
                    "read": report.rows_read,
                    "new": report.imported,
                    "updated": report.updated,
                    "errors": report.error_count,
                },
            )
    _print_summary(report)


@contextmanager
def _open_text(path: str) -> Iterator[TextIO]:
    # utf-8-sig drops the byte order mark that spreadsheets put at the start of "CSV UTF-8".
    try:
        if path == "-":
            handle: TextIO = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", newline="")
        else:
            handle = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115
    except OSError as error:
        raise Invalid(
            N_("The file %(path)s cannot be read: %(reason)s."),
            path=path,
            reason=error.strerror or str(error),
        ) from None
    with handle:
        yield handle


@contextmanager
def _progress_bar(handle: TextIO) -> Iterator[Callable[[int], None] | None]:
    """A callback for the import that moves a bar on stderr; None when that is no terminal.

    For a regular file the bar measures bytes read, so the file is read only once; from a
    pipe its length is unknown and it counts rows.
    """
    if not sys.stderr.isatty():  # a log or a pipe: the summary is enough
        yield None
        return
    size = _regular_file_size(handle)
    options: dict[str, Any] = {
        "label": "Importing census",
        "file": sys.stderr,
        "item_show_func": lambda rows: None if rows is None else f"{rows:,} rows",
    }
    if size is None:
        bar = click.progressbar(repeat(0), **options)
    else:
        bar = click.progressbar(length=size, **options)
    with bar:

        def advance(rows_read: int) -> None:
            position = handle.buffer.tell() if size is not None else rows_read
            bar.update(max(position - bar.pos, 0), rows_read)

        yield advance


def _regular_file_size(handle: TextIO) -> int | None:
    try:
        status = os.fstat(handle.fileno())
    except (OSError, io.UnsupportedOperation):
        return None
    return status.st_size if stat.S_ISREG(status.st_mode) else None


def _print_summary(report: ImportReport) -> None:
    click.echo(
        f"Imported {report.imported} new, updated {report.updated}, "
        f"{report.error_count} rows with errors"
    )
    if report.duplicates:
        rows = "1 row" if report.duplicates == 1 else f"{report.duplicates} rows"
        click.echo(f"{rows} repeated a DNI already read from the file; the last one was kept.")
    for error in report.errors[:SHOWN_ERRORS]:
        click.echo(f"line {error.line}: {error}")
    if report.error_count > SHOWN_ERRORS:
        click.echo(f"… and {report.error_count - SHOWN_ERRORS} more rows with errors.")
