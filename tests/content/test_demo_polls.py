"""Demo polls: per instance one open with a staffed booth, one closed with results, one to come."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from app.accounts.models import User
from app.db import make_engine, make_sessionmaker, platform_session
from app.polls.models import Poll, PollBallot, PollBooth, PollBoothOfficer, PollVoter
from app.polls.results import PollResults
from tests.test_cli import Run, _count, minka, scratch_url  # noqa: F401 - fixtures


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _check_polls(url: str) -> None:
    engine = make_engine(url)
    now = datetime.now(UTC)
    try:
        with platform_session(make_sessionmaker(engine)) as session:
            polls = list(session.scalars(select(Poll).order_by(Poll.tenant_id, Poll.id)))
            assert len(polls) == 9
            for tenant_id in {poll.tenant_id for poll in polls}:
                mine = [poll for poll in polls if poll.tenant_id == tenant_id]
                assert all(poll.published_at is not None for poll in mine)
                open_polls = [p for p in mine if _aware(p.opens_at) <= now < _aware(p.closes_at)]
                closed = [p for p in mine if p.closed_at is not None]
                upcoming = [p for p in mine if _aware(p.opens_at) > now]
                assert len(open_polls) == len(closed) == len(upcoming) == 1
                booth = session.scalars(
                    select(PollBooth).where(PollBooth.poll_id == open_polls[0].id)
                ).one()
                officer = session.scalars(
                    select(User)
                    .join(PollBoothOfficer, PollBoothOfficer.user_id == User.id)
                    .where(PollBoothOfficer.booth_id == booth.id)
                ).one()
                assert officer.email is not None
                assert officer.email.startswith("personero@")
                done = closed[0]
                assert done.ballot_salt is None
                assert done.results_json is not None
                results = PollResults.from_json(done.results_json)
                assert results.ballots == results.voters == 5
                assert all(question.answered == 5 for question in results.questions)
                tags = session.scalar(
                    select(func.count()).where(
                        PollBallot.poll_id == done.id, PollBallot.replace_tag.is_not(None)
                    )
                )
                assert tags == 0
    finally:
        engine.dispose()


def test_demo_polls_load_twice_without_duplicates(
    minka: Run,  # noqa: F811 - the fixture imported above
    scratch_url: str,  # noqa: F811
) -> None:
    assert minka("db", "upgrade").returncode == 0
    first = minka("demo", "load")
    assert first.returncode == 0, first.stderr
    counts = [_count(scratch_url, model) for model in (Poll, PollBooth, PollVoter, PollBallot)]
    again = minka("demo", "load")
    assert again.returncode == 0, again.stderr
    assert [_count(scratch_url, m) for m in (Poll, PollBooth, PollVoter, PollBallot)] == counts
    _check_polls(scratch_url)
