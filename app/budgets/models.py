"""Participatory budgets: the yearly cycle, its projects, supports, ballots and their execution.

A budget holds groups ("Toda la región", "Por provincia") and each group holds headings (a
province) with an amount in whole soles. Projects are proposed to one heading, supported,
valuated, balloted and, when funded, tracked through milestones and photos. The whole schema
is here from the first step so that later steps need no migration.

Supports belong to the resident (one DNI), like proposal supports. Ballots belong to the
person's keyed DNI digest (``voter_key``, as the poll roll): a paper ballot entered at a booth
for someone with no account collides with the same person's web ballot on the unique
constraint. Budget ballots are not secret (as in CONSUL); only the Pabulib export anonymises.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, TenantOwned, utcnow
from app.proposals.models import _in

PHASES = (
    "informing",
    "accepting",
    "reviewing",
    "selecting",
    "valuating",
    "publishing_prices",
    "balloting",
    "reviewing_ballots",
    "finished",
)
RULES = ("greedy", "equal_shares")
BALLOT_STYLES = ("knapsack", "approval")
REVIEW_STATES = ("pending", "accepted", "rejected")
FEASIBILITIES = ("undecided", "feasible", "unfeasible")
EXECUTION_STATUSES = ("not_started", "design", "tendering", "works", "finished", "cancelled")
BALLOT_CHANNELS = ("web", "paper")
SUPPORT_CHANNELS = ("web", "desk")


class Budget(TenantOwned, Base):
    __tablename__ = "budgets"
    __table_args__ = (
        CheckConstraint(_in("phase", PHASES), name="phase"),
        CheckConstraint(_in("rule", RULES), name="rule"),
        CheckConstraint(_in("ballot_style", BALLOT_STYLES), name="ballot_style"),
        # k belongs to approval ballots only; a knapsack ballot is bounded by money.
        CheckConstraint(
            "(ballot_style = 'knapsack' AND approval_limit IS NULL) OR "
            "(ballot_style = 'approval' AND approval_limit >= 1)",
            name="approval_limit",
        ),
        CheckConstraint("year BETWEEN 2000 AND 2200", name="year"),
        Index(None, "tenant_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text, default="")
    # The current phase: set by an administrator (audited), never by the calendar, because
    # the phases' dates are announcements and the law lets a region extend them.
    phase: Mapped[str] = mapped_column(String(20), default="informing")
    rule: Mapped[str] = mapped_column(String(15), default="greedy")
    ballot_style: Mapped[str] = mapped_column(String(10), default="knapsack")
    approval_limit: Mapped[int | None] = mapped_column(Integer)
    # Drafts are seen by administrators only.
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BudgetPhase(TenantOwned, Base):
    """A phase's announced dates and public description; a disabled phase is skipped."""

    __tablename__ = "budget_phases"
    __table_args__ = (
        UniqueConstraint("budget_id", "kind"),
        CheckConstraint(_in("kind", PHASES), name="kind"),
        CheckConstraint(
            "starts_on IS NULL OR ends_on IS NULL OR ends_on >= starts_on", name="period"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budgets.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class BudgetGroup(TenantOwned, Base):
    __tablename__ = "budget_groups"
    __table_args__ = (
        CheckConstraint("max_supported_headings >= 1", name="max_supported_headings"),
        CheckConstraint("max_balloted_headings >= 1", name="max_balloted_headings"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budgets.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(150))
    position: Mapped[int] = mapped_column(Integer, default=0)
    # In how many headings of this group one person may support projects, and ballot.
    max_supported_headings: Mapped[int] = mapped_column(Integer, default=1)
    max_balloted_headings: Mapped[int] = mapped_column(Integer, default=1)


class BudgetHeading(TenantOwned, Base):
    __tablename__ = "budget_headings"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount"),
        CheckConstraint("population IS NULL OR population >= 0", name="population"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("budget_groups.id", ondelete="CASCADE"), index=True
    )
    # Denormalized from the group so a budget's headings come in one query.
    budget_id: Mapped[int] = mapped_column(ForeignKey("budgets.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(150))
    # Whole soles: public budgets are approved in soles, and integers keep the tally exact.
    amount: Mapped[int] = mapped_column(BigInteger)
    geozone_id: Mapped[int | None] = mapped_column(
        ForeignKey("geozones.id", ondelete="SET NULL"), index=True
    )
    population: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # The published outcome of the tally (funded projects, rule, tie-breaking), once counted.
    results_json: Mapped[str | None] = mapped_column(Text)


class BudgetProject(TenantOwned, Base):
    """An investment project: proposed, reviewed, supported, valuated, balloted, executed."""

    __tablename__ = "budget_projects"
    __table_args__ = (
        CheckConstraint(_in("review_state", REVIEW_STATES), name="review_state"),
        CheckConstraint(_in("feasibility", FEASIBILITIES), name="feasibility"),
        CheckConstraint(_in("execution_status", EXECUTION_STATUSES), name="execution_status"),
        CheckConstraint("price IS NULL OR price >= 0", name="price"),
        CheckConstraint("amount_executed IS NULL OR amount_executed >= 0", name="amount_executed"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress"),
        CheckConstraint("supports_count >= 0", name="supports_count"),
        CheckConstraint("ballot_votes >= 0", name="ballot_votes"),
        CheckConstraint("comments_count >= 0", name="comments_count"),
        Index(None, "tenant_id", "heading_id", "review_state"),
        Index(None, "tenant_id", "budget_id", "execution_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budgets.id", ondelete="CASCADE"), index=True)
    heading_id: Mapped[int] = mapped_column(
        ForeignKey("budget_headings.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(300))
    image_name: Mapped[str | None] = mapped_column(String(80))
    image_alt: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    comments_count: Mapped[int] = mapped_column(Integer, default=0)
    # Reviewing: out of scope is rejected with a public reason.
    review_state: Mapped[str] = mapped_column(String(10), default="pending")
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    supports_count: Mapped[int] = mapped_column(Integer, default=0)
    # Valuating: hidden from the public until the publishing_prices phase.
    feasibility: Mapped[str] = mapped_column(String(10), default="undecided")
    feasibility_explanation: Mapped[str | None] = mapped_column(Text)
    price: Mapped[int | None] = mapped_column(BigInteger)
    price_explanation: Mapped[str | None] = mapped_column(Text)
    duration: Mapped[str | None] = mapped_column(String(100))
    valuated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Balloting and results.
    selected: Mapped[bool] = mapped_column(Boolean, default=False)
    ballot_votes: Mapped[int] = mapped_column(Integer, default=0)
    winner: Mapped[bool] = mapped_column(Boolean, default=False)
    # Execution tracking of a funded project.
    execution_status: Mapped[str] = mapped_column(String(12), default="not_started")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    # Código Único de Inversiones: the project's number in the national investment system.
    cui: Mapped[str | None] = mapped_column(String(20))
    amount_executed: Mapped[int | None] = mapped_column(BigInteger)


class BudgetProjectDocument(TenantOwned, Base):
    __tablename__ = "budget_project_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("budget_projects.id", ondelete="CASCADE"), index=True
    )
    file_name: Mapped[str] = mapped_column(String(80))
    title: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BudgetSupport(TenantOwned, Base):
    """One support per resident and project; group and heading are copied so the limit of
    headings per group is one indexed query."""

    __tablename__ = "budget_supports"
    __table_args__ = (
        UniqueConstraint("project_id", "resident_id"),
        CheckConstraint(_in("channel", SUPPORT_CHANNELS), name="channel"),
        Index(None, "resident_id", "group_id", "heading_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("budget_projects.id", ondelete="CASCADE"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("budget_groups.id", ondelete="CASCADE"))
    heading_id: Mapped[int] = mapped_column(
        ForeignKey("budget_headings.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(10), default="web")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BudgetValuator(TenantOwned, Base):
    """A person who valuates the projects of one heading."""

    __tablename__ = "budget_valuators"
    __table_args__ = (UniqueConstraint("heading_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    heading_id: Mapped[int] = mapped_column(ForeignKey("budget_headings.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class BudgetBallot(TenantOwned, Base):
    """One ballot per person and heading, web or paper (``voter_key``: see the module)."""

    __tablename__ = "budget_ballots"
    __table_args__ = (
        UniqueConstraint("heading_id", "voter_key"),
        CheckConstraint(_in("channel", BALLOT_CHANNELS), name="channel"),
        Index(None, "group_id", "voter_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    heading_id: Mapped[int] = mapped_column(ForeignKey("budget_headings.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("budget_groups.id", ondelete="CASCADE"))
    voter_key: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(10), default="web")
    # The poll officer who typed a paper ballot in.
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BudgetBallotLine(TenantOwned, Base):
    __tablename__ = "budget_ballot_lines"
    __table_args__ = (UniqueConstraint("ballot_id", "project_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("budget_ballots.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(
        ForeignKey("budget_projects.id", ondelete="CASCADE"), index=True
    )


class BudgetMilestone(TenantOwned, Base):
    __tablename__ = "budget_milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("budget_projects.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[date | None] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)
    position: Mapped[int] = mapped_column(Integer, default=0)


class BudgetPhoto(TenantOwned, Base):
    __tablename__ = "budget_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("budget_projects.id", ondelete="CASCADE"), index=True
    )
    milestone_id: Mapped[int | None] = mapped_column(
        ForeignKey("budget_milestones.id", ondelete="SET NULL"), index=True
    )
    file_name: Mapped[str] = mapped_column(String(80))
    alt: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
