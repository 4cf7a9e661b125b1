"""Liquid tags (Jekyll) and shortcodes (Hugo) in a post's body, rendered before its
Markdown as the site's engine renders them, or removed with a warning: a feed never
carries a raw ``{% tag %}`` or ``{{< shortcode >}}``.

Both engines run them before Markdown, in code spans and fenced blocks too (that is what
``{% raw %}`` and ``{{</* … */>}}`` are for), and so does this module. A site that is
neither (a plain feedwright site) keeps ``{{`` and ``{%`` as text. See the README,
"Liquid tags and Hugo shortcodes".
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from feedwright.errors import Problem
from feedwright.posts.links import NO_LINKS, PostLinks
from feedwright.posts.model import Post
from feedwright.site.model import Site

# The most warnings about tags one post gives, each with its line; then one for the rest.
MAX_WARNINGS = 20
# The deepest paired shortcodes are rendered in one another; deeper ones count as unpaired
# (their closing tags are left out with a warning), so a hostile body cannot exhaust the stack.
MAX_NESTING = 50


def render_tags(
    post: Post, body: str, site: Site, links: PostLinks | None = None, excerpt: bool = False
) -> tuple[str, list[Problem]]:
    """``body`` with its Liquid tags (a Jekyll site) or shortcodes (a Hugo site) rendered
    or removed, and a warning for each one removed; unchanged on any other site, or when
    its front matter says ``render_with_liquid: false``. ``excerpt``: ``body`` is a Jekyll
    post's excerpt, rendered by itself (its ``page.id`` ends in ``#excerpt``)."""
    # A substring test first: a body without tags costs nothing more.
    if "{{" not in body and "{%" not in body:
        return body, []
    if site.engine == "jekyll" and post.extra.get("render_with_liquid") is not False:
        # Imported here: a Liquid engine, which only a body with Liquid needs.
        from feedwright.posts.liquid import render_liquid

        collected = _Body(post, body, site, links or NO_LINKS)
        rendered = render_liquid(
            post, body, site, links or NO_LINKS, collected.warn, excerpt=excerpt
        )
        return rendered, collected.all_warnings()
    if site.engine == "hugo" and ("{{<" in body or "{{%" in body):
        shortcodes = _Shortcodes(post, body, site, links or NO_LINKS)
        return shortcodes.render(), shortcodes.all_warnings()
    return body, []


def render_opening(
    post: Post, body: str, separator: str, site: Site, links: PostLinks | None = None
) -> str:
    """A Jekyll post's excerpt, the text before ``separator`` (the whole body when it has
    none), as Jekyll makes it: cut from the body as written, the blocks left open in it
    closed (its ``sanctify_liquid_tags``), then rendered by itself, as a page whose id ends
    in ``#excerpt``; so a ``{% raw %}`` block with a blank line inside gives its first
    lines, and blank lines the tags leave do not cut it again. The warnings are the
    body's, reported when it is rendered."""
    head = body.partition(separator)[0] if separator else body
    for name in reversed(_OPENED.findall(head)):
        if name in _BLOCK_ENDS and not _BLOCK_ENDS[name].search(head):
            head += f"\n{{% end{name} %}}"
    return render_tags(post, head, site, links, excerpt=True)[0]


class _Body:
    """What both engines' renderers share: the post, its body and the warnings."""

    def __init__(self, post: Post, body: str, site: Site, links: PostLinks) -> None:
        self.post = post
        self.text = body
        self.site = site
        self.links = links
        self.warnings: list[Problem] = []
        self.left_out = 0
        self._counted = (0, 0)  # a position in the body, and the lines before it
        parts = urlsplit(site.base_url)
        self.host = f"{parts.scheme}://{parts.netloc}"
        self.base_path = parts.path.rstrip("/")

    def warn(self, position: int, message: str, hint: str) -> None:
        """A warning at the file line of ``position`` in the body; past MAX_WARNINGS in
        one post, only counted (see ``all_warnings``)."""
        self.left_out += 1
        if len(self.warnings) >= MAX_WARNINGS:
            return
        # Counted on from the last warning's line: they come in order, mostly.
        counted, line = self._counted if position >= self._counted[0] else (0, 0)
        line += self.text.count("\n", counted, position)
        self._counted = (position, line)
        self.warnings.append(Problem(self.post.source, message, hint, self.post.body_line + line))

    def all_warnings(self) -> list[Problem]:
        """The warnings, and one for those past MAX_WARNINGS."""
        more = self.left_out - len(self.warnings)
        if more <= 0:
            return self.warnings
        tags = "shortcodes" if isinstance(self, _Shortcodes) else "tags"
        return [
            *self.warnings,
            Problem(self.post.source, f"{more} more {tags} are left out of the feeds", ""),
        ]

    def path_of(self, url: str) -> str:
        """The path of one of the site's URLs (baseurl included), as a relative link."""
        return url[len(self.host) :] if url.startswith(self.host + "/") else url

    def post_folder(self) -> str:
        """The folder of the post from the site's (Hugo's ``content`` left out), which a
        ``ref`` to a post beside it starts from."""
        root = str(self.site.root).rstrip("/") + "/"
        folder = self.post.source.parent.as_posix()
        if not folder.startswith(root):
            return ""
        parts = folder[len(root) :].split("/")
        return "/".join(parts[1:] if parts[0] == "content" else parts)


