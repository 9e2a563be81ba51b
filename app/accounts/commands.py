"""``minka users create-admin``: the first administrator of an instance (and any later one)."""

from __future__ import annotations

import click

from app.accounts.models import User
from app.accounts.passwords import MIN_PASSWORD_LENGTH, hash_password
from app.accounts.schemas import FormError, normalize_email
from app.accounts.service import find_user_by_email
from app.admin.service import assign_role
from app.audit.service import record
from app.db import scoped_to, utcnow


@click.group()
def users() -> None:
    """People of an instance."""


@users.command("create-admin")
@click.option("--tenant", "slug", required=True, metavar="SLUG")
@click.option("--email", required=True)
@click.option("--name", default="Administración", show_default=True)
@click.password_option(
    "--password",
    help=f"At least {MIN_PASSWORD_LENGTH} characters; asked for when not given.",
)
def create_admin(slug: str, email: str, name: str, password: str) -> None:
    """Give the administrator role to EMAIL, creating a confirmed account when needed."""
    from app.cli import fail, platform_transaction, run_cleanly
    from app.tenants.service import require_tenant

    def create() -> None:
        try:
            address = normalize_email(email)
        except FormError:
            fail(f"{email!r} is not an email address")
        if len(password) < MIN_PASSWORD_LENGTH:
            fail(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
        with platform_transaction() as session:
            tenant = require_tenant(session, slug)
            with scoped_to(session, tenant.id):
                user = find_user_by_email(session, address)
                created = user is None
                if user is None:
                    user = User(
                        email=address,
                        display_name=name,
                        email_confirmed_at=utcnow(),
                        password_hash=hash_password(password),
                    )
                    session.add(user)
                    session.flush()
                assign_role(session, user, "administrator", None, None)
                record(
                    session,
                    "role.assigned",
                    actor=None,
                    object_type="user",
                    object_id=user.id,
                    channel="cli",
                    details={"role": "administrator", "created": created},
                )
        what = "Created" if created else "Updated"
        click.echo(f"{what} {address}: administrator of {slug}.")

    run_cleanly(create)
