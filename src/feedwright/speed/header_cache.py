"""A cache of parsed front matter, so that a build of a big site only parses what changed.

The cache is ``SITE/.feedwright/posts-cache.jsonl``. Each entry is a post's front matter as
``parse_header`` made it, keyed by the file's path and checked against its size, mtime and
ctime: any change to the file, and any change to the configuration, makes the entry stale.
The file is safe to delete, and anything in it that does not read back is ignored: the
post is then parsed again. A cached build gives the same bytes as an uncached one (tested).

The first line holds the configuration's fingerprint, and each further line one entry. An
entry that did not change is written back as the very line it was read from, so a build
that parsed one new post re-encodes one entry, not 10,000.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from feedwright import __version__
from feedwright.errors import OutputError, Problem
from feedwright.posts.files import FileKey
from feedwright.posts.model import Image, Post
from feedwright.site.model import Author, Site
from feedwright.writer import write_shared

CACHE_NAME = "posts-cache.jsonl"
# The name of format 1 and 2, removed when the new one is written.
_OLD_CACHE_NAME = "posts-cache.json"
# Bump when the entry format or what parse_header makes changes.
_FORMAT = 12


def site_fingerprint(site: Site, list_pages: Iterable[str] = ()) -> str:
    """A digest of everything that shapes a parsed header: feedwright, the whole config
    and, on a Hugo site, where its list pages are (they make folders sections, which
    shapes URLs)."""
    fingerprint = hashlib.sha256(f"{__version__}\n{_FORMAT}\n{site!r}".encode())
    for name in list_pages:
        fingerprint.update(f"\n{name}".encode("utf-8", "surrogateescape"))
    return fingerprint.hexdigest()


@dataclass
class HeaderCache:
    """The cached headers of one site, in memory."""

    path: Path
    fingerprint: str
    entries: dict[str, tuple[FileKey, list[Any]]] = field(default_factory=dict)
    # The line of the file each entry was read from, while the entry is unchanged.
    lines: dict[str, bytes] = field(default_factory=dict)
    changed: bool = False
    # Entries looked up or stored in this run; the others (deleted posts) are dropped.
    used: set[str] = field(default_factory=set)

    def get(self, name: str, key: FileKey) -> Post | None:
        """The cached header of the file ``name`` if the file is unchanged (``key``), else
        None."""
        entry = self.entries.get(name)
        if entry is None or entry[0] != key:
            return None
        try:
            post = _post_from_json(Path(name), entry[1])
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        self.used.add(name)
        return post

    def add(self, name: str, key: FileKey, entry: list[Any]) -> Post:
        """Remember the header of the file ``name`` as of its ``key``, given in the cache's
        form (see ``cache_entry``), and return its post."""
        self.entries[name] = (key, entry)
        self.lines.pop(name, None)
        self.used.add(name)
        self.changed = True
        return _post_from_json(Path(name), entry)


def cache_entry(post: Post) -> list[Any] | None:
    """A post's header in the form the cache keeps it in; None when the cache cannot keep
    it, as JSON would not give back its values (dates, tuples, NaN… in ``extra``).

    The parse workers send the headers they read in this form: a tenth of the size of a
    pickled Post, it takes the build a fraction of the time to receive (no Path, datetime
    or Author objects to rebuild), and the build keeps it as the entry as it is.
    """
    return _post_to_json(post) if _reads_back(post.extra) else None


def cache_path(site: Site) -> Path:
    """Where a site's header cache lives."""
    return site.data_folder / CACHE_NAME


def load_cache(site: Site, list_pages: Iterable[str] = ()) -> HeaderCache:
    """The site's cache; an empty one when it is missing, unreadable, or for another config
    or other ``list_pages`` (a Hugo site's, see ``site_fingerprint``)."""
    path = cache_path(site)
    fingerprint = site_fingerprint(site, list_pages)
    empty = HeaderCache(path, fingerprint)
    try:
        first, *lines = path.read_bytes().splitlines()
        header = json.loads(first)
        # All entries are parsed at once, as one array: much faster than line by line. As a
        # blank line is not JSON and no line can end an entry early and start the next,
        # as many values as lines means each line holds exactly its entry.
        values = json.loads(b"[" + b",".join(lines) + b"]")
    except (OSError, ValueError):
        return empty
    if not isinstance(header, dict) or header.get("fingerprint") != fingerprint:
        return empty
    if not isinstance(values, list) or len(values) != len(lines):
        return empty
    cache = HeaderCache(path, fingerprint)
    for line, value in zip(lines, values, strict=True):
        if _is_entry(value):
            name, key, data = value
            cache.entries[name] = (tuple(key), data)
            cache.lines[name] = line
    return cache


