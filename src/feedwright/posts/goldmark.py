"""Markdown as Hugo 0.111's goldmark renders it, on top of markdown-it's CommonMark: raw
HTML omitted unless the site allows it, heading ids and attributes, ``<del>``, bare URLs as links
(linkify), definition and task lists, footnotes marked up as goldmark marks them, and the
typographer's quotes, dashes and ellipses (checked against ``hugo`` 0.111.3's output).

The typographer follows goldmark 1.5's inline parser rule for rule. goldmark reads the
source as written, so each run of inline tokens is put back together as a source-like
string (markup and escapes as written), and the rules read their neighbours in it.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.gfm_autolink import gfm_autolink_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

OMITTED = "<!-- raw HTML omitted -->"

LEFT_SINGLE, RIGHT_SINGLE = "\u2018", "\u2019"
LEFT_DOUBLE, RIGHT_DOUBLE = "\u201c", "\u201d"
# Longest first, as goldmark tries them.
_SYMBOLS = (
    ("---", "\u2014"),
    ("...", "\u2026"),
    ("<<", "\u00ab"),
    (">>", "\u00bb"),
    ("--", "\u2013"),
)
_ASCII_PUNCT = frozenset(string.punctuation)
_ASCII_SPACE = frozenset(" \t\n\v\f\r")
# markdown-it's render rule: (renderer, tokens, index, options, env) -> HTML.
_RenderRule = Callable[[Any, Sequence[Token], int, Any, Any], str]


def goldmark_plugin(
    md: MarkdownIt, *, raw_html: bool, heading_ids: bool, typographer: bool
) -> None:
    """Make ``md`` render as goldmark does with Hugo's settings."""
    # Hugo's default extensions: linkify, definition lists, task lists (and tables,
    # strikethrough and footnotes, which every site has).
    md.use(gfm_autolink_plugin).use(deflist_plugin).use(tasklists_plugin)
    # The plugin stops the text at every "w" to try its rule for `www.` links: stopping at
    # "www." only gives the same links, and the text of a long post renders twice as fast.
    characters = md.inline.terminator_re.pattern.replace("w", "")
    md.inline.terminator_re = re.compile(f"{characters}|w(?=ww\\.)")
    md.core.ruler.push("goldmark_links_and_tasks", _links_and_tasks)
    md.add_render_rule("s_open", lambda *args: "<del>")
    md.add_render_rule("s_close", lambda *args: "</del>")
    md.add_render_rule("task_checkbox", _checkbox)
    for name, rule in _FOOTNOTE_RULES.items():
        md.add_render_rule(name, rule)
    md.add_render_rule("html_block", _raw_html(raw_html, OMITTED + "\n"))
    md.add_render_rule("html_inline", _raw_html(raw_html, OMITTED))
    # Before the inline rules parse the heading's text, which its attributes are not.
    md.core.ruler.before("inline", "goldmark_heading_attributes", _heading_attributes)
    if typographer:
        # Before text_join, while escaped characters are still tokens of their own.
        md.core.ruler.before("text_join", "goldmark_typographer", _typographer)
    if heading_ids:
        md.core.ruler.push("goldmark_heading_ids", _heading_ids)


def _raw_html(kept: bool, omitted: str) -> _RenderRule:
    """The render rule of raw HTML: as written when ``kept``, else ``omitted``; Hugo's
    summary divider (``<!--more-->``) is no content either way."""

    def render(_renderer: Any, tokens: Sequence[Token], index: int, *_: Any) -> str:
        content = tokens[index].content
        if content.strip() == SUMMARY_DIVIDER:
            return ""
        return content if kept else omitted

    return render


SUMMARY_DIVIDER = "<!--more-->"
# Attributes after a heading's text (goldmark's parser.attribute.title, on in Hugo):
# `## Title {#id .class key=value}`.
_ATTRIBUTES = re.compile(
    r"[ \t]*\{[ \t]*((?:[#.][\w-]+|[\w-]+=(?:\"[^\"]*\"|'[^']*'|[^\s}]+))"
    r"(?:[ \t]+(?:[#.][\w-]+|[\w-]+=(?:\"[^\"]*\"|'[^']*'|[^\s}]+)))*)[ \t]*\}$"
)
_ATTRIBUTE = re.compile(r"""([#.])([\w-]+)|([\w-]+)=(?:"([^"]*)"|'([^']*)'|([^\s}]+))""")


