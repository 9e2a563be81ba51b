"""Participatory budgets: budgets, phases, groups, headings, projects, supports, ballots, execution.

The whole schema of the module at once (valuation, ballots, milestones and photos included),
so that the steps built on it need no further migration. Amounts and prices are whole soles
(BigInteger); CHECK constraints keep phases, states, prices, amounts and progress in range.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 05:00:19.756301
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The phases as they were at this revision (app.budgets.models.PHASES may grow later).
PHASES = (
    "('informing', 'accepting', 'reviewing', 'selecting', 'valuating', 'publishing_prices', "
    "'balloting', 'reviewing_ballots', 'finished')"
)


def upgrade() -> None:
    op.create_table(
        "budgets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=150), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("phase", sa.String(length=20), nullable=False),
        sa.Column("rule", sa.String(length=15), nullable=False),
        sa.Column("ballot_style", sa.String(length=10), nullable=False),
        sa.Column("approval_limit", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(ballot_style = 'knapsack' AND approval_limit IS NULL) OR "
            "(ballot_style = 'approval' AND approval_limit >= 1)",
            name=op.f("ck_budgets_approval_limit"),
        ),
        sa.CheckConstraint(
            "ballot_style IN ('knapsack', 'approval')", name=op.f("ck_budgets_ballot_style")
        ),
        sa.CheckConstraint(
            "phase IN " + PHASES,
            name=op.f("ck_budgets_phase"),
        ),
        sa.CheckConstraint("rule IN ('greedy', 'equal_shares')", name=op.f("ck_budgets_rule")),
        sa.CheckConstraint("year BETWEEN 2000 AND 2200", name=op.f("ck_budgets_year")),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_budgets_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budgets")),
    )
    with op.batch_alter_table("budgets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_budgets_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_budgets_tenant_id_year"), ["tenant_id", "year"], unique=False
        )

    op.create_table(
        "budget_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("budget_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=150), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("max_supported_headings", sa.Integer(), nullable=False),
        sa.Column("max_balloted_headings", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "max_balloted_headings >= 1", name=op.f("ck_budget_groups_max_balloted_headings")
        ),
        sa.CheckConstraint(
            "max_supported_headings >= 1", name=op.f("ck_budget_groups_max_supported_headings")
        ),
        sa.ForeignKeyConstraint(
            ["budget_id"],
            ["budgets.id"],
            name=op.f("fk_budget_groups_budget_id_budgets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_budget_groups_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_groups")),
    )
    with op.batch_alter_table("budget_groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_budget_groups_budget_id"), ["budget_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_budget_groups_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "budget_phases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("budget_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN " + PHASES,
            name=op.f("ck_budget_phases_kind"),
        ),
        sa.CheckConstraint(
            "starts_on IS NULL OR ends_on IS NULL OR ends_on >= starts_on",
            name=op.f("ck_budget_phases_period"),
        ),
        sa.ForeignKeyConstraint(
            ["budget_id"],
            ["budgets.id"],
            name=op.f("fk_budget_phases_budget_id_budgets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_budget_phases_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_phases")),
        sa.UniqueConstraint("budget_id", "kind", name=op.f("uq_budget_phases_budget_id_kind")),
    )
    with op.batch_alter_table("budget_phases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_budget_phases_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "budget_headings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("budget_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=150), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("geozone_id", sa.Integer(), nullable=True),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("results_json", sa.Text(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_budget_headings_amount")),
        sa.CheckConstraint(
            "population IS NULL OR population >= 0", name=op.f("ck_budget_headings_population")
        ),
        sa.ForeignKeyConstraint(
            ["budget_id"],
            ["budgets.id"],
            name=op.f("fk_budget_headings_budget_id_budgets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["geozone_id"],
            ["geozones.id"],
            name=op.f("fk_budget_headings_geozone_id_geozones"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["budget_groups.id"],
            name=op.f("fk_budget_headings_group_id_budget_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_budget_headings_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_headings")),
    )
    with op.batch_alter_table("budget_headings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_budget_headings_budget_id"), ["budget_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_budget_headings_geozone_id"), ["geozone_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_budget_headings_group_id"), ["group_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_budget_headings_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "budget_ballots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("heading_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("voter_key", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("channel IN ('web', 'paper')", name=op.f("ck_budget_ballots_channel")),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["budget_groups.id"],
            name=op.f("fk_budget_ballots_group_id_budget_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["heading_id"],
            ["budget_headings.id"],
            name=op.f("fk_budget_ballots_heading_id_budget_headings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_budget_ballots_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_budget_ballots_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_ballots")),
        sa.UniqueConstraint(
            "heading_id", "voter_key", name=op.f("uq_budget_ballots_heading_id_voter_key")
        ),
    )
    with op.batch_alter_table("budget_ballots", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_budget_ballots_group_id_voter_key"),
            ["group_id", "voter_key"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_budget_ballots_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "budget_projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("budget_id", sa.Integer(), nullable=False),
        sa.Column("heading_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=150), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("location", sa.String(length=300), nullable=True),
        sa.Column("image_name", sa.String(length=80), nullable=True),
        sa.Column("image_alt", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("comments_count", sa.Integer(), nullable=False),
        sa.Column("review_state", sa.String(length=10), nullable=False),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("supports_count", sa.Integer(), nullable=False),
        sa.Column("feasibility", sa.String(length=10), nullable=False),
        sa.Column("feasibility_explanation", sa.Text(), nullable=True),
        sa.Column("price", sa.BigInteger(), nullable=True),
        sa.Column("price_explanation", sa.Text(), nullable=True),
        sa.Column("duration", sa.String(length=100), nullable=True),
        sa.Column("valuated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("selected", sa.Boolean(), nullable=False),
        sa.Column("ballot_votes", sa.Integer(), nullable=False),
        sa.Column("winner", sa.Boolean(), nullable=False),
        sa.Column("execution_status", sa.String(length=12), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("cui", sa.String(length=20), nullable=True),
        sa.Column("amount_executed", sa.BigInteger(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "execution_status IN "
            "('not_started', 'design', 'tendering', 'works', 'finished', 'cancelled')",
            name=op.f("ck_budget_projects_execution_status"),
        ),
        sa.CheckConstraint(
            "feasibility IN ('undecided', 'feasible', 'unfeasible')",
            name=op.f("ck_budget_projects_feasibility"),
        ),
        sa.CheckConstraint(
            "review_state IN ('pending', 'accepted', 'rejected')",
            name=op.f("ck_budget_projects_review_state"),
        ),
        sa.CheckConstraint(
            "amount_executed IS NULL OR amount_executed >= 0",
            name=op.f("ck_budget_projects_amount_executed"),
        ),
        sa.CheckConstraint("ballot_votes >= 0", name=op.f("ck_budget_projects_ballot_votes")),
        sa.CheckConstraint("comments_count >= 0", name=op.f("ck_budget_projects_comments_count")),
        sa.CheckConstraint("price IS NULL OR price >= 0", name=op.f("ck_budget_projects_price")),
        sa.CheckConstraint("progress BETWEEN 0 AND 100", name=op.f("ck_budget_projects_progress")),
        sa.CheckConstraint("supports_count >= 0", name=op.f("ck_budget_projects_supports_count")),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_budget_projects_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["budget_id"],
            ["budgets.id"],
            name=op.f("fk_budget_projects_budget_id_budgets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["heading_id"],
            ["budget_headings.id"],
            name=op.f("fk_budget_projects_heading_id_budget_headings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_budget_projects_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_projects")),
    )
    with op.batch_alter_table("budget_projects", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_budget_projects_author_id"), ["author_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_budget_projects_budget_id"), ["budget_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_budget_projects_heading_id"), ["heading_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_budget_projects_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_budget_projects_tenant_id_budget_id_execution_status"),
            ["tenant_id", "budget_id", "execution_status"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_budget_projects_tenant_id_heading_id_review_state"),
            ["tenant_id", "heading_id", "review_state"],
            unique=False,
        )

    op.create_table(
        "budget_valuators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("heading_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["heading_id"],
            ["budget_headings.id"],
            name=op.f("fk_budget_valuators_heading_id_budget_headings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_budget_valuators_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_budget_valuators_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_valuators")),
        sa.UniqueConstraint(
            "heading_id", "user_id", name=op.f("uq_budget_valuators_heading_id_user_id")
        ),
    )
    with op.batch_alter_table("budget_valuators", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_budget_valuators_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_budget_valuators_user_id"), ["user_id"], unique=False)

    op.create_table(
        "budget_ballot_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ballot_id"],
            ["budget_ballots.id"],
            name=op.f("fk_budget_ballot_lines_ballot_id_budget_ballots"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["budget_projects.id"],
            name=op.f("fk_budget_ballot_lines_project_id_budget_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_budget_ballot_lines_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_ballot_lines")),
        sa.UniqueConstraint(
            "ballot_id", "project_id", name=op.f("uq_budget_ballot_lines_ballot_id_project_id")
        ),
    )
    with op.batch_alter_table("budget_ballot_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_budget_ballot_lines_project_id"), ["project_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_budget_ballot_lines_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "budget_milestones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=150), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["budget_projects.id"],
            name=op.f("fk_budget_milestones_project_id_budget_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_budget_milestones_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_milestones")),
    )
    with op.batch_alter_table("budget_milestones", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_budget_milestones_project_id"), ["project_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_budget_milestones_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "budget_project_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=80), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["budget_projects.id"],
            name=op.f("fk_budget_project_documents_project_id_budget_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_budget_project_documents_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_project_documents")),
    )
    with op.batch_alter_table("budget_project_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_budget_project_documents_project_id"), ["project_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_budget_project_documents_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "budget_supports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("heading_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("channel IN ('web', 'desk')", name=op.f("ck_budget_supports_channel")),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["budget_groups.id"],
            name=op.f("fk_budget_supports_group_id_budget_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["heading_id"],
            ["budget_headings.id"],
            name=op.f("fk_budget_supports_heading_id_budget_headings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["budget_projects.id"],
            name=op.f("fk_budget_supports_project_id_budget_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_budget_supports_resident_id_residents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_budget_supports_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_budget_supports_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_supports")),
        sa.UniqueConstraint(
            "project_id", "resident_id", name=op.f("uq_budget_supports_project_id_resident_id")
        ),
    )
    with op.batch_alter_table("budget_supports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_budget_supports_heading_id"), ["heading_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_budget_supports_resident_id_group_id_heading_id"),
            ["resident_id", "group_id", "heading_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_budget_supports_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "budget_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("milestone_id", sa.Integer(), nullable=True),
        sa.Column("file_name", sa.String(length=80), nullable=False),
        sa.Column("alt", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["milestone_id"],
            ["budget_milestones.id"],
            name=op.f("fk_budget_photos_milestone_id_budget_milestones"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["budget_projects.id"],
            name=op.f("fk_budget_photos_project_id_budget_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_budget_photos_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_photos")),
    )
    with op.batch_alter_table("budget_photos", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_budget_photos_milestone_id"), ["milestone_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_budget_photos_project_id"), ["project_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_budget_photos_tenant_id"), ["tenant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("budget_photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_photos_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_budget_photos_project_id"))
        batch_op.drop_index(batch_op.f("ix_budget_photos_milestone_id"))

    op.drop_table("budget_photos")
    with op.batch_alter_table("budget_supports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_supports_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_budget_supports_resident_id_group_id_heading_id"))
        batch_op.drop_index(batch_op.f("ix_budget_supports_heading_id"))

    op.drop_table("budget_supports")
    with op.batch_alter_table("budget_project_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_project_documents_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_budget_project_documents_project_id"))

    op.drop_table("budget_project_documents")
    with op.batch_alter_table("budget_milestones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_milestones_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_budget_milestones_project_id"))

    op.drop_table("budget_milestones")
    with op.batch_alter_table("budget_ballot_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_ballot_lines_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_budget_ballot_lines_project_id"))

    op.drop_table("budget_ballot_lines")
    with op.batch_alter_table("budget_valuators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_valuators_user_id"))
        batch_op.drop_index(batch_op.f("ix_budget_valuators_tenant_id"))

    op.drop_table("budget_valuators")
    with op.batch_alter_table("budget_projects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_projects_tenant_id_heading_id_review_state"))
        batch_op.drop_index(batch_op.f("ix_budget_projects_tenant_id_budget_id_execution_status"))
        batch_op.drop_index(batch_op.f("ix_budget_projects_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_budget_projects_heading_id"))
        batch_op.drop_index(batch_op.f("ix_budget_projects_budget_id"))
        batch_op.drop_index(batch_op.f("ix_budget_projects_author_id"))

    op.drop_table("budget_projects")
    with op.batch_alter_table("budget_ballots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_ballots_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_budget_ballots_group_id_voter_key"))

    op.drop_table("budget_ballots")
    with op.batch_alter_table("budget_headings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_headings_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_budget_headings_group_id"))
        batch_op.drop_index(batch_op.f("ix_budget_headings_geozone_id"))
        batch_op.drop_index(batch_op.f("ix_budget_headings_budget_id"))

    op.drop_table("budget_headings")
    with op.batch_alter_table("budget_phases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_phases_tenant_id"))

    op.drop_table("budget_phases")
    with op.batch_alter_table("budget_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_groups_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_budget_groups_budget_id"))

    op.drop_table("budget_groups")
    with op.batch_alter_table("budgets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budgets_tenant_id_year"))
        batch_op.drop_index(batch_op.f("ix_budgets_tenant_id"))

    op.drop_table("budgets")
