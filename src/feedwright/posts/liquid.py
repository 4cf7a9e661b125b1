"""A Jekyll post's Liquid, rendered as Jekyll 4.3 renders it: by a Liquid engine
(python-liquid, Shopify's Liquid 5, the Liquid Debian's Jekyll 4.3.1 runs), with Jekyll's
tags (``highlight``, ``post_url``, ``link``, ``include``, ``include_relative``), its
filters, and its ``site`` and ``page`` variables.

Jekyll's defaults are the rules (``liquid: error_mode: warn``, no strict variables or
filters): an unknown variable is empty, an unknown filter passes its value on, a tag or
variable whose expression does not parse is left out with a warning. What stops Jekyll's
build makes the post invalid: a block never closed, a stray ``{% endif %}``, a ``{{``
never closed, an include that is not there, a filter given the wrong arguments. A tag
feedwright does not know (a plugin's) is left out with a warning, its block's content
kept, as before. See the README, "Liquid tags and Hugo shortcodes".

Imported only for a body with Liquid in it (the import takes 0.1 s).
"""

from __future__ import annotations

import contextvars
import csv
import io
import json
import math
import os
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import cmp_to_key
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote, quote_plus, urlsplit

from liquid import BoundTemplate, Environment, Mode, RenderContext, Undefined
from liquid.ast import BlockNode, Node
from liquid.builtin.filters.array import sort as liquid_sort
from liquid.exceptions import (
    BlockNestingError,
    ContextDepthError,
    FilterArgumentError,
    LiquidError,
    LiquidInterrupt,
    LiquidSyntaxError,
    LocalNamespaceLimitError,
    LoopIterationLimitError,
    OutputStreamLimitError,
    ResourceLimitError,
)
from liquid.filter import with_context
from liquid.parser import get_parser
from liquid.stream import TokenStream
from liquid.tag import Tag
from liquid.token import TOKEN_EOF, TOKEN_EXPRESSION, TOKEN_TAG, Token

from feedwright.errors import ConfigError, PostError
from feedwright.posts.links import POST_SUFFIXES, PostLinks
from feedwright.posts.model import Post
from feedwright.site.config_files import read_structured_file
from feedwright.site.model import Site, in_zone

# ---------------------------------------------------------------------------------------
# One post's rendering: what the tags and the error handling need to know of it.


class NeedsAllPosts(RuntimeError):
    """``site.posts`` was asked for where only the posts' URLs are known (a render
    process): the build renders the body in its own process instead."""


@dataclass
class _Render:
    """The post being rendered, and where its warnings go."""

    post: Post
    site: Site
    links: PostLinks
    body: str
    # A warning at a position in the body: its message and hint.
    warn: Callable[[int, str, str], None]
    # The include files being rendered, outermost first, each with the position in the
    # body of the tag that includes it (where its problems are reported).
    includes: list[tuple[Path, int]] = field(default_factory=list)

    def position(self, token: Token | None) -> int:
        """Where in the body a token is (for a token of an included file: its tag)."""
        if self.includes and (token is None or token.source is not self.body):
            return self.includes[0][1]
        if token is None or token.start_index < 0:
            return 0
        return token.start_index

    def where(self, token: Token | None) -> str:
        """`` (in _includes/x.html, line 3)`` for a token of an included file, else ""."""
        if not self.includes or token is None or token.source is self.body:
            return ""
        path = self.includes[-1][0]
        line = token.source.count("\n", 0, max(token.start_index, 0)) + 1
        return f" (in {_from_root(path, self.site.root)}, line {line})"

    def line(self, position: int) -> int:
        """The file line of a position in the body."""
        return self.post.body_line + self.body.count("\n", 0, position)


_RENDER: contextvars.ContextVar[_Render] = contextvars.ContextVar("feedwright_liquid")


def render_liquid(
    post: Post,
    body: str,
    site: Site,
    links: PostLinks,
    warn: Callable[[int, str, str], None],
    excerpt: bool = False,
) -> str:
    """``body`` (a Jekyll post's, or its ``excerpt``'s) with its Liquid rendered; each
    warning given to ``warn`` with its position in the body. PostError when Jekyll would
    stop the build (see the module's docstring)."""
    render = _Render(post=post, site=site, links=links, body=body, warn=warn)
    unclosed = _unterminated(body)
    if unclosed is not None:
        raise _never_closed(render, unclosed)
    reset = _RENDER.set(render)
    try:
        template = _environment().from_string(body)
        return template.render(page=_page(post, site, excerpt), site=_site(site, links))
    except LiquidError as error:
        raise _post_error(render, error) from None
    except (ArithmeticError, LookupError, TypeError, ValueError) as error:
        # A filter given what it cannot take, which python-liquid lets through
        # (`uniq: 5` on a list of text): the post's, not a traceback.
        raise PostError(
            post.source,
            f"Liquid error: a filter failed: {type(error).__name__}: {error}",
            "check the filters' arguments in the post's Liquid",
            post.body_line,
        ) from None
    finally:
        _RENDER.reset(reset)


def _unterminated(body: str) -> int | None:
    """The position of a ``{%`` after the last ``%}`` or a ``{{`` after the last ``}}``:
    a tag or variable never closed, which Jekyll refuses. Found first, in one pass, since a
    Liquid lexer looks for each one's end to the end of the body (quadratic time)."""
    text, unclosed_raw = _without_raw(body)
    found = [
        position
        for opening, closing in (("{%", "%}"), ("{{", "}}"))
        if (position := text.find(opening, text.rfind(closing) + 1)) >= 0
    ]
    if unclosed_raw is not None:
        found.append(unclosed_raw)
    # Liquid 5.4 has no doc tag, but the engine's lexer reads one as raw does.
    if (doc := _DOC_OPEN.search(text, text.rfind("enddoc") + 1)) is not None:
        found.append(doc.start())
    return min(found, default=None)


_RAW_OPEN = re.compile(r"\{%-?\s*raw\s*-?%\}")
_RAW_CLOSE = re.compile(r"\{%-?\s*endraw\s*-?%\}")
_DOC_OPEN = re.compile(r"\{%-?\s*doc\s*-?%\}")


