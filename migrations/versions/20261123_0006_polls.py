"""Polls: questions, the voter roll and secret ballots kept apart, booths, paper totals.

Also the residents' date of birth, which polls with a minimum age need.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 04:05:10.682355
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "polls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=150), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("voter_level", sa.String(length=10), nullable=False),
        sa.Column("min_age", sa.Integer(), nullable=True),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ballot_salt", sa.String(length=64), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("results_json", sa.Text(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "voter_level IN ('verified', 'registered')", name=op.f("ck_polls_voter_level")
        ),
        sa.CheckConstraint("closes_at > opens_at", name=op.f("ck_polls_period")),
        sa.CheckConstraint(
            "min_age IS NULL OR min_age BETWEEN 0 AND 120", name=op.f("ck_polls_min_age")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_polls_author_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_polls_proposal_id_proposals"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_polls_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_polls")),
    )
    with op.batch_alter_table("polls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_polls_proposal_id"), ["proposal_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_polls_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_polls_tenant_id_closes_at"), ["tenant_id", "closes_at"], unique=False
        )

    op.create_table(
        "poll_booths",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=150), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("geozone_id", sa.Integer(), nullable=True),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paper_ballots", sa.Integer(), nullable=True),
        sa.Column("paper_reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paper_reported_by_id", sa.Integer(), nullable=True),
        sa.Column("kiosk_token_digest", sa.String(length=64), nullable=True),
        sa.Column("kiosk_pending", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("closes_at > opens_at", name=op.f("ck_poll_booths_period")),
        sa.CheckConstraint(
            "paper_ballots IS NULL OR paper_ballots >= 0", name=op.f("ck_poll_booths_paper_ballots")
        ),
        sa.CheckConstraint("kiosk_pending >= 0", name=op.f("ck_poll_booths_kiosk_pending")),
        sa.ForeignKeyConstraint(
            ["geozone_id"],
            ["geozones.id"],
            name=op.f("fk_poll_booths_geozone_id_geozones"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["paper_reported_by_id"],
            ["users.id"],
            name=op.f("fk_poll_booths_paper_reported_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["poll_id"], ["polls.id"], name=op.f("fk_poll_booths_poll_id_polls"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_poll_booths_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_booths")),
    )
    with op.batch_alter_table("poll_booths", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_poll_booths_poll_id"), ["poll_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_poll_booths_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "poll_geozones",
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("geozone_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["geozone_id"],
            ["geozones.id"],
            name=op.f("fk_poll_geozones_geozone_id_geozones"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["poll_id"],
            ["polls.id"],
            name=op.f("fk_poll_geozones_poll_id_polls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("poll_id", "geozone_id", name=op.f("pk_poll_geozones")),
    )
    op.create_table(
        "poll_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("max_choices", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('single', 'multiple', 'ranked')", name=op.f("ck_poll_questions_kind")
        ),
        sa.CheckConstraint("max_choices >= 1", name=op.f("ck_poll_questions_max_choices")),
        sa.ForeignKeyConstraint(
            ["poll_id"],
            ["polls.id"],
            name=op.f("fk_poll_questions_poll_id_polls"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_poll_questions_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_questions")),
    )
    with op.batch_alter_table("poll_questions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_poll_questions_poll_id"), ["poll_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_poll_questions_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "poll_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["poll_questions.id"],
            name=op.f("fk_poll_answers_question_id_poll_questions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_poll_answers_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_answers")),
    )
    with op.batch_alter_table("poll_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_poll_answers_question_id"), ["question_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_poll_answers_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "poll_ballots",
        sa.Column("receipt", sa.String(length=20), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("booth_id", sa.Integer(), nullable=True),
        sa.Column("choices", sa.Text(), nullable=False),
        sa.Column("replace_tag", sa.String(length=64), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "channel IN ('web', 'tablet', 'paper')", name=op.f("ck_poll_ballots_channel")
        ),
        sa.ForeignKeyConstraint(
            ["booth_id"],
            ["poll_booths.id"],
            name=op.f("fk_poll_ballots_booth_id_poll_booths"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["poll_id"],
            ["polls.id"],
            name=op.f("fk_poll_ballots_poll_id_polls"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_poll_ballots_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("receipt", name=op.f("pk_poll_ballots")),
        sa.UniqueConstraint(
            "poll_id", "replace_tag", name=op.f("uq_poll_ballots_poll_id_replace_tag")
        ),
    )
    with op.batch_alter_table("poll_ballots", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_poll_ballots_poll_id_channel_booth_id"),
            ["poll_id", "channel", "booth_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_poll_ballots_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "poll_booth_officers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booth_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booth_id"],
            ["poll_booths.id"],
            name=op.f("fk_poll_booth_officers_booth_id_poll_booths"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_poll_booth_officers_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_poll_booth_officers_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_booth_officers")),
        sa.UniqueConstraint(
            "booth_id", "user_id", name=op.f("uq_poll_booth_officers_booth_id_user_id")
        ),
    )
    with op.batch_alter_table("poll_booth_officers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_poll_booth_officers_booth_id"), ["booth_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_poll_booth_officers_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_poll_booth_officers_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "poll_voters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("voter_key", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("booth_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("voted_on", sa.Date(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "channel IN ('web', 'tablet', 'paper')", name=op.f("ck_poll_voters_channel")
        ),
        sa.ForeignKeyConstraint(
            ["booth_id"],
            ["poll_booths.id"],
            name=op.f("fk_poll_voters_booth_id_poll_booths"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["poll_id"], ["polls.id"], name=op.f("fk_poll_voters_poll_id_polls"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_poll_voters_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_poll_voters_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_voters")),
        sa.UniqueConstraint("poll_id", "voter_key", name=op.f("uq_poll_voters_poll_id_voter_key")),
    )
    with op.batch_alter_table("poll_voters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_poll_voters_poll_id_booth_id"), ["poll_id", "booth_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_poll_voters_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "poll_paper_totals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booth_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("votes >= 0", name=op.f("ck_poll_paper_totals_votes")),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["poll_answers.id"],
            name=op.f("fk_poll_paper_totals_answer_id_poll_answers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["booth_id"],
            ["poll_booths.id"],
            name=op.f("fk_poll_paper_totals_booth_id_poll_booths"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["poll_questions.id"],
            name=op.f("fk_poll_paper_totals_question_id_poll_questions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_poll_paper_totals_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_paper_totals")),
        sa.UniqueConstraint(
            "booth_id",
            "question_id",
            "answer_id",
            name=op.f("uq_poll_paper_totals_booth_id_question_id_answer_id"),
        ),
    )
    with op.batch_alter_table("poll_paper_totals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_poll_paper_totals_booth_id"), ["booth_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_poll_paper_totals_tenant_id"), ["tenant_id"], unique=False
        )

    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("born_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.drop_column("born_on")

    with op.batch_alter_table("poll_paper_totals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_poll_paper_totals_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_poll_paper_totals_booth_id"))

    op.drop_table("poll_paper_totals")
    with op.batch_alter_table("poll_voters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_poll_voters_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_poll_voters_poll_id_booth_id"))

    op.drop_table("poll_voters")
    with op.batch_alter_table("poll_booth_officers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_poll_booth_officers_user_id"))
        batch_op.drop_index(batch_op.f("ix_poll_booth_officers_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_poll_booth_officers_booth_id"))

    op.drop_table("poll_booth_officers")
    with op.batch_alter_table("poll_ballots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_poll_ballots_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_poll_ballots_poll_id_channel_booth_id"))

    op.drop_table("poll_ballots")
    with op.batch_alter_table("poll_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_poll_answers_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_poll_answers_question_id"))

    op.drop_table("poll_answers")
    with op.batch_alter_table("poll_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_poll_questions_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_poll_questions_poll_id"))

    op.drop_table("poll_questions")
    op.drop_table("poll_geozones")
    with op.batch_alter_table("poll_booths", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_poll_booths_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_poll_booths_poll_id"))

    op.drop_table("poll_booths")
    with op.batch_alter_table("polls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_polls_tenant_id_closes_at"))
        batch_op.drop_index(batch_op.f("ix_polls_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_polls_proposal_id"))

    op.drop_table("polls")
