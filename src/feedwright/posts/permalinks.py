"""Post URLs from Jekyll permalink patterns, so a Jekyll site's links come out right."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote, unquote, unquote_to_bytes

from feedwright.posts.slugs import jekyll_slugify

PRESETS = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
# Longest names first, so that ":i_month" is not read as ":i" followed by "_month".
_PLACEHOLDER = re.compile(
    r":(output_ext|categories|short_year|short_day|i_month|y_day|i_day|minute|second|"
    r"month|title|slug|year|hour|week|day)"
)
# Jekyll's URL.escape_path keeps these characters as they are and percent-encodes the rest.
_PATH_SAFE = "/-._~!$&'()*+,;=:@"
_PATH_TEXT = re.compile(r"[A-Za-z0-9_/\-.~!$&'()*+,;=:@]*")  # what quote() leaves as it is
_SLASHES = re.compile(r"/{2,}")
# A path that URI normalization leaves as it is: no percent sign, no dot segment.
_NORMAL_PATH = re.compile(r"(?:/(?!\.\.?(?:/|$))[A-Za-z0-9_\-.~!$&'()*+,;=:@]*)*/?")
# A segment whose only escapes are of non-ASCII bytes, in capitals, as quote() writes them
# (a Japanese category or slug): normalization leaves it as it is when they are UTF-8
# text in NFKC (see _normal_segment).
_ENCODED_SEGMENT = re.compile(r"(?:[A-Za-z0-9_\-.~!$&'()*+,;=:@]|%[89A-F][0-9A-F])*")
# What each part of a URL keeps as it is when normalized (RFC 3986's pchar; a fragment
# also keeps "/" and "?"; a query also "/", "?" and "&", split at "&", which it keeps).
_PCHAR_SAFE = "-._~!$&'()*+,;=:@"
_FRAGMENT_SAFE = _PCHAR_SAFE + "/?"
_QUERY_SAFE = "-._~!$'()*+,=:@/?"
_ENCODED_PLUS = re.compile("%2B", re.IGNORECASE)


def resolve_pattern(permalink: str) -> str:
    """The pattern for a preset name such as ``date`` or ``pretty``, or the pattern itself."""
    return PRESETS.get(permalink, permalink)


# What each placeholder stands for, from the post's date (in the site's time zone), its
# categories and its slug (the front matter ``slug``, else the file name's).
_VALUES: dict[str, Callable[[datetime, tuple[str, ...], str], str]] = {
    "year": lambda date, categories, slug: f"{date.year:04d}",
    "short_year": lambda date, categories, slug: f"{date.year % 100:02d}",
    "month": lambda date, categories, slug: f"{date.month:02d}",
    "i_month": lambda date, categories, slug: str(date.month),
    "day": lambda date, categories, slug: f"{date.day:02d}",
    "i_day": lambda date, categories, slug: str(date.day),
    "y_day": lambda date, categories, slug: f"{date.timetuple().tm_yday:03d}",
    "hour": lambda date, categories, slug: f"{date.hour:02d}",
    "minute": lambda date, categories, slug: f"{date.minute:02d}",
    "second": lambda date, categories, slug: f"{date.second:02d}",
    "week": lambda date, categories, slug: f"{date.isocalendar().week:02d}",
    "short_day": lambda date, categories, slug: date.strftime("%a"),
    "title": lambda date, categories, slug: jekyll_slugify(slug, mode="pretty", cased=True),
    "slug": lambda date, categories, slug: jekyll_slugify(slug),
    "categories": lambda date, categories, slug: "/".join(
        dict.fromkeys(category.lower() for category in categories)
    ),
}


@functools.lru_cache(maxsize=64)
def _pattern_parts(pattern: str) -> tuple[tuple[str, str], ...]:
    """``pattern`` cut into (text, placeholder name) pairs, the last name empty:
    ``/:year/:title/`` gives ``("/", "year"), ("/", "title"), ("/", "")``."""
    parts = []
    position = 0
    for match in _PLACEHOLDER.finditer(pattern):
        parts.append((pattern[position : match.start()], match.group(1)))
        position = match.end()
    parts.append((pattern[position:], ""))
    return tuple(parts)


def post_path(
    permalink: str,
    *,
    date: datetime,
    categories: tuple[str, ...],
    file_slug: str,
    slug: str | None,
    front_matter: bool = False,
    output_ext: str = ".html",
) -> str:
    """The URL path of a post for a permalink pattern or preset, as Jekyll builds it.

    ``date`` must already be in the site's time zone; ``file_slug`` is the file name without
    its date prefix and extension; ``slug`` is the front matter ``slug`` when there is one;
    ``output_ext`` is what ``:output_ext`` stands for (a post built as written keeps its
    file's ending).
    A ``front_matter`` permalink (or one from the site's defaults) has its placeholders
    filled in too, but is never a preset name (``pretty`` is the path ``/pretty``), and its
    own text is percent-encoded.
    """
    pattern = permalink if front_matter else resolve_pattern(permalink)
    pieces = []
    for text, name in _pattern_parts(pattern):
        pieces.append(text)
        if name == "output_ext":
            pieces.append(_escape_path(output_ext))
        elif name:
            pieces.append(_escape_path(_VALUES[name](date, categories, slug or file_slug)))
    # Jekyll's sanitize_url: no "..", no "./", no doubled slashes, always a leading slash.
    path = _SLASHES.sub("/", ("/" + "".join(pieces)).replace("..", "/").replace("./", ""))
    return normalize_url_path(escape_permalink(path) if front_matter else path)


@functools.lru_cache(maxsize=4_096)
def _escape_path(text: str) -> str:
    """``text`` percent-encoded as Jekyll's URL.escape_path does (most values need nothing).
    Cached: most pieces (years, months, categories) come back for post after post."""
    return text if _PATH_TEXT.fullmatch(text) else quote(text, safe=_PATH_SAFE)


def escape_permalink(permalink: str) -> str:
    """A front matter ``permalink`` with its non-ASCII characters percent-encoded."""
    path = permalink if permalink.startswith("/") else "/" + permalink
    return quote(path, safe=_PATH_SAFE + "%#?")


def document_id(url_path: str, slug: str) -> str:
    """Jekyll's id of a post (``post.id``, which jekyll-feed writes as the entry id): the
    folder of its URL path joined with its slug, the slug percent-encoded as jekyll-feed's
    ``absolute_url`` does. ``/2026/02/12/post.html`` and ``/2026/02/12/post/`` both give
    ``/2026/02/12/post``; a front matter permalink ``/notes/fixed/`` gives
    ``/notes/SLUG``, since the id keeps the slug, not the permalink's last part."""
    # Ruby's File.dirname ignores a trailing slash: "/a/b/" and "/a/b.html" are both in "/a".
    folder = url_path.rstrip("/").rpartition("/")[0]
    return normalize_url_path(f"{folder}/{slug}")


def normalize_url_path(path: str) -> str:
    """A URL's path (with its query and fragment, if any) as jekyll-feed writes it: through
    ``absolute_url``, which normalizes it as Addressable 2.8 does. Each segment is decoded
    and percent-encoded again (an existing ``%20`` stays, a space becomes ``%20``, a
    ``%2e`` becomes ``.``, ``[`` becomes ``%5B``; text in NFKC), then dot segments are
    removed (``/%2e%2e/a.html`` is ``/a.html``). A ``#`` starts the fragment, and ``?`` the
    query, as in any URL: a file named ``hash-#1.md`` has the id ``…/hash-#1``, which is
    jekyll-feed's, and a valid URI."""
    if _NORMAL_PATH.fullmatch(path):  # most paths: nothing to do
        return path
    if path.startswith("/") and all(map(_normal_segment, path[1:].split("/"))):
        return path  # escapes that normalization would write again as they are
    path, hash_mark, fragment = path.partition("#")
    path, question_mark, query = path.partition("?")
    segments = [_normalized_component(segment, _PCHAR_SAFE) for segment in path.split("/")]
    normal = _without_dot_segments("/".join(segments))
    if question_mark:
        pairs = (
            _normalized_component(pair, _QUERY_SAFE, plus_kept=True) for pair in query.split("&")
        )
        normal += "?" + "&".join(pairs)
    if hash_mark:
        normal += "#" + _normalized_component(fragment, _FRAGMENT_SAFE)
    return normal


@functools.lru_cache(maxsize=4_096)
def _normal_segment(segment: str) -> bool:
    """Whether normalization writes a path's ``segment`` again as it is: no dot segment,
    only characters it keeps, and escapes of UTF-8 text already in NFKC, in capitals
    (decoded, put in NFKC and encoded again, they come out the same). Cached: most
    segments (years, months, categories) come back for post after post."""
    if segment in (".", "..") or not _ENCODED_SEGMENT.fullmatch(segment):
        return False
    try:
        text = unquote(segment, errors="strict")
    except UnicodeDecodeError:
        return False
    return unicodedata.is_normalized("NFKC", text)


def _normalized_component(text: str, safe: str, plus_kept: bool = False) -> str:
    """``text`` percent-decoded, put in NFKC and percent-encoded again but for ``safe``, as
    Addressable's ``normalize_component``; with ``plus_kept`` (a query), an encoded ``+``
    (``%2B``) stays encoded."""
    if "%" not in text and text.isascii():  # most: nothing to decode
        return quote(text, safe=safe)
    if plus_kept:
        pieces = _ENCODED_PLUS.split(text)
        return "%2B".join(_normalized_component(piece, safe) for piece in pieces)
    raw = unquote_to_bytes(text)  # a "%" not followed by two hex digits stays, to be encoded
    try:
        return quote(unicodedata.normalize("NFKC", raw.decode("utf-8")), safe=safe)
    except UnicodeDecodeError:  # bytes that are no text are encoded as they are
        return quote(raw, safe=safe)


def _without_dot_segments(path: str) -> str:
    """``path`` without its ``.`` and ``..`` segments (RFC 3986, 5.2.4): ``/a/../b`` is
    ``/b``, and a ``..`` above the root is dropped."""
    kept: list[str] = []
    segments = path.split("/")
    for segment in segments[1:]:
        if segment == "..":
            if kept:
                kept.pop()
        elif segment != ".":
            kept.append(segment)
    if segments[-1] in (".", ".."):
        kept.append("")
    return "/" + "/".join(kept)
