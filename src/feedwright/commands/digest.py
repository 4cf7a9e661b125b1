"""The ``digest`` command: choose posts, read their bodies, render the digest, write it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from feedwright.commands.build import read_headers
from feedwright.commands.outputs import newsletter_posts
from feedwright.errors import InvalidPostsError, OptionError
from feedwright.posts.collect import Collection, load_bodies, post_links, take_bodies
from feedwright.posts.dates import DateError, parse_date
from feedwright.posts.model import Post
from feedwright.site.model import Site
from feedwright.speed import Speed
from feedwright.writer import WriteReport, write_files

# The renderers are imported when there is something to render.
if TYPE_CHECKING:
    from feedwright.mail.digest import Digest


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
    speed: Speed = field(default_factory=Speed)

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
    from feedwright.mail.recipients import site_recipients, unique_recipients
    from feedwright.mail.records import unsent_posts
    from feedwright.mail.store import mailable, managed_recipients, read_records

    zone = site.zone
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
    state, statuses = read_records(site)
    label = state.last_sent or "the last digest"
    listed = [*site_recipients(site)[0], *managed_recipients(site)]
    recipients = mailable(unique_recipients(listed)[0], statuses)
    return unsent_posts(state, posts, recipients, site.digest.max_posts, site.root), label


def digest_site(site: Site, options: DigestOptions | None = None) -> DigestResult:
    """Render the digest of the selected posts and write it into the output folder.

    Reads the delivery records but never changes them: only ``send`` does. With no post
    selected, writes nothing.
    """
    options = options or DigestOptions()
    now = options.now or datetime.now(UTC)
    collection = read_headers(site, now, options.speed, skip_invalid=options.skip_invalid)
    # The digest shows the posts the newsletter mails (not a Hugo site's translations, nor
    # a post with `email: false`).
    main = newsletter_posts(site, collection.posts)
    chosen, since = select_digest_posts(site, main, options, now)
    bodies, problems = load_bodies(site, chosen, post_links(site, collection.posts))
    if problems and not options.skip_invalid:
        raise InvalidPostsError([*collection.problems, *problems])
    take_bodies(collection, chosen, bodies, problems)
    posts = [bodies[post.source] for post in chosen if post.source in bodies]
    result = DigestResult(collection=collection, posts=posts, since=since)
    if posts:
        from feedwright.mail.digest import DigestRenderer
        from feedwright.mail.message import digest_files, preview_recipient

        renderer = DigestRenderer(site, options.templates)
        result.digest = renderer.render(posts, preview_recipient(site))
        collection.warnings.extend(renderer.warnings)
        result.report = write_files(site.output, digest_files(site, result.digest))
    return result
