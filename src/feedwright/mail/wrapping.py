"""Wrap plain text for the email's text part: by display width, Japanese included.

``textwrap`` counts characters and breaks only at spaces, so a Japanese paragraph (no spaces,
each character two columns wide) would come out as one endless line. Here a line may also
break between two wide characters, and the Japanese line-breaking rules (kinsoku) are kept:
no line starts with closing punctuation such as 。 or 」, and none ends with an opening 「.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import regex

_GRAPHEME = regex.compile(r"\X")
# Characters that may not begin a line (closing brackets, stops, small kana, the long mark).
NO_LINE_START = set("、。，．：；！？・ー…‥）］｝」』】〕〉》”’々")
NO_LINE_START |= set("ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ")
# Characters that may not end a line (opening brackets and quotes).
NO_LINE_END = set("(（[［{｛「『【〔〈《“‘")


def display_width(text: str) -> int:
    """Columns ``text`` takes in a monospaced font: wide (CJK) characters count two."""
    return sum(2 if _is_wide(cluster) else 1 for cluster in _GRAPHEME.findall(text))


def _is_wide(cluster: str) -> bool:
    return unicodedata.east_asian_width(cluster[0]) in ("W", "F")


@dataclass
class _Piece:
    """A run of text that stays on one line, and whether a space came before it."""

    text: str
    space_before: bool


def _pieces(paragraph: str) -> list[_Piece]:
    """Split a paragraph at every place a line may break."""
    pieces: list[_Piece] = []
    word = ""
    word_space = space = False
    for cluster in _GRAPHEME.findall(paragraph):
        if cluster.isspace():
            if word:
                pieces.append(_Piece(word, word_space))
                word = ""
            space = True
        elif _is_wide(cluster):
            # Each wide character is a piece of its own: a line may break on either side.
            if word:
                pieces.append(_Piece(word, word_space))
                word = ""
            pieces.append(_Piece(cluster, space))
            space = False
        else:
            if not word:
                word_space, space = space, False
            word += cluster
    if word:
        pieces.append(_Piece(word, word_space))
    return _keep_together(pieces)


def _keep_together(pieces: list[_Piece]) -> list[_Piece]:
    """Glue closing punctuation to what precedes it and opening brackets to what follows."""
    glued: list[_Piece] = []
    for piece in pieces:
        previous = glued[-1] if glued else None
        if (
            previous
            and not piece.space_before
            and (piece.text[0] in NO_LINE_START or previous.text[-1] in NO_LINE_END)
        ):
            previous.text += piece.text
        else:
            glued.append(_Piece(piece.text, piece.space_before))
    return glued


def wrap(text: str, width: int = 72) -> str:
    """Wrap each paragraph of ``text`` to ``width`` columns; paragraphs stay apart.

    A piece longer than a line (a long URL) is never cut: it gets a line of its own.
    """
    paragraphs = []
    for paragraph in text.split("\n"):
        lines: list[str] = []
        line = ""
        for piece in _pieces(paragraph):
            joined = line + (" " if piece.space_before and line else "") + piece.text
            if line and display_width(joined) > width:
                lines.append(line)
                line = piece.text
            else:
                line = joined
        lines.append(line)
        paragraphs.append("\n".join(lines))
    return "\n".join(paragraphs)


def fitting_clusters(text: str, columns: int) -> int:
    """How many of ``text``'s characters (grapheme clusters), from its start, fit in
    ``columns`` columns of display width."""
    width = 0
    for count, cluster in enumerate(_GRAPHEME.findall(text)):
        width += 2 if _is_wide(cluster) else 1
        if width > columns:
            return count
    return len(_GRAPHEME.findall(text))