def _without_raw(body: str) -> tuple[str, int | None]:
    """``body`` with the text of its raw blocks blanked (the same length): braces there
    are text; and where a raw block never closed opens, if one does (also found before
    the engine runs, whose lexer looks for the end of each such block to the end of the
    body). Each raw block is looked for once, from the end of the one before."""
    if "raw" not in body:
        return body, None
    pieces: list[str] = []
    position = 0
    while (opening := _RAW_OPEN.search(body, position)) is not None:
        closing = _RAW_CLOSE.search(body, opening.end())
        if closing is None:
            pieces.append(body[position:])
            return "".join(pieces), opening.start()
        pieces += [body[position : opening.end()], " " * (closing.start() - opening.end())]
        position = closing.start()
    pieces.append(body[position:])
    return "".join(pieces), None


def _never_closed(render: _Render, position: int) -> PostError:
    """The error of a tag, a variable or a raw block never closed at ``position``."""
    body = render.body
    block = _RAW_OPEN.match(body, position) or _DOC_OPEN.match(body, position)
    if block is not None:
        name = "raw" if "raw" in block[0] else "doc"
        what, hint = f"`{{% {name} %}}` is never closed", f"add `{{% end{name} %}}` where it ends"
    else:
        opening = body[position : position + 2]
        closing = "%}" if opening == "{%" else "}}"
        written = body[position : position + 20].splitlines()[0]
        what = f"`{written}` is never closed with `{closing}`"
        hint = f"close it, or write the braces as {{% raw %}}{opening}{{% endraw %}}"
    return PostError(
        render.post.source, f"Liquid syntax error: {what}", hint, render.line(position)
    )


class _BlockError(LiquidSyntaxError):
    """A Liquid error that stops Jekyll's build whatever its error mode: a block never
    closed, a tag outside its block, an include that is not there; with what to do."""

    def __init__(self, message: str, token: Token | None, hint: str = "") -> None:
        super().__init__(message, token=token)
        self.hint = hint


# What each bound of _JekyllEnvironment that a render passed means, for its message.
_LIMITS: dict[type[ResourceLimitError], str] = {
    LoopIterationLimitError: "its loops run more than 1,000,000 times in all",
    OutputStreamLimitError: "it writes more than 16 MB of text",
    LocalNamespaceLimitError: "its `assign` and `capture` hold more than 16 MB",
}
_EXPECTED_END = re.compile(r"expected tag end(\w+)|(\w+) tag was never closed")


def _post_error(render: _Render, error: LiquidError) -> PostError:
    """The PostError of a Liquid error, at its line, saying what to do."""
    message = str(error.message)
    position = render.position(error.token)
    where = render.where(error.token)
    expected = _EXPECTED_END.search(message)
    if expected is not None:
        name = expected[1] or expected[2]
        if render.includes:
            where = _unclosed_in_include(render, name)
        else:
            position = _unclosed_block(render.body, name)
        what = f"`{{% {name} %}}` is never closed{where}"
        hint = f"add `{{% end{name} %}}` where its block ends"
    elif isinstance(error, _BlockError) and error.hint:
        what, hint = message + where, error.hint
    elif isinstance(error, LiquidSyntaxError):
        what = message + where
        hint = (
            "remove the tag or open its block before it; to show Liquid as text, wrap it "
            "in {% raw %}…{% endraw %}"
        )
    elif isinstance(error, (ContextDepthError, BlockNestingError)):
        what = f"Liquid: its includes or blocks go more than 30 deep{where}"
        hint = "nest them less deeply (an include that includes itself never ends)"
    elif isinstance(error, ResourceLimitError):
        what = f"Liquid: {_LIMITS.get(type(error), message)}{where}"
        hint = (
            "make the loop or the text smaller; feedwright stops a post's Liquid there, "
            "where Jekyll would run on"
        )
    else:
        what = f"{message}{where}" if "Liquid" in message else f"Liquid error: {message}{where}"
        hint = "fix the tag: Jekyll stops the build here too"
    prefix = "" if what.startswith("Liquid") else "Liquid syntax error: "
    return PostError(render.post.source, prefix + what, hint, render.line(position))


def _unclosed_in_include(render: _Render, name: str) -> str:
    """`` (in _includes/x.html, line 3)``: where the included file being rendered opens
    the block ``name`` that it never closes."""
    path = render.includes[-1][0]
    text = path.read_text(encoding="utf-8", errors="replace")
    line = text.count("\n", 0, _unclosed_block(text, name)) + 1
    return f" (in {_from_root(path, render.site.root)}, line {line})"


def _unclosed_block(body: str, name: str) -> int:
    """Where the last ``{% name %}`` that no ``{% endname %}`` closes opens (0 if none)."""
    opened: list[int] = []
    for match in re.finditer(rf"\{{%-?\s*(end)?{name}\b", body):
        if match[1]:
            if opened:
                opened.pop()
        else:
            opened.append(match.start())
    return opened[-1] if opened else 0


# ---------------------------------------------------------------------------------------
# The environment: Liquid 5 with Jekyll's tags and filters, and Jekyll's error mode.


class _JekyllEnvironment(Environment):
    """Liquid as Jekyll configures it, with its tags and filters; and with bounds Jekyll
    has not, so that one post cannot hang or swamp a cron job's build (a loop of a hundred
    million turns ran on for minutes): past them the post is invalid, with a message
    (``--skip-invalid`` builds the rest)."""

    # Every loop of one render together; a loop over every post of a 10,000-post site,
    # nested once in a short one, stays well under it.
    loop_iteration_limit = 1_000_000
    # What one render may write, in characters: more than a feed may carry of a post.
    output_stream_limit = 16 * 1024 * 1024
    # What `assign` and `capture` may hold at once, roughly in bytes.
    local_namespace_limit = 16 * 1024 * 1024

    def error(
        self,
        exc: type[LiquidError] | LiquidError,
        msg: str | None = None,
        token: Token | None = None,
    ) -> None:
        """Jekyll's ``error_mode: warn``: a tag or variable whose expression does not parse
        is a warning (it is left out); a block error or an error while rendering raises."""
        error = exc if isinstance(exc, LiquidError) else exc(msg, token=token)
        if error.token is None:
            error.token = token
        if isinstance(error, LiquidInterrupt):
            return
        rendering = _RENDER.get()
        unclosed = _EXPECTED_END.search(str(error.message))
        if isinstance(error, _BlockError) or not isinstance(error, LiquidSyntaxError) or unclosed:
            raise error
        text = error.token.source if error.token else ""
        start = error.token.start_index if error.token else 0
        rendering.warn(
            rendering.position(error.token),
            f"Liquid syntax error{rendering.where(error.token)}: {error.message} "
            f"in `{_excerpt(text, start)}`: it is left out of the feeds (Jekyll warns too)",
            "fix the expression",
        )


