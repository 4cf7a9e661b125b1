"""Typographic quotes and dashes as kramdown makes them (Jekyll's ``smartify`` filter,
which jekyll-feed applies to every title, and kramdown's ``smart_quotes`` and
``typographic_syms`` in a post's text): straight quotes become curly, ``--`` an en dash,
``---`` an em dash, ``...`` an ellipsis, ``<<`` and ``>>`` guillemets.

This follows kramdown 2.4's parser rule for rule: it looks for the first place where a
quote (with the character before it), a typographic symbol or an HTML tag starts, and
there tries its rules in kramdown's order. Ruby's ``\\s``, ``\\w`` and ``\\d`` are ASCII
only, hence ``re.ASCII``.
"""

from __future__ import annotations

import html
import re

_PUNCTUATION = r"""[!"#$%'()*+,\-./:;<=>?@\[\\\]^_`{|}~]"""
# A character a closing quote may follow: not a space, nor what opens a group.
_CLOSING_AFTER = r"[^ \\\t\r\n\[{(-]"
_FLAGS = re.ASCII | re.MULTILINE
# kramdown's SQ_RULES: a pattern, then what each group (a number) or quote (a name) gives.
# A name ending in a digit is a quote whose kind depends on the character of that group.
_QUOTE_RULES: tuple[tuple[re.Pattern[str], tuple[int | str, ...]], ...] = (
    (re.compile(r"""(["'])(?=[_*]{1,2}\S)""", _FLAGS), ("lquote1",)),
    (re.compile(rf"""(["'])(?={_PUNCTUATION}(?!\.\.)\B)""", _FLAGS), ("rquote1",)),
    (re.compile(r"""(\s?)"'(?=\w)""", _FLAGS), (1, "ldquo", "lsquo")),
    (re.compile(r"""(\s?)'"(?=\w)""", _FLAGS), (1, "lsquo", "ldquo")),
    (re.compile(r"""(\s?)'(?=\d\ds)""", _FLAGS), (1, "rsquo")),
    (re.compile(r"""(\s)(['"])(?=\w)""", _FLAGS), (1, "lquote2")),
    (re.compile(rf"""({_CLOSING_AFTER})(['"])""", _FLAGS), (1, "rquote2")),
    (re.compile(r"""(["'])(?=\s|s\b|$)""", _FLAGS), ("rquote1",)),
    (re.compile(r"""(.?)'""", _FLAGS | re.DOTALL), (1, "lsquo")),
    (re.compile(r"""(.?)\"""", _FLAGS | re.DOTALL), (1, "ldquo")),
)
_QUOTES = {"lsquo": "‘", "rsquo": "’", "ldquo": "“", "rdquo": "”"}
_DOUBLE = {"lquote": "ldquo", "rquote": "rdquo"}
_SINGLE = {"lquote": "lsquo", "rquote": "rsquo"}
# kramdown's TYPOGRAPHIC_SYMS, longest first, as kramdown tries them.
_SYMBOLS = {
    "---": "—", "--": "–", "...": "…", "\\<<": "<<", "\\>>": ">>",
    "<< ": "«\u00a0", " >>": "\u00a0»", "<<": "«", ">>": "»",
}  # fmt: skip
_SYMBOL = re.compile("|".join(re.escape(symbol) for symbol in _SYMBOLS))
_QUOTE_START = re.compile(r"""[^\\]?["']""")
# An HTML comment or tag, left alone (kramdown's span HTML).
_TAG = re.compile(
    r"""<!--.*?-->|</?[A-Za-z][A-Za-z0-9-]*(?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*\s*/?>"""
)
_MAX_TAG = 1_000
_ASCII_SPACES = re.compile(r"[ \t\n\r\f\v]+")
_TAG_OR_COMMENT = re.compile(_TAG.pattern, re.DOTALL)
# Where any of them may start: kramdown's span start.
_START = re.compile(r"""(?=[^\\]?["']|--|\.\.\.|(?:\\| )?(?:<<|>>)|<[A-Za-z/!])""")
# Text with none of them needs no work (most titles have a quote, if anything).
_ANY = re.compile(r"""["']|--|\.\.\.|<<|>>|<""")


