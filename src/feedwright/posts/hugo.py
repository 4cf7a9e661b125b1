"""A Hugo site's posts, found and placed as Hugo finds and places them: the regular pages of
its main sections under ``content/``, each in its language, at Hugo's URL.

Everything here works from file names (and, for sections, whether a folder holds an
``_index`` file), never from a file's contents, and imports nothing heavy: listing the
posts is part of telling that nothing changed since the last build.
"""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date, datetime, tzinfo
from pathlib import Path, PurePath
from typing import TYPE_CHECKING
from urllib.parse import quote

from feedwright.posts.files import folder_entries
from feedwright.site.model import ContentMount, HugoSettings, Language, Site

if TYPE_CHECKING:
    from feedwright.posts.model import Post

# The content files feedwright reads (Hugo also renders AsciiDoc, Org… with other tools).
CONTENT_SUFFIXES = (".md", ".markdown", ".html")
# A leaf bundle's page (``my-post/index.md``: the post ``my-post``) and a branch bundle's
# list page (``_index.md``, never a post).
_LEAF = "index"
_BRANCH = "_index"


def hugo_settings_of(site: Site) -> HugoSettings:
    """The Hugo settings of a Hugo site (ValueError on another site: a caller's mistake)."""
    if site.hugo is None:
        raise ValueError("not a Hugo site")
    return site.hugo


def split_name(name: str, languages: Sequence[Language]) -> tuple[str, str | None]:
    """A content file's name without its extension and its language: ``post.fr.md`` gives
    ``("post", "fr")`` when fr is one of ``languages``; ``post.xx.md`` gives ``("post.xx",
    None)``, as Hugo keeps an unknown language in the name."""
    stem = name.rsplit(".", 1)[0] if "." in name else name
    base, dot, last = stem.rpartition(".")
    if dot and base and last.lower() in {language.key for language in languages}:
        return base, last.lower()
    return stem, None


def filename_date(name: str, zone: tzinfo) -> tuple[datetime | None, str]:
    """The date that starts a content file's ``name`` (``2020-06-12-first-post``), in
    ``zone``, and the rest of the name, its slug (``first-post``), as Hugo's ``:filename``
    takes them; (None, "") when the name starts with no date."""
    if not _DATE_START.match(name):
        return None, ""
    try:
        day = date.fromisoformat(name[:10])
    except ValueError:  # 2020-02-30
        return None, ""
    return datetime(day.year, day.month, day.day, tzinfo=zone), name[10:].strip(" -_")


_DATE_START = re.compile(r"\d{4}-\d{2}-\d{2}")


def hugo_post_files(site: Site) -> list[str]:
    """The posts of a Hugo site: the regular pages of its main sections (see
    ``hugo_content_files``)."""
    return hugo_content_files(site)[0]


def hugo_content_files(site: Site) -> tuple[list[str], list[str]]:
    """The posts of a Hugo site, and its list pages (its ``_index`` files). The posts are
    the regular pages of its main sections (``params.mainSections``, else the section with
    the most pages, as Hugo chooses), in each language's content folders. ``_index``
    files are list pages; in a leaf bundle (a folder with an ``index`` file) only that file
    is a page, the rest its resources. Which folders hold an ``_index`` file decides the
    posts' ``:sections``, so this is also when the folders are looked at again."""
    hugo = hugo_settings_of(site)
    _is_section.cache_clear()
    mounts = _all_mounts(hugo.languages)
    pages: list[tuple[str, str]] = []
    list_pages: list[str] = []
    for mount in mounts:
        top = str(site.root / mount.source)
        # Another content folder inside this one holds its own pages (another language's).
        others = {str(site.root / other.source) for other in mounts}
        others.discard(top)
        section = mount.target.split("/", 1)[0].lower()
        pages.extend(_walk(top, section, others, hugo.languages, list_pages))
    main = {name.lower() for name in hugo.main_sections or _largest_section(pages)}
    return [path for path, section in pages if section in main], list_pages


def _all_mounts(languages: Sequence[Language]) -> list[ContentMount]:
    """The content folders of every language, each once."""
    return list(dict.fromkeys(mount for language in languages for mount in language.mounts))