# How far around a position a message looks for its tag: a bounded look, so that the
# warnings of a body of many bad tags take time in proportion to their number.
_AROUND = 200


def _excerpt(text: str, position: int) -> str:
    """The tag or variable at ``position``, on one line, for a message."""
    low, high = max(position - _AROUND, 0), position + _AROUND
    start = max(text.rfind("{{", low, position + 2), text.rfind("{%", low, position + 2), low)
    ends = [end + 2 for closing in ("}}", "%}") if (end := text.find(closing, position, high)) >= 0]
    return " ".join(text[start : min(ends, default=high)].split())[:80]


_ENVIRONMENT: list[_JekyllEnvironment] = []


def _environment() -> _JekyllEnvironment:
    """The one environment, made at first use."""
    if not _ENVIRONMENT:
        environment = _JekyllEnvironment(
            tolerance=Mode.WARN, undefined=Undefined, strict_filters=False
        )
        for tag in (
            _Highlight, _PostUrl, _Link, _Include, _IncludeRelative, _UnknownTag
        ):  # fmt: skip
            environment.add_tag(tag)
        for instance in environment.tags.values():
            # Instance attributes: the tags of this environment only.
            instance.parse = _located(instance.parse)  # type: ignore[method-assign,assignment]
        for name, function in _FILTERS.items():
            environment.add_filter(name, function)
        _ENVIRONMENT.append(environment)
    return _ENVIRONMENT[0]


def _located(parse: Callable[[TokenStream], Node]) -> Callable[[TokenStream], Node]:
    """A tag's ``parse`` whose errors without a place in the text (the end of the tag's
    expression) are placed at the tag."""

    def located(stream: TokenStream) -> Node:
        token = stream.current
        try:
            return parse(stream)
        except LiquidError as error:
            if error.token is None or error.token.start_index < 0:
                error.token = token
            raise

    return located


# ---------------------------------------------------------------------------------------
# Tags


class _TextNode(Node):
    """A tag whose output a function makes from the render context."""

    __slots__ = ("make",)

    def __init__(self, token: Token, make: Callable[[RenderContext], str]) -> None:
        super().__init__(token)
        self.make = make
        self.blank = False

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        """Write the tag's output."""
        return buffer.write(self.make(context))


def _markup(stream: TokenStream) -> tuple[Token, str]:
    """The tag token and its expression as written (Jekyll's tags read it themselves),
    the stream left on the expression."""
    token = stream.expect(TOKEN_TAG)
    if stream.peek.kind == TOKEN_EXPRESSION:
        next(stream)
        return token, stream.current.value.strip()
    return token, ""


_HIGHLIGHT_END = frozenset(("endhighlight", TOKEN_EOF))


class _HighlightNode(Node):
    """Jekyll's highlight block: its rendered content as a fenced code block."""

    __slots__ = ("block", "lang")

    def __init__(self, token: Token, lang: str, block: BlockNode) -> None:
        super().__init__(token)
        self.lang = lang
        self.block = block
        self.blank = False

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        """Write the block as a fenced code block."""
        from feedwright.posts.templating import fenced

        inside = io.StringIO()
        self.block.render(context, inside)
        return buffer.write(fenced(inside.getvalue(), self.lang))


class _Highlight(Tag):
    """``{% highlight ruby linenos %}…{% endhighlight %}`` (``linenos`` ignored)."""

    name = "highlight"
    end = "endhighlight"

    def parse(self, stream: TokenStream) -> Node:
        """The block up to its end."""
        token, markup = _markup(stream)
        next(stream)
        block = get_parser(self.env).parse_block(stream, _HIGHLIGHT_END)
        stream.expect(TOKEN_TAG, value="endhighlight")
        words = markup.split()
        return _HighlightNode(token, words[0] if words else "", block)


class _PostUrl(Tag):
    """``{% post_url 2025-01-01-title %}``: the post's URL path, baseurl included."""

    name = "post_url"
    block = False

    def parse(self, stream: TokenStream) -> Node:
        """The tag and the post it names."""
        token, markup = _markup(stream)

        def make(_: RenderContext) -> str:
            render = _RENDER.get()
            url = render.links.find(markup)
            if url is None:
                render.warn(
                    render.position(token),
                    f"`{{% post_url {markup} %}}` names no post: it is left out",
                    "give the file name of a post without its extension (2025-01-01-title)",
                )
                return ""
            return _path_of(url, render.site)

        return _TextNode(token, make)


class _Link(Tag):
    """``{% link about.md %}``: the URL path of a page, post or file of the site; the
    path may hold ``{{ variables }}``."""

    name = "link"
    block = False

    def parse(self, stream: TokenStream) -> Node:
        """The tag and the path it names."""
        token, markup = _markup(stream)
        dynamic = self.env.from_string(markup) if "{{" in markup else None

        def make(context: RenderContext) -> str:
            written = _rendered(dynamic, context) if dynamic is not None else markup
            return _link(_RENDER.get(), written, token)

        return _TextNode(token, make)


def _rendered(template: BoundTemplate, context: RenderContext) -> str:
    """``template`` rendered with the variables of ``context``."""
    buffer = io.StringIO()
    template.render_with_context(context, buffer, partial=True)
    return buffer.getvalue()


def _link(render: _Render, written: str, token: Token) -> str:
    path = written.strip().strip("'\"").lstrip("/")
    site = render.site
    url = render.links.find(path) if path.split("/")[0] == "_posts" or "/_posts/" in path else None
    if url is not None:
        return _path_of(url, site)
    if ".." in path.split("/") or not (site.root / path).is_file():
        render.warn(
            render.position(token),
            f"`{{% link {written} %}}` names no file of the site: it is left out",
            "give the file's path from the site's folder (about.md, _posts/2025-01-01-a.md)",
        )
        return ""
    return _base_path(site) + _page_path(path, site.permalink)


