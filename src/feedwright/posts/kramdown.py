"""kramdown's syntax, which Jekyll sites use and CommonMark leaves as text, as markdown-it
rules: attribute lists (``{: .class #id key="value"}`` after a block or a span,
``{#id}`` after a heading), the table of contents (``* TOC`` then ``{:toc}``), extensions
(``{::comment}``, ``{::options /}``, ``{::nomarkdown}``), abbreviations
(``*[HTML]: Hyper Text Markup Language``), heading ids (kramdown's ``auto_ids``) and its
typography (curly quotes, dashes and ellipses, see ``typography``). Definition lists
and footnotes come from mdit-py-plugins. What this makes follows what Jekyll 4.3.1
(kramdown 2.4) built from the same small posts.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.helpers import parseLinkLabel
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.deflist import deflist_plugin

from feedwright.posts.typography import quote_and_symbol_edits

# An attribute list: `{: …}` (kramdown's IAL); `{:name: …}` defines one (an ALD).
_ATTRIBUTE_LIST = re.compile(r"\{:(?!:)([^}\n]*)\}")
# After a span, the list runs to its `}` over line breaks too, as kramdown reads it.
_SPAN_ATTRIBUTE_LIST = re.compile(r"\{:(?!:)([^}]*)\}")
_ATTRIBUTE_LINE = re.compile(r"[ \t]*\{:(?!:)([^}\n]*)\}[ \t]*")
_DEFINITION_LINE = re.compile(r"[ \t]*\{:[\w-]+:[^}\n]*\}[ \t]*")
# A heading's own id: `## Title {#id}`.
_HEADING_ID = re.compile(r"[ \t]+\{#([\w:-]+)\}[ \t]*$")
# One item of an attribute list: #id, .class, key="value", key='value', or a name.
_ATTRIBUTE_ITEM = re.compile(
    r"""#(?P<id>[\w:-]+)|\.(?P<class>[\w-]+)|(?P<key>[\w-]+)=(?:"(?P<double>(?:\\.|[^"])*)"|'(?P<single>(?:\\.|[^'])*)')|(?P<name>[\w-]+)"""
)
_EXTENSION_START = re.compile(r"[ \t]*\{::(\w+)([^}\n]*?)(/)?\}[ \t]*")
_ABBREVIATION = re.compile(r"[ \t]{0,3}\*\[([^\]\n]+)\]:[ \t]*(.*)")
_TOC_ID = "markdown-toc"
# The tokens around text whose markup the quote rules see (kramdown reads the source).
_MARKUP = {"link_open": "[", "link_close": ")", "image": "!", "code_inline": "`"}


def kramdown_plugin(md: MarkdownIt) -> None:
    """Teach ``md`` the kramdown syntax of Jekyll sites (see the module's docstring)."""
    deflist_plugin(md)
    md.block.ruler.before("fence", "kramdown_extension", _extension_block)
    md.block.ruler.before("paragraph", "kramdown_abbreviation", _abbreviation_block)
    md.inline.ruler.before("text", "kramdown_span_attributes", _span_attributes)
    md.inline.ruler2.push("kramdown_emphasis_attributes", _emphasis_attributes)
    md.inline.ruler.after("image", "kramdown_spaced_link", _spaced_link)
    md.core.ruler.after("block", "kramdown_block_attributes", _block_attributes)
    md.core.ruler.before("text_join", "kramdown_typography", _typography)
    md.core.ruler.after("kramdown_typography", "kramdown_abbreviations", _abbreviations)
    md.core.ruler.push("kramdown_heading_ids", _heading_ids)
    for name, rule in _FOOTNOTE_RULES.items():
        md.add_render_rule(name, rule)


def _line(state: StateBlock, line: int) -> str:
    return state.src[
        state.bMarks[line] + state.tShift[line] - state.sCount[line] : state.eMarks[line]
    ]


