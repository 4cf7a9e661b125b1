"""The ``build`` command: collect the posts, render the feeds and the digest preview, write
them, in that order; with the shortcuts of ``speed`` unless they are switched off."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from feedwright.errors import InvalidPostsError, Problem
from feedwright.feeds.groups import FeedGroup, feed_groups
from feedwright.posts.collect import (
    Collection,
    ProgressCallback,
    body_warnings,
    collect,
    load_bodies,
)
from feedwright.posts.model import Post
from feedwright.site.model import Site
from feedwright.speed import Speed
from feedwright.speed.shortcuts import Shortcuts
from feedwright.writer import OutputFile, WriteReport, write_files

# The renderers (feedgen, lxml, premailer, Jinja2, markdown-it) are imported by the
# functions that render: a build whose changes show in no output never needs them, and
# importing them takes longer than the rest of such a build. A render process imports
# them ahead (see speed.render_ahead), in this order.
RENDERERS = (
    "feedwright.feeds.render",
    "feedwright.mail.digest",
    "feedwright.posts.excerpt",
    "feedwright.mail.message",
)


@dataclass
class BuildOptions:
    """The switches of a build (the CLI's flags), and the shortcuts it may take."""

    drafts: bool = False
    future: bool = False
    skip_invalid: bool = False
    # The present moment, which decides what is a future post (default: the clock's).
    now: datetime | None = None
    speed: Speed = field(default_factory=Speed)

    def key(self) -> tuple[bool, bool, bool]:
        """The switches that change what a build writes (see speed.uptodate)."""
        return self.drafts, self.future, self.skip_invalid


@dataclass
class BuildResult:
    """What a build read and what it wrote."""

    collection: Collection
    files: list[OutputFile] = field(default_factory=list)
    report: WriteReport = field(default_factory=WriteReport)
    # True when nothing had changed since the last build: no post was read.
    up_to_date: bool = False
    # What became of the render process (see speed.render_ahead): "none" was started,
    # it "rendered", it "failed" (this process rendered), or it was "unused" (nothing to
    # render).
    render_ahead: str = "none"


@dataclass(frozen=True)
class OutputPlan:
    """Which posts each output of a build shows: each feed, and the digest preview."""

    feeds: list[FeedGroup]
    preview: list[Post]

    def shown(self) -> list[tuple[str, list[Path]]]:
        """Each output's name and the files of the posts it shows."""
        named = [(group.name, group.posts) for group in self.feeds]
        named.append(("digest preview", self.preview))
        return [(name, [post.source for post in posts]) for name, posts in named]

    def posts(self) -> list[Post]:
        """Every post some output shows, once each, in the order the outputs show them."""
        unique = {post.source: post for group in self.feeds for post in group.posts}
        unique.update((post.source, post) for post in self.preview)
        return list(unique.values())

    def with_bodies(self, bodies: Mapping[Path, Post]) -> OutputPlan:
        """The same plan with each post replaced by its copy in ``bodies`` (by file)."""

        def complete(posts: Sequence[Post]) -> list[Post]:
            return [bodies[post.source] for post in posts]

        feeds = [
            FeedGroup(group.title, complete(group.posts), group.folder) for group in self.feeds
        ]
        return OutputPlan(feeds, complete(self.preview))


def plan_outputs(site: Site, posts: list[Post]) -> OutputPlan:
    """What each output shows of ``posts`` (in feed order)."""
    preview = posts[: site.digest.max_posts] if site.digest.preview else []
    return OutputPlan(feed_groups(site, posts), preview)


@dataclass
class Rendered:
    """The output files of a plan, and the posts it shows, now with their bodies."""

    files: list[OutputFile]
    bodies: dict[Path, Post]
    # The warnings of those bodies (a stray `---END---` line…), in the order of the plan.
    warnings: list[Problem]


def render_plan(site: Site, plan: OutputPlan) -> Rendered:
    """Read the bodies of the posts ``plan`` shows, then render every output.

    Raises InvalidPostsError when a body cannot be read (bad UTF-8 after the front
    matter, say), before anything is rendered.
    """
    from feedwright.feeds.render import render_feeds
    from feedwright.mail.digest import DigestRenderer
    from feedwright.mail.message import digest_files, preview_recipient
    from feedwright.site.templates import read_template_bytes

    shown = plan.posts()
    bodies, problems = load_bodies(site, shown)
    if problems:
        raise InvalidPostsError(problems)
    warnings = body_warnings(shown, bodies)
    plan = plan.with_bodies(bodies)
    stylesheet = read_template_bytes("feed.xsl") if site.feeds.stylesheet else None
    files = render_feeds(site, plan.feeds, stylesheet)
    if plan.preview:
        # A preview of the digest of the newest posts, to look at before sending.
        digest = DigestRenderer(site).render(plan.preview, preview_recipient(site))
        files.extend(digest_files(site, digest))
    return Rendered(files, bodies, warnings)


def render_site(
    site: Site, options: BuildOptions | None = None, progress: ProgressCallback | None = None
) -> BuildResult:
    """Collect the posts and render every output file in memory, writing nothing.

    Raises InvalidPostsError when any post is invalid, unless ``skip_invalid`` is set.
    """
    options = options or BuildOptions()
    shortcuts = Shortcuts(site, options.key(), options.speed)
    now = options.now or datetime.now(UTC)
    collection = _collect_valid(site, options, now, progress, shortcuts)
    shortcuts.posts_read()
    files = _render_here(site, collection, plan_outputs(site, collection.posts), options)
    return BuildResult(collection, files)


def build_site(
    site: Site, options: BuildOptions | None = None, progress: ProgressCallback | None = None
) -> BuildResult:
    """Build the site's feeds and digest preview into its output folder.

    Every file is rendered before the first is written, so an invalid post (or any other
    error) leaves the previous outputs as they were. Nothing is read when nothing changed
    since the last build, and nothing rendered when the posts the outputs show are the
    same files, unchanged (see speed.uptodate).
    """
    options = options or BuildOptions()
    now = options.now or datetime.now(UTC)
    # Made before any post is read: a post changed during the build changes it next time.
    shortcuts = Shortcuts(site, options.key(), options.speed)
    kept = shortcuts.up_to_date(now)
    if kept is not None:
        return _kept(site, Collection(), kept, up_to_date=True)
    prepare = functools.partial(_prepare_render, site)
    with shortcuts.render_ahead(prepare, render_plan) as ahead:
        collection = _collect_valid(site, options, now, progress, shortcuts)
        plan = plan_outputs(site, collection.posts)
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
        rendered = ahead.result() if ahead is not None else None
        if rendered is not None:
            _take_bodies(collection, rendered)
            files = rendered.files
        else:
            files = _render_here(site, collection, plan, options)
        result = BuildResult(collection, files, write_files(site.output, files))
        if ahead is not None:
            result.render_ahead = "failed" if rendered is None else "rendered"
    if not collection.problems:
        shortcuts.built([file.path for file in files], collection.next_due)
    return result


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
        site, now, shortcuts, drafts=options.drafts, future=options.future, progress=progress
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


def check_valid(collection: Collection, skip_invalid: bool, shortcuts: Shortcuts) -> None:
    """InvalidPostsError for the collection's invalid posts, unless told to skip them."""
    if collection.problems and not skip_invalid:
        # Every post was read: after a fix, the next run parses only the fixed ones.
        shortcuts.posts_read()
        raise InvalidPostsError(collection.problems)


def _render_here(
    site: Site, collection: Collection, plan: OutputPlan, options: BuildOptions
) -> list[OutputFile]:
    """``render_plan`` in this process. A body that cannot be read makes its post invalid:
    an error, or with ``skip_invalid`` the post is dropped and the plan made again."""
    while True:
        try:
            rendered = render_plan(site, plan)
        except InvalidPostsError as error:
            if not options.skip_invalid:
                raise
            collection.problems.extend(error.problems)
            broken = {problem.path for problem in error.problems}
            collection.posts = [post for post in collection.posts if post.source not in broken]
            plan = plan_outputs(site, collection.posts)
            continue
        _take_bodies(collection, rendered)
        return rendered.files


def _take_bodies(collection: Collection, rendered: Rendered) -> None:
    """Complete ``collection`` with the bodies and warnings ``rendered`` read."""
    bodies = rendered.bodies
    collection.posts = [bodies.get(post.source, post) for post in collection.posts]
    collection.warnings.extend(rendered.warnings)


def _prepare_render(site: Site) -> None:
    """Run in a render process while the build reads the posts: import what rendering
    needs, then (when the build writes one) render an empty digest preview. That loads the
    digest's templates and has premailer parse their CSS, which it keeps parsed: the render
    that counts, which waits on them otherwise, is a third quicker."""
    from feedwright.speed.render_ahead import import_ahead

    import_ahead(RENDERERS)
    if not site.digest.preview:
        return
    from feedwright.mail.digest import DigestRenderer
    from feedwright.mail.message import preview_recipient

    try:
        DigestRenderer(site).render([], preview_recipient(site))
    except Exception:  # a broken template: the build will report it
        return