def _largest_section(pages: list[tuple[str, str]]) -> tuple[str, ...]:
    """The section with the most pages (of two with as many, the first by name); none when
    every page is at the top of the content folder."""
    counts = Counter(section for _, section in pages if section)
    if not counts:
        return ()
    return (min(counts, key=lambda section: (-counts[section], section)),)


def _walk(
    top: str,
    top_section: str,
    others: set[str],
    languages: Sequence[Language],
    list_pages: list[str],
) -> list[tuple[str, str]]:
    """Each regular page under the content folder ``top`` (whose pages are in the section
    ``top_section``, "" when it is the top of the content), with its section (its first
    folder, lowercased; "" at the top), skipping hidden files and folders, symlinked
    folders and the folders in ``others``; the ``_index`` files are added to
    ``list_pages``."""
    found: list[tuple[str, str]] = []
    folders = [(top, top_section)]
    while folders:
        folder, section = folders.pop()
        entries = folder_entries(folder)
        files = [
            (entry.path, split_name(entry.name, languages)[0].lower())
            for entry in entries
            if _is_content_file(entry)
        ]
        list_pages.extend(path for path, kind in files if kind == _BRANCH)
        if folder != top and any(kind == _LEAF for _, kind in files):
            # A leaf bundle: its index files are its pages (one a language).
            found.extend((path, section) for path, kind in files if kind == _LEAF)
            continue
        found.extend((path, section) for path, kind in files if kind not in (_LEAF, _BRANCH))
        for entry in entries:
            if _is_folder(entry) and entry.path not in others and not entry.name.startswith("."):
                folders.append((entry.path, section or entry.name.lower()))
    return found


def _is_content_file(entry: os.DirEntry[str]) -> bool:
    if entry.name.startswith(".") or not entry.name.lower().endswith(CONTENT_SUFFIXES):
        return False
    try:
        return not entry.is_dir()
    except OSError:
        return False


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir() and not entry.is_symlink()
    except OSError:
        return False


def post_language(site: Site, path: Path) -> Language:
    """The language of a post: the one its file name ends in (``post.fr.md``), else that of
    the content folder it is in (the innermost, the default language first)."""
    hugo = hugo_settings_of(site)
    _, key = split_name(path.name, hugo.languages)
    folder, _ = _in_content_folder(site, path)
    return _language(hugo.languages, key, folder)


def _language(languages: tuple[Language, ...], key: str | None, folder: str | None) -> Language:
    """The language named ``key``, else the first whose content folder is ``folder``, else
    the default one."""
    for language in languages:
        if key == language.key if key is not None else folder in _sources(language):
            return language
    return languages[0]


def _sources(language: Language) -> list[str]:
    return [mount.source for mount in language.mounts]


def _in_content_folder(site: Site, path: Path) -> tuple[str | None, list[str]]:
    """The content folder (relative to the site) that ``path`` is in, the innermost, and
    the parts of ``path`` below the content as Hugo sees it (a mount's target first); None
    and its parts below the site folder when it is in none. (Strings, not Paths: this runs
    for every post, and pathlib costs.)"""
    name = os.fspath(path)
    root = os.fspath(site.root)
    # Path(".") joined with a name gives the name alone: no "./" to cut off.
    root = "" if root == os.curdir else root.rstrip(os.sep) + os.sep
    parts = tuple(name[len(root) :].split(os.sep)) if name.startswith(root) else (path.name,)
    for mount, source_parts, target_parts in _content_folders(hugo_settings_of(site).languages):
        if parts[: len(source_parts)] == source_parts:
            return mount.source, [*target_parts, *parts[len(source_parts) :]]
    return None, list(parts)


@functools.lru_cache(maxsize=64)
def _content_folders(
    languages: tuple[Language, ...],
) -> tuple[tuple[ContentMount, tuple[str, ...], tuple[str, ...]], ...]:
    """Each content folder of ``languages``, with its parts and its target's parts, the
    innermost first."""
    parts = [
        (mount, PurePath(mount.source).parts, PurePath(mount.target).parts if mount.target else ())
        for mount in _all_mounts(languages)
    ]
    return tuple(sorted(parts, key=lambda item: -len(item[1])))


def in_main_language(site: Site, posts: Sequence[Post]) -> list[Post]:
    """The posts of the site's default language, which make its main feed and its digest:
    every post on a site with one language."""
    if site.hugo is None or len(site.hugo.languages) < 2:
        return list(posts)
    main = site.hugo.default_language
    return [post for post in posts if post_language(site, post.source) == main]


