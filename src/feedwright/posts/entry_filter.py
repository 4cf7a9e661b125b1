"""Jekyll's ``exclude`` and ``include`` (its EntryFilter): which folders and post files of a
site ``jekyll build`` reads.

Jekyll matches each pattern against a path from the site's root in two ways: as a glob
(Ruby's ``File.fnmatch`` with no flags, where ``*`` crosses folders) and as a plain prefix
of the path, so that ``priv`` excludes ``private/`` too. ``include`` wins over ``exclude``,
and lets in a folder whose name starts with ``_`` or ``.``.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class _Patterns:
    """Patterns, each as the path prefix it is and the glob it is (compiled once)."""

    prefixes: tuple[str, ...]
    globs: tuple[re.Pattern[str], ...] = field(compare=False)

    @classmethod
    def of(cls, patterns: tuple[str, ...]) -> _Patterns:
        anchored = tuple(_from_root(pattern) for pattern in patterns)
        # Ruby takes [^…] as [!…]; Python only the latter.
        globs = tuple(re.compile(fnmatch.translate(p.replace("[^", "[!"))) for p in anchored)
        return cls(anchored, globs)

    def match(self, path: str, is_folder: bool) -> bool:
        """Whether ``path`` ("/a/b", from the site's root) matches one of the patterns."""
        return (
            any(glob.match(path) for glob in self.globs)
            or path.startswith(self.prefixes)
            or (is_folder and path + "/" in self.prefixes)
        )


def _from_root(item: str) -> str:
    """``item`` joined to the site's root, "/", as Ruby's File.join joins them."""
    return "/" + item.lstrip("/")


@dataclass(frozen=True)
class EntryFilter:
    """A site's ``exclude`` and ``include`` lists, ready to match paths."""

    excluded: _Patterns
    included: _Patterns

    @classmethod
    def of(cls, exclude: tuple[str, ...], include: tuple[str, ...]) -> EntryFilter:
        """The filter of a site's lists (an excluded pattern that is also included is not
        excluded, as in Jekyll)."""
        return cls(
            _Patterns.of(tuple(pattern for pattern in exclude if pattern not in include)),
            _Patterns.of(include),
        )

    def folder(self, path: str, name: str) -> bool | None:
        """For a folder outside the posts folders (``path`` from the site's root, "/a/b";
        its ``name``): True when it is included (entered even when its name starts with
        ``_`` or ``.``), False when it is excluded, None when neither (the usual rules)."""
        # Jekyll matches `include` against the bare name, wherever the folder is.
        if self.included.match(_from_root(name), is_folder=True):
            return True
        return False if self.excluded.match(path, is_folder=True) else None

    def post(self, path: str, in_posts_folder: str) -> bool | None:
        """For a file of a posts folder (``path`` from the site's root, and
        ``in_posts_folder`` from the posts folder): True when it is included (read even
        when its name starts with ``_`` or ``.``), False when it is excluded, None when
        neither (the usual rules)."""
        name = in_posts_folder.rsplit("/", 1)[-1]
        if self.included.match(_from_root(in_posts_folder), is_folder=False):
            return True
        if self.included.match(_from_root(name), is_folder=False):
            return True
        return False if self.excluded.match(path, is_folder=False) else None
