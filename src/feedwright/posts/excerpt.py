"""Pick a post's excerpt and shorten it without breaking words or characters."""

from __future__ import annotations

import re
import unicodedata

import regex

from feedwright.posts.markdown import (
    TooMuchMarkdown,
    first_paragraph,
    html_to_text,
    markdown_to_text,
)

ELLIPSIS = "…"
_GRAPHEME = regex.compile(r"\X")
# Punctuation that looks wrong just before the ellipsis.
_TRAILING = " \t,;:、，・-–—"
# A footnote's mark (`[^1]`), left out of an excerpt, which has no footnotes.
_FOOTNOTE_MARK = re.compile(r"\[\^[^\]\s]+\]")
# The end of Jekyll's default excerpt, the first block of text: a blank line.
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def excerpt_markdown(body: str, separator: str, *, kramdown: bool = False) -> str:
    """The Markdown a post's excerpt comes from: the text before the separator, else the
    first paragraph or HTML block (a post that starts with `<p align="center">` has that
    block as its excerpt, as in Jekyll)."""
    if separator and separator in body:
        return body.split(separator, 1)[0]
    return first_paragraph(body, kramdown=kramdown)


def _is_wide(cluster: str) -> bool:
    """True for CJK characters and other wide ones, between which a line may break."""
    return unicodedata.east_asian_width(cluster[0]) in ("W", "F")


def truncate(text: str, limit: int) -> str:
    """Shorten ``text`` to at most ``limit`` characters, "…" included.

    Characters are grapheme clusters, so an emoji with a skin tone or a letter with a
    combining accent is never split. Text in spaced languages is cut at a word boundary;
    Japanese and Chinese, which have no spaces, are cut between characters.
    """
    clusters = _GRAPHEME.findall(text)
    if len(clusters) <= limit:
        return text
    kept = clusters[: max(limit - 1, 0)]
    following = clusters[len(kept)]
    mid_word = kept and not (
        following.isspace() or kept[-1].isspace() or _is_wide(following) or _is_wide(kept[-1])
    )
    if mid_word:
        for index in range(len(kept) - 1, 0, -1):
            if kept[index].isspace():
                kept = kept[:index]
                break
            if _is_wide(kept[index]):
                kept = kept[: index + 1]
                break
    return "".join(kept).rstrip(_TRAILING) + ELLIPSIS


def excerpt_text(
    front_matter_excerpt: str | None,
    body: str,
    separator: str,
    *,
    html_post: bool = False,
    kramdown: bool = False,
) -> str:
    """The whole plain-text excerpt of a post: front matter first, then the body's opening
    (of an HTML post, the text before the separator or the first blank line, as Jekyll
    takes it); none ("") from Markdown too big to render (see ``markdown.MAX_PIECES``).
    ``kramdown``: the post is a Jekyll site's."""
    try:
        if front_matter_excerpt:
            return markdown_to_text(front_matter_excerpt, kramdown=kramdown)
        if html_post:
            opening = body.split(separator, 1)[0] if separator and separator in body else body
            return html_to_text(_BLANK_LINE.split(opening.strip(), 1)[0])
        opening = excerpt_markdown(body, separator, kramdown=kramdown)
        return markdown_to_text(_FOOTNOTE_MARK.sub("", opening), kramdown=kramdown)
    except TooMuchMarkdown:
        return ""
