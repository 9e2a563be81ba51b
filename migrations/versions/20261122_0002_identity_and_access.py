"""Identity and access: accounts, sessions, roles, census, residents, OIDC, audit log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 23:09:10.334893
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


AUDIT_GUARDS = {
    "postgresql": [
        """CREATE FUNCTION audit_entries_append_only() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION 'audit_entries is append-only'; END;
        $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER audit_entries_no_update BEFORE UPDATE OR DELETE ON audit_entries
        FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()""",
    ],
    "sqlite": [
        """CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
        BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END""",
        """CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
        BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END""",
    ],
}
AUDIT_GUARDS_DROP = {
    "postgresql": [
        "DROP TRIGGER audit_entries_no_update ON audit_entries",
        "DROP FUNCTION audit_entries_append_only()",
    ],
    "sqlite": [
        "DROP TRIGGER audit_entries_no_update",
        "DROP TRIGGER audit_entries_no_delete",
    ],
}


def upgrade() -> None:
    op.create_table(
        "census_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dni_digest", sa.String(length=64), nullable=False),
        sa.Column("birth_digest", sa.String(length=64), nullable=False),
        sa.Column("extra_digest", sa.String(length=64), nullable=True),
        sa.Column("geozone_code", sa.String(length=20), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_census_entries_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_census_entries")),
        sa.UniqueConstraint(
            "tenant_id", "dni_digest", name=op.f("uq_census_entries_tenant_id_dni_digest")
        ),
    )
    op.create_index(op.f("ix_census_entries_tenant_id"), "census_entries", ["tenant_id"])

    op.create_table(
        "oidc_providers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("issuer", sa.String(length=300), nullable=False),
        sa.Column("client_id", sa.String(length=200), nullable=False),
        sa.Column("client_secret", sa.String(length=300), nullable=False),
        sa.Column("scope", sa.String(length=300), nullable=False),
        sa.Column("national_id_claim", sa.String(length=80), nullable=True),
        sa.Column("min_acr", sa.String(length=120), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_oidc_providers_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oidc_providers")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_oidc_providers_tenant_id_name")),
    )
    op.create_index(op.f("ix_oidc_providers_tenant_id"), "oidc_providers", ["tenant_id"])

    op.create_table(
        "throttle_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("key_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_throttle_events_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_throttle_events")),
    )
    op.create_index(op.f("ix_throttle_events_created_at"), "throttle_events", ["created_at"])
    op.create_index(op.f("ix_throttle_events_tenant_id"), "throttle_events", ["tenant_id"])
    op.create_index(
        op.f("ix_throttle_events_tenant_id_kind_key_digest_created_at"),
        "throttle_events",
        ["tenant_id", "kind", "key_digest", "created_at"],
    )

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("email_confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("is_organization", sa.Boolean(), nullable=False),
        sa.Column("blocked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_desk", sa.Boolean(), nullable=False),
        sa.Column("gender", sa.String(length=20), nullable=True),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("geozone_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "gender IS NULL OR gender IN "
            "('female', 'male', 'non_binary', 'other', 'prefer_not_to_say')",
            name=op.f("ck_users_gender"),
        ),
        sa.ForeignKeyConstraint(
            ["geozone_id"],
            ["geozones.id"],
            name=op.f("fk_users_geozone_id_geozones"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_users_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("tenant_id", "email", name=op.f("uq_users_tenant_id_email")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_users_geozone_id"), "users", ["geozone_id"])
    op.create_index(op.f("ix_users_tenant_id"), "users", ["tenant_id"])

    op.create_table(
        "account_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "purpose IN ('confirm_email', 'reset_password')", name=op.f("ck_account_tokens_purpose")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_account_tokens_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_account_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_tokens")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_account_tokens_token_digest")),
    )
    op.create_index(op.f("ix_account_tokens_tenant_id"), "account_tokens", ["tenant_id"])
    op.create_index(op.f("ix_account_tokens_user_id"), "account_tokens", ["user_id"])

    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=120), nullable=False),
        sa.Column("actor_role", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("client_address", sa.String(length=64), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_audit_entries_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    op.create_index(op.f("ix_audit_entries_action"), "audit_entries", ["action"])
    op.create_index(op.f("ix_audit_entries_actor_id"), "audit_entries", ["actor_id"])
    op.create_index(op.f("ix_audit_entries_tenant_id"), "audit_entries", ["tenant_id"])
    op.create_index(
        op.f("ix_audit_entries_tenant_id_created_at"), "audit_entries", ["tenant_id", "created_at"]
    )

    op.create_table(
        "identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=True),
        sa.Column("issuer", sa.String(length=300), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["oidc_providers.id"],
            name=op.f("fk_identities_provider_id_oidc_providers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_identities_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_identities_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identities")),
        sa.UniqueConstraint(
            "issuer", "subject", "tenant_id", name=op.f("uq_identities_issuer_subject_tenant_id")
        ),
    )
    op.create_index(op.f("ix_identities_tenant_id"), "identities", ["tenant_id"])
    op.create_index(op.f("ix_identities_user_id"), "identities", ["user_id"])

    op.create_table(
        "residents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dni_digest", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verified_by_id", sa.Integer(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "method IN ('census', 'claim', 'desk')", name=op.f("ck_residents_method")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_residents_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_residents_user_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["verified_by_id"],
            ["users.id"],
            name=op.f("fk_residents_verified_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_residents")),
        sa.UniqueConstraint(
            "tenant_id", "dni_digest", name=op.f("uq_residents_tenant_id_dni_digest")
        ),
        sa.UniqueConstraint("user_id", name=op.f("uq_residents_user_id")),
    )
    op.create_index(op.f("ix_residents_tenant_id"), "residents", ["tenant_id"])

    op.create_table(
        "role_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("office", sa.String(length=200), nullable=True),
        sa.Column("badge", sa.String(length=80), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('administrator', 'moderator', 'official', 'valuator', "
            "'desk_manager', 'poll_officer')",
            name=op.f("ck_role_assignments_role"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_role_assignments_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_role_assignments_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_assignments")),
        sa.UniqueConstraint("user_id", "role", name=op.f("uq_role_assignments_user_id_role")),
    )
    op.create_index(op.f("ix_role_assignments_tenant_id"), "role_assignments", ["tenant_id"])
    op.create_index(op.f("ix_role_assignments_user_id"), "role_assignments", ["user_id"])

    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_user_sessions_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_user_sessions_token_digest")),
    )
    op.create_index(op.f("ix_user_sessions_tenant_id"), "user_sessions", ["tenant_id"])
    op.create_index(op.f("ix_user_sessions_user_id"), "user_sessions", ["user_id"])

    op.create_table(
        "verification_conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("claimant_id", sa.Integer(), nullable=True),
        sa.Column("holder_id", sa.Integer(), nullable=True),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.String(length=20), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claimant_id"],
            ["users.id"],
            name=op.f("fk_verification_conflicts_claimant_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["holder_id"],
            ["users.id"],
            name=op.f("fk_verification_conflicts_holder_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_verification_conflicts_resident_id_residents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_verification_conflicts_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_conflicts")),
    )
    op.create_index(
        op.f("ix_verification_conflicts_resident_id"), "verification_conflicts", ["resident_id"]
    )
    op.create_index(
        op.f("ix_verification_conflicts_tenant_id"), "verification_conflicts", ["tenant_id"]
    )

    for statement in AUDIT_GUARDS[op.get_bind().dialect.name]:
        op.execute(statement)


def downgrade() -> None:
    for statement in AUDIT_GUARDS_DROP[op.get_bind().dialect.name]:
        op.execute(statement)
    op.drop_index(op.f("ix_verification_conflicts_tenant_id"), table_name="verification_conflicts")
    op.drop_index(
        op.f("ix_verification_conflicts_resident_id"), table_name="verification_conflicts"
    )

    op.drop_table("verification_conflicts")
    op.drop_index(op.f("ix_user_sessions_user_id"), table_name="user_sessions")
    op.drop_index(op.f("ix_user_sessions_tenant_id"), table_name="user_sessions")

    op.drop_table("user_sessions")
    op.drop_index(op.f("ix_role_assignments_user_id"), table_name="role_assignments")
    op.drop_index(op.f("ix_role_assignments_tenant_id"), table_name="role_assignments")

    op.drop_table("role_assignments")
    op.drop_index(op.f("ix_residents_tenant_id"), table_name="residents")

    op.drop_table("residents")
    op.drop_index(op.f("ix_identities_user_id"), table_name="identities")
    op.drop_index(op.f("ix_identities_tenant_id"), table_name="identities")

    op.drop_table("identities")
    op.drop_index(op.f("ix_audit_entries_tenant_id_created_at"), table_name="audit_entries")
    op.drop_index(op.f("ix_audit_entries_tenant_id"), table_name="audit_entries")
    op.drop_index(op.f("ix_audit_entries_actor_id"), table_name="audit_entries")
    op.drop_index(op.f("ix_audit_entries_action"), table_name="audit_entries")

    op.drop_table("audit_entries")
    op.drop_index(op.f("ix_account_tokens_user_id"), table_name="account_tokens")
    op.drop_index(op.f("ix_account_tokens_tenant_id"), table_name="account_tokens")

    op.drop_table("account_tokens")
    op.drop_index(op.f("ix_users_tenant_id"), table_name="users")
    op.drop_index(op.f("ix_users_geozone_id"), table_name="users")

    op.drop_table("users")
    op.drop_index(
        op.f("ix_throttle_events_tenant_id_kind_key_digest_created_at"),
        table_name="throttle_events",
    )
    op.drop_index(op.f("ix_throttle_events_tenant_id"), table_name="throttle_events")
    op.drop_index(op.f("ix_throttle_events_created_at"), table_name="throttle_events")

    op.drop_table("throttle_events")
    op.drop_index(op.f("ix_oidc_providers_tenant_id"), table_name="oidc_providers")

    op.drop_table("oidc_providers")
    op.drop_index(op.f("ix_census_entries_tenant_id"), table_name="census_entries")

    op.drop_table("census_entries")
