"""``minka oidc add``: configure an OpenID Connect provider for an instance."""

from __future__ import annotations

import click
from sqlalchemy import select

from app.audit.service import record
from app.config import get_settings
from app.db import scoped_to
from app.oidc.admin import add_provider
from app.oidc.schemas import ProviderForm
from app.tenants.models import TenantHost


@click.group()
def oidc() -> None:
    """OpenID Connect identity providers."""


@oidc.command("add")
@click.option("--tenant", "slug", required=True, metavar="SLUG")
@click.option("--name", required=True, help="Short name used in URLs, e.g. idgobpe.")
@click.option("--label", default=None, help="Text of the sign-in button (default: the name).")
@click.option("--issuer", required=True)
@click.option("--client-id", required=True)
@click.option("--client-secret", required=True)
@click.option("--scope", default="openid email profile", show_default=True)
@click.option("--national-id-claim", default=None, help="Claim that carries the DNI.")
@click.option("--min-acr", default=None, help="Accepted acr values (space separated).")
def oidc_add(
    slug: str,
    name: str,
    label: str | None,
    issuer: str,
    client_id: str,
    client_secret: str,
    scope: str,
    national_id_claim: str | None,
    min_acr: str | None,
) -> None:
    """Add a provider and print the callback URL to register at it."""
    from app.cli import platform_transaction, run_cleanly
    from app.tenants.service import require_tenant

    def add() -> None:
        form = ProviderForm(
            name=name,
            label=label or name,
            issuer=issuer,
            client_id=client_id,
            client_secret=client_secret,
            scope=scope,
            national_id_claim=national_id_claim,
            min_acr=min_acr,
        )
        base = get_settings().base_url
        with platform_transaction() as session:
            tenant = require_tenant(session, slug)
            hosts = list(
                session.scalars(select(TenantHost.host).where(TenantHost.tenant_id == tenant.id))
            )
            with scoped_to(session, tenant.id):
                provider = add_provider(session, form)
                record(
                    session,
                    "oidc.provider_added",
                    actor=None,
                    object_type="oidc_provider",
                    object_id=provider.id,
                    channel="cli",
                    details={"name": provider.name, "issuer": provider.issuer},
                )
        port = f":{base.port}" if base.port not in (None, 80, 443) else ""
        click.echo(f"Added provider {name} to {slug}. Register this callback URL at the provider:")
        for host in hosts:
            click.echo(f"  {base.scheme}://{host}{port}/auth/{name}/callback")

    run_cleanly(add)