def jekyll_feed_title(title: str) -> str:
    """A title as jekyll-feed shows it (``post.title | smartify | strip_html |
    normalize_whitespace`` in an HTML title): smartified, without HTML tags or comments,
    its entities read (``&amp;`` is ``&``), runs of whitespace as one space. A `<` that
    starts no tag stays, as kramdown escapes it."""
    text = smartify(title)
    if "<" in text:
        text = _TAG_OR_COMMENT.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    # Ruby's \s, which normalize_whitespace collapses, is ASCII: a no-break space stays.
    return _ASCII_SPACES.sub(" ", text).strip(" ")


def smartify(text: str) -> str:
    """``text`` with kramdown's typographic quotes and symbols, as Jekyll's ``smartify``
    filter gives it (as text: an HTML tag in it is kept as it is)."""
    if _ANY.search(text) is None:
        return text
    pieces: list[str] = []
    position = 0
    for start, end, new in quote_and_symbol_edits(text):
        pieces.append(text[position:start])
        pieces.append(new)
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def quote_and_symbol_edits(
    text: str, start: int = 0, end: int | None = None
) -> list[tuple[int, int, str]]:
    """Where kramdown puts a typographic quote or symbol in ``text[start:end]``: the start
    and end of what it replaces, and what with, in order. Its rules see no character
    before ``start`` (kramdown reads a span of text after markup afresh) but do see those
    after ``end``."""
    stop = len(text) if end is None else end
    edits: list[tuple[int, int, str]] = []
    if _ANY.search(text, start, stop) is None:
        return edits
    position = start
    while position < stop:
        found = _START.search(text, position, stop)
        if found is None:
            break
        position = _span(text, found.start(), edits)
    return [edit for edit in edits if edit[1] <= stop]


def _span(text: str, position: int, edits: list[tuple[int, int, str]]) -> int:
    """Record what starts at ``position`` in ``edits``; the position after it."""
    if _QUOTE_START.match(text, position):
        return _quote(text, position, edits)
    found = _SYMBOL.match(text, position) or _tag(text, position)
    if found is None:  # a `<` that starts no tag: itself, as kramdown keeps it
        return position + 1
    new = _SYMBOLS.get(found.group())
    if new is not None:
        edits.append((position, found.end(), new))
    return found.end()


def _tag(text: str, position: int) -> re.Match[str] | None:
    """The HTML tag or comment at ``position``: one that ends at one of the next few `>`
    (a value may hold one), within _MAX_TAG characters, so that text of many `<a x`
    that none closes is not read to its end for each of them."""
    stop = min(len(text), position + _MAX_TAG)
    end = text.find(">", position, stop)
    for _ in range(4):
        if end < 0:
            return None
        found = _TAG.match(text, position, end + 1)
        if found is not None:
            return found
        end = text.find(">", end + 1, stop)
    return None


def _quote(text: str, position: int, edits: list[tuple[int, int, str]]) -> int:
    """The first of kramdown's quote rules that matches at ``position``, applied."""
    for pattern, substitutions in _QUOTE_RULES:
        match = pattern.match(text, position)
        if match is None:
            continue
        at = position
        for substitution in substitutions:
            if isinstance(substitution, int):
                at += len(match.group(substitution))
                continue
            if substitution[-1].isdigit():
                quote = match.group(int(substitution[-1]))
                kinds = _DOUBLE if quote == '"' else _SINGLE
                edits.append((at, at + 1, _QUOTES[kinds[substitution[:-1]]]))
            else:
                edits.append((at, at + 1, _QUOTES[substitution]))
            at += 1
        return match.end()
    raise AssertionError("kramdown's last rules match any quote")  # pragma: no cover
