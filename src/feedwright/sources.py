"""Which files of a site are its posts: found without reading them.

Kept apart from ``collector`` (which parses them) so that telling whether anything
changed since the last build stays cheap.
"""

from __future__ import annotations

import os
from pathlib import Path

from feedwright.model import Site

POST_SUFFIXES = (".md", ".markdown")
# What must not change for anything learnt from a file to hold: its size, mtime and ctime.
FileKey = tuple[int, int, int]
_GLOB_CHARACTERS = set("*?[")
# Folders never searched when the posts live in the site folder itself.
_SKIPPED_DIRS = {"node_modules", "vendor", "out", "public", "site-packages"}


def posts_location(site: Site) -> tuple[Path, str | None]:
    """The folder to search and, when ``posts`` is a glob, the glob pattern."""
    configured = site.posts
    if configured and _GLOB_CHARACTERS & set(configured):
        return site.root, configured
    if configured:
        return site.root / configured, None
    for name in ("_posts", "posts"):
        if (site.root / name).is_dir():
            return site.root / name, None
    return site.root, None


def find_post_files(site: Site) -> list[Path]:
    """Every post file of the site, in a fixed order that does not depend on the file system."""
    return [Path(name) for name in post_file_names(site)]


def post_file_names(site: Site) -> list[str]:
    """``find_post_files`` as strings: cheaper when 10,000 paths are only to be stat'ed."""
    folder, pattern = posts_location(site)
    if pattern is not None:
        found = [str(path) for path in folder.glob(pattern) if path.is_file()]
        return sorted(found, key=path_order)
    return sorted(_walk(str(folder), str(site.output.resolve())), key=path_order)


def _walk(top: str, output: str) -> list[str]:
    """The Markdown files under ``top``, skipping hidden and `_` folders, the usual folders
    of dependencies and the output folder (by os.scandir: os.walk, with its joins, takes
    twice as long)."""
    names: list[str] = []
    folders = [top]
    while folders:
        try:
            with os.scandir(folders.pop()) as listing:
                entries = list(listing)
        except OSError:  # a folder that cannot be listed is skipped, as os.walk does
            continue
        for entry in entries:
            if not _is_folder(entry):
                if entry.name.lower().endswith(POST_SUFFIXES):
                    names.append(entry.path)
            # A symlinked folder is not followed: it cannot trap the walk in a loop.
            elif _searched(entry.name, entry.path, output) and not entry.is_symlink():
                folders.append(entry.path)
    return names


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a symlink in a loop, say: reading it as a post reports it
        return False


def _searched(name: str, path: str, output: str) -> bool:
    """Whether to look for posts in a folder: not a hidden, `_` or dependencies' folder,
    nor the output folder."""
    return (
        not name.startswith((".", "_"))
        and name not in _SKIPPED_DIRS
        and os.path.realpath(path) != output
    )


def file_key(stat: os.stat_result) -> FileKey:
    """A file's size, mtime and ctime: any edit, even one that keeps the size, changes it."""
    return stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns


def stat_files(names: list[str]) -> list[tuple[str, FileKey | None]]:
    """Each file name with its FileKey, or None when it cannot be stat'ed (it went away)."""
    keyed: list[tuple[str, FileKey | None]] = []
    for name in names:
        try:
            keyed.append((name, file_key(os.stat(name))))
        except OSError:
            keyed.append((name, None))
    return keyed


def path_order(name: str) -> str:
    """A sort key that orders file names as their Paths compare (part by part), without
    building 10,000 Paths: with the separators made the lowest character, the names
    compare as their parts do."""
    return name.replace(os.sep, "\0")
