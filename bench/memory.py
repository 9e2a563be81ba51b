"""Idle memory: resident set size of one ``minka serve`` worker after a few requests.

``minka serve`` with the default single worker runs uvicorn in the same process, so the process
started is the worker. It is warmed with the home page of each demo instance (chosen by the Host
header, as a browser on http://trujillo.localhost:PORT would send it) and the assets those pages
use, left idle for a second, and then VmRSS is read from /proc/PID/status. Linux only.
"""

from __future__ import annotations

import time
from pathlib import Path

from bench._harness import (
    BenchError,
    Result,
    Server,
    fetch,
    new_client,
    prepare_demo,
    serving,
    throwaway_instance,
)

NAME = "memory"
BUDGET_MB = 120.0  # read strictly: 1 MB = 1,000,000 bytes
DEMO_HOSTS = ("127.0.0.1", "trujillo.localhost", "otuzco.localhost")
WARM_ROUNDS = 3
WARM_PATHS = ("/", "/branding.css", "/healthz")
IDLE_SECONDS = 1.0


def proc_status(pid: int) -> dict[str, str]:
    path = Path(f"/proc/{pid}/status")
    try:
        text = path.read_text(encoding="ascii", errors="replace")
    except OSError as error:
        raise BenchError(f"cannot read {path} (Linux only): {error}") from None
    fields = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return fields


def kib(fields: dict[str, str], key: str) -> int:
    value = fields.get(key, "")
    if not value.endswith(" kB"):
        raise BenchError(f"/proc status has no {key} in kB (got {value!r})")
    return int(value.removesuffix(" kB"))


def children(pid: int) -> list[str]:
    try:
        paths = sorted(Path(f"/proc/{pid}/task").glob("*/children"))
        return [child for path in paths for child in path.read_text(encoding="ascii").split()]
    except OSError:
        return []


def warm(server: Server) -> list[str]:
    client = new_client()
    problems = []
    for _ in range(WARM_ROUNDS):
        for host in DEMO_HOSTS:
            for path in WARM_PATHS:
                response = fetch(client, server.base_url + path, host=f"{host}:{server.port}")
                if response.status != 200:
                    problems.append(f"GET {path} on {host} answered {response.status}")
    return sorted(set(problems))


def run() -> Result:
    with throwaway_instance() as instance:
        prepare_demo(instance)
        with serving(instance) as server:
            problems = warm(server)
            time.sleep(IDLE_SECONDS)
            status = proc_status(server.pid)
            rss = kib(status, "VmRSS") * 1024
            peak = kib(status, "VmHWM") * 1024
            extra = children(server.pid)
    if extra:
        problems.append(f"the server has child processes {extra}: not a single in-process worker")
    requests = WARM_ROUNDS * len(DEMO_HOSTS) * len(WARM_PATHS)
    return Result(
        name=NAME,
        value=rss / 1e6,
        budget=BUDGET_MB,
        unit="MB",
        details=[
            f"pid {server.pid} ({status.get('Name', '?')}), idle {IDLE_SECONDS:.0f} s "
            f"after {requests} requests on {', '.join(DEMO_HOSTS)}",
            f"{rss / 1e6:6.1f} MB  VmRSS (resident now; {rss / 2**20:.1f} MiB)",
            f"{peak / 1e6:6.1f} MB  VmHWM (peak resident)",
            f"threads: {status.get('Threads', '?')}",
        ],
        problems=problems,
    )