def _page_path(path: str, permalink: str) -> str:
    """The URL path Jekyll gives a page or a static file at ``path`` by default (a page's
    own ``permalink`` is not read): its name ends as the site's ``permalink`` does."""
    stem, dot, suffix = path.rpartition(".")
    if not dot or "." + suffix not in POST_SUFFIXES:
        return "/" + path
    if stem == "index" or stem.endswith("/index"):
        return "/" + stem[: -len("index")]
    # Jekyll's Utils.add_permalink_suffix.
    if permalink == "pretty" or permalink.endswith("/"):
        return f"/{stem}/"
    if permalink in ("date", "ordinal", "none") or permalink.endswith(":output_ext"):
        return f"/{stem}.html"
    return f"/{stem}"


# Jekyll's include tag: a file name, or one made of variables, then key=value parameters.
_INCLUDE_VARIABLE = re.compile(
    r"(?P<file>[^{]*(?:\{\{\s*[\w\-.]+\s*(?:\|.*)?\}\}[^\s{}]*)+)(?P<params>.*)", re.DOTALL
)
_PARAMETER = re.compile(
    r"""([\w-]+)\s*=\s*(?:"([^"\\]*(?:\\.[^"\\]*)*)"|'([^'\\]*(?:\\.[^'\\]*)*)'|([\w.-]+))"""
)
_PARAMETERS = re.compile(rf"\s*(?:{_PARAMETER.pattern}(?=\s|$)\s*)*")
_FILE_NAME = re.compile(r"[a-zA-Z0-9_/.-]+")
_FILE_THEN_PARAMETERS = re.compile(r"\s*(?P<file>\S*)(?P<params>.*)", re.DOTALL)
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


class _Include(Tag):
    """``{% include file.html key=value key2="text" %}`` from the site's ``_includes``,
    rendered with the post's variables and ``include.key``."""

    name = "include"
    block = False
    relative = False

    def parse(self, stream: TokenStream) -> Node:
        """The tag, its file and its parameters, as Jekyll reads them."""
        token, markup = _markup(stream)
        dynamic = _INCLUDE_VARIABLE.fullmatch(markup)
        if dynamic is not None:
            file, params = dynamic["file"].strip(), dynamic["params"].strip()
        else:
            # Any white space ends the file name: themes write long includes over lines.
            split = _FILE_THEN_PARAMETERS.fullmatch(markup)
            assert split is not None  # it matches any text
            file, params = split["file"], split["params"].strip()
        if params and not _PARAMETERS.fullmatch(params):
            raise _BlockError(
                f'invalid syntax for {self.name}: `{params}` (write key=value or key="text" pairs)',
                token=token,
            )
        name = self.env.from_string(file) if "{{" in file else None
        relative = self.relative

        def render(context: RenderContext, buffer: TextIO) -> int:
            written = _rendered(name, context) if name is not None else file
            return _render_include(context, buffer, written, params, token, relative=relative)

        return _IncludeNode(token, render)


class _IncludeRelative(_Include):
    """``{% include_relative file.md %}``: a file beside the post."""

    name = "include_relative"
    relative = True


class _IncludeNode(Node):
    """An include tag, rendered by its function."""

    __slots__ = ("function",)

    def __init__(self, token: Token, function: Callable[[RenderContext, TextIO], int]) -> None:
        super().__init__(token)
        self.function = function
        self.blank = False

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        """Render the included file into the buffer."""
        return self.function(context, buffer)


def _render_include(
    context: RenderContext,
    buffer: TextIO,
    written: str,
    params: str,
    token: Token,
    *,
    relative: bool,
) -> int:
    render = _RENDER.get()
    tag = "include_relative" if relative else "include"
    folder = _include_folder(render, relative)
    if not _FILE_NAME.fullmatch(written) or re.search(r"\./|/\.|\.\.", written):
        raise _BlockError(
            f"`{{% {tag} {written} %}}`: the file name has characters or sequences Jekyll refuses",
            token=token,
            hint="name a file with letters, digits, _ / . - only, and no `..`",
        )
    path = folder / written
    if not path.is_file() or not path.resolve().is_relative_to(render.site.root.resolve()):
        if _site_config(render.site).get("theme"):
            # Jekyll looks in the theme's _includes too, which feedwright cannot see.
            render.warn(
                render.position(token),
                f"`{{% {tag} {written} %}}` is left out: {_from_root(path, render.site.root)} "
                "is not in the site (it may be the theme's)",
                "copy the theme's file into the site's folder to have it in the feeds",
            )
            return 0
        raise _BlockError(
            f"`{{% {tag} {written} %}}`: there is no file "
            f"{_from_root(path, render.site.root)}, and Jekyll stops with an error",
            token=token,
            hint=f"create {_from_root(path, render.site.root)}, or correct the name",
        )
    namespace = {"include": _include_params(params, context)} if params else {}
    # Pushed before the file is parsed: its problems are reported at the tag, naming it.
    render.includes.append((path, render.position(token)))
    try:
        template = _included(path, token)
        with context.extend(namespace, template=template):
            template.render_with_context(context, buffer, partial=True)
    except LiquidError as error:
        # Made here, where the included file is known (a PostError is no Liquid error:
        # it goes through the including templates as it is).
        raise _post_error(render, error) from None
    finally:
        render.includes.pop()
    return 1


def _include_folder(render: _Render, relative: bool) -> Path:
    """The folder a file is included from: the site's ``includes_dir``, or the post's."""
    if relative:
        return render.post.source.parent
    folder = _site_config(render.site).get("includes_dir") or "_includes"
    return render.site.root / str(folder)


def _include_params(params: str, context: RenderContext) -> dict[str, object]:
    """The ``include`` variable: each parameter's text, or its variable's value."""
    values: dict[str, object] = {}
    for match in _PARAMETER.finditer(params):
        key, double, single, variable = match.groups()
        if double is not None:
            values[key] = double.replace('\\"', '"')
        elif single is not None:
            values[key] = single.replace("\\'", "'")
        else:
            values[key] = _lookup(context, variable)
    return values


def _lookup(context: RenderContext, text: str) -> object:
    """The value of a literal or a dotted variable name, as Jekyll's ``context[text]``."""
    if _NUMBER.fullmatch(text):
        return float(text) if "." in text else int(text)
    literals: dict[str, object] = {"true": True, "false": False, "nil": None, "null": None}
    if text in literals:
        return literals[text]
    value = context.get(list(text.split(".")), token=None)
    return None if isinstance(value, Undefined) else value


