"""The ``minka`` command: serve, migrate, manage instances, load demo data."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, NoReturn, TypeVar

import click
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.config import SettingsError, get_settings
from app.db import make_engine, make_sessionmaker, session_scope
from app.errors import DomainError
from app.tenants.repository import list_tenants
from app.tenants.schemas import TenantCreate

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str) -> NoReturn:
    click.echo(f"minka: error: {message}", err=True)
    sys.exit(1)


def _first_line(error: SQLAlchemyError) -> str:
    detail = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    if "no such table" in detail or "does not exist" in detail:
        detail += " (run `minka db upgrade` first)"
    return detail


def one_line_errors(func: F) -> F:
    """Turn expected failures into one clear line on stderr and a non-zero exit."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SettingsError as error:
            fail(str(error))
        except DomainError as error:
            fail(str(error))
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            message = first["msg"].removeprefix("Value error, ")
            fail(f"{where}: {message}" if where else message)
        except SQLAlchemyError as error:
            fail(f"database: {_first_line(error)}")
        return None

    return wrapper  # type: ignore[return-value]


def run_cleanly(action: Callable[[], None]) -> None:
    """Run a command body with the same one-line error handling as the built-in commands."""
    one_line_errors(action)()


@contextmanager
def platform_transaction() -> Iterator[Session]:
    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        yield from session_scope(make_sessionmaker(engine), None, write=True)
    finally:
        engine.dispose()


@click.group()
def main() -> None:
    """Minka, a citizen participation platform."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@one_line_errors
def serve(host: str, port: int, workers: int) -> None:
    """Serve the web application."""
    import uvicorn

    settings = get_settings()
    click.echo(f"Minka is serving on http://{host}:{port} (Ctrl+C to stop)")
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        access_log=False,
        log_level=settings.log_level.lower(),
    )


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@one_line_errors
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION."""
    from app.dbschema import upgrade_database

    upgrade_database(get_settings().database_url, revision)
    click.echo(f"Database is at {revision}.")


@db.command("downgrade")
@click.argument("revision")
@one_line_errors
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION ("base" removes everything)."""
    from app.dbschema import downgrade_database

    downgrade_database(get_settings().database_url, revision)
    click.echo(f"Database is at {revision}.")


@main.group()
def tenants() -> None:
    """Instances (one per region or municipality)."""


@tenants.command("create")
@click.option("--slug", required=True, help="Short name, e.g. trujillo.")
@click.option("--name", required=True, help="Public name of the instance.")
@click.option("--host", "hosts", required=True, multiple=True, help="Host name; repeatable.")
@click.option("--language", "languages", multiple=True, help="Enabled language; repeatable.")
@click.option("--default-language", default="es", show_default=True)
@click.option("--primary-color", default="#8a1538", show_default=True)
@click.option("--accent-color", default="#f2c14e", show_default=True)
@one_line_errors
def tenants_create(
    slug: str,
    name: str,
    hosts: tuple[str, ...],
    languages: tuple[str, ...],
    default_language: str,
    primary_color: str,
    accent_color: str,
) -> None:
    """Create an instance served on the given host names."""
    from app.tenants.service import create_tenant

    data = TenantCreate(
        slug=slug,
        name=name,
        hosts=list(hosts),
        default_language=default_language,
        primary_color=primary_color,
        accent_color=accent_color,
        **({"languages": list(languages)} if languages else {}),
    )
    with platform_transaction() as session:
        tenant = create_tenant(session, data)
        click.echo(f"Created instance {tenant.slug} on {', '.join(data.hosts)}.")


@tenants.command("list")
@one_line_errors
def tenants_list() -> None:
    """List instances and their host names."""
    with platform_transaction() as session:
        rows = list_tenants(session)
        if not rows:
            click.echo("No instances yet. Create one with: minka tenants create")
        for tenant in rows:
            hosts = ", ".join(host.host for host in tenant.hosts)
            click.echo(f"{tenant.slug}\t{tenant.name}\t{hosts}")


@main.group()
def demo() -> None:
    """Demo data."""


@demo.command("load")
@one_line_errors
def demo_load() -> None:
    """Create the demo instances (La Libertad, Trujillo, Otuzco); safe to run again."""
    from app.demo import load_demo
    from app.demo_people import DEMO_PASSWORD

    settings = get_settings()
    with platform_transaction() as session:
        report = load_demo(session, settings.census_secret)
    created = ", ".join(report.created) if report.created else "already present"
    click.echo(f"Demo data loaded ({created}).")
    click.echo("Open http://127.0.0.1:8000 (La Libertad), http://trujillo.localhost:8000 and")
    click.echo("http://otuzco.localhost:8000 once the server is running.")
    click.echo(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    for email, role in report.logins.get("lalibertad", []):
        click.echo(f"  {email:<42} {role}")
    click.echo("  (the same accounts exist on trujillo and otuzco: admin@trujillo.minka.example…)")
    dni, birth = report.sample_resident
    click.echo(f"To try verification as vecino@…: DNI {dni}, date of birth {birth}.")


def _register_feature_commands() -> None:
    from app.accounts.commands import users
    from app.budgets.commands import budgets
    from app.census.commands import census
    from app.jobs.commands import jobs
    from app.oidc.commands import oidc
    from app.polls.commands import polls
    from app.proposals.commands import proposals

    main.add_command(budgets)
    main.add_command(census)
    main.add_command(jobs)
    main.add_command(oidc)
    main.add_command(polls)
    main.add_command(proposals)
    main.add_command(users)


_register_feature_commands()
