"""Demo content: loads with the demo, twice without duplicates, counters equal to rows."""

from __future__ import annotations

from sqlalchemy import func, select

from app.comments.models import Comment
from app.content.models import Tag
from app.debates.models import Debate, DebateVote
from app.proposals.models import Proposal, ProposalSupport
from tests.test_cli import Run, _count, minka, scratch_url  # noqa: F401 - fixtures


def _counters_match_rows(url: str) -> None:
    from app.db import make_engine, make_sessionmaker, platform_session

    engine = make_engine(url)
    try:
        with platform_session(make_sessionmaker(engine)) as session:
            for debate in session.scalars(select(Debate)):
                votes = session.execute(
                    select(DebateVote.value, func.count())
                    .where(DebateVote.debate_id == debate.id)
                    .group_by(DebateVote.value)
                ).all()
                by_value = dict(votes)
                assert (debate.votes_agree, debate.votes_disagree) == (
                    by_value.get(1, 0),
                    by_value.get(-1, 0),
                )
                assert debate.votes_total == sum(by_value.values())
                comments = session.scalar(
                    select(func.count()).where(
                        Comment.target_type == "debate", Comment.target_id == debate.id
                    )
                )
                assert debate.comments_count == comments
            states = []
            for proposal in session.scalars(select(Proposal)):
                supports = session.scalar(
                    select(func.count()).where(ProposalSupport.proposal_id == proposal.id)
                )
                assert proposal.supports_count == supports
                states.append(proposal.state)
                if proposal.state == "successful":
                    assert proposal.supports_count >= proposal.supports_needed
                    assert proposal.answer_due_on is not None
            assert states.count("successful") == 9
            assert states.count("archived") == 3
    finally:
        engine.dispose()


def test_demo_content_loads_twice_without_duplicates(
    minka: Run,  # noqa: F811 - the fixture imported above
    scratch_url: str,  # noqa: F811
) -> None:
    assert minka("db", "upgrade").returncode == 0
    first = minka("demo", "load")
    assert first.returncode == 0, first.stderr
    counts = [
        _count(scratch_url, model)
        for model in (Tag, Debate, Proposal, DebateVote, ProposalSupport, Comment)
    ]
    assert counts[:3] == [8 * 3, 6 * 3, 8 * 3]
    assert all(counts)
    again = minka("demo", "load")
    assert again.returncode == 0, again.stderr
    assert [
        _count(scratch_url, model)
        for model in (Tag, Debate, Proposal, DebateVote, ProposalSupport, Comment)
    ] == counts
    _counters_match_rows(scratch_url)
