"""Home page weight: every byte a browser transfers to show http://127.0.0.1:PORT/.

The page is fetched with ``Accept-Encoding: gzip`` and parsed for the subresources a browser
would load (stylesheets, icons, scripts, images, and ``url(...)``/``@import`` inside the fetched
CSS); each is fetched from the same server, compressed. The figure is the sum of the compressed
bodies plus the response headers, rebuilt from the parsed header fields: an approximation of the
bytes on the wire (within a few bytes per response; request headers and TCP/TLS overhead are
not counted). Any subresource on another host is a failure, whatever its weight.
"""

from __future__ import annotations

import gzip
import re
import urllib.parse
from dataclasses import dataclass
from html.parser import HTMLParser

from bench._harness import (
    BenchError,
    Response,
    Result,
    fetch,
    new_client,
    prepare_demo,
    serving,
    throwaway_instance,
)

NAME = "page weight"
BUDGET_BYTES = 30_000  # "30 KB", read strictly: 1 KB = 1000 bytes
MAX_REDIRECTS = 5

LINK_RELS = {"stylesheet", "icon", "apple-touch-icon", "manifest", "preload", "modulepreload"}
CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)|@import\s+(['"])(.*?)\3""", re.IGNORECASE)


@dataclass(frozen=True)
class Fetched:
    url: str
    kind: str
    status: int
    wire_bytes: int
    body_bytes: int
    encoding: str


class SubresourceParser(HTMLParser):
    """Collect the URLs a browser fetches while rendering the page (in document order)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        self.has_icon = False
        self._in_style = False
        self.inline_css: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key.lower(): value or "" for key, value in attrs}
        if tag == "link":
            rels = set(attributes.get("rel", "").lower().split())
            if rels & LINK_RELS and attributes.get("href"):
                kind = "stylesheet" if "stylesheet" in rels else "+".join(sorted(rels & LINK_RELS))
                self.has_icon = self.has_icon or "icon" in rels
                self.found.append((kind, attributes["href"]))
        elif tag == "script" and attributes.get("src"):
            self.found.append(("script", attributes["src"]))
        elif tag in {"img", "source", "input"} and attributes.get("src"):
            self.found.append(("image", attributes["src"]))
        elif tag == "style":
            self._in_style = True
        if "style" in attributes:
            self.inline_css.append(attributes["style"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.inline_css.append(data)


def css_references(css: str) -> list[str]:
    refs = []
    for match in CSS_URL.finditer(css):
        ref = (match.group(2) or match.group(4) or "").strip()
        if ref:
            refs.append(ref)
    return refs


def decoded_text(response: Response) -> str:
    body = response.body
    if (response.header("Content-Encoding") or "").lower() == "gzip":
        body = gzip.decompress(body)
    return body.decode("utf-8", errors="replace")


def measure(base_url: str) -> Result:
    client = new_client()
    origin = urllib.parse.urlsplit(base_url).netloc
    fetched: list[Fetched] = []
    problems: list[str] = []
    seen: set[str] = set()

    def get(url: str, kind: str) -> Response | None:
        """Fetch URL (following same-host redirects) and record each response's weight."""
        for _ in range(MAX_REDIRECTS + 1):
            parts = urllib.parse.urlsplit(url)
            if parts.scheme == "data":
                return None
            if parts.scheme not in {"http", ""} or parts.netloc != origin:
                problems.append(f"{kind} {url} is on another host (or scheme)")
                return None
            response = fetch(client, url)
            fetched.append(
                Fetched(
                    url=url,
                    kind=kind,
                    status=response.status,
                    wire_bytes=response.wire_bytes,
                    body_bytes=len(response.body),
                    encoding=response.header("Content-Encoding") or "identity",
                )
            )
            location = response.header("Location")
            if response.status in {301, 302, 303, 307, 308} and location:
                url = urllib.parse.urljoin(url, location)
                kind = f"{kind} (redirected)"
                continue
            if response.status != 200:
                problems.append(f"{kind} {url} answered {response.status}")
            return response
        problems.append(f"{kind} {url}: more than {MAX_REDIRECTS} redirects")
        return None

    def queue(kind: str, ref: str, base: str, pending: list[tuple[str, str]]) -> None:
        url = urllib.parse.urldefrag(urllib.parse.urljoin(base, ref)).url
        if urllib.parse.urlsplit(url).scheme == "data" or url in seen:
            return
        seen.add(url)
        pending.append((kind, url))

    home = get(base_url + "/", "document")
    if home is None:
        raise BenchError("the home page could not be fetched")
    parser = SubresourceParser()
    parser.feed(decoded_text(home))
    parser.close()

    pending: list[tuple[str, str]] = []
    for kind, ref in parser.found:
        queue(kind, ref, home.url, pending)
    for css in parser.inline_css:
        for ref in css_references(css):
            queue("css ref", ref, home.url, pending)
    if not parser.has_icon:
        queue("icon (implicit)", "/favicon.ico", home.url, pending)

    while pending:
        kind, url = pending.pop(0)
        response = get(url, kind)
        content_type = (response.header("Content-Type") or "") if response else ""
        if response is not None and response.status == 200 and "css" in content_type:
            for ref in css_references(decoded_text(response)):
                queue("css ref", ref, response.url, pending)

    total = sum(item.wire_bytes for item in fetched)
    details = [
        f"{item.wire_bytes:>7,} B  (body {item.body_bytes:>6,} B {item.encoding:<8}) "
        f"{item.status} {item.kind:<15} {item.url.removeprefix(base_url)}"
        for item in fetched
    ]
    details.append(
        f"{total:>7,} B  in {len(fetched)} responses "
        "(compressed bodies + approximate response headers)"
    )
    return Result(
        name=NAME,
        value=total / 1000,
        budget=BUDGET_BYTES / 1000,
        unit="KB",
        details=details,
        problems=problems,
    )


def run() -> Result:
    with throwaway_instance() as instance:
        prepare_demo(instance)
        with serving(instance) as server:
            return measure(server.base_url)
