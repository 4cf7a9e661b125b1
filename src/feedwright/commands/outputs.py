"""What a build renders: which posts each output shows (the plan), and the outputs."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from feedwright.errors import InvalidPostsError, Problem
from feedwright.feeds.groups import FeedGroup, feed_groups
from feedwright.posts.collect import load_bodies, post_links
from feedwright.posts.hugo import in_main_language
from feedwright.posts.model import Post
from feedwright.site.model import Site
from feedwright.writer import OutputFile

if TYPE_CHECKING:
    from feedwright.posts.links import PostLinks

# What rendering imports: the readers of a post's body (PyYAML, python-frontmatter,
# regex) and the renderers (feedgen, lxml, premailer, Jinja2, markdown-it). They are
# imported by the functions that use them: a build whose changes show in no output never
# needs them, and importing them takes longer than the rest of such a build. A render
# process imports them ahead (see speed.render_ahead), in this order: it is forked before
# the build reads any post, so it has none of them.
RENDERING_IMPORTS = (
    "feedwright.posts.front_matter",
    "feedwright.posts.parse",
    "feedwright.feeds.render",
    "feedwright.mail.digest",
    "feedwright.posts.excerpt",
    "feedwright.mail.message",
)


@dataclass(frozen=True)
class OutputPlan:
    """Which posts each output of a build shows: each feed, and the digest preview."""

    feeds: list[FeedGroup]
    preview: list[Post]
    # Every post of the site, by the names a body's post_url or ref gives it.
    links: PostLinks | None = None

    def shown(self) -> list[tuple[str, list[Path]]]:
        """Each output's name and the files of the posts it shows."""
        named = [(group.name, group.posts) for group in self.feeds]
        named.append(("digest preview", self.preview))
        shown = [(name, [post.source for post in posts]) for name, posts in named]
        if self.links is not None:
            # A body's post_url or ref shows another post's URL, which may be of a post
            # no output shows: the URLs of all are part of what the outputs show.
            shown.append((f"post links {self.links.fingerprint()}", []))
        return shown

    def posts(self) -> list[Post]:
        """Every post some output shows, once each, in the order the outputs show them."""
        unique = {post.source: post for group in self.feeds for post in group.posts}
        unique.update((post.source, post) for post in self.preview)
        return list(unique.values())

    def with_bodies(self, bodies: Mapping[Path, Post]) -> OutputPlan:
        """The same plan with each post replaced by its copy in ``bodies`` (by file)."""

        def complete(posts: Sequence[Post]) -> list[Post]:
            return [bodies[post.source] for post in posts]

        feeds = [replace(group, posts=complete(group.posts)) for group in self.feeds]
        return OutputPlan(feeds, complete(self.preview), self.links)


def newsletter_posts(site: Site, posts: Sequence[Post]) -> list[Post]:
    """The posts the newsletter mails (and its preview shows): the main language's (a
    translation is not mailed again), but for those whose front matter says ``email:
    false`` (they are still in the feeds)."""
    return [post for post in in_main_language(site, posts) if post.extra.get("email") is not False]


def plan_outputs(site: Site, posts: list[Post]) -> OutputPlan:
    """What each output shows of ``posts`` (in feed order): the digest preview shows the
    site's main language's (see ``posts.hugo.in_main_language``)."""
    main = newsletter_posts(site, posts)
    preview = main[: site.digest.max_posts] if site.digest.preview else []
    return OutputPlan(feed_groups(site, posts), preview, post_links(site, posts))


@dataclass
class Rendered:
    """The output files of a plan, and the posts it shows, now with their bodies."""

    # Made as they are taken, one feed at a time: a build holds one feed's files at once,
    # not all of them. (In the answer of a render process, which hands them over on the
    # way, it is empty.)
    files: Iterable[OutputFile]
    bodies: dict[Path, Post]
    # What rendering them found wrong that the outputs do without (a post a feed carries
    # without its content, the digest's templates not kept compiled…), added as the files
    # are made; the bodies' own warnings are in ``bodies``.
    warnings: list[Problem]


def render_plan(site: Site, plan: OutputPlan) -> Rendered:
    """Read the bodies of the posts ``plan`` shows, then render every output as its files
    are taken (see ``Rendered.files``).

    Raises InvalidPostsError when a body cannot be read (bad UTF-8 after the front
    matter, say), before anything is rendered.
    """
    shown = plan.posts()
    bodies, problems = load_bodies(site, shown, plan.links)
    if problems:
        raise InvalidPostsError(problems)
    warnings: list[Problem] = []
    return Rendered(_render_files(site, plan.with_bodies(bodies), warnings), bodies, warnings)


def _render_files(site: Site, plan: OutputPlan, warnings: list[Problem]) -> Iterator[OutputFile]:
    from feedwright.feeds.render import ContentRenderer, render_feeds
    from feedwright.mail.digest import DigestRenderer
    from feedwright.mail.message import digest_files, preview_recipient
    from feedwright.site.templates import read_template_bytes

    stylesheet = read_template_bytes("feed.xsl") if site.feeds.stylesheet else None
    contents = ContentRenderer(site)
    yield from render_feeds(site, plan.feeds, stylesheet, contents)
    warnings.extend(contents.warnings)
    if plan.preview:
        # A preview of the digest of the newest posts, to look at before sending.
        renderer = DigestRenderer(site)
        digest = renderer.render(plan.preview, preview_recipient(site))
        yield from digest_files(site, digest)
        warnings.extend(renderer.warnings)


# A render process hands the files it makes to the build in batches of about this many
# bytes: most builds' files in one, as they are small; big ones a few at a time.
BATCH_BYTES = 8_000_000


def render_in_batches(
    site: Site, plan: OutputPlan, hand_over: Callable[[list[OutputFile]], None]
) -> Rendered:
    """``render_plan`` in a render process: the files go to ``hand_over`` in batches as
    they are made, and the answer holds the bodies and the warnings."""
    rendered = render_plan(site, plan)
    batch: list[OutputFile] = []
    size = 0
    for file in rendered.files:
        batch.append(file)
        size += len(file.content)
        if size >= BATCH_BYTES:
            hand_over(batch)
            batch, size = [], 0
    hand_over(batch)
    return Rendered([], rendered.bodies, rendered.warnings)


def prepare_to_render(site: Site) -> None:
    """Run in a render process while the build reads the posts: import what rendering
    needs, then (when the build writes one) render an empty digest preview. That loads the
    digest's templates and has premailer parse their CSS, which it keeps parsed: the render
    that counts, which waits on them otherwise, is a third quicker."""
    from feedwright.speed.render_ahead import import_ahead

    import_ahead(RENDERING_IMPORTS)
    if not site.digest.preview:
        return
    from feedwright.mail.digest import DigestRenderer
    from feedwright.mail.message import preview_recipient

    try:
        DigestRenderer(site).render([], preview_recipient(site))
    except Exception:  # a broken template: the build will report it
        return
