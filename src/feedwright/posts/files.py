"""A site's post files: which they are (found without reading them), and their bytes.

Finding and stat'ing them imports nothing heavy, so that telling whether anything changed
since the last build (``speed.uptodate``) stays cheap.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from feedwright.errors import PostError
from feedwright.site.jekyll import JEKYLL_CONFIG
from feedwright.site.model import Site

POST_SUFFIXES = (".md", ".markdown")
# How much of a post to read for its front matter alone (more when it is longer).
HEAD_BYTES = 4_096
# Larger files are refused: a post that size is a mistake (an embedded video, a log).
MAX_POST_BYTES = 32_000_000
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


def reads_every_posts_folder(site: Site) -> bool:
    """Whether the posts are those of every ``_posts`` folder of the site, as Jekyll reads
    them (``en/news/_posts`` too): on a Jekyll site (a ``_config.yml`` or a ``_posts``
    folder at its root) whose feedwright configuration does not set ``posts``. A site
    with a ``_config.yml`` and a ``posts`` folder but no ``_posts`` keeps its posts in
    ``posts``, as before."""
    if site.posts:
        return False
    if (site.root / "_posts").is_dir():
        return True
    return (site.root / JEKYLL_CONFIG).is_file() and not (site.root / "posts").is_dir()


def folder_categories(site: Site, path: Path) -> tuple[str, ...]:
    """The folders above the ``_posts`` folder a post is in, which Jekyll makes the post's
    first categories (``en/news/_posts/2025-01-01-a.md``: en and news); none for a post
    of the site's own ``_posts``, or when ``posts`` is configured."""
    if site.posts:
        return ()
    parts = path.parts[len(site.root.parts) :]
    # Only a Jekyll site's walk enters a `_posts` folder below the site's root.
    if "_posts" not in parts[1:-1]:
        return ()
    return parts[: parts.index("_posts")]


def post_file_names(site: Site) -> list[str]:
    """Every post file of the site, in a fixed order that does not depend on the file
    system; as strings, which cost less than Paths when 10,000 are only to be stat'ed."""
    if site.hugo is not None and not site.posts:
        # Imported here: only a Hugo site needs Hugo's rules (which import nothing heavy).
        from feedwright.posts.hugo import hugo_post_files

        return sorted(hugo_post_files(site), key=path_order)
    folder, pattern = posts_location(site)
    if pattern is not None:
        found = [str(path) for path in folder.glob(pattern) if path.is_file()]
        return sorted(found, key=path_order)
    output = str(site.output.resolve())
    if reads_every_posts_folder(site):
        return sorted(_walk(str(site.root), output, every_posts_folder=True), key=path_order)
    return sorted(_walk(str(folder), output), key=path_order)


def _walk(top: str, output: str, every_posts_folder: bool = False) -> list[str]:
    """The Markdown files under ``top``, skipping hidden and `_` folders, the usual folders
    of dependencies and the output folder (by os.scandir: os.walk, with its joins, takes
    twice as long). With ``every_posts_folder``, only those inside a ``_posts`` folder,
    wherever it is (Jekyll's posts)."""
    names: list[str] = []
    # Each folder to list, and whether its Markdown files are posts.
    folders = [(top, not every_posts_folder)]
    while folders:
        folder, holds_posts = folders.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError:  # a folder that cannot be listed is skipped, as os.walk does
            continue
        for entry in entries:
            if not _is_folder(entry):
                if holds_posts and entry.name.lower().endswith(POST_SUFFIXES):
                    names.append(entry.path)
            elif every_posts_folder and not holds_posts and entry.name == "_posts":
                folders.append((entry.path, True))
            # A symlinked folder is not followed: it cannot trap the walk in a loop.
            elif _searched(entry.name, entry.path, output) and not entry.is_symlink():
                folders.append((entry.path, holds_posts))
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


def read_post_bytes(path: Path) -> bytes:
    """The bytes of a post file: a regular file of at most MAX_POST_BYTES, with a UTF-8 name."""
    _check_name(path)
    data = _read_regular_file(path, MAX_POST_BYTES + 1)
    if len(data) > MAX_POST_BYTES:
        raise PostError(
            path,
            f"the file is larger than {MAX_POST_BYTES // 1_000_000} MB",
            "split the post, or move large media out of the Markdown file",
        )
    return data


def read_head(path: Path) -> bytes:
    """The first HEAD_BYTES of a post file, cut at a line end: its front matter, most often.

    (A file shorter than HEAD_BYTES is read whole, but its body is left for
    ``collect.load_bodies`` all the same: a header is a header, whatever the file's size.)
    """
    _check_name(path)
    head = _read_regular_file(path, HEAD_BYTES)
    if len(head) == HEAD_BYTES:
        # Cut at the last line end, so that no UTF-8 character is split.
        head = head[: head.rfind(b"\n") + 1]
    return head


def starts_with_front_matter(path: Path, hugo: bool = False) -> bool:
    """Whether a file starts with a front matter line (``---`` or ``+++``; on a Hugo site,
    after blank lines too, or a JSON ``{``); True when it cannot be read, so that reading it
    reports why."""
    try:
        start = _read_regular_file(path, 256 if hugo else 8).lstrip(b"\xef\xbb\xbf")
    except PostError:
        return True
    if hugo:
        return start.lstrip().startswith((b"---", b"+++", b"{"))
    return start.startswith((b"---", b"+++"))


def _check_name(path: Path) -> None:
    """PostError when the name of a post file (or of a folder it is in) is not UTF-8.

    Python holds such a name with surrogates, which no feed, URL or message can hold: the
    post's URL, for one, is made from its name. (Not checked while the files are listed:
    a loose file in a site folder that is not a post is never read, nor reported.)
    """
    raw = os.fsencode(path)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        part = "file name" if os.sep.encode() not in raw[error.start :] else "name of a folder"
        raise PostError(
            path,
            f"the {part} is not valid UTF-8 (byte 0x{raw[error.start]:02x})",
            "rename it: feeds and URLs are UTF-8",
        ) from error


def _read_regular_file(path: Path, limit: int) -> bytes:
    """Up to ``limit`` bytes from the start of a file; PostError when it cannot be read or
    is not a regular file.

    Opened without blocking and checked before reading, so a named pipe or a link to a
    device (/dev/zero) among the posts gives an error instead of a hang. Read with plain
    ``os.read`` calls: a buffered file object costs more than the read of a post's head.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        raise _unreadable(path, error) from error
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise PostError(
                path,
                "not a regular file (a pipe, a device or a socket)",
                "remove it from the posts folder",
            )
        chunks = []
        # The size as stat'ed, plus one byte to see the end of the file in one read.
        wanted = min(limit, status.st_size + 1)
        while wanted > 0:
            chunk = os.read(descriptor, wanted)
            if not chunk:
                break
            chunks.append(chunk)
            limit -= len(chunk)
            wanted = min(limit, 65_536)  # to the end, should the file have grown meanwhile
        return b"".join(chunks)
    except OSError as error:
        raise _unreadable(path, error) from error
    finally:
        os.close(descriptor)


def _unreadable(path: Path, error: OSError) -> PostError:
    return PostError(
        path, f"cannot read the file: {error.strerror}", "check that it exists and is readable"
    )
