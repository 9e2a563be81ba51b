"""A real OpenID Connect provider (npm `oidc-provider`) on loopback, for tests.

A test module starts one with a fixture; leaving the `with` block stops the Node process::

    @pytest.fixture(scope="module")
    def identity_provider() -> Iterator[TestProvider]:
        with TestProvider(redirect_uris=["http://testserver/auth/idgob/callback"]) as provider:
            yield provider

The app's provider is then configured with `provider.issuer`, `provider.client_id` and
`provider.client_secret`, asking for the scopes `openid email profile dni` and reading the
national id from the claim `national_id` (userinfo) and the level from `acr` (ID token).
A test follows the app's redirect to the provider with `provider.login(...)`, which returns the
callback URL (code, state, iss) for the app's TestClient to request.

Without `node`/`npm` the tests that use it are skipped with one line, except under CI=true,
where that is a failure. The provider needs Node 20.19 or later.
"""

from __future__ import annotations

import atexit
import base64
import hashlib
import hmac
import json
import os
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from queue import Empty, Queue
from types import TracebackType
from typing import Any, NoReturn, Self
from urllib.parse import urljoin, urlsplit

import httpx2
import pytest

HERE = Path(__file__).resolve().parent
PROVIDER_SCRIPT = HERE / "provider.mjs"
INSTALLED_MARKER = HERE / "node_modules" / "oidc-provider" / "package.json"
MINIMUM_NODE = (20, 19)
START_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0
HTTP_TIMEOUT = 10.0
MAX_FLOW_STEPS = 12
TOKEN_PATH = "/token"

ACR_WEAK = "urn:minka:loa:1"
ACR_STRONG = "urn:minka:loa:3"
SCOPES = "openid email profile dni"


@dataclass(frozen=True)
class ProviderUser:
    """An account at the test provider; `claims()` is what its userinfo endpoint can release."""

    username: str
    password: str
    sub: str
    email: str
    name: str
    email_verified: bool = True
    national_id: str | None = None
    acr: str | None = None

    def claims(self) -> dict[str, Any]:
        claims: dict[str, Any] = {
            "sub": self.sub,
            "email": self.email,
            "email_verified": self.email_verified,
            "name": self.name,
        }
        if self.national_id is not None:
            claims["national_id"] = self.national_id
        if self.acr is not None:
            claims["acr"] = self.acr
        return claims


DEFAULT_USERS: tuple[ProviderUser, ...] = (
    # Strong identity proofing: the national id may verify her as a resident.
    ProviderUser(
        username="ana",
        password="ana-clave-Ñ-2024",
        sub="sub-ana-quispe",
        email="ana.quispe@example.org",
        name="Ana Quispe Mamani",
        national_id="41234567",
        acr=ACR_STRONG,
    ),
    # Same claims but a weak level: must not be verified by claim alone.
    ProviderUser(
        username="beto",
        password="beto-clave-2024",
        sub="sub-beto-nahui",
        email="beto@example.org",
        name="Alberto «Beto» Ñahui O'Higgins",
        national_id="42345678",
        acr=ACR_WEAK,
    ),
    # Hostile display name, unverified email, no national id and no acr.
    ProviderUser(
        username="kusi",
        password="kusi-clave-2024",
        sub="sub-kusi",
        email="kusi@example.org",
        name='<script>alert("sumaq")</script> Kusi Q\'ispi "Inti" 🌽',
        email_verified=False,
    ),
)


# --- JSON Web Signatures by hand: the standard library's pow() is all RS256 needs ---------

_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _jwk_int(jwk: Mapping[str, str], name: str) -> int:
    return int.from_bytes(b64url_decode(jwk[name]), "big")


def _pkcs1_v15_sha256(message: bytes, size: int) -> bytes:
    """EMSA-PKCS1-v1_5 encoding (RFC 8017, 9.2) of SHA-256(message) in `size` bytes."""
    digest_info = _SHA256_DIGEST_INFO + hashlib.sha256(message).digest()
    return b"\x00\x01" + b"\xff" * (size - len(digest_info) - 3) + b"\x00" + digest_info


def _segment(value: Mapping[str, Any]) -> str:
    return b64url_encode(json.dumps(value, separators=(",", ":")).encode())


