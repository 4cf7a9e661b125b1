"""Post URLs from Jekyll permalink patterns, so a Jekyll site's links come out right."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote

from feedwright.slugs import jekyll_slugify

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


def resolve_pattern(permalink: str) -> str:
    """The pattern for a preset name such as ``date`` or ``pretty``, or the pattern itself."""
    return PRESETS.get(permalink, permalink)


def post_path(
    permalink: str,
    *,
    date: datetime,
    categories: tuple[str, ...],
    file_slug: str,
    slug: str | None,
) -> str:
    """The URL path of a post for a permalink pattern or preset, as Jekyll builds it.

    ``date`` must already be in the site's time zone; ``file_slug`` is the file name without
    its date prefix and extension; ``slug`` is the front matter ``slug`` when there is one.
    """
    source_slug = slug or file_slug
    # Each value is made only when the pattern uses it: 10,000 posts go through here.
    values: dict[str, Callable[[], str]] = {
        "year": lambda: f"{date.year:04d}",
        "short_year": lambda: f"{date.year % 100:02d}",
        "month": lambda: f"{date.month:02d}",
        "i_month": lambda: str(date.month),
        "day": lambda: f"{date.day:02d}",
        "i_day": lambda: str(date.day),
        "y_day": lambda: f"{date.timetuple().tm_yday:03d}",
        "hour": lambda: f"{date.hour:02d}",
        "minute": lambda: f"{date.minute:02d}",
        "second": lambda: f"{date.second:02d}",
        "week": lambda: f"{date.isocalendar().week:02d}",
        "short_day": lambda: date.strftime("%a"),
        "title": lambda: jekyll_slugify(source_slug, mode="pretty", cased=True),
        "slug": lambda: jekyll_slugify(source_slug),
        "categories": lambda: "/".join(dict.fromkeys(category.lower() for category in categories)),
        "output_ext": lambda: ".html",
    }

    def substitute(match: re.Match[str]) -> str:
        return quote(values[match.group(1)](), safe=_PATH_SAFE)

    path = _PLACEHOLDER.sub(substitute, resolve_pattern(permalink))
    # Jekyll's sanitize_url: no "..", no "./", no doubled slashes, always a leading slash.
    path = ("/" + path).replace("..", "/").replace("./", "")
    return re.sub(r"/{2,}", "/", path)


def escape_permalink(permalink: str) -> str:
    """A front matter ``permalink`` with its non-ASCII characters percent-encoded."""
    path = permalink if permalink.startswith("/") else "/" + permalink
    return quote(path, safe=_PATH_SAFE + "%#?")