def fenced(code: str, lang: str) -> str:
    """``code`` as a fenced Markdown code block, its fence longer than any run of
    backticks in it, on lines of its own."""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    lang = "".join(re.findall(r"[\w+#.-]", lang))
    return f"\n{fence}{lang}\n{code.strip(chr(10))}\n{fence}\n"


# ---------------------------------------------------------------------------------------
# Jekyll: Liquid

# What a shortcode holds: anything up to the next "{{", "{%" or "}}", so that an opening
# never closed costs a look at the text up to the next one, not to the end of the body (a
# body of unclosed "{{<" would take quadratic time).
_INSIDE = r"(?:[^{}]|\{(?![{%])|\}(?!\}))*?"
# Liquid's blocks, and Jekyll's highlight: an excerpt that leaves one open has it closed.
_BLOCK_ENDS = {name: re.compile(r"\{%-?\s*end" + name + r"\b.*?-?%\}", re.DOTALL) for name in (
    "raw", "comment", "highlight", "capture", "if", "unless", "for", "case", "tablerow",
    "ifchanged",
)}  # fmt: skip
# The name of each tag, as Jekyll looks for the blocks an excerpt leaves open.
_OPENED = re.compile(r"\{%-?\s*(\w+)")


# ---------------------------------------------------------------------------------------
# Hugo: shortcodes

_SHORTCODE = re.compile(rf"\{{\{{(?P<open>[<%])(?P<inner>{_INSIDE})(?P<close>[>%])\}}\}}")
_CLOSING = re.compile(r"\{\{[<%]\s*/\s*(?P<name>[\w./-]+)\s*[>%]\}\}")
# The shortcodes that have content between an opening and a closing tag; an unknown one
# has when the body closes it.
_PAIRED = ("highlight",)
_ARGUMENT = re.compile(r"""(?:(?P<key>[\w-]+)=)?(?P<value>"(?:[^"\\]|\\.)*"|`[^`]*`|[^\s"`]+)""")


class _Shortcode:
    """One shortcode: its name, its arguments, and where it is in the body."""

    def __init__(self, match: re.Match[str]) -> None:
        inner: str = match["inner"].strip()
        self.match = match
        self.closing = inner.startswith("/")
        self.self_closing = inner.endswith("/")
        inner = inner.strip("/").strip()
        self.name, _, rest = inner.replace("\n", " ").replace("\t", " ").partition(" ")
        self.positional: list[str] = []
        self.named: dict[str, str] = {}
        for argument in _ARGUMENT.finditer(rest):
            value = argument["value"]
            if value[0] in '"`':
                value = value[1:-1].replace('\\"', '"') if value[0] == '"' else value[1:-1]
            if argument["key"]:
                self.named[argument["key"]] = value
            else:
                self.positional.append(value)

    def get(self, key: str, index: int | None = None) -> str:
        """The named argument ``key``, else the positional one at ``index``, else ""."""
        if key in self.named:
            return self.named[key]
        if index is not None and index < len(self.positional):
            return self.positional[index]
        return ""