def _extension_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """``{::comment}…{:/comment}`` (left out: kramdown writes it as an HTML comment no one
    sees), ``{::nomarkdown}…{:/nomarkdown}`` (raw HTML), ``{::options …/}`` (left out)."""
    match = _EXTENSION_START.fullmatch(_line(state, start))
    if match is None or state.sCount[start] - state.blkIndent >= 4:
        return False
    if silent:
        return True
    name = match.group(1)
    last = start
    if match.group(3) is None:  # an extension with a body, up to `{:/name}` or `{:/}`
        closing = re.compile(rf"[ \t]*\{{:/(?:{name})?\}}[ \t]*")
        while last + 1 < end and not closing.fullmatch(_line(state, last)):
            last += 1
        body_lines = range(start + 1, last)
    else:
        body_lines = range(0)
    if name == "nomarkdown" and body_lines:
        token = state.push("html_block", "", 0)
        token.content = "".join(_line(state, line) + "\n" for line in body_lines)
        token.map = [start, last + 1]
    state.line = last + 1
    return True


def _abbreviation_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """``*[HTML]: Hyper Text Markup Language``: left out, its word marked everywhere."""
    match = _ABBREVIATION.fullmatch(_line(state, start))
    if match is None or state.sCount[start] - state.blkIndent >= 4:
        return False
    if not silent:
        abbreviations = state.env.setdefault("abbreviations", {})
        abbreviations[match.group(1).strip()] = match.group(2).strip()
        state.line = start + 1
    return True


def _attributes(text: str) -> list[tuple[str, str]]:
    """The attributes of an attribute list's inside (`.a #b c="d"`): class, id, others;
    names (references to a definition, such as ``toc``) as ``("", name)``."""
    attributes: list[tuple[str, str]] = []
    for item in _ATTRIBUTE_ITEM.finditer(text):
        if item.group("id"):
            attributes.append(("id", item.group("id")))
        elif item.group("class"):
            attributes.append(("class", item.group("class")))
        elif item.group("key"):
            value = (
                item.group("double") if item.group("double") is not None else item.group("single")
            )
            attributes.append((item.group("key"), re.sub(r"\\(.)", r"\1", value)))
        elif item.group("name"):
            attributes.append(("", item.group("name")))
    return attributes


def _apply(token: Token, attributes: list[tuple[str, str]]) -> None:
    """Set ``attributes`` on an opening token as kramdown does: classes add up, the rest
    replace; names (references) are kept in ``meta``."""
    for key, value in attributes:
        if not key:
            token.meta.setdefault("references", []).append(value)
        elif key == "class" and token.attrGet("class"):
            token.attrSet("class", f"{token.attrGet('class')} {value}")
        else:
            token.attrSet(key, value)


def _span_attributes(state: StateInline, silent: bool) -> bool:
    """``{: …}`` right after an image, a link, emphasis or code: its attributes. Anywhere
    else it is text, as in kramdown."""
    if not state.src.startswith("{:", state.pos):
        return False
    match = _SPAN_ATTRIBUTE_LIST.match(state.src, state.pos)
    # Right after: no text between (text not yet made into a token is pending).
    target = _span_target(state.tokens) if match and not state.pending else None
    if match is None or target is None:
        return False
    if not silent:
        _apply(target, _attributes(match.group(1)))
    state.pos = match.end()
    return True


def _emphasis_attributes(state: StateInline) -> None:
    """``{: …}`` right after emphasis or strong emphasis: their attributes, as kramdown
    reads them. Emphasis is made of its delimiters only once the text is all read, so the
    list is still text then (``_span_attributes`` leaves it)."""
    tokens = state.tokens
    for index, token in enumerate(tokens[:-1]):
        following = tokens[index + 1]
        if token.type not in ("em_close", "strong_close") or following.type != "text":
            continue
        match = _SPAN_ATTRIBUTE_LIST.match(following.content)
        opening = _span_target(tokens[: index + 1])
        if match is None or opening is None:
            continue
        _apply(opening, _attributes(match.group(1)))
        following.content = following.content[match.end() :]