# Included files, parsed once per process (and again when one changes).
_INCLUDED: dict[Path, tuple[tuple[int, int], BoundTemplate]] = {}


def _included(path: Path, token: Token) -> BoundTemplate:
    """The parsed template of an included file (``token``: the tag that includes it)."""
    status = path.stat()
    stamp = (status.st_mtime_ns, status.st_size)
    known = _INCLUDED.get(path)
    if known is not None and known[0] == stamp:
        return known[1]
    text = path.read_text(encoding="utf-8", errors="replace")
    unclosed = _unterminated(text)
    if unclosed is not None:
        line = text.count("\n", 0, unclosed) + 1
        raise _BlockError(
            f"the included {path.name} has a `{text[unclosed : unclosed + 2]}` never closed, "
            f"on its line {line}",
            token=token,
            hint="close it, or wrap it in {% raw %}…{% endraw %}",
        )
    template = _environment().from_string(text, name=path.name, path=path)
    _INCLUDED[path] = (stamp, template)
    return template


# Tags that end or continue a block: outside their block, Jekyll stops with an error.
_BLOCK_TAGS = ("if", "unless", "for", "case", "capture", "comment", "raw", "highlight",
               "tablerow", "ifchanged")  # fmt: skip
_INNER_TAGS = frozenset(("else", "elsif", "when", "raw", *(f"end{name}" for name in _BLOCK_TAGS)))


class _UnknownTag(Tag):
    """A tag Liquid and Jekyll do not have (a plugin's): left out with a warning, the
    closing tag of its block too (its content is kept). A tag outside its block is a block
    error."""

    name = "illegal"
    block = False

    def parse(self, stream: TokenStream) -> Node:
        """Nothing, with a warning; or a block error."""
        token, markup = _markup(stream)
        name = token.value
        if name in _INNER_TAGS:
            raise _BlockError(f"`{{% {name} %}}` is outside the block it belongs to", token=token)
        if not name.startswith("end"):
            render = _RENDER.get()
            written = " ".join(f"{{% {name} {markup}".split()) + " %}"
            render.warn(
                render.position(token),
                f"`{written[:80]}` is left out of the feeds{render.where(token)}: feedwright "
                "does not render this tag (a plugin's?)",
                "write its result into the post, or wrap the tag in {% raw %}…{% endraw %}",
            )
        return _TextNode(token, lambda _: "")


# ---------------------------------------------------------------------------------------
# The variables: page and site


class _RubyTime(datetime):
    """A time that Liquid prints as Ruby prints Jekyll's times, and formats (the ``date``
    filter) with Ruby's directives Python has not: ``%:z``, ``%::z``, ``%L``, ``%N``."""

    def __str__(self) -> str:
        return self.strftime("%Y-%m-%d %H:%M:%S %z")

    def strftime(self, format: str) -> str:
        """``datetime.strftime`` with Ruby's directives too."""
        return super().strftime(_RUBY_DIRECTIVE.sub(self._ruby, format))

    def _ruby(self, match: re.Match[str]) -> str:
        """What one of Ruby's directives gives for this time (``%%`` stays as it is)."""
        directive = match[0]
        if directive == "%%":
            return directive
        if directive == "%L":
            return f"{self.microsecond // 1000:03d}"
        if directive == "%N":
            return f"{self.microsecond * 1000:09d}"
        offset = self.utcoffset()
        if offset is None:
            return ""
        sign, seconds = ("-" if offset < timedelta(0) else "+"), abs(int(offset.total_seconds()))
        hours, minutes = f"{seconds // 3600:02d}", f"{seconds % 3600 // 60:02d}"
        if directive == "%:z":
            return f"{sign}{hours}:{minutes}"
        return f"{sign}{hours}:{minutes}:{seconds % 60:02d}"


# Ruby's strftime directives that Python's has not (and `%%`, so that `%%:z` stays text).
_RUBY_DIRECTIVE = re.compile(r"%%|%::?z|%L|%N")


def _ruby_time(moment: datetime) -> _RubyTime:
    return _RubyTime(
        moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second,
        moment.microsecond, moment.tzinfo,
    )  # fmt: skip


def _path_of(url: str, site: Site) -> str:
    """The path of one of the site's URLs (baseurl included), as a relative link."""
    parts = urlsplit(site.base_url)
    host = f"{parts.scheme}://{parts.netloc}"
    return url[len(host) :] if url.startswith(host + "/") else url


def _base_path(site: Site) -> str:
    return urlsplit(site.base_url).path.rstrip("/")


