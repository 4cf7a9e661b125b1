"""Pick a post's excerpt and shorten it without breaking words or characters."""

from __future__ import annotations

import html
import re
import unicodedata

import regex

from feedwright.posts.markdown import (
    VERBATIM_END,
    VERBATIM_START,
    TooMuchMarkdown,
    first_paragraph,
    html_to_text,
    markdown_to_text,
    render_markdown,
    without_marks,
)
from feedwright.site.model import PLAIN_MARKDOWN, MarkdownFlavour

ELLIPSIS = "…"
_GRAPHEME = regex.compile(r"\X")
# A link reference definition, as Jekyll looks for one to take along into an excerpt.
_DEFINITION = re.compile(r"^ {0,3}(\[[^\]]+\]):.+$", re.MULTILINE)
# Punctuation that looks wrong just before the ellipsis.
_TRAILING = " \t,;:、，・-–—"
# A footnote's mark (`[^1]`), left out of an excerpt, which has no footnotes.
_FOOTNOTE_MARK = re.compile(r"\[\^[^\]\s]+\]")
# The end of Jekyll's default excerpt, the first block of text: a blank line.
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def excerpt_markdown(
    body: str,
    separator: str,
    *,
    flavour: MarkdownFlavour = PLAIN_MARKDOWN,
    opening: str | None = None,
) -> str:
    """The Markdown a post's excerpt comes from: the text before the separator, whatever
    it is (a heading, a list), with the link reference definitions of the rest that it
    uses, as Jekyll takes it; else the first paragraph or HTML block (a post that starts
    with `<p align="center">` has that block as its excerpt, as in Jekyll), or on a Jekyll
    site (kramdown's ``flavour``), as in Jekyll, the whole body. ``opening``: the text before the
    separator when it was taken already (see ``templating.render_opening``)."""
    if opening is not None:
        return opening + _used_definitions(opening, body)
    if separator and separator in body:
        head, tail = body.split(separator, 1)
        return head + _used_definitions(head, tail)
    return body if flavour.kramdown else first_paragraph(body, flavour=flavour)


def _used_definitions(head: str, tail: str) -> str:
    """The link reference definitions (``[label]: URL``) of ``tail`` whose label ``head``
    holds, on lines of their own after a blank line: without them, ``[text][label]``
    would show as it is written (Jekyll's excerpt takes them along too)."""
    if "]:" not in tail or "[" not in head:
        return ""
    used = [match.group(0) for match in _DEFINITION.finditer(tail) if match.group(1) in head]
    return "\n\n" + "\n".join(used) if used else ""


def _all_definitions(tail: str) -> str:
    """Every link reference definition of ``tail``, as a Hugo summary has them: Hugo
    renders the whole content before it takes the summary, so a definition anywhere
    resolves a label of any case (``[Go][]`` with ``[go]: …``), as Goldmark matches them."""
    if "]:" not in tail:
        return ""
    # A footnote's note (`[^1]: …`) is no link definition: it stays out, with its mark.
    used = [m.group(0) for m in _DEFINITION.finditer(tail) if not m.group(1).startswith("[^")]
    return "\n\n" + "\n".join(used) if used else ""


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
    flavour: MarkdownFlavour = PLAIN_MARKDOWN,
    opening: str | None = None,
    summary_words: int | None = None,
    front_matter_as_written: bool = False,
) -> str:
    """The whole plain-text excerpt of a post: front matter first, then the body's opening
    (see ``excerpt_markdown``; of an HTML post, the text before the separator, as Jekyll
    takes it); none ("") from Markdown too big to render (see ``markdown.MAX_PIECES``).
    ``flavour``: how the site's Markdown is rendered. ``summary_words``: a Hugo site's
    ``summaryLength``, whose summary is Hugo's (see ``hugo_summary``).
    ``front_matter_as_written``: the front matter's excerpt is text as written, its HTML
    tags left out, not Markdown (a Jekyll site's, as jekyll-feed writes it)."""
    try:
        if summary_words is not None:
            return hugo_summary(
                front_matter_excerpt,
                body,
                separator,
                words=summary_words,
                html_post=html_post,
                flavour=flavour,
            )
        if front_matter_excerpt is not None:  # "": a Jekyll post's own empty excerpt
            if front_matter_as_written:
                return html_to_text(front_matter_excerpt)
            return markdown_to_text(front_matter_excerpt, flavour=flavour)
        if html_post:
            if opening is None:
                opening = body.split(separator, 1)[0] if separator and separator in body else body
            if not flavour.kramdown:  # no Jekyll configuration: Jekyll's default, the first block
                opening = _BLANK_LINE.split(opening.strip(), 1)[0]
            return html_to_text(opening)
        markdown = excerpt_markdown(body, separator, flavour=flavour, opening=opening)
        return markdown_to_text(_FOOTNOTE_MARK.sub("", markdown), flavour=flavour)
    except TooMuchMarkdown:
        return ""


