"""Markdown to HTML (CommonMark plus tables and strikethrough) and HTML to plain text."""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any

import lxml.html
from lxml import etree
from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline

# The most lines, and pieces of markup, that Markdown may have to be rendered. markdown-it
# keeps about 150 bytes a line and 300 a piece while it renders, pieces being what it
# parses one by one: blocks (paragraphs, list items, table cells…) and, in them, links,
# emphasis, line breaks, code spans and the runs of text between them. A long post has a
# few thousand of each (a 900 KB changelog, 60,000 pieces); a million links in 7 MB took
# 1.6 GB and 24 s to render, 3.5 million short lines 600 MB before a piece was made.
MAX_LINES = 100_000
MAX_PIECES = 100_000


class TooMuchMarkdown(ValueError):
    """Markdown with more than MAX_LINES lines or MAX_PIECES pieces of markup, which is
    not rendered: it would take memory and time out of all proportion."""


def _markdown(*, validate_links: bool = True) -> MarkdownIt:
    """A CommonMark renderer with tables and strikethrough, which stops (TooMuchMarkdown)
    after MAX_PIECES pieces. Raw HTML stays on: the posts are the site owner's own content
    (see README, Security)."""
    renderer = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    # These rules are tried first at every block, and at every piece inside one: they
    # count the pieces as they are parsed, before they add up.
    renderer.block.ruler.before("table", "count_pieces", _count_block)
    renderer.inline.ruler.before("text", "count_pieces", _count_inline)
    if not validate_links:
        renderer.validateLink = lambda url: True  # type: ignore[method-assign]
    return renderer


def _count_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    # The blocks are parsed first, all into one list: its length counts them. A table
    # makes all its cells at once, so they are counted before it is parsed.
    _count(state.env, len(state.tokens) + _table_pieces(state, start, end))
    return False  # it makes nothing: the other rules parse the block


# The second line of a table: only |, -, : and spaces (`| --- | :-: |`).
_DELIMITER_ROW = re.compile(r"[|:\- \t]*-[|:\- \t]*")


def _table_pieces(state: StateBlock, start: int, end: int) -> int:
    """At least the pieces of the table that starts at the line ``start`` (three a cell:
    its start, its content and its end), 0 when none does. The columns are at most the
    second line's |s and one, and the rows the lines up to the next blank one."""
    if start + 1 >= end:
        return 0
    second = state.src[state.bMarks[start + 1] + state.tShift[start + 1] : state.eMarks[start + 1]]
    if "|" not in second or not _DELIMITER_ROW.fullmatch(second):
        return 0
    line = start + 2
    while line < end and not state.isEmpty(line):
        line += 1
    return 3 * (second.count("|") + 1) * (line - start - 1)


def _count_inline(state: StateInline, silent: bool) -> bool:
    # Then what is in each block, piece by piece.
    _count(state.env, state.env.get("pieces", 0) + 1)
    return False


def _count(env: MutableMapping[str, Any], pieces: int) -> None:
    env["pieces"] = pieces
    if pieces > MAX_PIECES:
        raise TooMuchMarkdown(f"more than {MAX_PIECES:,} pieces of markup")


def _checked(text: str) -> str:
    """``text``, or TooMuchMarkdown when it has too many lines to parse."""
    if text.count("\n") + text.count("\r") > MAX_LINES:
        raise TooMuchMarkdown(f"more than {MAX_LINES:,} lines")
    return text


_RENDERER = _markdown()
# For plain text only (excerpts): every link is parsed as a link, whatever its scheme, so
# that `[text](javascript:…)` leaves its text and drops its URL instead of staying literal.
# Nothing this renderer makes is ever shown as HTML.
_TEXT_RENDERER = _markdown(validate_links=False)
# Only the blocks (paragraphs, lists…), not what is in them: all first_paragraph needs.
_BLOCKS = _markdown().disable("inline")


def render_markdown(text: str) -> str:
    """Render Markdown to an HTML fragment; TooMuchMarkdown when it is too big to."""
    html: str = _RENDERER.render(_checked(text), {})
    return html


def first_paragraph(text: str) -> str:
    """The Markdown source of the first paragraph of ``text``, or "" if it has none;
    TooMuchMarkdown when it is too big to parse."""
    tokens = _BLOCKS.parse(_checked(text), {})
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


# Elements of a page's head, never of a post's content: a template's leftovers, which a
# reader would show as text (a <title>) or act on (a <base>, a <meta> refresh).
HEAD_TAGS = ("meta", "title", "link", "base")
# What a feed reader never runs or applies, and may show as text.
_INERT_TAGS = ("script", "style")
_DROPPED_TAG = re.compile(r"<(?:meta|title|link|base|script|style)\b", re.IGNORECASE)


def without_page_tags(html: str) -> tuple[str, list[str]]:
    """An HTML fragment without its live ``<meta>``, ``<title>``, ``<link>``, ``<base>``,
    ``<script>`` and ``<style>`` elements (text after them kept), and the names of the
    head elements it had (the first three and ``<base>``). A tag in a code block is text
    (``&lt;meta&gt;``) and stays."""
    if _DROPPED_TAG.search(html) is None:  # most posts: no parsing
        return html, []
    root = _fragment(html)
    found: list[str] = []
    for element in list(root.iter(*HEAD_TAGS, *_INERT_TAGS)):
        if element.tag in HEAD_TAGS and element.tag not in found:
            found.append(str(element.tag))
        element.drop_tree()
    inner = [root.text or ""] if root.text else []
    inner.extend(etree.tostring(child, encoding="unicode", method="html") for child in root)
    return "".join(inner), found


def html_to_text(html: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed to single spaces."""
    if not html.strip():
        return ""
    return " ".join(_fragment(html).text_content().split())


def markdown_to_text(text: str) -> str:
    """Plain text of a Markdown snippet: formatting, link URLs and HTML tags removed;
    TooMuchMarkdown when it is too big to render."""
    return html_to_text(_TEXT_RENDERER.render(_checked(text), {}))