def _heading_attributes(state: StateCore) -> None:
    """A heading's attributes, taken off its text: ``#id``, ``.class`` (several are
    joined), ``key=value``, in the order written."""
    for index, token in enumerate(state.tokens[:-1]):
        inline = state.tokens[index + 1]
        if token.type != "heading_open" or "{" not in inline.content:
            continue
        found = _ATTRIBUTES.search(inline.content)
        if found is None:
            continue
        inline.content = inline.content[: found.start()]
        for attribute in _ATTRIBUTE.finditer(found.group(1)):
            mark, name, key = attribute.group(1), attribute.group(2), attribute.group(3)
            if mark == "#":
                token.attrSet("id", name)
            elif mark == ".":
                classes = token.attrGet("class")
                token.attrSet("class", f"{classes} {name}" if classes else name)
            else:
                value = next(group for group in attribute.groups()[3:] if group is not None)
                token.attrSet(key, value)


def _links_and_tasks(state: StateCore) -> None:
    """goldmark's markup of what the plugins make: ``www.`` links to https, and task
    lists' checkboxes without classes (and never omitted as raw HTML)."""
    for token in state.tokens:
        if token.attrGet("class") in ("contains-task-list", "task-list-item"):
            del token.attrs["class"]
        children = token.children or []
        for index, child in enumerate(children):
            following = children[index + 1] if index + 1 < len(children) else child
            if child.type == "html_inline" and 'class="task-list-item-checkbox"' in child.content:
                child.type = "task_checkbox"
                child.meta["checked"] = 'checked="checked"' in child.content
            elif child.type == "link_open" and following.content.startswith("www."):
                href = str(child.attrGet("href") or "")
                if child.markup == "autolink" and href.startswith("http://www."):
                    child.attrSet("href", "https://" + href[len("http://") :])


def _checkbox(_renderer: Any, tokens: Sequence[Token], index: int, *_: Any) -> str:
    checked = 'checked="" ' if tokens[index].meta.get("checked") else ""
    return f'<input {checked}disabled="" type="checkbox">'


# Footnotes as goldmark marks them up: numbered in the order they are first referred to.
def _footnote_number(tokens: Sequence[Token], index: int) -> int:
    return int(tokens[index].meta["id"]) + 1


def _reference_id(tokens: Sequence[Token], index: int) -> str:
    """``fnref:1``, then ``fnref1:1``, ``fnref2:1``… for the next marks of footnote 1."""
    sub_id = tokens[index].meta.get("subId", 0)
    return f"fnref{sub_id or ''}:{_footnote_number(tokens, index)}"


def _footnote_mark(
    _renderer: Any, tokens: Sequence[Token], index: int, _options: Any, _env: Any
) -> str:
    number = _footnote_number(tokens, index)
    return (
        f'<sup id="{_reference_id(tokens, index)}"><a href="#fn:{number}"'
        f' class="footnote-ref" role="doc-noteref">{number}</a></sup>'
    )


def _footnote_item(
    _renderer: Any, tokens: Sequence[Token], index: int, _options: Any, _env: Any
) -> str:
    return f'<li id="fn:{_footnote_number(tokens, index)}">\n'


def _footnote_back_link(
    _renderer: Any, tokens: Sequence[Token], index: int, _options: Any, _env: Any
) -> str:
    return (
        f'\u00a0<a href="#{_reference_id(tokens, index)}" class="footnote-backref"'
        ' role="doc-backlink">\u21a9\ufe0e</a>'
    )


def _constant(text: str) -> _RenderRule:
    return lambda _renderer, _tokens, _index, _options, _env: text


_FOOTNOTE_RULES: dict[str, _RenderRule] = {
    "footnote_ref": _footnote_mark,
    "footnote_block_open": _constant('<div class="footnotes" role="doc-endnotes">\n<hr>\n<ol>\n'),
    "footnote_block_close": _constant("</ol>\n</div>\n"),
    "footnote_open": _footnote_item,
    "footnote_anchor": _footnote_back_link,
}


