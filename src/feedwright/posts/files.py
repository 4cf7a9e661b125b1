"""A site's post files: which they are (found without reading them), and their bytes.

Finding and stat'ing them imports nothing heavy, so that telling whether anything changed
since the last build (``speed.uptodate``) stays cheap.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from feedwright.errors import PostError
from feedwright.site.model import PLAIN_MARKDOWN, MarkdownFlavour, Site

# Imported by the few sites that set `exclude` or `include`: a no-change build imports this.
if TYPE_CHECKING:
    from feedwright.posts.entry_filter import EntryFilter

# A Jekyll post written in HTML, which Jekyll builds as it is (not as Markdown).
HTML_POST_SUFFIX = ".html"
# The endings of HTML files, which a post built as written is meant to be.
_HTML_SUFFIXES = (HTML_POST_SUFFIX, ".htm")
# A file name's extension as Jekyll's post and draft name patterns take it: the text after
# its last dot, which must not be empty (``2025-01-01-a`` and ``a.`` are no posts).
_EXTENSION = re.compile(r"\.[^.]+$")
# The endings of the files of `_posts` that Jekyll 4.3 reads but builds no post of, or
# not one feedwright can make: YAML (read as data, so it has no content and is skipped)
# and Sass (compiled to CSS, which feedwright cannot do). Compared as Jekyll compares
# them, with their case.
_NOT_BUILT = (".yml", ".yaml", ".sass", ".scss")
# How much of a post to read for its front matter alone (more when it is longer).
HEAD_BYTES = 4_096
# Larger files are refused: a post that size is a mistake (an embedded video, a log).
MAX_POST_BYTES = 32_000_000
# What must not change for anything learnt from a file to hold: its size, mtime and ctime.
FileKey = tuple[int, int, int]
_GLOB_CHARACTERS = set("*?[")
# Folders never searched when the posts live in the site folder itself.
_SKIPPED_DIRS = {"node_modules", "vendor", "out", "public", "site-packages"}
# The folders of a Jekyll site that hold its posts, and its drafts (read with --drafts).
DRAFTS_FOLDER = "_drafts"
_POSTS_FOLDERS = ("_posts", DRAFTS_FOLDER)
# The starts of the names Jekyll skips (hidden files, its own, backups).
_SKIPPED_BY_JEKYLL = (".", "_", "#", "~")
# The name of a file of `_posts` that Jekyll makes a post (its DATE_FILENAME_MATCHER): a
# date, with one- or two-digit month and day, a title and an extension. Other files there
# are not posts (a dated folder does not make its files posts); a draft needs no date.
JEKYLL_POST_NAME = re.compile(r"\d{2,4}-\d{1,2}-\d{1,2}-[^/]*\.[^./]+")


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
    them (``en/news/_posts`` too): on a Jekyll site (a Jekyll configuration, such as
    ``_config.yml``, or a ``_posts`` folder at its root) whose feedwright configuration
    does not set ``posts``. A site with a Jekyll configuration and a ``posts`` folder but
    no ``_posts`` keeps its posts in ``posts``, as before."""
    if site.posts:
        return False
    if (site.root / "_posts").is_dir():
        return True
    return site.engine == "jekyll" and not (site.root / "posts").is_dir()


def folder_categories(site: Site, path: Path) -> tuple[str, ...]:
    """The folders above the ``_posts`` (or ``_drafts``) folder a post is in, which Jekyll
    makes the post's first categories (``en/news/_posts/2025-01-01-a.md``: en and news);
    none for a post of the site's own ``_posts``, or when ``posts`` is configured."""
    if site.posts:
        return ()
    parts = path.parts[len(site.root.parts) :]
    # Only a Jekyll site's walk enters a `_posts` or `_drafts` folder below the site's root.
    for folder in parts[1:-1]:
        if folder in _POSTS_FOLDERS:
            return parts[: parts.index(folder)]
    return ()


def is_draft_file(site: Site, path: Path) -> bool:
    """Whether ``path`` is in a Jekyll site's ``_drafts`` folder (``--drafts`` reads them)."""
    if site.posts or DRAFTS_FOLDER not in str(path):  # the cheap test first: most are not
        return False
    return DRAFTS_FOLDER in path.parts[len(site.root.parts) : -1]