def decode_jwt(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims of a compact JWS, without any verification."""
    header, payload, _ = token.split(".")
    return json.loads(b64url_decode(header)), json.loads(b64url_decode(payload))


def sign_rs256(
    claims: Mapping[str, Any], jwk: Mapping[str, str], header: Mapping[str, Any] | None = None
) -> str:
    """A compact RS256 JWS over `claims` with a private RSA JWK; `header` adds or overrides."""
    full_header = {"alg": "RS256", "typ": "JWT", "kid": jwk["kid"], **(header or {})}
    signing_input = f"{_segment(full_header)}.{_segment(claims)}".encode()
    modulus = _jwk_int(jwk, "n")
    size = (modulus.bit_length() + 7) // 8
    encoded = int.from_bytes(_pkcs1_v15_sha256(signing_input, size), "big")
    signature = pow(encoded, _jwk_int(jwk, "d"), modulus).to_bytes(size, "big")
    return f"{signing_input.decode()}.{b64url_encode(signature)}"


def unsigned_token(claims: Mapping[str, Any], header: Mapping[str, Any] | None = None) -> str:
    """An `alg: none` token (empty signature), as an attacker would send it."""
    full_header = {"alg": "none", "typ": "JWT", **(header or {})}
    return f"{_segment(full_header)}.{_segment(claims)}."


def verify_rs256(token: str, jwks: Mapping[str, Any]) -> dict[str, Any]:
    """Claims of `token` if its RS256 signature verifies with the JWKS key named by its kid."""
    header, claims = decode_jwt(token)
    if header.get("alg") != "RS256":
        raise ValueError(f"unexpected alg {header.get('alg')!r}")
    keys = [key for key in jwks["keys"] if key.get("kid") == header.get("kid")]
    if len(keys) != 1 or keys[0].get("kty") != "RSA":
        raise ValueError(f"no single RSA key with kid {header.get('kid')!r} in the JWKS")
    modulus, exponent = _jwk_int(keys[0], "n"), _jwk_int(keys[0], "e")
    size = (modulus.bit_length() + 7) // 8
    signing_input, _, signature_text = token.rpartition(".")
    signature = b64url_decode(signature_text)
    value = int.from_bytes(signature, "big")
    if len(signature) != size or value >= modulus:
        raise ValueError("signature has the wrong size")
    recovered = pow(value, exponent, modulus).to_bytes(size, "big")
    if not hmac.compare_digest(recovered, _pkcs1_v15_sha256(signing_input.encode(), size)):
        raise ValueError("signature does not verify")
    return claims


class ProviderUnavailable(RuntimeError):
    """The provider process could not be started or did not answer."""


class ProviderError(RuntimeError):
    """The provider answered a browser step with an error page instead of a redirect."""


class LoginRefused(ProviderError):
    """The provider showed its login form again after the credentials were submitted."""


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"OpenID Connect provider cannot run under CI: {reason}", pytrace=False)
    pytest.skip(f"OpenID Connect provider tests skipped: {reason}")


def ensure_node_modules() -> str:
    """Return the path of `node`, installing `oidc-provider` with `npm ci` when missing."""
    node = shutil.which("node")
    if node is None:
        _unavailable("node is not installed")
    version = subprocess.run(
        [node, "--version"], capture_output=True, text=True, timeout=10, check=False
    ).stdout.strip()
    try:
        found = tuple(int(part) for part in version.lstrip("v").split(".")[:2])
    except ValueError:
        _unavailable(f"cannot read the node version {version!r}")
    if found < MINIMUM_NODE:
        _unavailable(f"node {version} is older than {'.'.join(map(str, MINIMUM_NODE))}")
    if not INSTALLED_MARKER.exists():
        npm = shutil.which("npm")
        if npm is None:
            _unavailable("npm is not installed (needed for oidc-provider)")
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--prefix", str(HERE)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if result.returncode != 0 or not INSTALLED_MARKER.exists():
            tail = " ".join(result.stderr.split())[-200:]
            _unavailable(f"npm ci could not install oidc-provider: {tail}")
    return node


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class _PageReader(HTMLParser):
    """Reads the forms and the error paragraphs of the provider's own small pages."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: dict[str, dict[str, str]] = {}
        self.actions: dict[str, str] = {}
        self.texts: dict[str, str] = {}
        self._form: str | None = None
        self._text: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._form = attributes.get("id", "")
            self.forms[self._form] = {}
            self.actions[self._form] = attributes.get("action", "")
        elif tag == "input" and self._form is not None and attributes.get("name"):
            self.forms[self._form][attributes["name"]] = attributes.get("value", "")
        elif tag == "p" and attributes.get("id"):
            self._text = attributes["id"]
            self.texts[self._text] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "p":
            self._text = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self.texts[self._text] += data


def _read_page(response: httpx2.Response) -> _PageReader:
    reader = _PageReader()
    reader.feed(response.text)
    reader.close()
    return reader


class TestProvider:
    """One `oidc-provider` process on 127.0.0.1 with one confidential client and some users.

    `issuer`, `client_id`, `client_secret`, `users` (by username) and `private_jwk` (the RSA
    key that signs its ID tokens) are set once started. `foreign_jwk` is a second RSA key the
    provider never publishes, for "signed by someone else" attacks. With `behind_proxy=True`
    a `TamperingProxy` (`.proxy`, while running) stands in front and `issuer` is its origin.
    """

    __test__ = False  # a helper, not a test class

    def __init__(
        self,
        redirect_uris: Sequence[str],
        *,
        post_logout_redirect_uris: Sequence[str] = (),
        users: Sequence[ProviderUser] = DEFAULT_USERS,
        client_id: str = "minka-test",
        token_endpoint_auth_method: str = "client_secret_basic",  # noqa: S107 (a method name)
        id_token_ttl: int = 600,
        access_token_ttl: int = 600,
        behind_proxy: bool = False,
    ) -> None:
        self.client_id = client_id
        self.client_secret = secrets.token_urlsafe(32)
        self.redirect_uris = list(redirect_uris)
        self.post_logout_redirect_uris = list(post_logout_redirect_uris)
        self.users = {user.username: user for user in users}
        self.token_endpoint_auth_method = token_endpoint_auth_method
        self.id_token_ttl = id_token_ttl
        self.access_token_ttl = access_token_ttl
        self.behind_proxy = behind_proxy
        self.proxy: TamperingProxy | None = None
        self.issuer = ""
        self.listen_url = ""
        self.private_jwk: dict[str, str] = {}
        self.foreign_jwk: dict[str, str] = {}
        self._directory: Path | None = None
        self._process: subprocess.Popen[str] | None = None
        self._stdout_pump: threading.Thread | None = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def log_path(self) -> Path | None:
        """The provider's stderr, for a failing test to read."""
        return None if self._directory is None else self._directory / "provider.log"

    @property
    def public_jwk(self) -> dict[str, str]:
        return {k: v for k, v in self.private_jwk.items() if k in {"kty", "n", "e", "kid", "alg"}}

    def start(self) -> None:
        node = ensure_node_modules()
        try:
            self._start(node)
        except BaseException:
            self.stop()
            raise
        _running.add(self)

    def _start(self, node: str) -> None:
        self._directory = Path(tempfile.mkdtemp(prefix="minka-oidc-"))
        key_file = self._directory / "keys.json"
        config_file = self._directory / "config.json"
        if self.behind_proxy:
            self.proxy = TamperingProxy()
            self.proxy.start()
        config = {
            "issuer": self.proxy.origin if self.proxy else None,
            "listen_port": 0,
            "key_file": str(key_file),
            "signing_key": None,
            "id_token_ttl": self.id_token_ttl,
            "access_token_ttl": self.access_token_ttl,
            "exit_on_stdin_close": True,
            "clients": [
                {
                    "client_id": self.client_id,
                    "client_secret": self.client_secret,
                    "redirect_uris": self.redirect_uris,
                    "post_logout_redirect_uris": self.post_logout_redirect_uris,
                    "token_endpoint_auth_method": self.token_endpoint_auth_method,
                }
            ],
            "users": [
                {"username": u.username, "password": u.password, "claims": u.claims()}
                for u in self.users.values()
            ],
        }
        config_file.write_text(json.dumps(config), encoding="utf-8")
        assert self.log_path is not None
        with self.log_path.open("w", encoding="utf-8") as log:
            # stdin stays open: the provider exits by itself when this process dies.
            self._process = subprocess.Popen(
                [node, str(PROVIDER_SCRIPT), str(config_file)],
                cwd=HERE,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        self.issuer, self.listen_url = self._wait_until_ready(self._process)
        keys = json.loads(key_file.read_text(encoding="utf-8"))
        self.private_jwk, self.foreign_jwk = keys["signing"], keys["foreign"]
        if self.proxy is not None:
            self.proxy.upstream = self.listen_url

    def _wait_until_ready(self, process: subprocess.Popen[str]) -> tuple[str, str]:
        lines: Queue[str | None] = Queue()

        def pump() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                lines.put(line)
            lines.put(None)

        self._stdout_pump = threading.Thread(target=pump, name="oidc-provider-stdout", daemon=True)
        self._stdout_pump.start()
        deadline = time.monotonic() + START_TIMEOUT
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                line = lines.get(timeout=remaining)
            except Empty:
                break
            if line is None:
                code = process.wait(timeout=STOP_TIMEOUT)
                raise ProviderUnavailable(f"provider exited with {code}: {self._log_tail()}")
            if line.startswith("READY "):
                _, issuer, listen_url = line.split()
                return issuer, listen_url
        raise ProviderUnavailable(f"no READY within {START_TIMEOUT:.0f} s: {self._log_tail()}")

    def _log_tail(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-2000:]

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            try:
                process.terminate()
                try:
                    process.wait(timeout=STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=STOP_TIMEOUT)
            finally:
                if self._stdout_pump is not None:
                    self._stdout_pump.join(timeout=STOP_TIMEOUT)
                for stream in (process.stdin, process.stdout):
                    if stream is not None:
                        stream.close()
        if self.proxy is not None:
            self.proxy.stop()
            self.proxy = None
        if self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)
            self._directory = None
        _running.discard(self)

    def url(self, path: str) -> str:
        """An absolute URL at the provider's public origin (the proxy's when behind one)."""
        return urljoin(self.issuer + "/", path.lstrip("/"))

    def sign(self, claims: Mapping[str, Any], header: Mapping[str, Any] | None = None) -> str:
        """A compact RS256 JWS over `claims` with the provider's own key (`kid` included)."""
        return sign_rs256(claims, self.private_jwk, header)

    def user_agent(self) -> httpx2.Client:
        """A fresh "browser" for the provider's pages: its own cookie jar, no auto-redirects."""
        return httpx2.Client(timeout=HTTP_TIMEOUT, follow_redirects=False)

    def login(
        self, http_client: httpx2.Client | None, authorize_url: str, username: str, password: str
    ) -> str:
        """Sign in at the provider and return the redirect to the app's callback, unrequested.

        `authorize_url` is where the app redirected the user. Redirects are followed only
        within the provider; the first one leaving it is returned (code, state, iss). Pass the
        same `http_client` again to reuse the provider's session (then no form is shown).
        Raises `LoginRefused` when the credentials are refused, `ProviderError` on an error page.
        """
        if _origin(authorize_url) != _origin(self.issuer):
            raise ValueError(f"{authorize_url} is not at the provider {self.issuer}")
        with self._agent(http_client) as agent:
            response = agent.get(authorize_url, follow_redirects=False)
            submitted = False
            for _ in range(MAX_FLOW_STEPS):
                if response.is_redirect:
                    location = urljoin(str(response.url), response.headers["location"])
                    if _origin(location) != _origin(self.issuer):
                        return location
                    response = agent.get(location, follow_redirects=False)
                    continue
                page = _read_page(response)
                if "login" not in page.forms:
                    raise ProviderError(self._describe(response, page))
                if submitted:
                    raise LoginRefused(page.texts.get("login-error", "login form shown again"))
                fields = {**page.forms["login"], "username": username, "password": password}
                response = agent.post(
                    urljoin(str(response.url), page.actions["login"]),
                    data=fields,
                    follow_redirects=False,
                )
                submitted = True
        raise ProviderError(f"no redirect out of the provider after {MAX_FLOW_STEPS} steps")

    def logout(self, http_client: httpx2.Client | None, end_session_url: str) -> str | None:
        """Confirm the provider's sign-out page; return the redirect back to the app, if any."""
        with self._agent(http_client) as agent:
            response = agent.get(end_session_url, follow_redirects=False)
            confirmed = False
            for _ in range(MAX_FLOW_STEPS):
                if response.is_redirect:
                    location = urljoin(str(response.url), response.headers["location"])
                    if _origin(location) != _origin(self.issuer):
                        return location
                    response = agent.get(location, follow_redirects=False)
                    continue
                page = _read_page(response)
                if "op.logoutForm" not in page.forms or confirmed:
                    if response.is_success:
                        return None
                    raise ProviderError(self._describe(response, page))
                fields = {**page.forms["op.logoutForm"], "logout": "yes"}
                response = agent.post(
                    page.actions["op.logoutForm"], data=fields, follow_redirects=False
                )
                confirmed = True
        raise ProviderError(f"sign-out did not finish after {MAX_FLOW_STEPS} steps")

    @contextmanager
    def _agent(self, http_client: httpx2.Client | None) -> Iterator[httpx2.Client]:
        if http_client is not None:
            yield http_client
            return
        with self.user_agent() as agent:
            yield agent

    @staticmethod
    def _describe(response: httpx2.Response, page: _PageReader) -> str:
        error = page.texts.get("error", "")
        description = page.texts.get("error_description", "")
        return f"{response.status_code} at {response.url}: {error} {description}".strip()


_running: weakref.WeakSet[TestProvider] = weakref.WeakSet()


@atexit.register
def _stop_leftovers() -> None:
    for provider in list(_running):
        provider.stop()


IdTokenForger = Callable[[dict[str, Any]], str]

_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
        "accept-encoding",
    }
)