def _heading_ids(state: StateCore) -> None:
    """An id on every heading, from its source text as Hugo's "github" style makes it
    (``## It's *here*`` is ``its-here``), ``-1``, ``-2``… after one already taken."""
    taken: set[str] = set()
    for index, token in enumerate(state.tokens):
        if token.type != "heading_open":
            continue
        own = token.attrGet("id")
        if own is not None:  # given with the heading's attributes
            taken.add(str(own))
            continue
        # goldmark reads the heading's last line (of a setext heading's several).
        source = state.tokens[index + 1].content.split("\n")[-1]
        token.attrSet("id", _unique(anchor(source) or "heading", taken))


def anchor(text: str) -> str:
    """Hugo's "github" anchor of ``text``: letters, digits and ``_`` lowercased, spaces
    and ``-`` as ``-``, anything else left out."""
    kept = []
    for char in text.strip():
        if char == "-" or char.isspace():
            kept.append("-")
        elif char == "_" or char.isalpha() or unicodedata.category(char) == "Nd":
            kept.append(char.lower())
    return "".join(kept)


def _unique(name: str, taken: set[str]) -> str:
    candidate, number = name, 0
    while candidate in taken:
        number += 1
        candidate = f"{name}-{number}"
    taken.add(candidate)
    return candidate


@dataclass
class _Unclosed:
    """The quotes opened and not yet closed in a block, as goldmark counts them."""

    single: int = 0
    double: int = 0


def _typographer(state: StateCore) -> None:
    for token in state.tokens:
        if token.type == "inline" and token.children:
            _typeset(token.children)


def _source_of(token: Token) -> str:
    """What goldmark reads where a token that is not text was: its markup as written."""
    if token.type in ("softbreak", "hardbreak"):
        return "\n"
    if token.type == "code_inline":
        return token.markup + token.content + token.markup
    if token.type == "html_inline":
        return token.content
    if token.type == "link_open":
        return "<" if token.markup == "autolink" else "["
    if token.type == "link_close":
        return ">" if token.markup == "autolink" else ")"
    if token.type == "image":
        return "![" + token.content + ")"
    return token.markup or "*"


def _typeset(children: Sequence[Token]) -> None:
    """The typographer over one block's inline tokens: the text outside code, links'
    own URLs (autolinks), images and escapes."""
    pieces: list[tuple[int, Token]] = []
    source = ""
    in_autolink = False
    for token in children:
        if token.type == "link_open":
            in_autolink = token.markup in ("autolink", "linkify")
        if token.type == "text" and not in_autolink:
            pieces.append((len(source), token))
            source += token.content
        else:
            source += token.content if token.type == "text" else _source_of(token)
        if token.type == "link_close":
            in_autolink = False
    unclosed = _Unclosed()
    for start, token in pieces:
        token.content = _typeset_text(source, start, start + len(token.content), unclosed)


def _typeset_text(source: str, start: int, end: int, unclosed: _Unclosed) -> str:
    """``source[start:end]`` with goldmark's substitutions."""
    out: list[str] = []
    position = start
    # From one character a rule starts at to the next: the text between stays.
    while (match := _RULE_START.search(source, position, end)) is not None:
        at = match.start()
        out.append(source[position:at])
        line_end = source.find("\n", at)
        line = source[at : len(source) if line_end < 0 else line_end + 1]
        found = _substitution(line, source[at - 1] if at > 0 else "\n", unclosed)
        if found is None or at + found[1] > end:
            out.append(source[at])
            position = at + 1
        else:
            out.append(found[0])
            position = at + found[1]
    out.append(source[position:end])
    return "".join(out)


# Where a substitution may start.
_RULE_START = re.compile("""[-.<>'"]""")