def hugo_summary(
    front_matter_summary: str | None,
    body: str,
    separator: str,
    *,
    words: int,
    html_post: bool,
    flavour: MarkdownFlavour,
) -> str:
    """A post's summary as Hugo 0.111 makes ``.Summary`` (its RSS ``<description>``), as
    plain text: the text before ``<!--more-->``, else the front matter's ``summary``,
    else the content's first ``words`` words and on to the end of that sentence.
    TooMuchMarkdown when the Markdown is too big to render."""
    if separator and separator in body:
        head, tail = body.split(separator, 1)
        if html_post:
            return html_to_text(without_marks(head))
        return markdown_to_text(
            _FOOTNOTE_MARK.sub("", head + _all_definitions(tail)), flavour=flavour
        )
    if front_matter_summary:
        return markdown_to_text(front_matter_summary, flavour=flavour)
    if html_post:
        summary = _whole_sentences(hugo_plain(without_marks(body)), words)
    else:
        summary = _rendered_summary(_FOOTNOTE_NOTE.sub("", body), words, flavour)
    return " ".join(html.unescape(summary).split())


# A footnote's note (`[^1]: text`), left out of a summary with the marks that point to it.
_FOOTNOTE_NOTE = re.compile(r"^ {0,3}\[\^[^\]\s]+\]:.*$", re.MULTILINE)


def _rendered_summary(body: str, words: int, flavour: MarkdownFlavour) -> str:
    """Hugo's summary of a Markdown body (footnote marks left out), from its first blocks
    only: rendering a long post whole for its first 70 words would double what it costs.
    Twice as many blocks each time, until the summary ends before their text does (their
    blocks render as they do in the whole body: cut at blank lines, with the link
    reference definitions of the whole body), or the body is all taken."""
    blocks = _BLANK_LINE.split(body)
    taken = 2
    while True:
        head = "\n\n".join(blocks[:taken])
        whole = taken >= len(blocks)
        tail = "" if whole else "\n\n".join(blocks[taken:])
        # A shortcode's output is whole, its marks paired.
        if whole or head.count(VERBATIM_START) == head.count(VERBATIM_END):
            markdown = _FOOTNOTE_MARK.sub("", head + _all_definitions(tail))
            plain = hugo_plain(render_markdown(markdown, flavour=flavour))
            summary = _whole_sentences(plain, words)
            if whole or len(summary) < len(plain.strip()):
                return summary
        taken *= 2


# What Hugo's StripHTML turns into line ends and spaces before it removes the tags.
_HUGO_LINE_ENDS = re.compile(r"\n|</p>|<br>|<br />")
_TAG = re.compile(r"<[^>]*>?")
_END_OF_SENTENCE = re.compile(r"[.?!]")


def hugo_plain(html_text: str) -> str:
    """HTML as Hugo's ``.Plain``: line ends as spaces, each ``</p>`` and ``<br>`` a line
    end, the tags removed, a run of white space its first character; entities stay."""
    if "<" not in html_text and ">" not in html_text:
        return html_text
    spaced = _HUGO_LINE_ENDS.sub(lambda match: " " if match.group(0) == "\n" else "\n", html_text)
    text = _TAG.sub("", spaced)
    return re.sub(r"(\s)\s+", r"\1", text)


def _whole_sentences(plain: str, words: int) -> str:
    """Hugo's TruncateWordsToWholeSentence: ``plain`` up to the end of the sentence in
    which its ``words``-th white space character falls (the whole when it has fewer, or
    no end of sentence after it)."""
    spaces = 0
    position = -1
    for index, char in enumerate(plain):
        if char.isspace():
            spaces += 1
            position = index
            if spaces >= words:
                break
    if position < 0:
        return plain
    end = _END_OF_SENTENCE.search(plain, position)
    return plain if end is None else plain[: end.end()].strip()
