"""The service side of the polls benchmark: one committed session per vote, like the route."""

from __future__ import annotations

import cProfile
import io
import pstats
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from app.authz.principal import Principal
from app.db import bind_tenant
from app.polls.ballots import cast_web_ballot, web_voter
from app.polls.models import Poll
from bench._harness import BenchError
from bench.polls_data import PollShape, random_choices

SORT = "cumulative"


class ServiceClient:
    """Casts each voter's ballot through ``web_voter`` and ``cast_web_ballot``, then commits."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        tenant_id: int,
        shape: PollShape,
        secret: str,
        choices: dict[int, dict[int, list[int]]],
        statements: Iterator[int],
    ) -> None:
        self.factory, self.tenant_id, self.shape = factory, tenant_id, shape
        self.secret, self.choices, self.statements = secret, choices, statements

    def open(self) -> None:
        return None

    @staticmethod
    def close(_client: Any) -> None:
        return None

    def vote(self, _client: Any, voter: int) -> None:
        session = bind_tenant(self.factory(), self.tenant_id)
        try:
            # What the ballot route loads for itself on every request.
            poll = session.get(Poll, self.shape.poll_id)
            principal = Principal(
                user_id=voter + 1, display_name=f"Votante {voter}", resident_id=voter + 1
            )
            person = web_voter(session, principal, self.secret)
            if poll is None or person is None:
                raise BenchError(f"voter {voter}: no poll or no resident found by the service")
            cast_web_ballot(session, poll, person, self.choices[voter], self.secret, now())
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def new_minds(self, voters: list[int], rng: random.Random) -> None:
        for voter in voters:
            self.choices[voter] = random_choices(rng, self.shape)

    def statements_per_vote(self, votes: int, before: int) -> float:
        return (next(self.statements) - before - 1) / max(votes, 1)

    def profile(self, voters: range) -> str:
        """cProfile of ``voters`` votes cast one after another in this thread."""
        rng = random.Random(3)
        for voter in voters:
            self.choices[voter] = random_choices(rng, self.shape)
        profiler = cProfile.Profile()
        profiler.enable()
        for voter in voters:
            self.vote(None, voter)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(SORT).print_stats(30)
        return f"profile of {len(voters)} votes in one thread:\n{out.getvalue()}"


def now() -> datetime:
    return datetime.now(UTC)
