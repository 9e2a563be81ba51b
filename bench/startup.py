"""Start-up time: from launching what ``make run`` runs to GET /healthz answering 200.

On a fresh, empty SQLite database in a throwaway directory: ``minka db upgrade``, then
``minka demo load``, then ``minka serve``, polled every 50 ms until /healthz answers 200.
Installing dependencies is not included (the budget assumes they are already downloaded).
"""

from __future__ import annotations

import time

from bench._harness import (
    Result,
    free_port,
    run_minka,
    start_server,
    stop_server,
    throwaway_instance,
)

NAME = "startup"
BUDGET_SECONDS = 15.0


def run() -> Result:
    with throwaway_instance() as instance:
        started = time.perf_counter()
        upgrade = run_minka(instance, "db", "upgrade")
        demo = run_minka(instance, "demo", "load")
        launched = time.perf_counter()
        server = start_server(instance, free_port())
        try:
            ready = server.wait_until_healthy()
        finally:
            stop_server(server)
    total = ready - started
    return Result(
        name=NAME,
        value=total,
        budget=BUDGET_SECONDS,
        unit="s",
        details=[
            f"{upgrade:6.2f} s  minka db upgrade (empty database)",
            f"{demo:6.2f} s  minka demo load",
            f"{ready - launched:6.2f} s  minka serve until GET /healthz answered 200",
            f"{total:6.2f} s  in all",
        ],
    )