def _span_target(tokens: list[Token]) -> Token | None:
    """The element that ends with the last token, if it is one an attribute list may follow."""
    if not tokens:
        return None
    last = tokens[-1]
    if last.type in ("image", "code_inline"):
        return last
    if last.nesting != -1:
        return None
    depth = 0
    for token in reversed(tokens):
        depth += token.nesting
        if depth == 0:
            return token
    return None


# The inside of `(…)` after a link's text: its URL, then perhaps a quoted title.
_SPACED_DESTINATION = re.compile(
    r"""\s*(?P<url>\S.*?)(?:\s+(?P<quote>["'])(?P<title>.*?)(?P=quote))?\s*"""
)


def _spaced_link(state: StateInline, silent: bool) -> bool:
    """``[text](/a b.html)`` and ``![alt](/my photo.jpg "title")``: a link or image whose
    URL has spaces, which kramdown reads (and CommonMark leaves as text)."""
    image = state.src.startswith("![", state.pos)
    opening = state.pos + 1 if image else state.pos
    if state.src[opening] != "[" or (state.linkLevel > 0 and not image):
        return False
    label_end = parseLinkLabel(state, opening, True)
    if label_end < 0 or not state.src.startswith("(", label_end + 1):
        return False
    closing = _closing_parenthesis(state.src, label_end + 2, state.posMax)
    inside = state.src[label_end + 2 : closing] if closing > 0 else ""
    destination = _SPACED_DESTINATION.fullmatch(inside)
    if destination is None or not any(c.isspace() for c in destination.group("url")):
        return False
    if not silent:
        url = state.md.normalizeLink(destination.group("url"))
        title = destination.group("title")
        label = state.src[opening + 1 : label_end]
        if image:
            token = state.push("image", "img", 0)
            token.attrs = {"src": url, "alt": ""}
            token.children = []
            state.md.inline.parse(label, state.md, state.env, token.children)
            token.content = label
        else:
            token = state.push("link_open", "a", 1)
            token.attrs = {"href": url}
            state.linkLevel += 1
            state.md.inline.parse(label, state.md, state.env, state.tokens)
            state.linkLevel -= 1
        if title:
            token.attrSet("title", title)
        if not image:
            state.push("link_close", "a", -1)
    state.pos = closing + 1
    return True


# The longest URL and title read between the parentheses of a link with spaces: a line
# of many `[a](b c` is not read to its end for each of them.
_MAX_DESTINATION = 2_000


def _closing_parenthesis(text: str, start: int, end: int) -> int:
    """Where the `)` that closes the `(` before ``start`` is, on its line, within
    _MAX_DESTINATION characters; -1 if nowhere. (Found with ``str.find``, which costs
    little where a line holds many `[a](b c` that no `)` closes.)"""
    stop = min(end, start + _MAX_DESTINATION)
    line_end = text.find("\n", start, stop)
    stop = stop if line_end < 0 else line_end
    closing = text.find(")", start, stop)
    # Each `(` inside takes one more `)` to close.
    while closing >= 0 and text.count("(", start, closing) > text.count(")", start, closing):
        closing = text.find(")", closing + 1, stop)
    return closing


