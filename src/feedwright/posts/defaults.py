"""A Jekyll site's front matter defaults (``defaults:`` in ``_config.yml``), applied to a
post's front matter as Jekyll 4.3 applies them (its ``FrontmatterDefaults``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from feedwright.posts.front_matter import SourceFile
from feedwright.site.jekyll import deep_merge
from feedwright.site.model import FrontMatterDefault, Site

# The type of every file feedwright reads, as a scope's ``type`` names it.
POSTS_TYPE = "posts"


def with_defaults(source: SourceFile, site: Site) -> SourceFile:
    """``source`` with what the site sets for it: its front matter defaults merged under its
    own front matter (its own values win; mappings are merged key by key, as Jekyll does),
    and its author looked up in the site's authors as jekyll-feed does."""
    metadata = source.metadata
    if site.defaults:
        defaults = defaults_for(site, source.path)
        metadata = deep_merge(defaults, metadata) if defaults else metadata
    metadata = with_site_author(metadata, site.authors)
    if metadata is source.metadata:
        return source
    # Not `clean`: a default's text was never checked for control characters.
    return replace(source, metadata=metadata, clean=False)


def with_site_author(metadata: dict[str, Any], authors: Mapping[str, object]) -> dict[str, Any]:
    """``metadata`` with the post's author as jekyll-feed takes it: ``author``, else the first
    of ``authors``; a key of the site's ``authors`` stands for the author it names."""
    author = metadata.get("author")
    listed = metadata.get("authors")
    if (author is None or author is False or author == "") and isinstance(listed, list) and listed:
        author = listed[0]
    if isinstance(author, str) and author in authors:
        author = authors[author]
    if author is metadata.get("author"):
        return metadata
    return {**metadata, "author": author}


def defaults_for(site: Site, path: Path) -> dict[str, Any]:
    """The values of every default whose scope covers the post ``path``; where two set one
    key, the more specific scope wins (the longer path, then the one with a type), and of
    two alike, the later one."""
    relative = _relative_path(site.root, path)
    values: dict[str, Any] = {}
    winner: FrontMatterDefault | None = None
    for default in site.defaults:
        if not _covers(default, relative):
            continue
        if winner is None or _has_precedence(winner, default):
            values = deep_merge(values, default.values)
            winner = default
        else:
            values = deep_merge(default.values, values)
    return values


def _relative_path(root: Path, path: Path) -> str | None:
    """The post's path relative to the site folder, with ``/``; None when it is outside."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return None


def _covers(default: FrontMatterDefault, relative: str | None) -> bool:
    """True when the scope of ``default`` covers the post at ``relative``."""
    if default.type is not None and default.type != POSTS_TYPE:
        return False
    if not default.path:
        return True
    if relative is None:
        return False
    if "*" in default.path:
        return _glob_covers(default.path, relative)
    # Jekyll compares text, not folders: the scope `_posts/tr` covers `_posts/travel/`.
    return relative.startswith(default.path)


def _glob_covers(pattern: str, relative: str) -> bool:
    """True when ``relative`` or one of its folders matches the glob ``pattern``: Jekyll
    globs the scope in the site folder and covers what is inside each match."""
    wanted = pattern.strip("/").split("/")
    parts = relative.split("/")
    return any(_segments_match(wanted, parts[:end]) for end in range(1, len(parts) + 1))


def _segments_match(pattern: list[str], parts: list[str]) -> bool:
    """A glob's ``/``-separated segments against a path's; ``**`` matches any folders."""
    if not pattern:
        return not parts
    if pattern[0] == "**":
        return _segments_match(pattern[1:], parts) or (
            bool(parts) and _segments_match(pattern, parts[1:])
        )
    return (
        bool(parts)
        and fnmatchcase(parts[0], pattern[0])
        and _segments_match(pattern[1:], parts[1:])
    )


def _has_precedence(old: FrontMatterDefault, new: FrontMatterDefault) -> bool:
    """Jekyll's rule: a longer scope path wins; of two as long, one with a type wins over
    one without; otherwise the later one wins unless only the earlier one has a type."""
    old_length, new_length = len(old.path.removeprefix("/")), len(new.path.removeprefix("/"))
    if old_length != new_length:
        return new_length > old_length
    return new.type is not None or old.type is None
