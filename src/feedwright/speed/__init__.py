"""What makes feedwright fast on big sites, kept out of the core path.

The core path (``posts.collect``, ``commands.build``) reads and renders plainly. A build
takes the shortcuts here through a few calls of ``speed.shortcuts.BuildShortcuts``, each
of which gives the same bytes as the plain path (tested): the build record that skips a
build when nothing changed (``uptodate``), the cache of parsed front matter
(``header_cache``), worker processes that parse (``parse_workers``) and a process that
renders ahead (``render_ahead``). ``Speed`` switches them; ``Speed.off()`` takes none.
"""

from __future__ import annotations

from dataclasses import dataclass

# With this many post files, parsing is shared among processes, and a render process
# imports the renderers while the build reads the posts: with fewer, reading them is over
# before a fork would pay off.
PARALLEL_FROM = 1_000
RENDER_AHEAD_FROM = 1_000
# The most parse workers (one per core otherwise).
MAX_WORKERS = 4


@dataclass(frozen=True)
class Speed:
    """Which shortcuts a build may take. None of them changes a byte of its outputs."""

    # Skip the build when nothing changed, or nothing that an output shows.
    record: bool = True
    # Keep parsed front matter in SITE/.feedwright/posts-cache.jsonl.
    cache: bool = True
    # How many processes parse (None: one per core, at most MAX_WORKERS; 1: this one).
    workers: int | None = None
    # With at least this many posts to parse, the workers share the work.
    parallel_from: int = PARALLEL_FROM
    # With at least this many post files, a render process renders ahead (None: never).
    render_ahead_from: int | None = RENDER_AHEAD_FROM

    @classmethod
    def off(cls) -> Speed:
        """No shortcut at all: every post read and parsed, everything rendered, here."""
        return cls(record=False, cache=False, workers=1, render_ahead_from=None)
