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
# An HTML tag, whose quoted attributes are left alone (kramdown's span HTML).
_TAG = re.compile(
    r"""</?[A-Za-z][A-Za-z0-9-]*(?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*\s*/?>"""
)
# Where any of them may start: kramdown's span start.
_START = re.compile(r"""(?=[^\\]?["']|--|\.\.\.|(?:\\| )?(?:<<|>>)|<[A-Za-z/])""")
# Text with none of them needs no work (most titles have a quote, if anything).
_ANY = re.compile(r"""["']|--|\.\.\.|<<|>>|<""")


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
    found = _SYMBOL.match(text, position) or _TAG.match(text, position)
    if found is None:  # a `<` that starts no tag: itself, as kramdown keeps it
        return position + 1
    new = _SYMBOLS.get(found.group())
    if new is not None:
        edits.append((position, found.end(), new))
    return found.end()


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
