"""``minka polls``: command-line tasks of this module."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from app.db import scoped_to
from app.polls.closing import close_poll, due_polls, erase_replacement_tags
from app.tenants.repository import list_tenants


@click.group()
def polls() -> None:
    """Tasks of this module (see --help of each command)."""


@polls.command("close-due")
def close_due_command() -> None:
    """Close the polls whose voting period has ended, in every instance, and count them.

    The job worker does this every minute; this command is for deployments without one, or
    to close at once. Until a poll is closed its results stay hidden, but it takes no ballots.
    """
    from app.cli import platform_transaction  # late: app.cli imports this module

    total = 0
    now = datetime.now(UTC)
    with platform_transaction() as session:
        for tenant in list_tenants(session):
            with scoped_to(session, tenant.id):
                due = due_polls(session, now)
                for poll in due:
                    close_poll(session, poll, now)
            count = len(due)
            if count:
                click.echo(f"{tenant.slug}: {count}")
            total += count
    click.echo(f"closed: {total}")
    erased = 0
    while True:  # one transaction per batch, so a long erasure holds no lock for long
        with platform_transaction() as session:
            done = 0
            for tenant in list_tenants(session):
                with scoped_to(session, tenant.id):
                    done += erase_replacement_tags(session)
        erased += done
        if done == 0:
            break
    click.echo(f"replacement hashes erased: {erased}")
