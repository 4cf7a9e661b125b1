"""Where a site's posts are: what a body's Liquid tags and Hugo shortcodes need to know of
the other posts (see ``templating``). Light to import: a build asks for them whether or not
a body has a tag."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from feedwright.posts.model import Post

# What a post's file name may end with; taken off the names post_url, link and ref give.
POST_SUFFIXES = frozenset((".md", ".markdown", ".mdown", ".mkd", ".mkdn", ".html", ".htm"))


class PostLinks:
    """The URL of each post of a site, by the names ``{% post_url %}``, ``{% link %}`` and
    ``{{< ref >}}`` give it: its path from the site's folder without its suffix (the
    ``_posts`` folder or Hugo's ``content`` left out: ``2025-01-01-a``, ``en/2025-01-01-a``,
    ``posts/a``), and its file name alone (when no other post has it).

    Made from the posts the collector read (their headers are enough), so no file is read
    again; the lookup tables are only made when a body first asks, and then kept.
    """

    def __init__(self, root: Path, posts: Sequence[Post]) -> None:
        self._root = str(root).rstrip("/") + "/"
        self._posts: Sequence[Post] = posts
        self._entries: list[tuple[str, str]] | None = None
        self._tables: tuple[dict[str, str], dict[str, str]] | None = None

    def __getstate__(self) -> dict[str, Any]:
        # Sent to a render process as each post's file and URL (strings, not Posts); the
        # tables are made there if a body asks.
        return {"_root": self._root, "_posts": (), "_entries": self._listed(), "_tables": None}

    def fingerprint(self) -> str:
        """A digest of every post's file name and URL: it changes when a post that a tag
        may name moves, or another takes its name."""
        import hashlib

        names = "\n".join(f"{post.source.name}\0{post.url}" for post in self._posts)
        return hashlib.sha256(names.encode("utf-8", "surrogateescape")).hexdigest()

    def posts(self) -> Sequence[Post] | None:
        """The posts, in the collector's order (newest first); None where only their files
        and URLs are known (a render process, see ``__getstate__``)."""
        if not self._posts and self._entries:
            return None
        return self._posts

    def _listed(self) -> list[tuple[str, str]]:
        if self._entries is None:
            self._entries = [(str(post.source), post.url) for post in self._posts]
        return self._entries

    def _made(self) -> tuple[dict[str, str], dict[str, str]]:
        if self._tables is None:
            by_path: dict[str, str] = {}
            by_name: dict[str, str | None] = {}
            root = self._root
            for source, url in self._listed():
                relative = source[len(root) :] if source.startswith(root) else source
                key = post_key(relative)
                by_path.setdefault(key, url)
                name = key.rpartition("/")[2]
                # Two posts with one name: neither is found by the name alone.
                by_name[name] = None if name in by_name else url
            names = {name: url for name, url in by_name.items() if url is not None}
            self._tables = (by_path, names)
        return self._tables

    def find(self, name: str, near: str = "") -> str | None:
        """The URL of the post ``name`` gives (a path as the tag gives it, or a file name),
        tried from the folder ``near`` first; None when there is none."""
        by_path, by_name = self._made()
        key = post_key(name.strip().lstrip("/"))
        for candidate in (f"{near}/{key}" if near else "", key):
            if candidate and candidate in by_path:
                return by_path[candidate]
        return by_name.get(key.rsplit("/", 1)[-1])


def post_key(relative: str) -> str:
    """A post's path as tags name it: no suffix, no ``_posts`` folder, no Hugo
    ``content`` folder, and a page bundle's ``index`` named by its folder."""
    stem, dot, suffix = relative.rpartition(".")
    if dot and "." + suffix in POST_SUFFIXES:
        relative = stem
    parts = relative.split("/")
    if "_posts" in parts or "" in parts:
        parts = [part for part in parts if part not in ("", "_posts")]
    if parts and parts[0] == "content":
        parts = parts[1:]
    if len(parts) > 1 and parts[-1] in ("index", "_index"):
        parts = parts[:-1]
    return "/".join(parts)


NO_LINKS = PostLinks(Path("/"), ())