def _substitution(line: str, before: str, unclosed: _Unclosed) -> tuple[str, int] | None:
    """What goldmark puts for the start of ``line`` (the rest of the source line), and
    how many characters it replaces; None: the character stays."""
    for symbol, replacement in _SYMBOLS:
        if line.startswith(symbol):
            return replacement, len(symbol)
    char = line[0]
    if char == "'":
        found = _single_quote(line, before, unclosed)
    elif char == '"':
        found = _double_quote(line, before, unclosed)
    else:
        return None
    return None if found is None else (found, 1)


def _flanking(line: str, before: str) -> tuple[bool, bool]:
    """Whether the run of quotes at the start of ``line`` can open and close, as
    CommonMark's delimiter runs (goldmark's ScanDelimiter)."""
    run = len(line) - len(line.lstrip(line[0]))
    after = line[run] if run < len(line) else " "
    before_punct, after_punct = _is_punct(before), _is_punct(after)
    before_space, after_space = before.isspace(), after.isspace()
    left = not after_space and (not after_punct or before_space or before_punct)
    right = not before_space and (not before_punct or after_space or after_punct)
    return left, right


def _is_punct(char: str) -> bool:
    return unicodedata.category(char)[0] in "PS"


def _ends_word(line: str, index: int) -> bool:
    """goldmark's check that nothing or an ASCII space or punctuation is at ``index``."""
    return len(line) <= index or line[index] in _ASCII_PUNCT or line[index] in _ASCII_SPACE


def _apostrophe(line: str, before: str, opens: bool) -> bool:
    """Whether the quote at the start of ``line`` is an apostrophe by goldmark's first
    rules: a decade ('90s), 'twas, 'em, 'net, 'll, or between a letter or digit and a
    letter (it's)."""
    decade = len(line) > 3 and line[1:3].isascii() and line[1:3].isdigit() and line[3] == "s"
    if opens and decade and (len(line) == 4 or line[4].isspace() or _is_punct(line[4])):
        return True
    if len(line) > 1 and (_is_category(before, "P") or before.isspace()) and line[1] in "tenl":
        return True
    return len(line) > 1 and (before.isalpha() or _is_category(before, "Nd")) and line[1].isalpha()


def _single_quote(line: str, before: str, unclosed: _Unclosed) -> str | None:
    can_open, can_close = _flanking(line, before)
    opens = can_open and not can_close
    if _apostrophe(line, before, opens):
        return RIGHT_SINGLE
    if opens:
        # Alice's, I'm, don't, you'd, I've, I'll, you're.
        if len(line) > 1 and line[1] in "smtd" and _ends_word(line, 2):
            return RIGHT_SINGLE
        if len(line) > 2 and line[1:3] in ("ve", "ll", "re") and _ends_word(line, 3):
            return RIGHT_SINGLE
        unclosed.single += 1
        return LEFT_SINGLE
    # Plural possessives and abbreviations (Smiths', doin'): goldmark's test holds for any
    # quote with two characters after it, the first no digit.
    if len(line) > 2 and not _is_category(line[1], "Nd"):
        return RIGHT_SINGLE
    if unclosed.single > 0 and _closes(line, can_open, can_close):
        unclosed.single -= 1
        return RIGHT_SINGLE
    return None


def _double_quote(line: str, before: str, unclosed: _Unclosed) -> str | None:
    can_open, can_close = _flanking(line, before)
    if can_open and not can_close:
        unclosed.double += 1
        return LEFT_DOUBLE
    if unclosed.double > 0 and _closes(line, can_open, can_close):
        # Monitor 21"": inches, then the closing quote.
        if len(line) > 1 and line[1] == '"' and _is_category(before, "Nd"):
            return None
        unclosed.double -= 1
        return RIGHT_DOUBLE
    return None


def _closes(line: str, can_open: bool, can_close: bool) -> bool:
    """Whether a quote that may close closes: it only closes, or it may do both and
    punctuation follows it, then nothing, punctuation or a space."""
    if can_close and not can_open:
        return True
    return (
        can_close
        and can_open
        and len(line) > 1
        and _is_category(line[1], "P")
        and (len(line) == 2 or line[2] in _ASCII_PUNCT or line[2] in _ASCII_SPACE)
    )


def _is_category(char: str, prefix: str) -> bool:
    return unicodedata.category(char).startswith(prefix)
