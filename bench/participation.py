"""Participation: proposals list, a busy proposal page and supporting, under load.

``python -m bench participation [--scale 10000|100000|both] [--database sqlite|postgresql]``

For each scale, a fresh database is migrated and filled with generated proposals, supports
and comments (bench/participation_data.py), Minka is served by ``minka serve`` (one uvicorn
worker) next to a FastAPI "hello world" (bench/hello_app.py, same uvicorn), and autocannon
(bench/loadtool.py) drives each scenario on loopback: requests per second, p50 and p99.
Targets (issue 4): every list page reaches a third of hello world's throughput, and the list
does not slow down from 10,000 to 100,000 proposals. See bench/README.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from html import unescape
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench import loadtool
from bench._harness import (
    BenchError,
    Instance,
    Response,
    Server,
    fetch,
    free_port,
    new_client,
    serving,
    stop_server,
    throwaway_instance,
)
from bench.census_import import postgres_database
from bench.loadtool import Figures
from bench.participation_data import PASSWORD, SCALES, Generated, SupportSession, generate
from bench.participation_report import HELLO_BEFORE, print_report

NAME = "participation"
POSTGRES_ENV = "MINKA_BENCH_POSTGRES_URL"
POSTGRES_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
COOKIE = "minka_session"
LIST_PATH = "/proposals"
PAGE = 200
SUPPORT_WARMUP = 100
NEXT_LINK = re.compile(r"<(?:a|link)\b[^>]*\brel=\"[^\"]*\bnext\b[^\"]*\"[^>]*>", re.IGNORECASE)
HREF = re.compile(r"\bhref=\"([^\"]+)\"")

SCENARIOS = {
    "hello": "hello world (FastAPI, GET /)",
    "list1": "proposals list, first page, anonymous",
    "list1_user": "proposals list, first page, signed in",
    "list200": f"proposals list, page {PAGE}, anonymous",
    "list200_user": f"proposals list, page {PAGE}, signed in",
    "detail": "proposal with 1,000 comments",
    "support": "support (POST, a different resident each)",
}
LIST_SCENARIOS = ("list1", "list1_user", "list200", "list200_user")


@dataclasses.dataclass
class ScaleRun:
    proposals: int
    database: str
    generated: Generated
    figures: dict[str, Figures] = dataclasses.field(default_factory=dict)
    skipped: dict[str, str] = dataclasses.field(default_factory=dict)
    notes: list[str] = dataclasses.field(default_factory=list)
    problems: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class Options:
    database: str
    duration: float
    connections: int
    warmup: float


@contextmanager
def database_for(instance: Instance, options: Options, proposals: int) -> Iterator[str]:
    if options.database == "sqlite":
        yield f"sqlite:///{instance.directory / 'participation.db'}"
        return
    server = make_url(os.environ.get(POSTGRES_ENV) or POSTGRES_DEFAULT)
    url = server.set(database=f"minka_bench_participation_{proposals}")
    with postgres_database(url.render_as_string(hide_password=False)) as created:
        yield created


@contextmanager
def serving_hello(instance: Instance) -> Iterator[Server]:
    """The hello-world app under the same uvicorn settings as ``minka serve`` (one worker)."""
    port = free_port()
    log_path = instance.directory / "hello.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "uvicorn", "bench.hello_app:app", "--host", "127.0.0.1"),
                *("--port", str(port), "--workers", "1", "--no-access-log", "--proxy-headers"),
            ],
            cwd=loadtool.BENCH_DIR.parent,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process=process, port=port, log_path=log_path)
    try:
        deadline = time.perf_counter() + 30
        while fetch_status(server.base_url + "/") != 200:
            if process.poll() is not None or time.perf_counter() > deadline:
                raise BenchError("the hello-world server did not start:\n  " + server.log_tail())
            time.sleep(0.05)
        yield server
    finally:
        stop_server(server)


def fetch_status(url: str) -> int:
    try:
        return fetch(new_client(), url, timeout=1.0).status
    except BenchError:
        return 0


def post_form(
    client: urllib.request.OpenerDirector, url: str, data: dict[str, str], cookie: str = ""
) -> Response:
    headers = {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "minka-bench"}
    if cookie:
        headers["Cookie"] = f"{COOKIE}={cookie}"
    body = urllib.parse.urlencode(data).encode()
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with client.open(request, timeout=30) as response:
            return Response(url, response.status, list(response.headers.items()), response.read())
    except urllib.error.HTTPError as error:
        with error:
            return Response(url, error.code, list(error.headers.items()), error.read())


def sign_in(base_url: str, email: str) -> str:
    """Log in through the real /login form; return the session cookie it sets."""
    client = new_client()
    page = fetch(client, f"{base_url}/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', gunzip(page).decode())
    if page.status != 200 or token is None:
        raise BenchError(f"GET /login answered {page.status} without a CSRF token")
    form = {"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
    response = post_form(client, f"{base_url}/login", form)
    if response.status != 303:
        raise BenchError(f"POST /login answered {response.status}, not 303")
    jar = next(h.cookiejar for h in getattr(client, "handlers", []) if hasattr(h, "cookiejar"))
    cookie = next((str(c.value) for c in jar if c.name == COOKIE), None)
    if cookie is None:
        raise BenchError("POST /login set no session cookie")
    return cookie


def signed_in(base_url: str, cookie: str) -> bool:
    request = urllib.request.Request(  # noqa: S310 (a loopback http URL)
        f"{base_url}/account", headers={"Cookie": f"{COOKIE}={cookie}"}
    )
    return fetch_with(request) == 200


def fetch_with(request: urllib.request.Request) -> int:
    try:
        with new_client().open(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        with error:
            return int(error.code)


def find_page(base_url: str, page: int) -> tuple[str | None, str]:
    """Follow the list's rel="next" links from the first page to page ``page``."""
    client, path = new_client(), LIST_PATH
    for number in range(1, page):
        response = fetch(client, base_url + path)
        if response.status != 200:
            return None, f"GET {path} (page {number}) answered {response.status}"
        html = gunzip(response).decode("utf-8", "replace")
        link = next((HREF.search(tag) for tag in NEXT_LINK.findall(html)), None)
        if link is None:
            return None, f'page {number} ({path}) has no rel="next" link'
        path = urllib.parse.urljoin(path, unescape(link.group(1)))
    return path, ""