def save_cache(cache: HeaderCache) -> None:
    """Write the cache if this run changed it; entries of posts no longer seen are dropped.
    Saving again without a change writes nothing.

    A cache that cannot be written is not an error: the next build parses again.
    """
    stale = set(cache.entries) - cache.used
    if not cache.changed and not stale:
        return
    for name in stale:
        del cache.entries[name]
        cache.lines.pop(name, None)
    lines = [json.dumps({"fingerprint": cache.fingerprint}).encode()]
    for name in sorted(cache.used):
        line = cache.lines.get(name)
        if line is None:
            key, data = cache.entries[name]
            text = json.dumps([name, key, data], ensure_ascii=False, separators=(",", ":"))
            line = cache.lines[name] = text.encode("utf-8")
        lines.append(line)
    cache.changed = False
    with contextlib.suppress(OutputError):
        write_shared(cache.path, b"\n".join(lines) + b"\n")
        # The cache of an earlier feedwright, in a format no longer read.
        with contextlib.suppress(OSError):
            (cache.path.parent / _OLD_CACHE_NAME).unlink()


def _is_entry(value: object) -> bool:
    """True for a ``[name, [size, mtime, ctime], [fields…]]`` list."""
    return (
        isinstance(value, list)
        and len(value) == 3
        and isinstance(value[0], str)
        and isinstance(value[1], list)
        and len(value[1]) == 3
        and isinstance(value[2], list)
    )


def _reads_back(value: object) -> bool:
    """True when JSON gives ``value`` back as it is (what front matter ``extra`` may hold)."""
    if value is None or isinstance(value, str | bool | int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_reads_back(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(key, str) and _reads_back(item) for key, item in value.items())
    return False


# Each entry is a list of the header's values in this order (not a mapping: the cache of a
# big site is read and written whole, and names repeated 10,000 times double its size).
_FIELDS = ("title", "date", "updated", "author", "categories", "tags", "image", "url", "id",
           "slug", "draft", "lang", "body_line", "body_offset", "extra", "warnings",
           "front_excerpt", "publish_date", "expiry_date", "listed")  # fmt: skip


def _post_to_json(post: Post) -> list[Any]:
    author = post.author
    image = post.image
    return [
        post.title,
        post.date.isoformat(),
        post.updated.isoformat() if post.updated else None,
        [author.name, author.email, author.uri] if author else None,
        list(post.categories),
        list(post.tags),
        [image.url, image.alt, image.width, image.height] if image else None,
        post.url,
        None if post.id == post.url else post.id,  # the id is most often the URL
        post.slug,
        post.draft,
        post.lang,
        post.body_line,
        post.body_offset,
        dict(post.extra),
        [[problem.message, problem.hint, problem.line] for problem in post.warnings],
        post.front_excerpt,
        post.publish_date.isoformat() if post.publish_date else None,
        post.expiry_date.isoformat() if post.expiry_date else None,
        post.listed,
    ]


@functools.lru_cache(maxsize=1_024)
def _author(name: str, email: str | None, uri: str | None) -> Author:
    # A site has few authors: one Author each serves all their posts (Authors are frozen).
    return Author(name, email, uri)


def _post_from_json(source: Path, data: list[Any]) -> Post:
    if len(data) != len(_FIELDS):
        raise ValueError("an entry of another format")
    (title, date, updated, author, categories, tags, image, url, entry_id, slug, draft, lang,
     body_line, body_offset, extra, warnings, front_excerpt, publish_date, expiry_date,
     listed) = data  # fmt: skip
    return Post(
        source=source,
        title=title,
        date=datetime.fromisoformat(date),
        updated=datetime.fromisoformat(updated) if updated else None,
        author=_author(*author) if author else None,
        categories=tuple(categories),
        tags=tuple(tags),
        excerpt="",
        image=Image(*image) if image else None,
        url=url,
        id=entry_id if entry_id is not None else url,
        slug=slug,
        draft=draft,
        lang=lang,
        body="",
        body_line=body_line,
        body_offset=body_offset,
        extra=extra,
        warnings=tuple([Problem(source, *warning) for warning in warnings]) if warnings else (),
        front_excerpt=front_excerpt,
        has_body=False,
        publish_date=datetime.fromisoformat(publish_date) if publish_date else None,
        expiry_date=datetime.fromisoformat(expiry_date) if expiry_date else None,
        listed=listed,
    )
