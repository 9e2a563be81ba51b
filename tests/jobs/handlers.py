"""Job kinds that exist only while a test runs: real handlers that record what they did."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session

from app.config import Settings
from app.jobs.queue import HANDLERS, JobKind


class Recorder:
    def __init__(self, fail_times: int = 0) -> None:
        self.lock = threading.Lock()
        self.ran: list[Any] = []
        self.fail_times = fail_times

    def __call__(self, session: Session, payload: dict[str, Any], _settings: Settings) -> None:
        with self.lock:
            if self.fail_times > 0:
                self.fail_times -= 1
                raise RuntimeError("the outside world said no")
            self.ran.append(payload.get("n"))


@contextmanager
def job_kind(kind: str, recorder: Recorder, *, writes: bool = True) -> Iterator[Recorder]:
    HANDLERS[kind] = JobKind(recorder, writes)
    try:
        yield recorder
    finally:
        HANDLERS.pop(kind, None)
