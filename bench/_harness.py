"""Shared plumbing: a throwaway instance directory, the ``minka`` commands, a served process.

Every benchmark runs against its own temporary directory (``MINKA_VAR_DIR``) holding a fresh
SQLite database, with the working directory set to that directory so that neither ``./var`` nor
a developer's ``.env`` is ever read or written. Servers are started in their own process group
and always stopped, with bounded waits, when the ``with`` block ends.
"""

from __future__ import annotations

import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.client import HTTPMessage
from pathlib import Path
from typing import IO

COMMAND_TIMEOUT = 120.0
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
POLL_INTERVAL = 0.05
LOG_TAIL_LINES = 20


class BenchError(Exception):
    """The benchmark could not produce a figure (a command failed, the server never answered)."""


@dataclass(frozen=True)
class Result:
    """One benchmark's figure against its budget, plus the lines that explain it."""

    name: str
    value: float
    budget: float
    unit: str
    details: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.value <= self.budget and not self.problems


@dataclass(frozen=True)
class Instance:
    """A throwaway Minka installation: its directory, environment and the ``minka`` script."""

    directory: Path
    env: Mapping[str, str]
    minka: Path

    @property
    def log_path(self) -> Path:
        return self.directory / "server.log"


def find_minka() -> Path:
    """The ``minka`` console script next to the running interpreter (the project's venv)."""
    candidate = Path(sys.executable).with_name("minka")
    if candidate.is_file():
        return candidate
    found = shutil.which("minka")
    if found is None:
        raise BenchError("the `minka` command was not found; run `make install` first")
    return Path(found)


@contextmanager
def throwaway_instance() -> Iterator[Instance]:
    """A temporary MINKA_VAR_DIR with an (as yet empty) SQLite database path inside it."""
    with tempfile.TemporaryDirectory(prefix="minka-bench-") as name:
        directory = Path(name)
        env = {key: value for key, value in os.environ.items() if not key.startswith("MINKA_")}
        env.update(
            {
                "MINKA_VAR_DIR": str(directory),
                "MINKA_DATABASE_URL": f"sqlite:///{directory / 'minka.db'}",
                "MINKA_SECRET_KEY": secrets.token_urlsafe(48),
                "PYTHONUNBUFFERED": "1",
            }
        )
        yield Instance(directory=directory, env=env, minka=find_minka())


def run_minka(instance: Instance, *args: str) -> float:
    """Run ``minka ARGS`` to completion; return its wall-clock duration in seconds."""
    started = time.perf_counter()
    try:
        completed = subprocess.run(
            [str(instance.minka), *args],
            cwd=instance.directory,
            env=dict(instance.env),
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise BenchError(
            f"`minka {' '.join(args)}` took longer than {COMMAND_TIMEOUT:.0f} s"
        ) from None
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        output = (completed.stderr or completed.stdout).strip().splitlines()[-LOG_TAIL_LINES:]
        raise BenchError(
            f"`minka {' '.join(args)}` exited with {completed.returncode}:\n  "
            + "\n  ".join(output)
        )
    return elapsed


@dataclass(frozen=True)
class Response:
    """One HTTP response as it came off the wire (the body is left compressed)."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    @property
    def header_bytes(self) -> int:
        """Approximate size of the status line and headers (rebuilt, not measured)."""
        status_line = len(f"HTTP/1.1 {self.status} XX\r\n")
        fields = sum(len(f"{key}: {value}\r\n".encode("latin-1")) for key, value in self.headers)
        return status_line + fields + 2

    @property
    def wire_bytes(self) -> int:
        return self.header_bytes + len(self.body)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Hand 3xx responses back to the caller, which decides whether to follow them."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        return None


def new_client() -> urllib.request.OpenerDirector:
    """A browser-like client that keeps cookies and never follows redirects by itself."""
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(), _NoRedirects())


def fetch(
    client: urllib.request.OpenerDirector,
    url: str,
    *,
    host: str | None = None,
    timeout: float = 10.0,
) -> Response:
    """GET URL with ``Accept-Encoding: gzip``; the body is returned exactly as transferred."""
    headers = {"Accept-Encoding": "gzip", "User-Agent": "minka-bench"}
    if host is not None:
        headers["Host"] = host
    if urllib.parse.urlsplit(url).scheme != "http":
        raise BenchError(f"refusing to fetch {url}: only http:// URLs of the local server")
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (scheme checked above)
    try:
        with client.open(request, timeout=timeout) as response:
            return Response(url, response.status, list(response.headers.items()), response.read())
    except urllib.error.HTTPError as error:
        with error:
            return Response(url, error.code, list(error.headers.items()), error.read())
    except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
        raise BenchError(f"GET {url} failed: {error}") from None


def prepare_demo(instance: Instance) -> None:
    """What ``make run`` does before serving: migrate, then load the demo instances."""
    run_minka(instance, "db", "upgrade")
    run_minka(instance, "demo", "load")


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    """A running ``minka serve`` process."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self) -> str:
        try:
            lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return "(no server log)"
        return "\n  ".join(lines[-LOG_TAIL_LINES:]) or "(server log is empty)"

    def wait_until_healthy(self, timeout: float = READY_TIMEOUT) -> float:
        """Poll GET /healthz until it answers 200; return the monotonic time it did."""
        deadline = time.perf_counter() + timeout
        url = f"{self.base_url}/healthz"
        client = new_client()
        while True:
            code = self.process.poll()
            if code is not None:
                raise BenchError(
                    f"the server exited with {code} before /healthz answered:\n  " + self.log_tail()
                )
            try:
                if fetch(client, url, timeout=1.0).status == 200:
                    return time.perf_counter()
            except BenchError:
                pass
            if time.perf_counter() > deadline:
                raise BenchError(
                    f"/healthz did not answer 200 within {timeout:.0f} s:\n  " + self.log_tail()
                )
            time.sleep(POLL_INTERVAL)


def start_server(instance: Instance, port: int) -> Server:
    """Launch ``minka serve`` (one worker) in its own process group; output goes to a log file."""
    with instance.log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(instance.minka), "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=instance.directory,
            env=dict(instance.env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Server(process=process, port=port, log_path=instance.log_path)


def stop_server(server: Server) -> None:
    """SIGTERM the server's process group, then SIGKILL it if it has not gone within the bound."""
    process = server.process
    if process.poll() is not None:
        return
    for sig, timeout in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, STOP_TIMEOUT)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            continue
        return


@contextmanager
def serving(instance: Instance) -> Iterator[Server]:
    """``minka serve`` on a free port, healthy on entry, stopped on exit (even on failure)."""
    server = start_server(instance, free_port())
    try:
        server.wait_until_healthy()
        yield server
    finally:
        stop_server(server)
