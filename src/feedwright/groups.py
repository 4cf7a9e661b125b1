"""Which posts each output shows: the feeds' groups and the digest preview.

Kept apart from the rendering (feedgen, premailer) so that a build can tell which posts
its outputs show, and whether any of them changed, without loading the renderers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from feedwright.model import Post, Site
from feedwright.slugs import unique_file_slugs


@dataclass(frozen=True)
class FeedGroup:
    """The posts of one feed: the whole site, or one category or tag."""

    title: str
    posts: Sequence[Post]
    folder: str = ""


def feed_groups(site: Site, posts: Sequence[Post]) -> list[FeedGroup]:
    """The main feed and, as configured in ``feeds.by``, one feed per category and per tag."""
    groups = [FeedGroup(site.title, posts[: site.feeds.limit])]
    for kind in site.feeds.by:
        members: dict[str, list[Post]] = {}
        for post in posts:
            for name in post.categories if kind == "category" else post.tags:
                members.setdefault(name, []).append(post)
        slugs = unique_file_slugs(list(members))
        label = "Category" if kind == "category" else "Tag"
        for name in sorted(members):
            groups.append(
                FeedGroup(
                    f"{site.title} — {label}: {name}",
                    members[name][: site.feeds.limit],
                    folder=f"{kind}/{slugs[name]}",
                )
            )
    return groups


def preview_posts(site: Site, posts: Sequence[Post]) -> list[Post]:
    """The posts of the digest preview that a build writes (none when it is turned off)."""
    return list(posts[: site.digest.max_posts]) if site.digest.preview else []


def shown_posts(site: Site, posts: Sequence[Post]) -> dict[str, Sequence[Post]]:
    """The posts each output of a build shows, by output: each feed, and the digest preview."""
    shown = {
        f"feed {group.folder} {group.title}": group.posts for group in feed_groups(site, posts)
    }
    shown["digest preview"] = preview_posts(site, posts)
    return shown
