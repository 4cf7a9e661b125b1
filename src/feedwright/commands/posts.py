"""The ``check`` and ``list`` commands: read the posts and report on them; write nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from feedwright.commands.build import read_headers
from feedwright.posts.collect import (
    Collection,
    ProgressCallback,
    collect,
    load_bodies,
    post_links,
    take_bodies,
)
from feedwright.site.model import Site
from feedwright.speed import Speed


def check_site(site: Site, progress: ProgressCallback | None = None) -> Collection:
    """Every post of ``site`` read whole, drafts and future posts too, with every problem
    and warning found: a body ``build`` does not show is read here all the same."""
    # The headers first, then the bodies: a body's post_url or ref names another post,
    # which must be known by then.
    collection = collect(
        site, now=datetime.now(UTC), drafts=True, future=True, progress=progress, bodies=False
    )
    bodies, problems = load_bodies(site, collection.posts, post_links(site, collection.posts))
    take_bodies(collection, collection.posts, bodies, problems)
    return collection


def list_site(
    site: Site,
    *,
    drafts: bool = False,
    future: bool = False,
    now: datetime | None = None,
    progress: ProgressCallback | None = None,
    speed: Speed | None = None,
) -> Collection:
    """The posts of ``site`` in feed order, as far as their front matter: dates, titles,
    URLs and tags are all there, so no body is read."""
    # Invalid posts are listed as problems, not raised: `list` shows the others.
    return read_headers(
        site,
        now or datetime.now(UTC),
        speed or Speed(),
        skip_invalid=True,
        drafts=drafts,
        future=future,
        progress=progress,
    )
