"""OpenID Connect sign-in attempts kept on the server (state, nonce, PKCE verifier).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 23:17:53.873927
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "oidc_flows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state_digest", sa.String(length=64), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(length=100), nullable=False),
        sa.Column("code_verifier", sa.String(length=200), nullable=False),
        sa.Column("next_path", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["oidc_providers.id"],
            name=op.f("fk_oidc_flows_provider_id_oidc_providers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_oidc_flows_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oidc_flows")),
        sa.UniqueConstraint("state_digest", name=op.f("uq_oidc_flows_state_digest")),
    )
    op.create_index(op.f("ix_oidc_flows_provider_id"), "oidc_flows", ["provider_id"])
    op.create_index(op.f("ix_oidc_flows_tenant_id"), "oidc_flows", ["tenant_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_oidc_flows_tenant_id"), table_name="oidc_flows")
    op.drop_index(op.f("ix_oidc_flows_provider_id"), table_name="oidc_flows")

    op.drop_table("oidc_flows")
