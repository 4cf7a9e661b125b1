"""Which posts each feed shows: the site's newest, and each category's and tag's; on a
Hugo site with several languages, each language's, in its own folder.

Kept apart from the rendering (feedgen, lxml) so that a build can tell which posts its
feeds show, and whether any of them changed, without loading the renderers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from feedwright.site.model import Language, Site

if TYPE_CHECKING:
    from feedwright.posts.model import Post


@dataclass(frozen=True)
class FeedGroup:
    """The posts of one feed: the whole site, or one category or tag (of one language)."""

    title: str
    posts: Sequence[Post]
    folder: str = ""
    # The language of the feed, when it is not the site's own (a Hugo site's languages):
    # its files go in its folder (``fr/index.xml``) and it says it is in that language.
    language: Language | None = None

    @property
    def prefix(self) -> str:
        """The folder of the feed's language, with a slash ("fr/"), or ""."""
        return f"{self.language.folder}/" if self.language and self.language.folder else ""

    @property
    def name(self) -> str:
        """What tells this feed from the others (its folder and title)."""
        return f"feed {self.prefix}{self.folder} {self.title}"


def feed_groups(site: Site, posts: Sequence[Post]) -> list[FeedGroup]:
    """The main feed and, as configured in ``feeds.by``, one feed per category and per tag;
    on a Hugo site, these for each of its languages (the default language's first)."""
    if site.hugo is None:
        return _groups(site, site.title, posts, None)
    # Imported here with the rest: the language of a post is Hugo's rule.
    from feedwright.posts.hugo import post_language

    languages = site.hugo.languages
    by_language: dict[Language, list[Post]] = {language: [] for language in languages}
    if len(languages) == 1:
        by_language[languages[0]] = list(posts)
    else:
        for post in posts:
            by_language[post_language(site, post.source)].append(post)
    groups: list[FeedGroup] = []
    for language, own in by_language.items():
        # A language with no post yet has no feed (Hugo writes none either).
        if own or language == site.hugo.default_language:
            groups.extend(_groups(site, language.title, own, language))
    return groups


def _groups(
    site: Site, title: str, posts: Sequence[Post], language: Language | None
) -> list[FeedGroup]:
    """The feeds of one language: its newest posts, and those of each category and tag."""
    # Imported here (it loads regex): a build that finds nothing changed makes no groups.
    from feedwright.posts.slugs import unique_file_slugs

    groups = [FeedGroup(title, posts[: site.feeds.limit], language=language)]
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
                    f"{title} — {label}: {name}",
                    members[name][: site.feeds.limit],
                    folder=f"{kind}/{slugs[name]}",
                    language=language,
                )
            )
    return groups
