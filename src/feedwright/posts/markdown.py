"""Markdown to HTML (CommonMark plus tables, strikethrough and footnotes; kramdown's
syntax on a Jekyll site, goldmark's on a Hugo site: the site's ``MarkdownFlavour``) and
HTML to plain text."""

from __future__ import annotations

import functools
import re
from collections.abc import MutableMapping
from typing import Any

import lxml.html
from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline
from mdit_py_plugins.footnote import footnote_plugin

from feedwright.posts.urls import ATTRIBUTES
from feedwright.site.model import PLAIN_MARKDOWN, MarkdownFlavour

# The most lines, and pieces of markup, that Markdown may have to be rendered. markdown-it
# keeps about 150 bytes a line and 300 a piece while it renders, pieces being what it
# parses one by one: blocks (paragraphs, list items, table cells…) and, in them, links,
# emphasis, line breaks, code spans and the runs of text between them. A long post has a
# few thousand of each (a 900 KB changelog, 60,000 pieces); a million links in 7 MB took
# 1.6 GB and 24 s to render, 3.5 million short lines 600 MB before a piece was made.
MAX_LINES = 100_000
MAX_PIECES = 100_000


# Hugo puts the output of a `{{< shortcode >}}` in the page after it renders the Markdown:
# the templating marks that output with these, and rendering puts it back as it is, never
# read as Markdown (no typographer, no raw HTML omitted).
VERBATIM_START, VERBATIM_END = "\ue000", "\ue001"
_VERBATIM = re.compile("\ue000(.*?)\ue001", re.DOTALL)
_HELD = re.compile("(<p>)?\ue000([0-9]+)\ue001(?(1)</p>)")


def verbatim(html: str) -> str:
    """``html`` marked as a shortcode's output, which rendering leaves as it is."""
    return f"{VERBATIM_START}{html}{VERBATIM_END}" if html else ""


def without_marks(text: str) -> str:
    """``text`` with its shortcode outputs as they are, their marks removed."""
    return _VERBATIM.sub(r"\1", text) if VERBATIM_START in text else text


def _render(renderer: MarkdownIt, text: str) -> str:
    """``text`` rendered, each shortcode output held out of the Markdown under a number
    and put back after (without the paragraph it is alone in, as Hugo writes it)."""
    if VERBATIM_START not in text:
        html: str = renderer.render(_checked(text), {})
        return html
    held: list[str] = []

    def hold(match: re.Match[str]) -> str:
        held.append(match.group(1))
        return f"{VERBATIM_START}{len(held) - 1}{VERBATIM_END}"

    rendered: str = renderer.render(_checked(_VERBATIM.sub(hold, text)), {})
    return _HELD.sub(lambda match: held[int(match.group(2))], rendered)


class TooMuchMarkdown(ValueError):
    """Markdown with more than MAX_LINES lines or MAX_PIECES pieces of markup, which is
    not rendered: it would take memory and time out of all proportion."""


def _markdown(*, flavour: MarkdownFlavour, validate_links: bool = True) -> MarkdownIt:
    """A CommonMark renderer with tables, strikethrough and footnotes (and kramdown's
    syntax and typography, or goldmark's, as ``flavour`` says: see ``kramdown`` and
    ``goldmark``), which stops (TooMuchMarkdown) after MAX_PIECES pieces. Raw HTML is
    parsed even where the site's engine omits it: the posts are the site owner's own
    content (see README, Security)."""
    renderer = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    # Footnotes as kramdown and Hugo's goldmark have them (not pandoc's inline ^[…]).
    renderer.use(footnote_plugin, inline=False)
    if flavour.kramdown:
        # Imported here: only a Jekyll site's posts need it (its regexes take a few ms).
        from feedwright.posts.kramdown import kramdown_plugin

        renderer.use(kramdown_plugin)
    if flavour.goldmark:
        from feedwright.posts.goldmark import goldmark_plugin

        renderer.use(
            goldmark_plugin,
            raw_html=flavour.raw_html,
            heading_ids=flavour.heading_ids,
            typographer=flavour.typographer,
        )
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


@functools.cache
def _renderers(flavour: MarkdownFlavour) -> tuple[MarkdownIt, MarkdownIt, MarkdownIt]:
    """The renderers of a site's Markdown, made when first used: to HTML; to plain text
    only (excerpts), where every link is parsed as a link, whatever its scheme, so that
    `[text](javascript:…)` leaves its text and drops its URL instead of staying literal
    (nothing it makes is ever shown as HTML); and one that parses only the blocks
    (paragraphs, lists…), not what is in them: all first_paragraph needs."""
    return (
        _markdown(flavour=flavour),
        _markdown(flavour=flavour, validate_links=False),
        _markdown(flavour=flavour).disable("inline"),
    )


