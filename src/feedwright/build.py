"""Run the stages in order: collect the posts, build the feeds and the digest, write them."""

from __future__ import annotations

import contextlib
import functools
import importlib
import sys
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from feedwright.cache import load_cache, save_cache
from feedwright.collector import (
    Collection,
    ProgressCallback,
    collect,
    cycle_collector_paused,
    load_bodies,
)
from feedwright.dates import DateError, parse_date, site_timezone
from feedwright.errors import InvalidPostsError, OptionError, Problem
from feedwright.forking import can_fork
from feedwright.groups import preview_posts, shown_posts
from feedwright.model import BuildOptions, OutputFile, Post, Site
from feedwright.recipients import Recipient, site_recipients
from feedwright.render_process import RenderProcess
from feedwright.sources import FileKey
from feedwright.uptodate import (
    InputScan,
    record_build,
    scan_inputs,
    shown_digest,
    unchanged_outputs,
)
from feedwright.writer import WriteReport, write_files

# The renderers and the delivery (feedgen, lxml, premailer, Jinja2, markdown-it, smtplib)
# are imported by the functions that use them: a build whose changes show in no output
# never needs them, and importing them takes longer than the rest of such a build.
if TYPE_CHECKING:
    from feedwright.cache import HeaderCache
    from feedwright.delivery import DeliveryReport, SendOptions
    from feedwright.digest import Digest

# What rendering imports, in the order a render process imports them ahead.
_RENDERERS = ("feedwright.feeds", "feedwright.digest", "feedwright.excerpt", "feedwright.message")
# With this many post files, a render process imports the renderers while this process
# collects the posts (see render_process); with fewer, collecting is over before a fork
# would pay off.
RENDER_AHEAD_FROM = 1_000

DIGEST_HTML = "digest.html"
DIGEST_TEXT = "digest.txt"
DIGEST_MESSAGE = "digest.eml"


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
    collection = _collect_valid(site, options, progress)
    return BuildResult(collection, render_outputs(site, collection, options.skip_invalid))


def render_outputs(site: Site, collection: Collection, skip_invalid: bool) -> list[OutputFile]:
    """The feeds and the digest preview of ``collection``, in memory; the bodies of the
    posts they show are read here (see ``_read_bodies`` for ``skip_invalid``)."""
    from feedwright.digest import DigestRenderer
    from feedwright.feeds import build_feeds
    from feedwright.templates import read_template_bytes

    def shown(posts: list[Post]) -> list[Post]:
        return [post for group in shown_posts(site, posts).values() for post in group]

    _read_bodies(site, collection, shown, skip_invalid)
    stylesheet = read_template_bytes("feed.xsl") if site.feeds.stylesheet else None
    files = build_feeds(site, collection.posts, stylesheet)
    preview = preview_posts(site, collection.posts)
    if preview:
        # A preview of the digest of the newest posts, to look at before sending.
        digest = DigestRenderer(site).render(preview, preview_recipient(site))
        files.extend(digest_files(site, digest))
    return files


def _collect_valid(
    site: Site,
    options: BuildOptions,
    progress: ProgressCallback | None,
    files: list[tuple[str, FileKey | None]] | None = None,
    cache: HeaderCache | None = None,
) -> Collection:
    """Collect the posts as far as their front matter; raise InvalidPostsError for invalid
    ones unless told to skip them. ``files``: see ``collector.collect``; ``cache``: see
    ``collect_headers``."""
    collection = collect_headers(
        site,
        now=options.now or datetime.now(UTC),
        drafts=options.drafts,
        future=options.future,
        progress=progress,
        cache=cache or options.cache,
        files=files,
    )
    if collection.problems and not options.skip_invalid:
        raise InvalidPostsError(collection.problems)
    return collection


