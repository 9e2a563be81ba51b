"""Markdown from people, rendered to HTML that is safe to show anywhere.

markdown-it parses (raw HTML disabled), nh3 cleans the result against an allow-list: only
http(s) and mailto links survive, and each link is marked ``nofollow ugc`` so spam gains nothing.
"""

from __future__ import annotations

import html

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_PARSER = MarkdownIt("commonmark", {"html": False, "linkify": False}).disable("image")
_TAGS = {
    "p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre",
    "h3", "h4", "hr",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href"}}
_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str) -> Markup:
    html = _PARSER.render(text)
    # Headings people type stay below the page's own h1/h2.
    for level, lower in (("1", "3"), ("2", "3"), ("5", "4"), ("6", "4")):
        html = html.replace(f"<h{level}>", f"<h{lower}>").replace(f"</h{level}>", f"</h{lower}>")
    cleaned = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_SCHEMES,
        link_rel="nofollow ugc noopener",
    )
    return Markup(cleaned)  # noqa: S704 - sanitized by nh3 just above


def plain_excerpt(text: str, length: int = 240) -> str:
    """A one-paragraph plain-text preview for lists (to be escaped by the template)."""
    return shorten(html.unescape(nh3.clean(_PARSER.render(text), tags=set())), length)


def shorten(text: str, length: int) -> str:
    """Plain text on one line, cut at ``length`` characters with an ellipsis."""
    plain = " ".join(text.split())
    return plain if len(plain) <= length else plain[: length - 1].rstrip() + "…"