def render_markdown(text: str, *, flavour: MarkdownFlavour = PLAIN_MARKDOWN) -> str:
    """Render Markdown to an HTML fragment in the site's ``flavour`` (kramdown's on a
    Jekyll site, goldmark's on a Hugo site); TooMuchMarkdown when it is too big to."""
    return _render(_renderers(flavour)[0], text)


def render_body(body: str, *, html_post: bool, flavour: MarkdownFlavour) -> str:
    """A post's content as HTML: its Markdown rendered, or the body of an HTML post as it
    is (Jekyll builds a ``.html`` post without Markdown; the line end after the front
    matter is not its content)."""
    if html_post:
        return without_marks(body.lstrip("\r\n"))
    return render_markdown(body, flavour=flavour)


def first_paragraph(text: str, *, flavour: MarkdownFlavour = PLAIN_MARKDOWN) -> str:
    """The source of the first paragraph or HTML block of ``text`` (Jekyll's excerpt is
    the first block, raw HTML too; with kramdown, a Jekyll site's, even one with no
    text), or "" if it has none; TooMuchMarkdown when it is too big to parse."""
    kramdown = flavour.kramdown
    tokens = _renderers(flavour)[2].parse(_checked(text), {})
    for index, token in enumerate(tokens):
        # Jekyll's excerpt is the first block even when it shows no text (an image, a
        # comment); elsewhere such a block gives way to the next, as in Hugo's summary.
        # Raw HTML the site's engine omits is no excerpt.
        if (
            token.type == "html_block"
            and flavour.raw_html
            and (kramdown or html_to_text(token.content))
        ):
            return token.content
        if token.type == "paragraph_open" and index + 1 < len(tokens):
            return tokens[index + 1].content
    return ""


def _fragment(html: str) -> lxml.html.HtmlElement:
    return lxml.html.fragment_fromstring(html, create_parent="div")


# Elements of a page's head, never of a post's content: a template's leftovers, which a
# reader would show as text (a <title>) or act on (a <base>, a <meta> refresh).
HEAD_TAGS = ("meta", "title", "link", "base")
_DROPPED_TAG = re.compile(r"<(?:meta|title|link|base|script|style)\b", re.IGNORECASE)


# A comment (kept), or an element to leave out: script, style and title with their text
# (to their end tag, or the fragment's end), meta, link and base. Found in the HTML as
# written, which an HTML 4 parser's serialisation would change (see ``urls``).
_PAGE_PIECE = re.compile(
    rf"""<!--.*?(?:-->|\Z)
    |<(?P<element>script|style|title)\b{ATTRIBUTES}\s*>.*?(?:</(?P=element)\s*>|\Z)
    |<(?P<void>meta|link|base)\b{ATTRIBUTES}\s*/?>""",
    re.DOTALL | re.IGNORECASE | re.VERBOSE,
)


def without_page_tags(html: str) -> tuple[str, list[str]]:
    """An HTML fragment without its live ``<meta>``, ``<title>``, ``<link>``, ``<base>``,
    ``<script>`` and ``<style>`` elements (text after them kept), and the names of the
    head elements it had (the first three and ``<base>``). A tag in a code block is text
    (``&lt;meta&gt;``) and stays, and so does everything else, as written."""
    if _DROPPED_TAG.search(html) is None:  # most posts: no parsing
        return html, []
    found: list[str] = []

    def dropped(match: re.Match[str]) -> str:
        name = (match.group("element") or match.group("void") or "").lower()
        if not name:
            return match.group(0)  # a comment
        if name in HEAD_TAGS and name not in found:
            found.append(name)
        return ""

    return _PAGE_PIECE.sub(dropped, html), found


def html_to_text(html: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed to single spaces."""
    if not html.strip():
        return ""
    return " ".join(_fragment(html).text_content().split())


def markdown_to_text(text: str, *, flavour: MarkdownFlavour = PLAIN_MARKDOWN) -> str:
    """Plain text of a Markdown snippet in the site's ``flavour``: formatting, link URLs
    and HTML tags removed; TooMuchMarkdown when it is too big to render."""
    return html_to_text(_render(_renderers(flavour)[1], text))