def post_file_names(
    site: Site, drafts: bool = False, not_posts: list[str] | None = None
) -> list[str]:
    """Every post file of the site, in a fixed order that does not depend on the file
    system; as strings, which cost less than Paths when 10,000 are only to be stat'ed.
    With ``drafts``, a Jekyll site's ``_drafts`` folders are read too, as by ``jekyll
    build --drafts`` (without it they are not even listed, as Jekyll does not read them).
    The Markdown files of a Jekyll site's ``_posts`` whose names are not a post's (see
    JEKYLL_POST_NAME) are left out, and added to ``not_posts`` when it is given (a site
    with ``_posts`` but no Jekyll configuration takes them all, as before)."""
    return post_and_list_page_names(site, drafts, not_posts)[0]


def post_and_list_page_names(
    site: Site, drafts: bool = False, not_posts: list[str] | None = None
) -> tuple[list[str], list[str]]:
    """``post_file_names``, and, on a Hugo site, its list pages (``_index`` files), in a
    fixed order: which folders hold one decides the posts' ``:sections`` URLs, so a build
    that gets the posts' headers from an earlier one must know them too."""
    if site.hugo is not None and not site.posts:
        # Imported here: only a Hugo site needs Hugo's rules (which import nothing heavy).
        from feedwright.posts.hugo import hugo_content_files

        posts, list_pages = hugo_content_files(site)
        return sorted(posts, key=path_order), sorted(list_pages, key=path_order)
    return _post_file_names(site, drafts, not_posts), []


def _post_file_names(site: Site, drafts: bool, not_posts: list[str] | None) -> list[str]:
    folder, pattern = posts_location(site)
    if pattern is not None:
        found = [str(path) for path in folder.glob(pattern) if path.is_file()]
        return sorted(found, key=path_order)
    output = str(site.output.resolve())
    if reads_every_posts_folder(site):
        magic = _POSTS_FOLDERS if drafts else ("_posts",)
        rules = None
        if site.exclude or site.include:
            from feedwright.posts.entry_filter import EntryFilter

            rules = EntryFilter.of(site.exclude, site.include)
        # Jekyll's own sites (with its configuration): every file with an extension, as
        # Jekyll reads them (those no converter takes are built as written), with a dated
        # name, as it does. A site with `_posts` but no Jekyll configuration: Markdown and
        # HTML, whatever their names.
        jekyll = site.engine == "jekyll"
        suffixes = None if jekyll else (*site.markdown_suffixes, HTML_POST_SUFFIX)
        named = not_posts if not_posts is not None else []
        found = _walk(str(site.root), output, suffixes, magic, rules, named if jekyll else None)
        return sorted(found, key=path_order)
    return sorted(_walk(str(folder), output, site.markdown_suffixes), key=path_order)


def is_html_post(path: Path, flavour: MarkdownFlavour = PLAIN_MARKDOWN) -> bool:
    """Whether a post's content is its text as written (Jekyll's rule for a file no
    converter takes), not Markdown: one whose ending is none of the site's Markdown
    endings (``flavour.markdown_suffixes``, compared as lower case, as Jekyll compares
    them), which is an ``.html`` post or, on a Jekyll site, a ``.text`` or ``.Rmd`` one."""
    return path.suffix.lower() not in flavour.markdown_suffixes


def built_as_written(path: Path, flavour: MarkdownFlavour) -> bool:
    """Whether a post is its text as written though not HTML either (a Jekyll site's
    ``.text``, ``.Rmd`` or ``.textile``), which most likely was not meant so."""
    return is_html_post(path, flavour) and path.suffix.lower() not in _HTML_SUFFIXES


def output_suffix(path: Path, flavour: MarkdownFlavour) -> str:
    """The ending of a post's URL (Jekyll's ``:output_ext``): ``.html`` for Markdown, else
    the file's own ending as written (``.html``, ``.TXT``, ``.gz`` of ``a.tar.gz``), as
    Jekyll's converter of the files it does not convert keeps it."""
    return path.suffix if is_html_post(path, flavour) else HTML_POST_SUFFIX