# Hugo's UnicodeSanitize keeps letters, digits and marks, and these characters.
_KEPT = frozenset("./\\_#+~-@")
_HEX = frozenset("0123456789abcdefABCDEF")
# For ASCII text, the same in two regular expressions: what is left out, and the runs of
# spaces (Go's unicode.IsSpace) that become a hyphen.
_ASCII_LEFT_OUT = re.compile(r"[^A-Za-z0-9./\\_#+~@ \t\n\v\f\r-]")
_ASCII_SPACES = re.compile(r"[ \t\n\v\f\r]+")


@functools.lru_cache(maxsize=4_096)
def make_path(text: str, lower: bool = True) -> str:
    """``text`` as Hugo makes a path of it (its ``MakePathSanitized``): runs of spaces
    become one hyphen, characters other than letters, digits, marks and ``./\\_#+~-@`` are
    left out, and, unless ``lower`` is False (``disablePathToLower``), it is lowercased.
    ``Héllo Wörld & Co: 2`` gives ``héllo-wörld-co-2``."""
    if text.isascii() and "%" not in text:
        path = "-".join(_ASCII_SPACES.split(_ASCII_LEFT_OUT.sub("", text).strip(" \t\n\v\f\r")))
    else:
        path = _sanitized(text)
    return path.lower() if lower else path


def _sanitized(text: str) -> str:
    """Hugo's UnicodeSanitize, character by character."""
    kept: list[str] = []
    hyphen = False
    for index, character in enumerate(text):
        if _kept(text, index, character):
            if hyphen:
                kept.append("-")
                hyphen = False
            kept.append(character)
        elif kept and _is_space(character):
            hyphen = True
    return "".join(kept)


def _is_space(character: str) -> bool:
    """Go's unicode.IsSpace: Python's isspace() also takes the separators U+001C–U+001F."""
    if character <= "\xff":
        return character in " \t\n\v\f\r\x85\xa0"
    return character.isspace()


def _kept(text: str, index: int, character: str) -> bool:
    category = unicodedata.category(character)
    if character in _KEPT or category[0] in "LM" or category == "Nd":
        return True
    # A percent sign stays when it starts an escape (%20).
    return character == "%" and index + 2 < len(text) and set(text[index + 1 : index + 3]) <= _HEX


# Go's URL path escaping keeps these characters as they are and percent-encodes the rest.
_URL_SAFE = "/-._~$&+,:;=@"


_URL_TEXT = re.compile(r"[A-Za-z0-9/\-._~$&+,:;=@%]*")


def _escaped(path: str) -> str:
    # Most paths need nothing: the regular expression is quicker than quote().
    return path if _URL_TEXT.fullmatch(path) else quote(path, safe=_URL_SAFE + "%")


@functools.lru_cache(maxsize=1_024)
def _is_section(folder: str) -> bool:
    """Whether a folder below a top-level section is a section too: one with an ``_index``
    file."""
    return any(
        os.path.isfile(os.path.join(folder, _BRANCH + suffix)) for suffix in CONTENT_SUFFIXES
    )


def _has_list_page(site: Site, languages: tuple[Language, ...], folders: list[str]) -> bool:
    """Whether the content folder ``folders`` (as Hugo sees the content: mounts merged) has
    an ``_index`` file in any of the content folders that make it."""
    for _mount, source_parts, target_parts in _content_folders(languages):
        if tuple(folders[: len(target_parts)]) == target_parts:
            below = folders[len(target_parts) :]
            if _is_section(os.path.join(os.fspath(site.root), *source_parts, *below)):
                return True
    return False


class HugoPage:
    """Where a post is in its site: its language, its folders below the content folder, its
    name (``:filename``) and its sections. Made once a post: every rule asks it."""

    def __init__(self, site: Site, path: Path) -> None:
        hugo = hugo_settings_of(site)
        folder, parts = _in_content_folder(site, path)
        name, key = split_name(path.name, hugo.languages)
        self.language = _language(hugo.languages, key, folder)
        self.folders = parts[:-1]
        if name.lower() == _LEAF and self.folders:
            # A leaf bundle's page is named after its folder.
            name, self.folders = self.folders[-1], self.folders[:-1]
        self.name = name
        self.sections = self.folders[:1]
        if folder is None:
            return
        for depth in range(2, len(self.folders) + 1):
            if not _has_list_page(site, hugo.languages, self.folders[:depth]):
                break
            self.sections = self.folders[:depth]

    @property
    def section(self) -> str:
        """The page's section: its first folder ("" at the top of the content folder)."""
        return self.folders[0].lower() if self.folders else ""


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)  # fmt: skip