class TamperingProxy:
    """A reverse proxy on 127.0.0.1 in front of the provider that can forge ID tokens.

    Use it through `TestProvider(..., behind_proxy=True)`: the proxy binds its port first and
    the provider is started with the proxy's origin as its issuer, so the discovery document,
    every endpoint URL, the `iss` of its tokens and the `iss` callback parameter all name the
    proxy, exactly as a provider behind a load balancer does. The app is configured with
    `provider.issuer` (the proxy's origin) and reaches discovery, authorization, token, JWKS
    and userinfo through it; `paths` records what went through, `forged` each (original,
    forged) ID token and `errors` what a forge raised (answered with a 500).

    Untouched, it passes everything on. `replace_id_token(forge)` (or the context manager
    `forging_id_token(forge)`) makes it replace the `id_token` of each successful token
    response by `forge(original_claims)`; e.g. a wrong audience, a wrong nonce, an expired
    token (`"exp"` in the past), `alg: none` (`unsigned_token`), a key the JWKS lacks
    (`sign_rs256(claims, provider.foreign_jwk, {"kid": provider.public_jwk["kid"]})`) or a
    foreign issuer (`"iss": provider.listen_url`, the provider's own unproxied origin)::

        with provider.proxy.forging_id_token(
            lambda claims: provider.sign({**claims, "aud": "someone-else"})
        ):
            response = client.get(callback_url)  # the app's token request goes through it
        assert provider.proxy.forged  # the attack was really attempted

    It reads request bodies by Content-Length only (no chunked uploads).
    """

    def __init__(self) -> None:
        self._server = _ProxyServer(("127.0.0.1", 0), _ProxyHandler)
        self._server.proxy = self
        self.origin = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.upstream: str | None = None
        self.paths: list[str] = []
        self.forged: list[tuple[str, str]] = []
        self.errors: list[Exception] = []
        self._forge: IdTokenForger | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="oidc-tampering-proxy",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=STOP_TIMEOUT)
            self._thread = None
        self._server.server_close()

    def replace_id_token(self, forge: IdTokenForger | None) -> None:
        """From now on, replace each issued ID token by `forge(claims)`; None stops it."""
        self._forge = forge

    @contextmanager
    def forging_id_token(self, forge: IdTokenForger) -> Iterator[None]:
        self.replace_id_token(forge)
        try:
            yield
        finally:
            self.replace_id_token(None)

    def rewrite_token_response(self, body: bytes) -> bytes:
        forge = self._forge
        if forge is None:
            return body
        payload = json.loads(body)
        original = payload.get("id_token")
        if not isinstance(original, str):
            return body
        _, claims = decode_jwt(original)
        payload["id_token"] = forge(claims)
        self.forged.append((original, payload["id_token"]))
        return json.dumps(payload).encode()


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    proxy: TamperingProxy