def _from_root(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


# Front matter keys feedwright reads into a Post's own fields (not its ``extra``): a
# template that asks for one has it from the file's front matter, read again.
_OWN_KEYS = frozenset((
    "excerpt", "description", "summary", "image", "permalink", "category", "tag",
    "published", "updated", "lastmod",
))  # fmt: skip


class _Page(dict[str, object]):
    """Jekyll's ``page`` of a post; the keys feedwright keeps apart (``_OWN_KEYS``) read
    from its front matter when a template first asks for one."""

    def __init__(self, values: Mapping[str, object], source: Path) -> None:
        super().__init__(values)
        self._source = source
        self._front: Mapping[str, object] | None = None

    def __missing__(self, key: str) -> object:
        if key not in _OWN_KEYS:
            raise KeyError(key)
        if self._front is None:
            from feedwright.errors import PostError
            from feedwright.posts.files import read_post_bytes
            from feedwright.posts.front_matter import whole_source

            try:
                self._front = whole_source(read_post_bytes(self._source), self._source).metadata
            except PostError:
                self._front = {}
        value = self._front[key]
        self[key] = value
        return value


def _page(post: Post, site: Site, excerpt: bool = False) -> _Page:
    """Jekyll's ``page`` of a post: its front matter and what Jekyll adds to it; of its
    ``excerpt``, the same but for the id, which ends in ``#excerpt``."""
    url = post.url[len(site.base_url) :] if post.url.startswith(site.base_url) else post.url
    page = _Page(post.extra, post.source)
    page.update(
        title=post.title,
        date=_ruby_time(post.date),
        url=url,
        id=_post_id(url, post.slug) + ("#excerpt" if excerpt else ""),
        categories=list(post.categories),
        tags=list(post.tags),
        slug=post.slug,
        path=_from_root(post.source, site.root),
        name=post.source.name,
        ext=post.source.suffix,
        collection="posts",
        draft=post.draft,
    )
    if post.updated is not None:
        page["last_modified_at"] = _ruby_time(post.updated)
    if post.author is not None:
        page["author"] = post.author.name
    if post.lang:
        page["lang"] = post.lang
    return page


def _post_id(url: str, slug: str) -> str:
    """Jekyll's ``id`` of a post: its URL's folder and its slug."""
    folder = posixpath.dirname(url.rstrip("/")) if url.rstrip("/") else "/"
    return posixpath.join(folder, slug)


class _SiteDrop(Mapping[str, object]):
    """Jekyll's ``site``: the configuration, ``data`` (the ``_data`` files), ``posts``,
    ``tags``, ``categories`` and ``time``, each read when a template first asks."""

    def __init__(self, site: Site, links: PostLinks) -> None:
        self._site = site
        self._links = links
        self._values: dict[str, object] | None = None

    def _made(self) -> dict[str, object]:
        if self._values is None:
            site = self._site
            values: dict[str, object] = dict(_site_config(site))
            parts = urlsplit(site.base_url)
            values["url"] = f"{parts.scheme}://{parts.netloc}"
            values["baseurl"] = parts.path.rstrip("/")
            values.setdefault("title", site.title)
            values.setdefault("description", site.description)
            self._values = values
        return self._values

    def __getitem__(self, key: str) -> object:
        lazy = _LAZY_SITE.get(key)
        values = self._made()
        if lazy is not None and key not in values:
            values[key] = lazy(self._site, self._links)
        return values[key]

    def __iter__(self) -> Iterator[str]:
        return iter({**self._made(), **dict.fromkeys(_LAZY_SITE)})

    def __len__(self) -> int:
        return len({**self._made(), **dict.fromkeys(_LAZY_SITE)})


def _site(site: Site, links: PostLinks) -> _SiteDrop:
    return _SiteDrop(site, links)


def _site_posts(site: Site, links: PostLinks) -> list[_Page]:
    """The site's posts, newest first, each with its front matter and URL (their content
    and excerpt are not read: empty)."""
    posts = links.posts()
    if posts is None:
        raise NeedsAllPosts("site.posts")
    return [_page(post, site) for post in posts]


def _site_groups(key: str) -> Callable[[Site, PostLinks], dict[str, list[_Page]]]:
    def groups(site: Site, links: PostLinks) -> dict[str, list[_Page]]:
        grouped: dict[str, list[_Page]] = {}
        for page in _site_posts(site, links):
            names = page[key]
            for name in names if isinstance(names, list) else ():
                grouped.setdefault(str(name), []).append(page)
        return grouped

    return groups


_LAZY_SITE: dict[str, Callable[[Site, PostLinks], object]] = {
    "data": lambda site, _: _site_data(site),
    "posts": _site_posts,
    "tags": _site_groups("tags"),
    "categories": _site_groups("categories"),
    "time": lambda site, _: _ruby_time(in_zone(datetime.now(UTC), site.zone)),
}

# The Jekyll configuration and the data files, by the files' paths, sizes and times.
_CONFIGS: dict[tuple[Path, ...], tuple[object, dict[str, Any]]] = {}
_DATA: dict[Path, tuple[object, dict[str, Any]]] = {}


def _stamp(paths: Iterable[Path]) -> tuple[tuple[str, int, int], ...]:
    stamps = []
    for path in paths:
        try:
            status = path.stat()
        except OSError:
            continue
        stamps.append((str(path), status.st_mtime_ns, status.st_size))
    return tuple(stamps)


def _site_config(site: Site) -> dict[str, Any]:
    """The site's Jekyll configuration, read once (again when a file changes)."""
    from feedwright.site.jekyll import read_jekyll_configs

    files = site.jekyll_configs
    stamp = _stamp(files)
    known = _CONFIGS.get(files)
    if known is None or known[0] != stamp:
        known = (stamp, read_jekyll_configs(files).values if files else {})
        _CONFIGS[files] = known
    return known[1]


_DATA_SUFFIXES = (".yml", ".yaml", ".json", ".csv", ".tsv")


def _site_data(site: Site) -> dict[str, Any]:
    """``site.data``: every data file of the site's ``data_dir``, by its name, in mappings
    by folder, read once (again when one changes)."""
    folder = _data_folder(site)
    files = sorted(
        Path(top) / name
        for top, folders, names in os.walk(folder)
        for name in names
        if name.lower().endswith(_DATA_SUFFIXES)
    )
    stamp = _stamp(files)
    known = _DATA.get(folder)
    if known is None or known[0] != stamp:
        data: dict[str, Any] = {}
        for path in files:
            place = data
            for part in path.relative_to(folder).parent.parts:
                below = place.setdefault(part, {})
                place = below if isinstance(below, dict) else {}
            place[path.stem] = _read_data(path, site)
        known = (stamp, data)
        _DATA[folder] = known
    return known[1]


def _data_folder(site: Site) -> Path:
    """The site's ``data_dir``, which must be inside the site, as Jekyll keeps it (a data
    file's values go into the feeds: none may come from elsewhere)."""
    written = str(_site_config(site).get("data_dir") or "_data")
    folder = site.root / written
    if not folder.resolve().is_relative_to(site.root.resolve()):
        raise ConfigError(
            site.jekyll_configs[-1] if site.jekyll_configs else site.root,
            f"`data_dir: {written}` is outside the site",
            "name a folder inside the site",
        )
    return folder


def _read_data(path: Path, site: Site) -> object:
    """One data file's value, as Jekyll reads it (a CSV file: a list of its rows). Only a
    plain file inside the site: a link to a file elsewhere would put that file's text in
    the feeds, and a pipe would wait for ever."""
    real = path.resolve()
    if not real.is_relative_to(site.root.resolve()):
        raise ConfigError(
            path,
            f"the data file is a link to {real}, outside the site",
            "copy the file into the site",
        )
    if not real.is_file():
        raise ConfigError(path, "the data file is not a plain file", "replace it with one")
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".tsv"):
        return read_structured_file(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(path, f"cannot read the data file: {error}") from error
    rows = csv.DictReader(io.StringIO(text), delimiter="\t" if suffix == ".tsv" else ",")
    try:
        return [dict(row) for row in rows]
    except csv.Error as error:
        raise ConfigError(
            path, f"invalid CSV: {error}", "fix the data file", rows.line_num
        ) from None


# ---------------------------------------------------------------------------------------
# Jekyll's filters


def _nil(value: object) -> bool:
    return value is None or isinstance(value, Undefined)


def _text(value: object) -> str:
    return "" if _nil(value) else str(value)


def _is_absolute(url: str) -> bool:
    return bool(re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", url))


_URL_SAFE = "/:@!$&'()*+,;=?#[]~%"


def _relative_url(value: object) -> object:
    """Jekyll's ``relative_url``: the baseurl before a path (an absolute URL as it is)."""
    if _nil(value):
        return None
    text = str(getattr(value, "url", value))
    if _is_absolute(text):
        return text
    base = _base_path(_RENDER.get().site)
    path = text if not text or text.startswith("/") else "/" + text
    return quote(base + path, safe=_URL_SAFE)


def _absolute_url(value: object) -> object:
    """Jekyll's ``absolute_url``: the site's URL and baseurl before a path."""
    if _nil(value):
        return None
    text = str(value)
    if _is_absolute(text):
        return text
    parts = urlsplit(_RENDER.get().site.base_url)
    return f"{parts.scheme}://{parts.netloc}{_relative_url(text)}"


def _to_time(value: object) -> datetime:
    """A value as a time in the site's zone, as Jekyll's date filters read it."""
    zone: tzinfo = _RENDER.get().site.zone
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=zone)
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day, tzinfo=zone)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        moment = datetime.fromtimestamp(value, UTC)
    elif isinstance(value, str) and value.strip().lower() in ("now", "today"):
        moment = datetime.now(UTC)
    else:
        parsed = _parse_time(str(value).strip())
        if parsed is None:
            raise FilterArgumentError(
                f"invalid date: {value!r} is not a valid datetime", token=None
            )
        moment = parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)
    return in_zone(moment, zone)