class _Page:
    """What a permalink's tokens are made of: where the page is, its date (in its own
    offset, as Hugo formats it), its title and slug, and whether paths are lowercased."""

    def __init__(
        self, place: HugoPage, date: datetime, title: str, slug: str | None, lower: bool
    ) -> None:
        self.place = place
        self.date = date
        self.title = title
        self.slug = slug
        self.lower = lower

    def path(self, text: str) -> str:
        return make_path(text, self.lower)


# Each token of a permalink pattern (Hugo's names), from the page.
_TOKENS: dict[str, Callable[[_Page], str]] = {
    "year": lambda page: str(page.date.year),  # Go's Itoa: the zero date's is "1"
    "month": lambda page: f"{page.date.month:02d}",
    "monthname": lambda page: _MONTHS[page.date.month - 1],
    "day": lambda page: f"{page.date.day:02d}",
    "weekday": lambda page: str((page.date.weekday() + 1) % 7),  # Sunday is 0, as in Go
    "weekdayname": lambda page: _WEEKDAYS[page.date.weekday()],
    "yearday": lambda page: str(page.date.timetuple().tm_yday),
    "section": lambda page: page.path(page.place.section),
    "sections": lambda page: page.path("/".join(page.place.sections)),
    "title": lambda page: page.path(page.title),
    "slug": lambda page: page.path(page.slug or page.title),
    "slugorfilename": lambda page: page.path(page.slug or page.place.name),
    "filename": lambda page: page.path(page.place.name),
    "contentbasename": lambda page: page.path(page.place.name),
}
# Longest names first, so that ":slugorfilename" is not read as ":slug" then "orfilename".
_TOKEN_NAMES = sorted(_TOKENS, key=len, reverse=True)


def _expand(pattern: str, page: _Page) -> str:
    """``pattern`` with each ``:token`` replaced by its value for ``page``."""
    pieces: list[str] = []
    position = 0
    while (start := pattern.find(":", position)) >= 0:
        name = next((name for name in _TOKEN_NAMES if pattern.startswith(name, start + 1)), None)
        pieces.append(pattern[position:start])
        if name is None:
            pieces.append(":")
            position = start + 1
        else:
            pieces.append(_TOKENS[name](page))
            position = start + 1 + len(name)
    pieces.append(pattern[position:])
    return "".join(pieces)


def hugo_url_path(
    site: Site,
    page: HugoPage,
    *,
    date: datetime,
    title: str,
    slug: str | None,
    url: str | None,
) -> str:
    """A post's URL path (below the site URL) as Hugo makes it: the front matter ``url``
    as it is; else its section's ``[permalinks]`` pattern; else its folders and its
    ``slug`` or file name (a leaf bundle's: its folder's), each made a path as Hugo does
    (see ``make_path``). With ``uglyURLs``, ``/posts/name/`` is ``/posts/name.html``. A
    post of another language than the default is below that language's folder
    (``/fr/…``), unless its ``url`` says where it is."""
    if url:
        return _escaped(url if url.startswith("/") else "/" + url)
    hugo = hugo_settings_of(site)
    lower = hugo.path_to_lower
    pattern = hugo.permalinks.get(page.section)
    if pattern is not None:
        target = "/" + _expand(pattern, _Page(page, date, title, slug, lower)).strip("/") + "/"
    else:
        parts = [make_path(folder, lower) for folder in page.folders]
        parts.append(make_path(slug or page.name, lower))
        target = "/" + "/".join(part for part in parts if part) + "/"
    if hugo.ugly_urls and target != "/":
        target = target[:-1] + ".html"
    if page.language.folder:
        target = f"/{page.language.folder}{target}"
    return _escaped(_SLASHES.sub("/", target))


_SLASHES = re.compile(r"/{2,}")