def gunzip(response: Response) -> bytes:
    if (response.header("Content-Encoding") or "").lower() == "gzip":
        return gzip.decompress(response.body)
    return response.body


def get(path: str, cookie: str = "") -> dict[str, Any]:
    headers = {"accept-encoding": "gzip"}
    if cookie:
        headers["cookie"] = f"{COOKIE}={cookie}"
    return {"method": "GET", "path": path, "headers": headers}


def support_request(session: SupportSession) -> dict[str, Any]:
    return {
        "method": "POST",
        "path": f"/proposals/{session.proposal_id}/support",
        "headers": {
            "cookie": f"{COOKIE}={session.cookie}",
            "content-type": "application/x-www-form-urlencoded",
        },
        "body": f"csrf_token={session.csrf}",
    }


def load(base_url: str, request: dict[str, Any], options: Options) -> Figures:
    if options.warmup > 0:
        loadtool.drive(
            base_url, [request], duration=options.warmup, connections=options.connections
        )
    return loadtool.drive(
        base_url, [request], duration=options.duration, connections=options.connections
    )


def run_scenarios(app: Server, hello: Server, run: ScaleRun, options: Options) -> None:
    data, base = run.generated, app.base_url
    run.figures["hello"] = load(hello.base_url, get("/"), options)
    first = fetch(new_client(), base + LIST_PATH)
    if first.status != 200:
        for key in (*LIST_SCENARIOS, "detail", "support"):
            run.skipped[key] = f"GET {LIST_PATH} answered {first.status}"
        return
    cookie = sign_in(base, data.login_email)
    if not signed_in(base, cookie):
        raise BenchError("the session cookie from /login does not sign in")
    page_path, why = find_page(base, PAGE)
    paths = {"list1": LIST_PATH, "list200": page_path}
    for key in LIST_SCENARIOS:
        path = paths[key.removesuffix("_user")]
        if path is None:
            run.skipped[key] = why
            continue
        request = get(path, cookie if key.endswith("_user") else "")
        # Hello world again right before each list page: other work on a shared machine comes
        # and goes, and the share is fair only between two figures measured under the same load.
        run.figures[HELLO_BEFORE + key] = load(hello.base_url, get("/"), options)
        run.figures[key] = load(base, request, options)
    if page_path:
        run.notes.append(f"page {PAGE} is {page_path}")
    detail = f"/proposals/{data.hot_proposal_id}"
    status = fetch(new_client(), base + detail).status
    if status == 200:
        run.figures["detail"] = load(base, get(detail), options)
    else:
        run.skipped["detail"] = f"GET {detail} answered {status}"
    measure_support(base, run, options)


