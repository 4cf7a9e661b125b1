"""The shortcuts of one command, behind the few calls ``commands`` make.

Each call does nothing (or the plain thing) when ``Speed`` turns its shortcut off, so the
build reads the same with or without them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from feedwright.site.model import Site
from feedwright.speed import Speed
from feedwright.speed.uptodate import (
    record_build,
    scan_inputs,
    shown_fingerprint,
    unchanged_outputs,
    up_to_date_outputs,
)

# What reads and forks (the collector, the cache, multiprocessing) is imported when the
# build gets that far: a build that finds nothing changed never does.
if TYPE_CHECKING:
    from feedwright.posts.collect import PostFiles, ReadPosts
    from feedwright.speed.header_cache import HeaderCache
    from feedwright.speed.render_ahead import RenderProcess

Result = TypeVar("Result")


class Shortcuts:
    """The speed work of one run of a command on ``site``. Make it before anything is
    read: it lists and stats the inputs (a Jekyll site's drafts too with ``drafts``), so
    that a post changed during a build changes them for the next one."""

    def __init__(
        self, site: Site, options_key: Iterable[object], speed: Speed, drafts: bool = False
    ) -> None:
        self.site = site
        self.speed = speed
        self.inputs = scan_inputs(site, options_key, drafts)
        # Loaded when the posts are read: a build that finds nothing changed reads none.
        self.cache: HeaderCache | None = None
        self.shown = ""

    @property
    def files(self) -> PostFiles:
        """The post files, listed and stat'ed once for all."""
        return self.inputs.files

    def up_to_date(self, now: datetime) -> list[str] | None:
        """The outputs of the last build when this one would change nothing; else None."""
        if not self.speed.record:
            return None
        return up_to_date_outputs(self.site, self.inputs.fingerprint, now)

    def reader(self) -> ReadPosts:
        """How the build reads the posts: through the cache, by workers when many."""
        from feedwright.speed.header_cache import load_cache
        from feedwright.speed.parse_workers import cached_reader

        if self.speed.cache and self.cache is None:
            self.cache = load_cache(self.site, self.inputs.list_pages)
        return cached_reader(self.site, self.speed, self.cache)

    def unchanged(self, shown: Iterable[tuple[str, Iterable[Path]]]) -> list[str] | None:
        """The outputs of the last build when they show the same posts, unchanged, as
        ``shown`` (each output's name and the files of its posts); else None."""
        self.shown = shown_fingerprint(self.inputs.settings, shown)
        if not self.speed.record:
            return None
        return unchanged_outputs(self.site, self.shown)

    def posts_read(self) -> None:
        """Every post was read: save what the cache learnt (saving again writes nothing).

        Not on other errors (Ctrl-C, say), which may stop before some posts were looked
        up: saving would drop their entries as if the posts were gone."""
        if self.cache is not None:
            from feedwright.speed.header_cache import save_cache

            save_cache(self.cache)

    def built(self, outputs: Iterable[str], next_due: datetime | None) -> None:
        """Record a build that wrote ``outputs`` from valid posts, for the next build."""
        if self.speed.record:
            record_build(self.site, self.inputs.fingerprint, self.shown, outputs, next_due)

    @contextlib.contextmanager
    def render_ahead(
        self, prepare: Callable[[], object], render: Callable[..., Result]
    ) -> Iterator[RenderProcess[Result] | None]:
        """A process that runs ``prepare`` at once (imports, warm-up) while the build
        reads the posts, then ``render`` on the job it is sent: for a site big enough for
        it to pay off, and where one can be had. None otherwise: the build renders itself.
        """
        from feedwright.speed.forking import can_fork
        from feedwright.speed.render_ahead import RenderProcess

        start_from = self.speed.render_ahead_from
        if start_from is None or len(self.files) < start_from or not can_fork():
            yield None
            return
        try:
            process = RenderProcess(prepare, render)
        except OSError:  # no process to be had (a limit on processes, or on memory)
            yield None
            return
        with process:
            yield process