def _block_attributes(state: StateCore) -> None:
    """Attribute lists on their own line: after a block's last line they are that block's
    (after a list's last line, the list's); a paragraph of nothing else gives them to the
    block before it, or after a blank line to the next; ``{#id}`` ends a heading."""
    tokens = state.tokens
    kept: list[Token] = []
    pending: list[tuple[str, str]] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "inline" and token.content:
            _heading_id(tokens[index - 1], token)
            lines = token.content.split("\n")
            trailing = _trailing_attribute_lines(lines)
            if (
                trailing
                and len(trailing) == len(lines)
                and tokens[index - 1].type == "paragraph_open"
            ):
                # A paragraph that is only attribute lists: dropped, its lists applied.
                attributes = [item for line in trailing for item in _attributes(line)]
                target = _block_before(kept, tokens[index - 1])
                if target is None:
                    pending.extend(attributes)
                else:
                    _apply(target, attributes)
                kept.pop()  # the paragraph_open
                index += 2  # the inline token and paragraph_close
                continue
            if trailing:
                lines = lines[: len(lines) - len(trailing)]
                owner = _owner(kept, tokens[index - 1])
                _apply(owner, [item for line in trailing for item in _attributes(line)])
            leading = _trailing_attribute_lines(lines[::-1])
            if leading:  # before a block's first line, they are that block's
                lines = lines[len(leading) :]
                _apply(tokens[index - 1], [item for line in leading for item in _attributes(line)])
            if trailing or leading:
                token.content = "\n".join(lines)
        if token.nesting == 1 and pending and token.type != "list_item_open":
            _apply(token, pending)
            pending = []
        kept.append(token)
        index += 1
    state.tokens = kept


def _trailing_attribute_lines(lines: list[str]) -> list[str]:
    """The attribute lists (and definitions, which are left out) ending a block's lines:
    the inside of each list."""
    found: list[str] = []
    for line in reversed(lines):
        match = _ATTRIBUTE_LINE.fullmatch(line)
        if match is None and not _DEFINITION_LINE.fullmatch(line):
            break
        found.append(match.group(1) if match else "")
    return found[::-1]


def _heading_id(opening: Token, inline: Token) -> None:
    if opening.type != "heading_open":
        return
    match = _HEADING_ID.search(inline.content)
    if match:
        inline.content = inline.content[: match.start()]
        opening.attrSet("id", match.group(1))


def _block_before(kept: list[Token], paragraph_open: Token) -> Token | None:
    """The opening token of the block right before a paragraph (no blank line between),
    or None."""
    if not kept or kept[-1] is not paragraph_open or len(kept) < 2:
        return None
    closing = kept[-2]
    start = paragraph_open.map[0] if paragraph_open.map else -1
    if closing.level != paragraph_open.level or closing.nesting == 1:
        return None
    if closing.nesting == 0:  # a code block, a rule, HTML: one token
        return closing if closing.map and closing.map[1] == start else None
    depth = 0
    for token in reversed(kept[:-1]):
        depth += token.nesting
        if depth == 0:
            end = token.map[1] if token.map else -2
            return token if end == start else None
    return None


def _owner(kept: list[Token], paragraph_open: Token) -> Token:
    """Which block a trailing attribute list belongs to: the paragraph (or heading, or
    table cell…) it ends, or the list whose last item's paragraph it ends."""
    owner = paragraph_open
    if paragraph_open.type == "paragraph_open" and paragraph_open.hidden:
        depth = 0
        for token in reversed(kept[:-1]):
            depth += token.nesting
            if token.type in ("bullet_list_open", "ordered_list_open") and depth == 2:
                owner = token
                break
    return owner


def _with_tables_of_contents(tokens: list[Token]) -> list[Token]:
    """``tokens`` with each list marked ``{:toc}`` replaced by the table of contents of the
    headings (but those of class ``no_toc``), as kramdown makes it."""
    marked = [
        index
        for index, token in enumerate(tokens)
        if token.type in ("bullet_list_open", "ordered_list_open")
        and "toc" in token.meta.get("references", [])
    ]
    if not marked:
        return tokens
    result: list[Token] = []
    index = 0
    for start in marked:
        if start < index:
            continue
        result.extend(tokens[index:start])
        depth = 0
        end = start
        for end in range(start, len(tokens)):
            depth += tokens[end].nesting
            if depth == 0:
                break
        toc = Token("html_block", "", 0)
        toc.content = _table_of_contents(tokens, tokens[start].tag)
        toc.map = tokens[start].map
        result.append(toc)
        index = end + 1
    result.extend(tokens[index:])
    return result


