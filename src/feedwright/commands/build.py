"""The ``build`` command: collect the posts, render the feeds and the digest preview, write
them, in that order; with the shortcuts of ``speed`` unless they are switched off."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from feedwright.errors import InvalidPostsError
from feedwright.posts.collect import Collection, ProgressCallback, collect, take_bodies
from feedwright.site.model import Site
from feedwright.speed import Speed
from feedwright.speed.shortcuts import Shortcuts
from feedwright.writer import OutputFile, StagedFiles, WriteReport, staged_files

# What plans and renders the outputs is imported once the build knows it has work to do:
# a build that finds nothing changed does not (see commands.outputs).
if TYPE_CHECKING:
    from feedwright.commands.outputs import OutputPlan, Rendered
    from feedwright.speed.render_ahead import RenderProcess


@dataclass
class BuildOptions:
    """The switches of a build (the CLI's flags), and the shortcuts it may take."""

    # Whether drafts and future posts are built; None: as the site's configuration says
    # (Jekyll's `show_drafts` and `future`, else not).
    drafts: bool | None = None
    future: bool | None = None
    skip_invalid: bool = False
    # The present moment, which decides what is a future post (default: the clock's).
    now: datetime | None = None
    speed: Speed = field(default_factory=Speed)

    def for_site(self, site: Site) -> BuildOptions:
        """These options with ``drafts`` and ``future`` as ``site`` says where they are None."""
        drafts, future = shown_switches(site, self.drafts, self.future)
        return replace(self, drafts=drafts, future=future)

    def key(self) -> tuple[bool, bool, bool]:
        """The switches that change what a build writes (see speed.uptodate)."""
        return bool(self.drafts), bool(self.future), self.skip_invalid


def shown_switches(site: Site, drafts: bool | None, future: bool | None) -> tuple[bool, bool]:
    """Whether drafts and future posts are shown: as given (the command line's
    ``--drafts``, ``--no-drafts``…), else as the site's configuration says."""
    return (
        site.show_drafts if drafts is None else drafts,
        site.future if future is None else future,
    )


@dataclass
class BuildResult:
    """What a build read and what it wrote."""

    collection: Collection
    # The path in the output folder of each file the build rendered, written or found
    # already as it was; none when it rendered nothing.
    files: list[str] = field(default_factory=list)
    report: WriteReport = field(default_factory=WriteReport)
    # True when nothing had changed since the last build: no post was read.
    up_to_date: bool = False
    # What became of the render process (see speed.render_ahead): "none" was started,
    # it "rendered", it "failed" (this process rendered), or it was "unused" (nothing to
    # render).
    render_ahead: str = "none"


@dataclass
class RenderResult:
    """What ``render_site`` read, and every output file it rendered."""

    collection: Collection
    files: list[OutputFile]


def render_site(
    site: Site, options: BuildOptions | None = None, progress: ProgressCallback | None = None
) -> RenderResult:
    """Collect the posts and render every output file in memory, writing nothing.

    Raises InvalidPostsError when any post is invalid, unless ``skip_invalid`` is set.
    """
    options = (options or BuildOptions()).for_site(site)
    shortcuts = Shortcuts(site, options.key(), options.speed, bool(options.drafts))
    now = options.now or datetime.now(UTC)
    collection = _collect_valid(site, options, now, progress, shortcuts)
    shortcuts.posts_read()
    from feedwright.commands import outputs

    plan = outputs.plan_outputs(site, collection.posts)
    files: list[OutputFile] = []
    _render_here(site, collection, plan, options, files.extend)
    return RenderResult(collection, files)


def build_site(
    site: Site, options: BuildOptions | None = None, progress: ProgressCallback | None = None
) -> BuildResult:
    """Build the site's feeds and digest preview into its output folder.

    Every file is written to a temporary file as it is rendered, and they are renamed
    into place only once all of them are, so an invalid post (or any other error) leaves
    the previous outputs as they were (see writer.staged_files). Nothing is read when
    nothing changed since the last build, and nothing rendered when the posts the outputs
    show are the same files, unchanged (see speed.uptodate).
    """
    options = (options or BuildOptions()).for_site(site)
    now = options.now or datetime.now(UTC)
    # Made before any post is read: a post changed during the build changes it next time.
    shortcuts = Shortcuts(site, options.key(), options.speed, bool(options.drafts))
    kept = shortcuts.up_to_date(now)
    if kept is not None:
        return _kept(site, Collection(), kept, up_to_date=True)
    from feedwright.commands import outputs

    prepare = functools.partial(outputs.prepare_to_render, site)
    with shortcuts.render_ahead(prepare, outputs.render_in_batches) as ahead:
        collection = _collect_valid(site, options, now, progress, shortcuts)
        plan = outputs.plan_outputs(site, collection.posts)
        kept = None if collection.problems else shortcuts.unchanged(plan.shown())
        if kept is not None:
            # Posts changed, but none that an output shows (an old post added, a draft edited).
            shortcuts.posts_read()
            shortcuts.built(kept, collection.next_due)
            result = _kept(site, collection, kept)
            result.render_ahead = "none" if ahead is None else "unused"
            return result
        if ahead is not None:
            ahead.send(site, plan)
        shortcuts.posts_read()  # while the render process renders
        result = BuildResult(collection)
        with staged_files(site.output) as staged:
            result.render_ahead = _render(site, collection, plan, options, ahead, staged)
            result.report = staged.commit()
            result.files = list(staged.paths)
    if not collection.problems:
        shortcuts.built(result.files, collection.next_due)
    return result


def _render(
    site: Site,
    collection: Collection,
    plan: OutputPlan,
    options: BuildOptions,
    ahead: RenderProcess[Rendered] | None,
    staged: StagedFiles,
) -> str:
    """Render ``plan`` into ``staged``: in the render process ``ahead`` when there is one
    and it can, else here. What became of the render process (see BuildResult)."""
    if ahead is None:
        _render_here(site, collection, plan, options, staged.add)
        return "none"
    rendered = ahead.result(staged.add)
    if rendered is None:
        staged.discard()  # what it handed over before it failed
        _render_here(site, collection, plan, options, staged.add)
        return "failed"
    _take_rendered(collection, plan, rendered)
    return "rendered"


def _kept(
    site: Site, collection: Collection, outputs: list[str], up_to_date: bool = False
) -> BuildResult:
    """The result of a build that left every output as it was."""
    report = WriteReport(unchanged=[site.output / name for name in outputs])
    return BuildResult(collection, report=report, up_to_date=up_to_date)


def _collect_valid(
    site: Site,
    options: BuildOptions,
    now: datetime,
    progress: ProgressCallback | None,
    shortcuts: Shortcuts,
) -> Collection:
    """The posts as far as their front matter; InvalidPostsError for invalid ones unless
    told to skip them."""
    collection = collect_headers(
        site,
        now,
        shortcuts,
        drafts=bool(options.drafts),
        future=bool(options.future),
        progress=progress,
    )
    check_valid(collection, options.skip_invalid, shortcuts)
    return collection


def collect_headers(
    site: Site,
    now: datetime,
    shortcuts: Shortcuts,
    *,
    drafts: bool = False,
    future: bool = False,
    progress: ProgressCallback | None = None,
) -> Collection:
    """The posts of ``site`` as far as their front matter (see ``posts.collect``), read
    through ``shortcuts``."""
    return collect(
        site,
        now=now,
        drafts=drafts,
        future=future,
        progress=progress,
        bodies=False,
        files=shortcuts.files,
        read=shortcuts.reader(),
    )


def read_headers(
    site: Site,
    now: datetime,
    speed: Speed,
    *,
    skip_invalid: bool,
    drafts: bool = False,
    future: bool = False,
    progress: ProgressCallback | None = None,
) -> Collection:
    """The posts of ``site`` as far as their front matter, for the commands that render
    nothing ahead (digest, send, list): read through the speed shortcuts, the cache saved
    at once; InvalidPostsError for invalid posts unless told to skip them."""
    shortcuts = Shortcuts(site, (), speed, drafts)
    collection = collect_headers(
        site, now, shortcuts, drafts=drafts, future=future, progress=progress
    )
    check_valid(collection, skip_invalid, shortcuts)
    shortcuts.posts_read()
    return collection


def check_valid(collection: Collection, skip_invalid: bool, shortcuts: Shortcuts) -> None:
    """InvalidPostsError for the collection's invalid posts, unless told to skip them."""
    if collection.problems and not skip_invalid:
        # Every post was read: after a fix, the next run parses only the fixed ones.
        shortcuts.posts_read()
        raise InvalidPostsError(collection.problems)


def _render_here(
    site: Site,
    collection: Collection,
    plan: OutputPlan,
    options: BuildOptions,
    keep: Callable[[Iterable[OutputFile]], None],
) -> None:
    """``outputs.render_plan`` in this process, each file given to ``keep`` as it is made.
    A body that cannot be read makes its post invalid: an error, or with ``skip_invalid``
    the post is dropped and the plan made again."""
    from feedwright.commands import outputs

    while True:
        try:
            rendered = outputs.render_plan(site, plan)
        except InvalidPostsError as error:
            if not options.skip_invalid:
                raise
            take_bodies(collection, [], {}, error.problems)
            plan = outputs.plan_outputs(site, collection.posts)
            continue
        keep(rendered.files)
        _take_rendered(collection, plan, rendered)  # now that its warnings are all there
        return


def _take_rendered(collection: Collection, plan: OutputPlan, rendered: Rendered) -> None:
    """Complete ``collection`` with the bodies ``rendered`` read for ``plan``, which was
    made from its posts, and with the warnings of rendering them."""
    take_bodies(collection, plan.posts(), rendered.bodies)
    collection.warnings.extend(rendered.warnings)