class _ProxyHandler(BaseHTTPRequestHandler):
    server: _ProxyServer

    def do_GET(self) -> None:
        self._forward()

    do_POST = do_HEAD = do_PUT = do_DELETE = do_OPTIONS = do_GET

    def _forward(self) -> None:
        proxy = self.server.proxy
        proxy.paths.append(f"{self.command} {self.path}")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        if proxy.upstream is None:
            self._reply(503, [], b"provider not started")
            return
        upstream = urlsplit(proxy.upstream)
        connection = HTTPConnection(upstream.hostname or "", upstream.port, timeout=HTTP_TIMEOUT)
        try:
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            status, answer = response.status, response.read()
            answer_headers = [
                (k, v) for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP
            ]
        except OSError as error:
            self._reply(502, [], f"provider unreachable: {error}".encode())
            return
        finally:
            connection.close()
        if self.command == "POST" and urlsplit(self.path).path == TOKEN_PATH and status == 200:
            try:
                answer = proxy.rewrite_token_response(answer)
            except Exception as error:  # a broken forge must fail the test, not hang it
                proxy.errors.append(error)
                self._reply(500, [], f"forging the ID token failed: {error!r}".encode())
                return
        self._reply(status, answer_headers, answer)

    def _reply(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response_only(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: `TamperingProxy.paths` records the traffic."""
