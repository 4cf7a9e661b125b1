"""Titles in Japanese and Chinese broken only between phrases, as BudouX finds them.

Japanese and Chinese have no spaces, so a browser may break a title between any two
characters and leave one or two of them alone on the last line (「京都の秋を歩/く」). With
``word-break: keep-all`` a line breaks only where the text allows it, and the title allows
it between each two phrases, but not before a last phrase of one or two characters.

The break between phrases is a zero-width space (U+200B), not a ``<wbr>``: caniemail
reports that Gmail for iOS and Outlook for Windows drop ``<wbr>``, which would leave a
``keep-all`` title no place to break at all.
"""

from __future__ import annotations

import functools
import unicodedata
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from feedwright.mail.wrapping import NO_LINE_END, NO_LINE_START

if TYPE_CHECKING:
    from budoux import Parser

# The shortest last phrase a title may end on a line of its own with.
_SHORTEST_LAST = 3
# Inline, so that a template of one's own that prints the title gets it too.
_KEEP_PHRASES = "word-break: keep-all;"
# Where a line may break between two phrases.
BREAK = "\u200b"


def _language(lang: str) -> str | None:
    """Which of BudouX's models reads ``lang``: "ja", "zh-Hans", "zh-Hant", or None."""
    parts = lang.lower().replace("_", "-").split("-")
    if parts[0] == "ja":
        return "ja"
    if parts[0] == "zh":
        traditional = {"hant", "tw", "hk", "mo"} & set(parts[1:])
        return "zh-Hant" if traditional else "zh-Hans"
    return None


@functools.lru_cache(maxsize=3)
def _parser(language: str) -> Parser:
    # Imported here: only a digest of a Japanese or Chinese site needs it.
    import budoux

    if language == "ja":
        return budoux.load_default_japanese_parser()
    if language == "zh-Hant":
        return budoux.load_default_traditional_chinese_parser()
    return budoux.load_default_simplified_chinese_parser()


def phrases(text: str, lang: str) -> list[str]:
    """``text`` cut into the phrases a line may break between: BudouX's for Japanese and
    Chinese, the last one joined to the one before when it is shorter than three
    characters; the whole text as one piece in other languages."""
    language = _language(lang)
    if language is None or not text:
        return [text] if text else []
    pieces = _kinsoku([piece for piece in _parser(language).parse(text) if piece])
    if len(pieces) > 1 and _length(pieces[-1]) < _SHORTEST_LAST:
        pieces[-2:] = [pieces[-2] + pieces[-1]]
    return pieces


def _kinsoku(pieces: list[str]) -> list[str]:
    """``pieces`` joined where a break between them would break the line-breaking rules
    the text part keeps too (see wrapping): no line ends with an opening bracket (BudouX
    makes 「（」 a phrase of its own), none starts with closing punctuation."""
    joined: list[str] = []
    for piece in pieces:
        if joined and (joined[-1][-1] in NO_LINE_END or piece[0] in NO_LINE_START):
            joined[-1] += piece
        else:
            joined.append(piece)
    return joined


def _length(text: str) -> int:
    """Characters that show: closing punctuation (。」) does not save a word from being alone."""
    return sum(1 for char in text if not unicodedata.category(char).startswith(("P", "Z")))


def title_html(title: str, lang: str) -> Markup:
    """The title as HTML, escaped; in Japanese and Chinese, in a span that breaks lines
    only at the BREAK between its phrases."""
    pieces = phrases(title, lang)
    if len(pieces) <= 1:
        return escape(title)
    joined = Markup(BREAK).join(escape(piece) for piece in pieces)
    return Markup('<span style="{}">{}</span>').format(_KEEP_PHRASES, joined)
