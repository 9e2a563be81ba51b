"""``minka proposals``: command-line tasks of this module."""

from __future__ import annotations

import click

from app.db import scoped_to
from app.proposals.service import archive_expired
from app.tenants.repository import list_tenants


@click.group()
def proposals() -> None:
    """Tasks of this module (see --help of each command)."""


@proposals.command("archive-expired")
def archive_expired_command() -> None:
    """Archive the open proposals whose support period has ended, in every instance.

    Successful proposals are never archived. Run it daily (e.g. from cron); until it runs,
    a proposal past its deadline already takes no supports.
    """
    from app.cli import platform_transaction  # late: app.cli imports this module

    total = 0
    with platform_transaction() as session:
        for tenant in list_tenants(session):
            with scoped_to(session, tenant.id):
                count = archive_expired(session)
            if count:
                click.echo(f"{tenant.slug}: {count}")
            total += count
    click.echo(f"archived: {total}")
