"""The service side of the polls benchmark: one committed session per vote, like the route.

Each vote is what ``POST /polls/{id}/vote`` does once it has read the form: the request's
session (``session_scope``, as ``app.deps.get_session`` opens it for a POST), ``cast_online``
with the signed-in person and the form's fields, and the commit.
The forms are built before timing, as the bare side's rows are.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from app.authz.principal import Principal
from app.db import session_scope
from app.polls.ballots import cast_online
from bench._harness import BenchError
from bench.polls_data import PollShape, random_choices

SORT = "cumulative"


def ballot_form(shape: PollShape, choices: dict[int, list[int]]) -> dict[str, list[str]]:
    """The fields the poll page's form sends for these choices (app.polls.ballot_form)."""
    form: dict[str, list[str]] = {}
    for question_id, kind, _answers, _most in shape.questions:
        picked = choices.get(question_id, [])
        if kind == "ranked":
            for rank, answer_id in enumerate(picked, start=1):
                form[f"q{question_id}_rank{answer_id}"] = [str(rank)]
        else:
            form[f"q{question_id}"] = [str(answer_id) for answer_id in picked]
    return form


class ServiceClient:
    """Casts each voter's ballot through ``cast_online``, as the route does, then commits."""

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
        self.forms = {voter: ballot_form(shape, chosen) for voter, chosen in choices.items()}

    def open(self) -> None:
        return None

    @staticmethod
    def close(_client: Any) -> None:
        return None

    def vote(self, _client: Any, voter: int) -> None:
        principal = Principal(
            user_id=voter + 1, display_name=f"Votante {voter}", resident_id=voter + 1
        )
        # The route's session: bound to the instance, its connection taken up front because the
        # request writes, committed after the route (app.deps.get_session).
        for session in session_scope(self.factory, self.tenant_id, write=True):
            vote = cast_online(
                session, principal, self.shape.poll_id, self.forms[voter], self.secret, now()
            )
            if not vote.receipt:
                raise BenchError(f"voter {voter}: no receipt")

    def new_minds(self, voters: list[int], rng: random.Random) -> None:
        for voter in voters:
            self.choices[voter] = random_choices(rng, self.shape)
            self.forms[voter] = ballot_form(self.shape, self.choices[voter])

    def profile(self, voters: range) -> str:
        """cProfile of ``voters`` votes cast one after another in this thread."""
        rng = random.Random(3)
        for voter in voters:
            self.choices[voter] = random_choices(rng, self.shape)
            self.forms[voter] = ballot_form(self.shape, self.choices[voter])
        profiler = cProfile.Profile(time.process_time)  # CPU, not waiting for the server
        profiler.enable()
        for voter in voters:
            self.vote(None, voter)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(SORT).print_stats(40)
        return f"profile of {len(voters)} votes in one thread:\n{out.getvalue()}"


def now() -> datetime:
    return datetime.now(UTC)