def _table_of_contents(tokens: list[Token], tag: str) -> str:
    """The nested list of links to the headings, as kramdown makes it."""
    lines = [f'<{tag} id="{_TOC_ID}">']
    levels: list[int] = []  # the heading level of each list open, outermost first
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or "no_toc" in str(token.attrGet("class")).split():
            continue
        level = int(token.tag[1:])
        if not levels:
            levels.append(level)
        elif level > levels[-1]:
            lines.append(f"<{tag}>")
            levels.append(level)
        else:
            lines.append("</li>")
            while len(levels) > 1 and level < levels[-1]:
                levels.pop()
                lines.append(f"</{tag}></li>")
        anchor = html.escape(str(token.attrGet("id")))
        text = html.escape(_plain(tokens[index + 1]))
        lines.append(f'<li><a href="#{anchor}" id="{_TOC_ID}-{anchor}">{text}</a>')
    if levels:
        lines.append("</li>" + f"</{tag}></li>" * (len(levels) - 1))
    lines.append(f"</{tag}>")
    return "\n".join(lines) + "\n"


def _plain(inline: Token) -> str:
    """The text of a heading's inline token (its children once parsed, else its source)."""
    if not inline.children:
        return inline.content
    return "".join(
        child.content
        for child in inline.children
        if child.type in ("text", "code_inline", "text_special")
    )


def _heading_ids(state: StateCore) -> None:
    """Heading ids, then the tables of contents that link to them."""
    _heading_ids_of(state.tokens)
    state.tokens = _with_tables_of_contents(state.tokens)


def _heading_ids_of(tokens: list[Token]) -> None:
    """An id for each heading that has none, as kramdown's ``auto_ids`` makes it: the
    text's ASCII letters, digits, spaces and dashes from its first letter on, spaces as
    dashes, lower case; ``section`` when none is left; ``-1``, ``-2``… for repeats."""
    used: dict[str, int] = {}
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or token.attrGet("id"):
            continue
        text = re.sub(r"^[^a-zA-Z]+", "", _plain(tokens[index + 1]))
        made = re.sub(r"[^a-zA-Z0-9 -]", "", text).replace(" ", "-").lower() or "section"
        if made in used:
            used[made] += 1
            made = f"{made}-{used[made]}"
        else:
            used[made] = 0
        token.attrSet("id", made)


def _typography(state: StateCore) -> None:
    """kramdown's curly quotes and typographic symbols in the text of each block, decided
    on the block's whole source (the quote rules look at the characters around a quote,
    which may be markup), made only in text."""
    for token in state.tokens:
        if token.type == "inline" and token.children:
            _typography_of(token.children)


def _typography_of(children: list[Token]) -> None:
    """Each run of text (lines of text, without markup between them) is read on its own,
    as kramdown reads the text between two pieces of markup; what follows it is seen."""
    pieces: list[str] = []
    runs: list[list[tuple[int, Token]]] = []  # the text tokens of each run, at their offsets
    offset = 0
    in_run = False
    for child in children:
        if child.type == "text":
            if not in_run:
                runs.append([])
            runs[-1].append((offset, child))
            piece = child.content
        elif child.type == "softbreak":
            piece = "\n"
        else:
            piece = child.markup or _MARKUP.get(child.type, "") or child.content
        in_run = child.type in ("text", "softbreak") and (in_run or child.type == "text")
        pieces.append(piece)
        offset += len(piece)
    source = "".join(pieces)
    for run in runs:
        last_start, last = run[-1]
        edits = quote_and_symbol_edits(source, run[0][0], last_start + len(last.content))
        for start, token in run:
            end = start + len(token.content)
            mine = [(a - start, b - start, new) for a, b, new in edits if start <= a and b <= end]
            if mine:
                token.content = _edited(token.content, mine)


def _edited(text: str, edits: list[tuple[int, int, str]]) -> str:
    result: list[str] = []
    position = 0
    for start, end, new in edits:
        result.append(text[position:start])
        result.append(new)
        position = end
    result.append(text[position:])
    return "".join(result)


