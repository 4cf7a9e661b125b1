"""Run the stages in order: collect the posts, build the feeds, write them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from feedwright.collector import Collection, ProgressCallback, collect
from feedwright.errors import InvalidPostsError
from feedwright.feeds import OutputFile, build_feeds
from feedwright.model import Site
from feedwright.templates import read_template_bytes
from feedwright.writer import WriteReport, write_files


@dataclass
class BuildOptions:
    """The switches of a build (the CLI's flags)."""

    drafts: bool = False
    future: bool = False
    skip_invalid: bool = False
    now: datetime | None = None


@dataclass
class BuildResult:
    """What a build read and what it wrote."""

    collection: Collection
    files: list[OutputFile] = field(default_factory=list)
    report: WriteReport = field(default_factory=WriteReport)


def render_site(
    site: Site,
    options: BuildOptions | None = None,
    progress: ProgressCallback | None = None,
) -> BuildResult:
    """Collect the posts and render every output file in memory, writing nothing.

    Raises InvalidPostsError when any post is invalid, unless ``skip_invalid`` is set.
    """
    options = options or BuildOptions()
    now = options.now or datetime.now(UTC)
    collection = collect(
        site, now=now, drafts=options.drafts, future=options.future, progress=progress
    )
    if collection.problems and not options.skip_invalid:
        raise InvalidPostsError(collection.problems)
    stylesheet = read_template_bytes("feed.xsl") if site.feeds.stylesheet else None
    files = build_feeds(site, collection.posts, stylesheet)
    return BuildResult(collection=collection, files=files)


def build_site(
    site: Site,
    options: BuildOptions | None = None,
    progress: ProgressCallback | None = None,
) -> BuildResult:
    """Build the site's feeds into its output folder.

    Every file is rendered before the first is written, so an invalid post (or any other
    error) leaves the previous outputs as they were.
    """
    result = render_site(site, options, progress)
    result.report = write_files(site.output, result.files)
    return result
