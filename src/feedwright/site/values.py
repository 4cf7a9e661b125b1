"""Small value readers that the configuration and the posts share: authors, languages and
the URLs that go into the feeds.

Kept apart from ``posts`` so that reading the configuration stays light (it is all a
build that changed nothing needs).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from urllib.parse import urljoin, urlsplit

from feedwright.site.model import Author

_LANG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
_WEB_SCHEMES = ("http", "https")
WEB_URL_HINT = "write an http(s) URL (https://…) or a path on the site"


def parse_author(value: object) -> Author | None:
    """An Author from a name or a mapping with ``name`` (and ``email``, ``uri``/``url``).

    None when there is no author; ValueError when the value has another shape.
    """
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return Author(name=value.strip())
    if isinstance(value, Mapping) and isinstance(value.get("name"), str):
        email, uri = value.get("email"), value.get("uri") or value.get("url")
        return Author(
            name=value["name"].strip(),
            email=email if isinstance(email, str) else None,
            uri=uri if isinstance(uri, str) else None,
        )
    raise ValueError("`author` must be a name or a mapping with a `name`")


def normalise_lang(value: str) -> str | None:
    """A BCP 47 tag such as ``ja`` or ``en-US`` from forms like ``ja_JP``; None if unusable."""
    tag = value.strip().replace("_", "-").split(".")[0]  # "ja_JP.UTF-8" appears in the wild
    if not _LANG.match(tag):
        return None
    primary, *rest = tag.split("-")
    return "-".join([primary.lower(), *(part.upper() if len(part) == 2 else part for part in rest)])


def web_url(value: str, base: str) -> str | None:
    """``value`` as an absolute http(s) URL, a relative one resolved against ``base``; None
    when it is anything else (``javascript:``, ``data:``, ``mailto:``, no host, not a URL).

    Only web addresses go into a feed: a reader may make any other one a link or load it.
    The scheme is read from the URL as resolved, as a browser reads it: ``urlsplit`` drops
    tabs and line breaks, so a tab inside ``javascript:`` hides nothing.
    """
    try:
        url = urljoin(base, value.strip())
        parts = urlsplit(url)
    except ValueError:  # "http://[oops": not a URL at all
        return None
    return url if parts.scheme in _WEB_SCHEMES and parts.netloc else None


def with_web_uri(author: Author, base: str) -> tuple[Author, str | None]:
    """``author`` with its ``uri`` made an absolute http(s) URL (see ``web_url``), and None;
    or, when the uri is not a web address, ``author`` without it, and the uri left out."""
    if author.uri is None:
        return author, None
    uri = web_url(author.uri, base)
    return replace(author, uri=uri), (author.uri if uri is None else None)


def not_a_web_url(what: str, value: str) -> str:
    """The warning for ``what`` (such as "`image`"), whose ``value`` is not a web address and
    was left out."""
    shown = value if len(value) <= 60 else value[:60] + "…"  # a data: URL can be megabytes
    return f"{what} is not an http(s) URL ({shown!r}); it was left out"