def _walk(
    top: str,
    output: str,
    suffixes: tuple[str, ...] | None,
    posts_folders: tuple[str, ...] = (),
    rules: EntryFilter | None = None,
    not_posts: list[str] | None = None,
) -> list[str]:
    """The files under ``top`` whose names end with one of ``suffixes`` (lower case; None:
    any extension, as Jekyll reads a posts folder), skipping hidden and `_` folders, the
    usual folders
    of dependencies and the output folder (by os.scandir: os.walk, with its joins, takes
    twice as long). With ``posts_folders`` (Jekyll's ``_posts``, and ``_drafts``), only
    those inside such a folder, wherever it is (Jekyll's posts), and as the site's
    ``exclude`` and ``include`` say (``rules``). With ``not_posts``, the files of a
    posts folder that Jekyll makes no post of (not named as posts, or YAML or Sass) go
    there instead."""
    names: list[str] = []
    inside = os.path.realpath(top) + os.sep
    # Each folder to list, and the posts folder it is in (None: its files are not posts).
    folders = [(top, None if posts_folders else top)]
    while folders:
        folder, posts_root = folders.pop()
        for entry in folder_entries(folder):
            if not _is_folder(entry):
                if entry.is_symlink() and not os.path.realpath(entry.path).startswith(inside):
                    # A link to a file elsewhere (/etc/passwd, say) would publish it.
                    continue
                jekyll = bool(posts_folders)
                if posts_root is not None and _is_post(
                    entry, top, posts_root, rules, jekyll, suffixes
                ):
                    if not_posts is None or _built_as_post(entry.name, posts_root):
                        names.append(entry.path)
                    else:
                        not_posts.append(entry.path)
            elif posts_root is None and entry.name in posts_folders:
                folders.append((entry.path, entry.path))
            # A symlinked folder is not followed: it cannot trap the walk in a loop.
            elif not entry.is_symlink() and _enters(entry, top, output, posts_root, rules):
                folders.append((entry.path, posts_root))
    return names


def _is_post(
    entry: os.DirEntry[str],
    top: str,
    posts_root: str,
    rules: EntryFilter | None,
    jekyll: bool,
    suffixes: tuple[str, ...] | None,
) -> bool:
    """Whether a file of the posts folder ``posts_root`` is a post: one whose name ends
    with one of ``suffixes`` (Markdown and HTML; None: any extension, a Jekyll site's), not
    excluded by ``rules``; in a Jekyll site's posts folders, not one whose name Jekyll
    skips (``.#a.md``, an editor's lock file; ``_a.md``; ``#a.md``; ``~a.md``; a backup,
    ``a.md~``) unless ``rules`` include it."""
    if suffixes is None:
        if _EXTENSION.search(entry.name) is None:
            return False
    elif not entry.name.lower().endswith(suffixes):
        return False
    verdict = None
    if rules is not None:
        verdict = rules.post(_relative(top, entry.path), _relative(posts_root, entry.path)[1:])
    if verdict is not None:
        return verdict
    return not (jekyll and (entry.name.startswith(_SKIPPED_BY_JEKYLL) or entry.name.endswith("~")))


def _built_as_post(name: str, posts_root: str) -> bool:
    """Whether Jekyll builds a post of a file of its posts folder ``posts_root``: one
    with a name Jekyll makes a post of (any, in ``_drafts``; a dated one,
    JEKYLL_POST_NAME, in ``_posts``) and an ending it builds (see _NOT_BUILT)."""
    if name.endswith(_NOT_BUILT):
        return False
    return not posts_root.endswith("_posts") or JEKYLL_POST_NAME.fullmatch(name) is not None


def _enters(
    entry: os.DirEntry[str],
    top: str,
    output: str,
    posts_root: str | None,
    rules: EntryFilter | None,
) -> bool:
    """Whether the walk looks for posts in a folder: as the site's ``exclude`` and
    ``include`` say, outside a posts folder (Jekyll tests each file of one instead); else
    as ``_searched`` says."""
    verdict = None
    if rules is not None and posts_root is None:
        verdict = rules.folder(_relative(top, entry.path), entry.name)
    if verdict is None:
        return _searched(entry.name, entry.path, output)
    return verdict and os.path.realpath(entry.path) != output


def _relative(top: str, path: str) -> str:
    """``path`` from the folder ``top`` as Jekyll writes it: ``/a/b``."""
    return path[len(top.rstrip(os.sep)) :].replace(os.sep, "/")


def folder_entries(folder: str) -> list[os.DirEntry[str]]:
    """What a folder holds; nothing when it cannot be listed (it is skipped, as os.walk
    skips it)."""
    try:
        with os.scandir(folder) as listing:
            return list(listing)
    except OSError:
        return []


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
