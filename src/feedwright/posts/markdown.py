"""Markdown to HTML (CommonMark plus tables and strikethrough) and HTML to plain text."""

from __future__ import annotations

import lxml.html
from lxml import etree
from markdown_it import MarkdownIt

# Raw HTML stays on: the posts are the site owner's own content (see README, Security).
_RENDERER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
# For plain text only (excerpts): every link is parsed as a link, whatever its scheme, so
# that `[text](javascript:…)` leaves its text and drops its URL instead of staying literal.
# Nothing this renderer makes is ever shown as HTML.
_TEXT_RENDERER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
_TEXT_RENDERER.validateLink = lambda url: True  # type: ignore[method-assign]


def render_markdown(text: str) -> str:
    """Render Markdown to an HTML fragment."""
    html: str = _RENDERER.render(text)
    return html


def first_paragraph(text: str) -> str:
    """The Markdown source of the first paragraph of ``text``, or "" if it has none."""
    tokens = _RENDERER.parse(text)
    for index, token in enumerate(tokens):
        if token.type == "paragraph_open" and index + 1 < len(tokens):
            return tokens[index + 1].content
    return ""


def _fragment(html: str) -> lxml.html.HtmlElement:
    return lxml.html.fragment_fromstring(html, create_parent="div")


def absolutize_links(html: str, base_url: str) -> str:
    """Make every relative ``href``/``src``/``srcset`` in an HTML fragment absolute.

    Relative links resolve against ``base_url`` (the post's own URL) and root-relative ones
    against its host, exactly as a browser showing the post would resolve them.
    """
    if not html.strip():
        return html
    root = _fragment(html)
    root.make_links_absolute(base_url, resolve_base_href=False, handle_failures="ignore")
    inner = [root.text or ""] if root.text else []
    inner.extend(etree.tostring(child, encoding="unicode", method="html") for child in root)
    return "".join(inner)


def html_to_text(html: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed to single spaces."""
    if not html.strip():
        return ""
    return " ".join(_fragment(html).text_content().split())


def markdown_to_text(text: str) -> str:
    """Plain text of a Markdown snippet: formatting, link URLs and HTML tags removed."""
    return html_to_text(_TEXT_RENDERER.render(text))
