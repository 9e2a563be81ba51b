"""The load tool: autocannon (npm, pinned in bench/package-lock.json) driven by bench/load.js.

A load generator written in Python would be the bottleneck on a 2-core machine; autocannon
runs in Node.js on the other core. It is installed on first use with ``npm ci --prefix bench``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench._harness import BenchError

BENCH_DIR = Path(__file__).resolve().parent
DRIVER = BENCH_DIR / "load.js"
INSTALL_TIMEOUT = 300.0


@dataclass(frozen=True)
class Figures:
    """What autocannon measured for one scenario (latencies in milliseconds)."""

    requests: int
    seconds: float
    rps: float
    p50: float
    p90: float
    p99: float
    mean: float
    max: float
    statuses: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    timeouts: int = 0
    bytes_per_request: float = 0.0

    def count(self, *prefixes: str) -> int:
        return sum(n for code, n in self.statuses.items() if code.startswith(prefixes))

    @property
    def status_summary(self) -> str:
        parts = [f"{code}×{n}" for code, n in sorted(self.statuses.items())]
        if self.errors:
            parts.append(f"errors×{self.errors}")
        if self.timeouts:
            parts.append(f"timeouts×{self.timeouts}")
        return " ".join(parts) or "-"


def node() -> str:
    found = shutil.which("node")
    if found is None:
        raise BenchError("Node.js (`node`) is needed for the load tool; install it first")
    return found


def ensure_installed() -> None:
    """``npm ci --prefix bench`` when autocannon is not there yet (it is pinned by the lock)."""
    if (BENCH_DIR / "node_modules" / "autocannon" / "package.json").is_file():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise BenchError("npm is needed to install the load tool (autocannon)")
    try:
        completed = subprocess.run(
            [npm, "ci", "--prefix", str(BENCH_DIR), "--no-audit", "--no-fund"],
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise BenchError("`npm ci --prefix bench` did not finish in time") from None
    if completed.returncode != 0:
        raise BenchError("`npm ci --prefix bench` failed:\n  " + completed.stderr[-2000:])


def drive(
    base_url: str,
    requests: list[dict[str, Any]],
    *,
    duration: float = 10.0,
    connections: int = 10,
    rotate: bool = False,
) -> Figures:
    """Send ``requests[0]`` for ``duration`` seconds, or (rotate) each request once."""
    spec = {
        "url": base_url,
        "connections": connections,
        "duration": duration,
        "requests": requests,
        "rotate": rotate,
    }
    timeout = duration * 3 + 60 if not rotate else 600.0
    try:
        completed = subprocess.run(
            [node(), str(DRIVER)],
            input=json.dumps(spec),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=BENCH_DIR,
        )
    except subprocess.TimeoutExpired:
        raise BenchError(f"the load tool did not finish within {timeout:.0f} s") from None
    if completed.returncode != 0:
        raise BenchError("the load tool failed:\n  " + completed.stderr.strip()[-2000:])
    data = json.loads(completed.stdout.strip().splitlines()[-1])
    return Figures(**data)
