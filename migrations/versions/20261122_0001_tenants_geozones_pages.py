"""Instances (tenants) with their host names, geozones and static pages.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 22:55:30.600802
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tenants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("default_language", sa.String(length=8), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("primary_color", sa.String(length=7), nullable=False),
        sa.Column("accent_color", sa.String(length=7), nullable=False),
        sa.Column("logo_path", sa.String(length=300), nullable=True),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenants")),
        sa.UniqueConstraint("slug", name=op.f("uq_tenants_slug")),
    )
    op.create_table(
        "geozones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('rural', 'urban')", name=op.f("ck_geozones_kind")),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_geozones_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_geozones")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_geozones_tenant_id_code")),
    )
    op.create_index(op.f("ix_geozones_tenant_id"), "geozones", ["tenant_id"])

    op.create_table(
        "pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("footer_position", sa.Integer(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_pages_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pages")),
        sa.UniqueConstraint("tenant_id", "slug", name=op.f("uq_pages_tenant_id_slug")),
    )
    op.create_index(op.f("ix_pages_tenant_id"), "pages", ["tenant_id"])

    op.create_table(
        "tenant_hosts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=253), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_tenant_hosts_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenant_hosts")),
        sa.UniqueConstraint("host", name=op.f("uq_tenant_hosts_host")),
    )
    op.create_index(op.f("ix_tenant_hosts_tenant_id"), "tenant_hosts", ["tenant_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_tenant_hosts_tenant_id"), table_name="tenant_hosts")

    op.drop_table("tenant_hosts")
    op.drop_index(op.f("ix_pages_tenant_id"), table_name="pages")

    op.drop_table("pages")
    op.drop_index(op.f("ix_geozones_tenant_id"), table_name="geozones")

    op.drop_table("geozones")
    op.drop_table("tenants")
