"""Polls: questions put to a vote, the voter roll, and secret ballots.

Secrecy is a property of the data, not a promise: the voter roll (who voted, which day, by which
channel) and the ballots (what was chosen) are separate tables with no foreign key between
them, no shared identifier, no timestamp on ballots, and ballot ids and receipt codes drawn at
random so their order says nothing about the roll's. While a poll is open a web ballot carries
a keyed hash of (poll, person) so a later vote can replace it; the per-poll salt behind that key
is destroyed and the hashes erased when the poll closes. docs/polls.md explains the scheme and
what it does not protect against.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, TenantOwned, utcnow
from app.proposals.models import _in

QUESTION_KINDS = ("single", "multiple", "ranked")
VOTER_LEVELS = ("verified", "registered")
ROLL_CHANNELS = ("web", "tablet", "paper")
# Paper ballots are counted by hand into totals (PollPaperTotal); a ranked question's paper
# ballots cannot be summed, so an officer types each one in as a ballot of channel "paper".
BALLOT_CHANNELS = ("web", "tablet", "paper")

# The geozones whose residents may vote; none listed means the whole instance.
poll_geozones = Table(
    "poll_geozones",
    Base.metadata,
    Column("poll_id", ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True),
    Column("geozone_id", ForeignKey("geozones.id", ondelete="CASCADE"), primary_key=True),
)


class Poll(TenantOwned, Base):
    __tablename__ = "polls"
    __table_args__ = (
        CheckConstraint(_in("voter_level", VOTER_LEVELS), name="voter_level"),
        CheckConstraint("closes_at > opens_at", name="period"),
        CheckConstraint("min_age IS NULL OR min_age BETWEEN 0 AND 120", name="min_age"),
        Index(None, "tenant_id", "closes_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(150))
    summary: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    opens_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    voter_level: Mapped[str] = mapped_column(String(10), default="verified")
    min_age: Mapped[int | None] = mapped_column(Integer)
    # The successful proposal this vote comes from, if any.
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposals.id", ondelete="SET NULL"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Drafts are visible to staff only; publishing is what makes a poll public.
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Random bytes (hex) behind the key of the replacement hashes; NULL once the poll closed.
    ballot_salt: Mapped[str | None] = mapped_column(String(64))
    # Set by close_poll(): the salt is gone and results_json holds the published count.
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    results_json: Mapped[str | None] = mapped_column(Text)


class PollQuestion(TenantOwned, Base):
    __tablename__ = "poll_questions"
    __table_args__ = (
        CheckConstraint(_in("kind", QUESTION_KINDS), name="kind"),
        CheckConstraint("max_choices >= 1", name="max_choices"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(10), default="single")
    # k for "up to k answers"; for a ranking, how many answers may be ranked.
    max_choices: Mapped[int] = mapped_column(Integer, default=1)


class PollAnswer(TenantOwned, Base):
    __tablename__ = "poll_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("poll_questions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")


class PollBooth(TenantOwned, Base):
    """An in-person voting place, open on given dates, run by poll officers."""

    __tablename__ = "poll_booths"
    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="period"),
        CheckConstraint("paper_ballots IS NULL OR paper_ballots >= 0", name="paper_ballots"),
        CheckConstraint("kiosk_pending >= 0", name="kiosk_pending"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(150))
    place: Mapped[str] = mapped_column(String(300))
    geozone_id: Mapped[int | None] = mapped_column(ForeignKey("geozones.id", ondelete="SET NULL"))
    opens_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # How many paper ballots were in the box, and when the officer entered the paper totals.
    paper_ballots: Mapped[int | None] = mapped_column(Integer)
    paper_reported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paper_reported_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    # The booth's tablet (kiosk): the digest of the token in its cookie, and how many people the
    # officer has sent to it who have not voted yet. No kiosk state names a voter.
    kiosk_token_digest: Mapped[str | None] = mapped_column(String(64))
    kiosk_pending: Mapped[int] = mapped_column(Integer, default=0)


class PollBoothOfficer(TenantOwned, Base):
    __tablename__ = "poll_booth_officers"
    __table_args__ = (UniqueConstraint("booth_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    booth_id: Mapped[int] = mapped_column(
        ForeignKey("poll_booths.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class PollVoter(TenantOwned, Base):
    """The voter roll: one row per person who voted in a poll, whatever the channel.

    ``voter_key`` is the person's keyed DNI digest (``residents.dni_digest``, the same value
    the census holds), so a person marked at a booth and the same person online collide on the
    unique constraint. Only the day is kept: nothing here can be matched to a ballot.
    """

    __tablename__ = "poll_voters"
    __table_args__ = (
        UniqueConstraint("poll_id", "voter_key"),
        CheckConstraint(_in("channel", ROLL_CHANNELS), name="channel"),
        Index(None, "poll_id", "booth_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    voter_key: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(10))
    booth_id: Mapped[int | None] = mapped_column(ForeignKey("poll_booths.id", ondelete="SET NULL"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    voted_on: Mapped[date] = mapped_column(Date)


class PollBallot(TenantOwned, Base):
    """One counted ballot: the poll, the choices and a random receipt code — nothing else.

    ``choices`` is compact text, one part per question: ``12:40,41;13:45>43>44`` (answers of a
    ranked question in order of preference). ``replace_tag`` exists only while the poll is
    open (see the module docstring).
    """

    __tablename__ = "poll_ballots"
    __table_args__ = (
        UniqueConstraint("poll_id", "replace_tag"),
        CheckConstraint(_in("channel", BALLOT_CHANNELS), name="channel"),
        Index(None, "poll_id", "channel", "booth_id"),
    )

    # The receipt code is the key: random, so neither it nor the row order follows the roll.
    receipt: Mapped[str] = mapped_column(String(20), primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(10))
    booth_id: Mapped[int | None] = mapped_column(ForeignKey("poll_booths.id", ondelete="SET NULL"))
    choices: Mapped[str] = mapped_column(Text)
    replace_tag: Mapped[str | None] = mapped_column(String(64))


class PollPaperTotal(TenantOwned, Base):
    """Paper ballots of one booth, counted by hand: the votes of each answer."""

    __tablename__ = "poll_paper_totals"
    __table_args__ = (
        UniqueConstraint("booth_id", "question_id", "answer_id"),
        CheckConstraint("votes >= 0", name="votes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booth_id: Mapped[int] = mapped_column(
        ForeignKey("poll_booths.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(ForeignKey("poll_questions.id", ondelete="CASCADE"))
    answer_id: Mapped[int] = mapped_column(ForeignKey("poll_answers.id", ondelete="CASCADE"))
    votes: Mapped[int] = mapped_column(Integer)