def _abbreviations(state: StateCore) -> None:
    """Each word defined by ``*[WORD]: title`` marked ``<abbr title="title">`` in text
    (not in links, code or HTML)."""
    abbreviations: MutableMapping[str, str] = state.env.get("abbreviations", {})
    if not abbreviations:
        return
    words = sorted(abbreviations, key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(word) for word in words) + r")(?!\w)")
    for token in state.tokens:
        if token.type == "inline" and token.children:
            token.children = list(_abbreviated(token.children, pattern, abbreviations))


def _abbreviated(
    children: list[Token], pattern: re.Pattern[str], titles: MutableMapping[str, Any]
) -> Iterator[Token]:
    in_link = 0
    for child in children:
        in_link += {"link_open": 1, "link_close": -1}.get(child.type, 0)
        if child.type != "text" or in_link or not pattern.search(child.content):
            yield child
            continue
        position = 0
        for match in pattern.finditer(child.content):
            yield _text(child.content[position : match.start()])
            tag = Token("html_inline", "", 0)
            title = html.escape(titles[match.group(1)])
            tag.content = f'<abbr title="{title}">{html.escape(match.group(1))}</abbr>'
            yield tag
            position = match.end()
        yield _text(child.content[position:])


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


# Footnotes marked up as kramdown marks them up (ids from their labels, `fn:label`).
_FootnoteRule = Callable[[Any, Sequence[Token], int, Any, MutableMapping[str, Any]], str]


def _footnote_label(tokens: Sequence[Token], index: int, env: MutableMapping[str, Any]) -> str:
    meta = tokens[index].meta
    label = meta.get("label") or env["footnotes"]["list"][meta["id"]].get("label", "")
    return html.escape(str(label or meta["id"] + 1))


def _reference_id(tokens: Sequence[Token], index: int, env: MutableMapping[str, Any]) -> str:
    """``fnref:label``, and ``fnref:label:1``… for the next marks of one footnote."""
    sub_id = tokens[index].meta.get("subId", 0)
    label = _footnote_label(tokens, index, env)
    return f"fnref:{label}:{sub_id}" if sub_id > 0 else f"fnref:{label}"


def _footnote_mark(
    _renderer: Any,
    tokens: Sequence[Token],
    index: int,
    _options: Any,
    env: MutableMapping[str, Any],
) -> str:
    label = _footnote_label(tokens, index, env)
    number = tokens[index].meta["id"] + 1
    return (
        f'<sup id="{_reference_id(tokens, index, env)}" role="doc-noteref">'
        f'<a href="#fn:{label}" class="footnote" rel="footnote">{number}</a></sup>'
    )


def _footnote_item(
    _renderer: Any,
    tokens: Sequence[Token],
    index: int,
    _options: Any,
    env: MutableMapping[str, Any],
) -> str:
    return f'<li id="fn:{_footnote_label(tokens, index, env)}" role="doc-endnote">'


def _footnote_back_link(
    _renderer: Any,
    tokens: Sequence[Token],
    index: int,
    _options: Any,
    env: MutableMapping[str, Any],
) -> str:
    sub_id = tokens[index].meta.get("subId", 0)
    number = f"<sup>{sub_id + 1}</sup>" if sub_id > 0 else ""
    return (
        f' <a href="#{_reference_id(tokens, index, env)}" class="reversefootnote"'
        f' role="doc-backlink">\u21a9{number}</a>'
    )


def _constant(text: str) -> _FootnoteRule:
    return lambda _renderer, _tokens, _index, _options, _env: text


_FOOTNOTE_RULES: dict[str, _FootnoteRule] = {
    "footnote_ref": _footnote_mark,
    "footnote_block_open": _constant('<div class="footnotes" role="doc-endnotes">\n<ol>\n'),
    "footnote_block_close": _constant("</ol>\n</div>\n"),
    "footnote_open": _footnote_item,
    "footnote_anchor": _footnote_back_link,
}
