"""A live server and the system Chromium (driven by Playwright) for journeys a person takes.

Without Chromium or npm the browser tests are skipped with one line, except under CI=true,
where a missing prerequisite is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.databases import drop_database, fresh_database
from tests.oidc.fixture import TestProvider

HERE = Path(__file__).resolve().parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
MINKA = str(Path(sys.executable).with_name("minka"))
PROVIDER_NAME = "idp"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run under CI: {reason}")
    pytest.skip(f"browser tests skipped: {reason}")


@pytest.fixture(scope="session")
def axe_script() -> Path:
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            _missing("npm is not installed (needed for axe-core)")
        result = subprocess.run(
            [str(npm), "ci", "--no-audit", "--no-fund", "--prefix", str(HERE)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode != 0 or not AXE.exists():
            _missing(f"npm could not install axe-core: {result.stderr.strip()[-200:]}")
    return AXE


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    chromium = shutil.which("chromium")
    if chromium is None:
        _missing("chromium is not installed (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def live_port() -> int:
    return _free_port()


@pytest.fixture(scope="session")
def identity_provider(live_port: int) -> Iterator[TestProvider]:
    """The real test identity provider, with the live server's callback registered."""
    callback = f"http://127.0.0.1:{live_port}/auth/{PROVIDER_NAME}/callback"
    with TestProvider([callback]) as provider:
        yield provider


@pytest.fixture(scope="session")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, live_port: int, identity_provider: TestProvider
) -> Iterator[str]:
    """`make run` in miniature: migrate, load the demo, add the provider, serve on a free port."""
    workdir = tmp_path_factory.mktemp("live")
    url = fresh_database("minka_test_browser", workdir)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MINKA_")},
        "MINKA_DATABASE_URL": url,
        "MINKA_VAR_DIR": str(workdir / "var"),
    }
    add_provider = [
        "oidc",
        "add",
        "--tenant",
        "lalibertad",
        "--name",
        PROVIDER_NAME,
        "--label",
        "ID Gob.pe (prueba)",
        "--issuer",
        identity_provider.issuer,
        "--client-id",
        identity_provider.client_id,
        "--client-secret",
        identity_provider.client_secret,
        "--scope",
        "openid email profile dni",
        "--national-id-claim",
        "national_id",
    ]
    for step in (["db", "upgrade"], ["demo", "load"], add_provider):
        subprocess.run([MINKA, *step], env=env, cwd=workdir, check=True, capture_output=True)
    port = live_port
    log = (workdir / "server.log").open("w")
    server = subprocess.Popen(
        [MINKA, "serve", "--port", str(port)], env=env, cwd=workdir, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the live server did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=15)
        log.close()
        drop_database(url)