# The ways of writing a time that Jekyll's sites write, besides ISO 8601.
_TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M %z", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M",
    "%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%B %d %Y",
)  # fmt: skip


def _parse_time(text: str) -> datetime | None:
    """A time written as text (ISO 8601, RFC 822 or as Jekyll writes one), or None."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for pattern in _TIME_FORMATS:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    from email.utils import parsedate_to_datetime

    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def _ordinal(day: int) -> str:
    if 11 <= day <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def _date_string(month: str) -> Callable[..., object]:
    def filter_(value: object, kind: object = None, style: object = None) -> object:
        if _text(value) == "":
            return value
        moment = _to_time(value)
        if kind == "ordinal":
            day = f"{moment.day}{_ordinal(moment.day)}"
            pattern = f"{month} {day}, %Y" if style == "US" else f"{day} {month} %Y"
            return moment.strftime(pattern)
        return moment.strftime(f"%d {month} %Y")

    return filter_


def _date_to_xmlschema(value: object) -> object:
    if _text(value) == "":
        return value
    moment = _to_time(value)
    offset = moment.strftime("%z")
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + (
        "Z" if offset == "" else f"{offset[:3]}:{offset[3:]}"
    )


def _date_to_rfc822(value: object) -> object:
    if _text(value) == "":
        return value
    return _to_time(value).strftime("%a, %d %b %Y %H:%M:%S %z")


def _xml_escape(value: object) -> str:
    text = _text(value)
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _slugify(value: object, mode: object = None) -> str:
    from feedwright.posts.slugs import jekyll_slugify

    text = _text(value)
    if mode in ("none",) or not text:
        return text.lower()
    if mode == "raw":
        return re.sub(r"\s+", "-", text).strip("-").lower()
    if mode in ("ascii", "latin"):
        import unicodedata

        if mode == "latin":
            text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        return re.sub(r"[^a-zA-Z0-9]+", "-", text).strip("-").lower()
    return jekyll_slugify(text, "pretty" if mode == "pretty" else "default")


def _as_json(value: object) -> object:
    if isinstance(value, Mapping):
        return {str(key): _as_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_as_json(item) for item in value]
    if _nil(value):
        return None
    if isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _jsonify(value: object) -> str:
    return json.dumps(_as_json(value), ensure_ascii=False, separators=(",", ":"))


def _markdownify(value: object) -> str:
    from feedwright.posts.markdown import render_markdown

    return render_markdown(_text(value), flavour=_RENDER.get().site.markdown)


def _smartify(value: object) -> str:
    from feedwright.posts.typography import smartify

    return smartify(_text(value))


_CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"


def _number_of_words(value: object, mode: object = None) -> int:
    text = _text(value)
    if mode in ("cjk", "auto"):
        cjk = len(re.findall(f"[{_CJK}]", text))
        if mode == "cjk" or cjk:
            return cjk + len(re.findall(rf"[^{_CJK}\s]+", text))
    return len(text.split())


def _array_to_sentence_string(value: object, connector: object = "and") -> str:
    items = [_text(item) for item in value] if isinstance(value, list | tuple) else [_text(value)]
    if len(items) <= 2:
        return f" {connector} ".join(items)
    return f"{', '.join(items[:-1])}, {connector} {items[-1]}"


def _property(item: object, name: object) -> object:
    """Jekyll's ``item_property``: a dotted key's value, a number when it reads as one."""
    value: object = item
    for key in str(name).split("."):
        value = value.get(key) if isinstance(value, Mapping) else None
    text = "" if value is None else str(value) if isinstance(value, str | int | float) else None
    if text is not None and re.fullmatch(r"\s*-?\d+\s*", text):
        return int(text)
    if text is not None and re.fullmatch(r"\s*-?(?:\d+\.?\d*|\.\d+)\s*", text):
        return float(text)
    return value


def _items(value: object) -> list[object]:
    if isinstance(value, Mapping):
        return list(value.values())
    return list(value) if isinstance(value, list | tuple) else []


def _matches(found: object, target: object) -> bool:
    """Jekyll's ``where`` comparison: as text, any item of a list."""
    if _nil(target):
        return found is None
    wanted = _ruby_text(target)
    if isinstance(found, str):
        return found == wanted
    values = found if isinstance(found, list) else [] if found is None else [found]
    return any(_ruby_text(item) == wanted for item in values)