def collect_headers(
    site: Site,
    *,
    now: datetime,
    drafts: bool = False,
    future: bool = False,
    progress: ProgressCallback | None = None,
    cache: bool | HeaderCache = True,
    files: list[tuple[str, FileKey | None]] | None = None,
) -> Collection:
    """Every post of ``site`` read as far as its front matter (see ``collector.collect``),
    through the site's front matter cache unless ``cache`` is False. Given a loaded
    HeaderCache, that one is used, and saving it is left to the caller."""
    with cycle_collector_paused():
        header_cache = load_cache(site) if cache is True else cache or None
        collection = collect(
            site,
            now=now,
            drafts=drafts,
            future=future,
            progress=progress,
            bodies=False,
            cache=header_cache,
            files=files,
        )
        if cache is True and header_cache is not None:
            save_cache(header_cache)
    return collection


def _read_bodies(
    site: Site,
    collection: Collection,
    needed: Callable[[list[Post]], Sequence[Post]],
    skip_invalid: bool,
) -> None:
    """Read the bodies of the posts ``needed`` picks from the collection, in place.

    A body that cannot be read (bad UTF-8 after the front matter, say) makes the post
    invalid: an error, or with ``skip_invalid`` the post is dropped and the pick made again.
    """
    while True:
        wanted = {post.source: post for post in needed(collection.posts) if not post.has_body}
        complete, problems = load_bodies(site, list(wanted.values()))
        collection.posts = [complete.get(post.source, post) for post in collection.posts]
        for source, post in complete.items():
            # with_body adds the body's warnings after the header's, which collect reported.
            collection.warnings.extend(post.warnings[len(wanted[source].warnings) :])
        if not problems:
            return
        if not skip_invalid:
            raise InvalidPostsError(problems)
        collection.problems.extend(problems)
        broken = {problem.path for problem in problems}
        collection.posts = [post for post in collection.posts if post.source not in broken]


def build_site(
    site: Site,
    options: BuildOptions | None = None,
    progress: ProgressCallback | None = None,
    inputs: InputScan | None = None,
) -> BuildResult:
    """Build the site's feeds into its output folder.

    Every file is rendered before the first is written, so an invalid post (or any other
    error) leaves the previous outputs as they were. When the posts that the outputs show
    are the same files, unchanged, as at the last build, nothing is rendered or written.
    A build without invalid posts leaves a record for ``uptodate``; ``inputs`` is the
    inputs' scan (see there) when the caller already took it, before anything was read.
    """
    options = options or BuildOptions()
    # Taken before any post is read: a post changed during the build changes it next time.
    inputs = inputs or scan_inputs(site, options.key())
    with contextlib.ExitStack() as stack:
        ahead = _render_process(site, len(inputs.files))
        if ahead is not None:
            stack.enter_context(ahead)
        header_cache = load_cache(site) if options.cache else None
        collection = _collect_cached(site, options, progress, inputs.files, header_cache)
        shown_by_output = shown_posts(site, collection.posts)
        shown = shown_digest(
            inputs.settings,
            [
                (output, [post.source for post in posts])
                for output, posts in shown_by_output.items()
            ],
        )
        unchanged = None if collection.problems else unchanged_outputs(site, shown)
        if unchanged is not None:
            # Posts changed, but none that an output shows (an old post added, a draft edited).
            result = BuildResult(collection)
            result.report.unchanged = [site.output / name for name in unchanged]
            outputs = unchanged
            if header_cache is not None:
                save_cache(header_cache)
        else:
            sent: list[int] = []  # where the posts sent to the render process are
            if ahead is not None:
                # Found by identity: hashing 10,000 Paths takes a hundredth of a second.
                shown_ids = {id(post) for posts in shown_by_output.values() for post in posts}
                sent = [
                    index for index, post in enumerate(collection.posts) if id(post) in shown_ids
                ]
                ahead.send(site, [collection.posts[index] for index in sent])
            if header_cache is not None:
                save_cache(header_cache)  # while the render process renders
            rendered = ahead.result() if ahead is not None else None
            if rendered is not None:
                files, shown_collection = rendered
                _take_bodies(collection, sent, shown_collection)
            else:
                files = render_outputs(site, collection, options.skip_invalid)
            result = BuildResult(collection, files)
            result.report = write_files(site.output, result.files)
            outputs = [file.path for file in result.files]
    if not collection.problems:
        record_build(site, options.key(), outputs, collection.next_due, inputs.digest, shown)
    return result


