"""Make the URLs in an HTML fragment absolute and percent-encoded, as a browser showing
the post would resolve them, without re-serialising the HTML.

The fragment's bytes are kept as written but for the URL attributes that change: an HTML
parser that serialises its tree (lxml's knows only HTML 4) turns ``<video><source
src=…></video>`` into ``<source …><track …></track></source>`` and rewrites every tag it
does not know. Tags are found with the attribute grammar of CommonMark's raw HTML, so a
``>`` inside a quoted value does not end a tag; comments and the text of ``<script>`` and
``<style>`` are left alone, as a browser does not read tags there.
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

# The attributes that hold one URL (HTML 4's, as lxml's make_links_absolute rewrote, and
# HTML 5's poster and formaction). ``srcset`` holds a list of them; ``style`` may hold
# ``url(…)``.
_URL_ATTRIBUTES = frozenset(
    {
        "action", "archive", "background", "cite", "classid", "codebase", "data",
        "dynsrc", "formaction", "href", "longdesc", "lowsrc", "poster", "profile", "src",
        "usemap",
    }
)  # fmt: skip
# A name or an unquoted value holds no `<` (a browser would take one): so a `<` that no
# `>` closes is given up at the next `<`, not read to the fragment's end for each of them.
_ATTRIBUTE = r"""\s+[^\s"'<>/=\x00]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s<>]+))?"""
# The attributes of a start tag, as a browser reads them.
ATTRIBUTES = f"(?:{_ATTRIBUTE})*"
_PIECE = re.compile(
    rf"""(?P<comment><!--.*?(?:-->|\Z))
    |(?P<raw><(?:script|style)\b(?:{_ATTRIBUTE})*\s*>)(?P<raw_text>.*?)(?=</(?:script|style)\s*>|\Z)
    |(?P<tag><[A-Za-z][A-Za-z0-9-]*(?:{_ATTRIBUTE})*\s*/?>)""",
    re.DOTALL | re.IGNORECASE | re.VERBOSE,
)
_ATTRIBUTE_PARTS = re.compile(
    r"""(?P<before>\s+)(?P<name>[^\s"'<>/=\x00]+)
    (?:(?P<equals>\s*=\s*)(?:"(?P<double>[^"]*)"|'(?P<single>[^']*)'|(?P<bare>[^\s<>]+)))?""",
    re.VERBOSE,
)
_CSS_URL = re.compile(r"""url\(\s*(?P<quote>["']?)(?P<url>[^"')]*)(?P=quote)\s*\)""", re.IGNORECASE)
# What a browser percent-encodes (the WHATWG URL standard's sets, beyond the controls
# and non-ASCII characters that are always encoded): ``quote`` leaves out ``safe``.
# ``%`` is never encoded, so that a URL already encoded is not encoded twice.
_ALWAYS_SAFE = "!$%&'()*+,-./:;=@[]\\^_|~"
_PATH_SAFE = _ALWAYS_SAFE
_QUERY_SAFE = _ALWAYS_SAFE.replace("'", "") + "?/`{}"
_FRAGMENT_SAFE = _ALWAYS_SAFE + "?/#{}"
# One image candidate of a ``srcset``: its URL, then its descriptors up to the next comma.
_CANDIDATE = re.compile(r"(?P<space>\s*)(?P<url>[^\s,]\S*?)(?P<rest>,*(?=\s|$)[^,]*,?)")
_TABS_AND_NEWLINES = str.maketrans("", "", "\t\n\r")


def absolutize_links(fragment: str, base_url: str) -> str:
    """Make every URL in an HTML fragment (``href``, ``src``, each of ``srcset``'s,
    ``poster``…, and ``url(…)`` in ``style``) absolute and percent-encoded: relative ones
    resolve against ``base_url`` (the post's own URL), root-relative ones against its host,
    exactly as a browser showing the post would resolve them. Everything else in the
    fragment is kept byte for byte."""
    if "<" not in fragment:
        return fragment
    return _PIECE.sub(lambda match: _piece(match, base_url), fragment)


def _piece(match: re.Match[str], base_url: str) -> str:
    if match.group("comment") is not None:
        return match.group(0)
    if match.group("raw") is not None:
        text = match.group("raw_text")
        if match.group("raw")[1:].lower().startswith("style"):
            text = _css_urls(text, base_url)
        return _tag(match.group("raw"), base_url) + text
    return _tag(match.group("tag"), base_url)


def _tag(tag: str, base_url: str) -> str:
    if "=" not in tag:
        return tag
    return _ATTRIBUTE_PARTS.sub(lambda match: _attribute(match, base_url), tag)


def _attribute(match: re.Match[str], base_url: str) -> str:
    name = match.group("name").lower()
    if match.group("equals") is None or not (
        name in _URL_ATTRIBUTES or name in ("srcset", "style")
    ):
        return match.group(0)
    written = next(value for value in match.group("double", "single", "bare") if value is not None)
    value = html.unescape(written)
    if name == "srcset":
        new = _srcset(value, base_url)
    elif name == "style":
        new = _css_urls(value, base_url)
    else:
        new = absolute_url(value, base_url)
    if new == value:
        return match.group(0)
    escaped = new.replace("&", "&amp;").replace('"', "&quot;")
    return f'{match.group("before")}{match.group("name")}{match.group("equals")}"{escaped}"'


def _srcset(value: str, base_url: str) -> str:
    """A ``srcset`` with each image candidate's URL made absolute. As in a browser, a URL
    runs to the first whitespace, and its descriptors (``2x``, ``480w``) to the next comma."""
    return _CANDIDATE.sub(
        lambda match: (
            match.group("space") + absolute_url(match.group("url"), base_url) + match.group("rest")
        ),
        value,
    )


def _css_urls(css: str, base_url: str) -> str:
    if "url(" not in css.lower():
        return css
    return _CSS_URL.sub(
        lambda match: (
            f"url({match.group('quote')}"
            f"{absolute_url(match.group('url'), base_url)}{match.group('quote')})"
        ),
        css,
    )


def absolute_url(url: str, base_url: str) -> str:
    """``url`` resolved against ``base_url`` and percent-encoded as a browser would: spaces
    and non-ASCII characters in the path, query and fragment (as UTF-8), never a ``%``, so
    an encoded URL stays as it is. An empty URL, or one that cannot be parsed, is kept."""
    cleaned = url.strip(" \t\n\r\f\x00").translate(_TABS_AND_NEWLINES)
    if not cleaned:
        return url
    try:
        parts = urlsplit(urljoin(base_url, cleaned))
    except ValueError:  # an invalid IPv6 host, say: a browser would not follow it either
        return url
    if parts.scheme not in ("http", "https"):
        return url  # mailto:, data:…: a browser does not resolve them against the page
    return urlunsplit(
        (
            parts.scheme,
            parts.netloc,
            quote(parts.path, safe=_PATH_SAFE),
            quote(parts.query, safe=_QUERY_SAFE),
            quote(parts.fragment, safe=_FRAGMENT_SAFE),
        )
    )