class _Shortcodes(_Body):
    """Renders the shortcodes of one Hugo post's body."""

    def render(self, start: int = 0, end: int | None = None) -> str:
        """The body (or its text between ``start`` and ``end``) with its shortcodes
        rendered."""
        end = len(self.text) if end is None else end
        pieces: list[str] = []
        position = start
        text = self.text
        while (match := _SHORTCODE.search(text, position, end)) is not None:
            pieces.append(text[position : match.start()])
            position = match.end()
            inner = match["inner"].strip()
            if inner.startswith("/*") and inner.endswith("*/"):
                # The escaped form, kept as text without its comment markers.
                raw = match["inner"]
                raw = raw[: raw.rfind("*/")].replace("/*", "", 1)
                pieces.append("{{" + match["open"] + raw + match["close"] + "}}")
                continue
            if (match["open"], match["close"]) not in (("<", ">"), ("%", "%")):
                pieces.append(match.group(0))
                continue
            output, position = self._shortcode(_Shortcode(match), position, end)
            pieces.append(output)
        pieces.append(text[position:end])
        return "".join(pieces)

    def _closing(self, name: str, start: int, end: int) -> tuple[int, int] | None:
        """Where the first tag that closes a ``name`` after ``start`` starts and ends, if
        one does before ``end``."""
        if self._closings is None:
            # Found once for the body, each shortcode's by its name, in order.
            self._closings = {}
            for match in _CLOSING.finditer(self.text):
                self._closings.setdefault(match["name"], []).append(match.span())
        spans = self._closings.get(name, [])
        index = bisect.bisect_left(spans, (start, start))
        return spans[index] if index < len(spans) and spans[index][1] <= end else None

    _closings: dict[str, list[tuple[int, int]]] | None = None
    # How many paired shortcodes the one being rendered is in.
    _depth = 0

    def _shortcode(self, code: _Shortcode, position: int, end: int) -> tuple[str, int]:
        """What ``code`` renders to, and where the body goes on."""
        start = code.match.start()
        if code.closing:
            self.warn(start, f"`{code.match.group(0)}` closes no shortcode: it is left out", "")
            return "", position
        handler = self._CODES.get(code.name)
        paired = code.name in _PAIRED or (handler is None and self._depth < MAX_NESTING)
        closing = self._closing(code.name, position, end) if paired else None
        if code.self_closing or closing is None:
            closing = None
            inside, after = position, position
        else:
            inside, after = closing
        if code.name == "highlight":
            return fenced(self.text[position:inside], code.get("lang", 0)), after
        if handler is not None:
            output = handler(self, code)
            if code.match["open"] == "%":  # Markdown, rendered with the body's
                return output, after
            # Imported here: a body with shortcodes is rendered anyway.
            from feedwright.posts.markdown import verbatim

            # HTML that Hugo puts in the page as it is, after the Markdown is rendered.
            return verbatim(html.escape(output) if code.name == "param" else output), after
        self.warn(
            start,
            f"the shortcode `{code.name}` is left out of the feeds"
            + (", its content kept" if closing else ""),
            "feedwright renders figure, highlight, ref, relref, param, youtube, vimeo, x, "
            "tweet, instagram and gist",
        )
        self._depth += 1
        try:
            return self.render(position, inside), after
        finally:
            self._depth -= 1

    def _figure(self, code: _Shortcode) -> str:
        """Hugo's figure, on one line (an HTML block ends at a blank line)."""
        caption = _markdown_inline(code.get("caption"), self.site)
        image = _element(
            "img",
            src=code.get("src"),
            alt=code.get("alt") or _plain(caption),
            width=code.get("width"),
            height=code.get("height"),
        )
        link = code.get("link")
        if link:
            image = f"{_element('a', href=link, target=code.get('target'))}{image}</a>"
        title = code.get("title")
        # The attribution right after the caption, as Hugo writes it, in its link if any.
        attribution = _markdown_inline(code.get("attr"), self.site)
        if attribution and code.get("attrlink"):
            attribution = f"{_element('a', href=code.get('attrlink'))}{attribution}</a>"
        figcaption = ""
        if title or caption or attribution:
            heading = f"<h4>{html.escape(title)}</h4>" if title else ""
            text = caption + attribution
            figcaption = f"<figcaption>{heading}" + (f"<p>{text}</p>" if text else "")
            figcaption += "</figcaption>"
        return f"{_element('figure', class_=code.get('class'))}{image}{figcaption}</figure>"

    def _ref(self, code: _Shortcode, relative: bool) -> str:
        target = code.get("path", 0)
        path, _, anchor = target.partition("#")
        url = self.links.find(path, self.post_folder()) if path else self.post.url
        if url is None:
            self.warn(
                code.match.start(),
                f"`{code.match.group(0)}` names no post: it is left out",
                "give the path of a post from the content folder (posts/title.md)",
            )
            return ""
        url += f"#{anchor}" if anchor else ""
        return self.path_of(url) if relative else url

    def _param(self, code: _Shortcode) -> str:
        """Hugo's ``.Page.Param``: the page's value of the key (lowercased, dotted for a
        nested one), else the site's ``[params]`` (its language's)."""
        name = code.get("name", 0)
        value = self.post.title if name.lower() == "title" else _lookup(self.post.extra, name)
        if value is None and self.site.hugo is not None:
            # Imported here: only a Hugo post with a param shortcode needs it.
            from feedwright.posts.hugo import post_language

            value = _lookup(post_language(self.site, self.post.source).params, name)
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, str | int | float):
            return str(value)
        self.warn(
            code.match.start(),
            f"`{code.match.group(0)}` is left out: neither the post's front matter nor the "
            f"site's [params] have `{name}`",
            f"add `{name}` to the post's front matter or to the site's [params]",
        )
        return ""

    def _embed(self, code: _Shortcode) -> str:
        """A link where Hugo embeds a video or a post: feed readers and mail clients show
        no iframes or scripts."""
        name = code.name
        if name in ("x", "tweet", "gist"):
            # `user="…" id="…"`, or positionally: the user and the id, or (x, tweet) the id.
            two = len(code.positional) >= 2
            user, id_ = code.get("user", 0 if two else None), code.get("id", 1 if two else 0)
        else:
            user, id_ = "", code.get("id", 0)
        if not id_ or (name == "gist" and not user):
            self.warn(
                code.match.start(),
                f"`{code.match.group(0)}` names no {'gist' if name == 'gist' else 'id'}: "
                "it is left out",
                "give the id Hugo's shortcode takes",
            )
            return ""
        user, id_ = quote(user or "i", safe="-_.~"), quote(id_, safe="-_.~")
        url, text = {
            "youtube": (f"https://www.youtube.com/watch?v={id_}", "Watch the video on YouTube"),
            "vimeo": (f"https://vimeo.com/{id_}", "Watch the video on Vimeo"),
            "instagram": (f"https://www.instagram.com/p/{id_}/", "See the post on Instagram"),
            "x": (f"https://x.com/{user}/status/{id_}", "See the post on X"),
            "tweet": (f"https://twitter.com/{user}/status/{id_}", "See the post on X"),
            "gist": (f"https://gist.github.com/{user}/{id_}", "See the gist"),
        }[name]
        return f"{_element('a', href=url)}{html.escape(code.get('title') or text)}</a>"

    _CODES: Mapping[str, Callable[[_Shortcodes, _Shortcode], str]] = {
        "figure": _figure,
        "ref": lambda self, code: self._ref(code, relative=False),
        "relref": lambda self, code: self._ref(code, relative=True),
        "param": _param,
        **dict.fromkeys(("youtube", "vimeo", "instagram", "x", "tweet", "gist"), _embed),
    }


def _element(name: str, **attributes: str) -> str:
    """An opening tag with the attributes that have a value (``class_`` is ``class``)."""
    written: Iterable[str] = (
        f' {key.rstrip("_")}="{html.escape(value)}"' for key, value in attributes.items() if value
    )
    return f"<{name}{''.join(written)}>"


def _markdown_inline(text: str, site: Site) -> str:
    """Hugo's ``markdownify`` of a caption: its Markdown as HTML (as the site renders
    it), without the paragraph."""
    if not text:
        return ""
    from feedwright.posts.markdown import render_markdown

    rendered = render_markdown(text, flavour=site.markdown).strip()
    if rendered.startswith("<p>") and rendered.endswith("</p>") and rendered.count("<p>") == 1:
        rendered = rendered[3:-4]
    return rendered


def _plain(fragment: str) -> str:
    from feedwright.posts.markdown import html_to_text

    return html_to_text(fragment) if fragment else ""


def _lookup(values: Mapping[str, Any], name: str) -> object:
    """The value of the dotted key ``name`` in ``values``, each part as written, else
    lowercased (as Hugo reads keys); None when there is none."""
    value: object = values
    for part in name.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part, value.get(part.lower()))
    return value