def _collect_cached(
    site: Site,
    options: BuildOptions,
    progress: ProgressCallback | None,
    files: list[tuple[str, FileKey | None]],
    header_cache: HeaderCache | None,
) -> Collection:
    """``_collect_valid`` through ``header_cache``, which is saved when the posts are
    invalid; else saving it is left to the caller, to do while rendering."""
    try:
        return _collect_valid(site, options, progress, files, header_cache)
    except InvalidPostsError:
        # Every post was read: after a fix, the next build parses only the fixed ones.
        # Any other error (Ctrl-C, say) may stop before some posts were looked up, and
        # saving would drop their entries as if the posts were gone.
        if header_cache is not None:
            save_cache(header_cache)
        raise


def _render_process(site: Site, post_files: int) -> RenderProcess[RenderedShown] | None:
    """A render process for a build of ``post_files`` posts of ``site``, when one pays off
    and can be had."""
    if post_files < RENDER_AHEAD_FROM or not can_fork():
        return None
    try:
        return RenderProcess(functools.partial(_prepare_render, site), _render_shown)
    except OSError:  # no process to be had (a limit on processes, or on memory)
        return None


def _prepare_render(site: Site) -> None:
    """Run in a render process while the build reads the posts: import what rendering
    needs, then (when the build writes one) render an empty digest preview. That loads the
    digest's templates and has premailer parse their CSS, which it keeps parsed: the render
    that counts, which waits on them otherwise, is a third quicker."""
    _import_renderers()
    if not site.digest.preview:
        return
    from feedwright.digest import DigestRenderer

    with contextlib.suppress(Exception):  # a broken template: the build will report it
        DigestRenderer(site).render([], preview_recipient(site))


def _import_renderers() -> None:
    """Import what rendering needs; run in a render process, before its one render."""
    # premailer imports requests, a quarter of these imports, only to fetch external
    # stylesheets, which feedwright never lets it do (allow_network=False): this process,
    # which only renders, gives it an empty stand-in. Should premailer ever need more of
    # it, the render here fails and the build renders in its own process, as always.
    sys.modules.setdefault("requests", types.ModuleType("requests"))
    for name in _RENDERERS:
        importlib.import_module(name)


# What a render process answers: the files, and the shown posts with their bodies.
RenderedShown = tuple[list[OutputFile], Collection]


def _render_shown(site: Site, shown: list[Post]) -> RenderedShown:
    """``render_outputs`` for just the posts the outputs show (in feed order): each feed
    and the preview show the same posts from them as from all. Run in a render process;
    returns the files and the shown posts with their bodies and warnings."""
    collection = Collection(posts=shown)
    return render_outputs(site, collection, skip_invalid=False), collection


def _take_bodies(collection: Collection, sent: list[int], shown: Collection) -> None:
    """Complete ``collection`` as if its bodies had been read here: the posts of ``shown``
    (the render process's copies of the posts at the indexes ``sent``, in that order) that
    have their body replace theirs, and the warnings of the bodies are added."""
    for index, post in zip(sent, shown.posts, strict=True):
        if post.has_body:
            collection.posts[index] = post
    collection.warnings.extend(shown.warnings)


def preview_recipient(site: Site) -> Recipient:
    """Who a digest written to a file is addressed to: the sender, as a copy to themselves."""
    from feedwright.message import sender_address

    address = sender_address(site)
    return Recipient(email=address.addr_spec, name=address.display_name)


def digest_files(site: Site, digest: Digest) -> list[OutputFile]:
    """The digest's HTML, its text and the whole MIME message, as files.

    The message is dated by its newest post, not the clock, so that the same posts give
    the same bytes (``send`` dates each message it sends when it sends it).
    """
    from feedwright.message import build_message, message_bytes

    recipient = digest.recipient or preview_recipient(site)
    newest = max(post.date for post in digest.posts)
    message = build_message(site, digest, recipient.address, newest)
    return [
        OutputFile(DIGEST_HTML, digest.html.encode("utf-8")),
        OutputFile(DIGEST_TEXT, digest.text.encode("utf-8")),
        OutputFile(DIGEST_MESSAGE, message_bytes(message)),
    ]


