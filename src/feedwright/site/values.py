"""Small value readers that the configuration and the posts share: authors and languages.

Kept apart from ``posts`` so that reading the configuration stays light (it is all a
build that changed nothing needs).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from feedwright.site.model import Author

_LANG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")


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
