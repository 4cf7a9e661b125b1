"""Which posts each feed shows: the site's newest, and each category's and tag's.

Kept apart from the rendering (feedgen, lxml) so that a build can tell which posts its
feeds show, and whether any of them changed, without loading the renderers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from feedwright.site.model import Site

if TYPE_CHECKING:
    from feedwright.posts.model import Post


@dataclass(frozen=True)
class FeedGroup:
    """The posts of one feed: the whole site, or one category or tag."""

    title: str
    posts: Sequence[Post]
    folder: str = ""

    @property
    def name(self) -> str:
        """What tells this feed from the others (its folder and title)."""
        return f"feed {self.folder} {self.title}"


def feed_groups(site: Site, posts: Sequence[Post]) -> list[FeedGroup]:
    """The main feed and, as configured in ``feeds.by``, one feed per category and per tag."""
    # Imported here (it loads regex): a build that finds nothing changed makes no groups.
    from feedwright.posts.slugs import unique_file_slugs

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