@dataclass
class DigestOptions:
    """Which posts the ``digest`` command shows: at most one of since, days and last;
    none means the posts the next ``send`` would mail."""

    since: str | None = None
    days: int | None = None
    last: int | None = None
    templates: Path | None = None
    skip_invalid: bool = False
    now: datetime | None = None

    def __post_init__(self) -> None:
        chosen = [name for name in ("since", "days", "last") if getattr(self, name) is not None]
        if len(chosen) > 1:
            raise OptionError(
                f"choose one of --since, --days and --last, not {' and '.join(chosen)}"
            )
        if (self.days is not None and self.days < 1) or (self.last is not None and self.last < 1):
            raise OptionError("--days and --last must be at least 1")


@dataclass
class DigestResult:
    """What a digest run selected, rendered and wrote."""

    collection: Collection
    posts: list[Post]
    since: str
    digest: Digest | None = None
    report: WriteReport = field(default_factory=WriteReport)


def select_digest_posts(
    site: Site, posts: Sequence[Post], options: DigestOptions, now: datetime
) -> tuple[list[Post], str]:
    """The posts to show, newest first, and since when (for "no new posts since …")."""
    from feedwright.state import load_state, unsent_posts

    zone = site_timezone(site.timezone)
    if options.last is not None:
        return list(posts[: options.last]), "ever"
    if options.since is not None or options.days is not None:
        if options.since is not None:
            try:
                start = parse_date(options.since, zone)
            except DateError as error:
                raise OptionError(
                    f"--since {options.since!r}: {error} — write it like 2025-11-01 "
                    "or '2025-11-01 08:00 +0900'"
                ) from None
        else:
            start = now - timedelta(days=options.days or 0)
        label = start.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
        return [post for post in posts if post.date >= start], label
    state = load_state(site.state_path)
    label = state.last_sent or "the last digest"
    recipients, _ = site_recipients(site)
    return unsent_posts(state, posts, recipients, site.digest.max_posts, site.root), label


def digest_site(site: Site, options: DigestOptions | None = None) -> DigestResult:
    """Render the digest of the selected posts and write it into the output folder.

    Reads the delivery state but never changes it: only ``send`` does. With no post
    selected, writes nothing.
    """
    from feedwright.digest import DigestRenderer

    options = options or DigestOptions()
    now = options.now or datetime.now(UTC)
    collection = _collect_valid(
        site, BuildOptions(skip_invalid=options.skip_invalid, now=now), None
    )
    posts, since = select_digest_posts(site, collection.posts, options, now)
    chosen = {post.source for post in posts}
    _read_bodies(
        site,
        collection,
        lambda current: [post for post in current if post.source in chosen],
        options.skip_invalid,
    )
    posts = [post for post in collection.posts if post.source in chosen]
    result = DigestResult(collection=collection, posts=posts, since=since)
    if posts:
        renderer = DigestRenderer(site, options.templates)
        result.digest = renderer.render(posts, preview_recipient(site))
        result.report = write_files(site.output, digest_files(site, result.digest))
    return result


@dataclass
class SendResult:
    """What a send run read and did."""

    collection: Collection
    recipients: list[Recipient]
    warnings: list[Problem]
    report: DeliveryReport


def send_site(
    site: Site,
    options: SendOptions | None = None,
    *,
    to_file: Path | None = None,
    skip_invalid: bool = False,
    progress: ProgressCallback | None = None,
) -> SendResult:
    """Mail each recipient the digest of the posts they have not had yet.

    Recipients come from ``to_file`` when given, else from the configuration. See
    ``delivery.send_digests`` for the guarantees (never twice, resumable, locked).
    """
    from feedwright.delivery import SendOptions, send_digests

    options = options or SendOptions()
    recipients, warnings = site_recipients(site, to_file)
    collection = _collect_valid(
        site, BuildOptions(skip_invalid=skip_invalid, now=options.now), None
    )
    report = send_digests(site, collection.posts, recipients, options, progress)
    return SendResult(collection, recipients, warnings, report)