def _ruby_text(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return "" if value is None else str(value)


def _where(value: object, name: object = None, target: object = None) -> object:
    if (
        _nil(name)
        or isinstance(target, list | Mapping)
        or not isinstance(value, list | tuple | Mapping)
    ):
        return value
    return [item for item in _items(value) if _matches(_property(item, name), target)]


def _find(value: object, name: object = None, target: object = None) -> object:
    found = _where(value, name, target)
    if found is value:
        return value
    return found[0] if isinstance(found, list) and found else None


_EXPRESSIONS: dict[str, BoundTemplate] = {}


def _expression(text: str, condition: bool) -> BoundTemplate:
    key = f"{condition}:{text}"
    if key not in _EXPRESSIONS:
        source = f"{{% if {text} %}}1{{% endif %}}" if condition else f"{{{{ {text} }}}}"
        _EXPRESSIONS[key] = _environment().from_string(source)
    return _EXPRESSIONS[key]


def _each_with(
    context: RenderContext, items: list[object], variable: str, template: BoundTemplate
) -> Iterator[tuple[object, str]]:
    for item in items:
        with context.extend({variable: item}):
            yield item, _rendered(template, context)


@with_context
def _where_exp(
    value: object, variable: object, expression: object, *, context: RenderContext
) -> object:
    if not isinstance(value, list | tuple | Mapping):
        return value
    template = _expression(str(expression), condition=True)
    return [
        item
        for item, out in _each_with(context, _items(value), str(variable), template)
        if out == "1"
    ]


@with_context
def _find_exp(
    value: object, variable: object, expression: object, *, context: RenderContext
) -> object:
    found = _where_exp(value, variable, expression, context=context)
    return found[0] if isinstance(found, list) and found else None


def _groups(pairs: Iterable[tuple[object, str]]) -> list[dict[str, object]]:
    grouped: dict[str, list[object]] = {}
    for item, name in pairs:
        grouped.setdefault(name, []).append(item)
    return [{"name": name, "items": items, "size": len(items)} for name, items in grouped.items()]


def _group_by(value: object, name: object) -> object:
    if not isinstance(value, list | tuple | Mapping):
        return value
    return _groups((item, _ruby_text(_property(item, name))) for item in _items(value))


@with_context
def _group_by_exp(
    value: object, variable: object, expression: object, *, context: RenderContext
) -> object:
    if not isinstance(value, list | tuple | Mapping):
        return value
    template = _expression(str(expression), condition=False)
    return _groups(_each_with(context, _items(value), str(variable), template))


def _compare(left: Any, right: Any) -> int:
    try:
        return int((left > right) - (left < right))
    except TypeError:
        return (str(left) > str(right)) - (str(left) < str(right))


def _sort(value: object, name: object = None, nils: object = "first") -> object:
    """Jekyll's ``sort``: by a property, the items without it first (or ``"last"``)."""
    if _nil(value):
        raise FilterArgumentError("cannot sort a null object", token=None)
    if _nil(name):
        return liquid_sort(value)
    if nils not in ("first", "last"):
        raise FilterArgumentError(
            f"invalid nils order: {nils!r} is not a valid nils order; it must be 'first' or 'last'",
            token=None,
        )
    order = -1 if nils == "first" else 1

    def compare(left: tuple[object, object], right: tuple[object, object]) -> int:
        if left[0] is not None and right[0] is None:
            return -order
        if left[0] is None and right[0] is not None:
            return order
        return _compare(left[0], right[0])

    keyed = [(_property(item, name), item) for item in _items(value)]
    return [item for _, item in sorted(keyed, key=cmp_to_key(compare))]


def _to_integer(value: object) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        return math.trunc(value)
    match = re.match(r"\s*[-+]?\d+", _text(value)) if not isinstance(value, int) else None
    return value if isinstance(value, int) else int(match[0]) if match else 0


def _pushed(value: object, item: object) -> object:
    return [*value, item] if isinstance(value, list) else value


def _unshifted(value: object, item: object) -> object:
    return [item, *value] if isinstance(value, list) else value


def _popped(value: object, count: object = 1) -> object:
    number = _to_integer(count)
    return value[: len(value) - number] if isinstance(value, list) and number > 0 else value


def _shifted(value: object, count: object = 1) -> object:
    return value[_to_integer(count) :] if isinstance(value, list) else value


def _normalize_whitespace(value: object) -> str:
    return " ".join(_text(value).split())


def _cgi_escape(value: object) -> str:
    return quote_plus(_text(value))


def _uri_escape(value: object) -> str:
    return quote(_text(value), safe="!#$&'()*+,/:;=?@[]~%")


def _strip_index(value: object) -> object:
    text = _text(value)
    return re.sub(r"/index\.html?$", "/", text) if text else value


def _ruby_inspect(value: object) -> str:
    """A value as Ruby's ``inspect`` writes it."""
    if isinstance(value, Mapping):
        return (
            "{"
            + ", ".join(f"{_ruby_inspect(k)}=>{_ruby_inspect(v)}" for k, v in value.items())
            + "}"
        )
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_ruby_inspect(item) for item in value) + "]"
    if _nil(value):
        return "nil"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _inspect(value: object) -> str:
    return _xml_escape(_ruby_inspect(value))


_FILTERS: dict[str, Callable[..., object]] = {
    "relative_url": _relative_url,
    "absolute_url": _absolute_url,
    "date_to_string": _date_string("%b"),
    "date_to_long_string": _date_string("%B"),
    "date_to_xmlschema": _date_to_xmlschema,
    "date_to_rfc822": _date_to_rfc822,
    "xml_escape": _xml_escape,
    "cgi_escape": _cgi_escape,
    "uri_escape": _uri_escape,
    "slugify": _slugify,
    "jsonify": _jsonify,
    "markdownify": _markdownify,
    "smartify": _smartify,
    "number_of_words": _number_of_words,
    "array_to_sentence_string": _array_to_sentence_string,
    "where": _where,
    "where_exp": _where_exp,
    "find": _find,
    "find_exp": _find_exp,
    "group_by": _group_by,
    "group_by_exp": _group_by_exp,
    "sort": _sort,
    "to_integer": _to_integer,
    "push": _pushed,
    "pop": _popped,
    "shift": _shifted,
    "unshift": _unshifted,
    "normalize_whitespace": _normalize_whitespace,
    "strip_index": _strip_index,
    "inspect": _inspect,
}