def measure_support(base: str, run: ScaleRun, options: Options) -> None:
    sessions = run.generated.support_sessions
    if not signed_in(base, sessions[0].cookie):
        raise BenchError("a minted session cookie does not sign in (has the format changed?)")
    probe = sessions[0]
    response = post_form(
        new_client(),
        f"{base}/proposals/{probe.proposal_id}/support",
        {"csrf_token": probe.csrf},
        probe.cookie,
    )
    if response.status in (404, 405):
        run.skipped["support"] = f"POST /proposals/ID/support answered {response.status}"
        return
    warm, measured = sessions[1 : 1 + SUPPORT_WARMUP], sessions[1 + SUPPORT_WARMUP :]
    connections = options.connections
    loadtool.drive(base, [support_request(s) for s in warm], connections=connections, rotate=True)
    figures = loadtool.drive(
        base, [support_request(s) for s in measured], connections=connections, rotate=True
    )
    run.figures["support"] = figures
    run.notes.append(
        f"support: {len(measured):,} requests, each by a different verified resident on an "
        f"open proposal (after {len(warm) + 1} to warm up); the first answered {response.status}"
    )


def check_counts(url: str, run: ScaleRun) -> None:
    """Counters still equal rows, and every accepted support request left exactly one row."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.scalar(text("SELECT count(*) FROM proposal_supports"))
            total = connection.scalar(text("SELECT sum(supports_count) FROM proposals"))
            fresh = [s.user_id for s in run.generated.support_sessions]
            added = connection.scalar(
                text("SELECT count(*) FROM proposal_supports WHERE user_id >= :first"),
                {"first": min(fresh)},
            )
    finally:
        engine.dispose()
    if rows != total:
        run.problems.append(f"{rows:,} support rows but supports_count adds up to {total:,}")
    run.notes.append(f"after the run: {rows:,} support rows, counters agree: {rows == total}")
    figures = run.figures.get("support")
    if figures is not None:
        accepted = figures.count("2", "3")
        run.notes.append(f"supports added by the fresh residents: {added:,}")
        if added is None or added < accepted:
            run.problems.append(f"{accepted:,} supports accepted but only {added:,} rows")


def load_average() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"{one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def server_errors(log: str) -> list[str]:
    """The distinct exceptions the server logged (a 500 is a finding, not noise)."""
    exceptions = [
        line.strip()
        for line in log.splitlines()
        if re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Timeout)\b", line)
    ]
    return [f"server logged {n}× {line}" for line, n in Counter(exceptions).most_common(5)]


def measure_scale(proposals: int, options: Options) -> ScaleRun:
    label = "PostgreSQL" if options.database == "postgresql" else "SQLite"
    with throwaway_instance() as instance, database_for(instance, options, proposals) as url:
        print(f"== {proposals:,} proposals on {label}: generating …", flush=True)
        secret = instance.env["MINKA_SECRET_KEY"]
        generated = generate(url, SCALES[proposals], secret)
        run = ScaleRun(proposals, label, generated)
        counts = ", ".join(f"{table} {n:,}" for table, n in generated.counts.items())
        print(f"  generated in {generated.seconds:.1f} s: {counts}", flush=True)
        slow = sorted(generated.timings.items(), key=lambda item: -item[1])[:5]
        print("  slowest steps: " + ", ".join(f"{k} {v:.1f} s" for k, v in slow), flush=True)
        on_database = dataclasses.replace(instance, env={**instance.env, "MINKA_DATABASE_URL": url})
        run.notes.append("load average before measuring: " + load_average())
        with serving(on_database) as app, serving_hello(instance) as hello:
            print("  measuring …", flush=True)
            run_scenarios(app, hello, run, options)
        run.notes += server_errors(instance.log_path.read_text(encoding="utf-8", errors="replace"))
        check_counts(url, run)
    return run


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench participation", description=__doc__)
    parser.add_argument("--scale", choices=("10000", "100000", "both"), default="both")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per scenario")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before each")
    parser.add_argument("--connections", type=int, default=10)
    args = parser.parse_args(argv)
    options = Options(args.database, args.duration, args.connections, args.warmup)
    scales = [10_000, 100_000] if args.scale == "both" else [int(args.scale)]
    loadtool.ensure_installed()
    runs = []
    for proposals in scales:
        try:
            runs.append(measure_scale(proposals, options))
        except BenchError as error:
            print(f"  ERROR: {error}", file=sys.stderr)
            return 1
    return print_report(runs, SCENARIOS, LIST_SCENARIOS)
