"""The newsletter's web archive: each digest that was sent, as a page of its own.

A digest is a set of posts: every message ``send`` delivered with the same posts is one
digest (most subscribers of a run get the same one; someone back from away gets another).
The store records the posts each message covered, so the archive is read from it alone,
read-only. Each digest's page is named by the day of its newest post (site time) when it
is first sent: ``newsletter/2025-11-29.html``, and a second digest of that day
``newsletter/2025-11-29-2.html``. The email's "view in browser" link (``page_name``) is made
before the message is sent, and the name is recorded with each delivery: a name once given
never changes, whatever the posts' days or the order of the records say later, so the link
of every email sent leads to its page. Digests sent before names were recorded (and with
the archive off) are named again from their posts, in the order they were first sent,
around the names recorded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from feedwright.mail.store import delivered_posts
from feedwright.posts.model import Post
from feedwright.site.model import Site, in_zone

ARCHIVE_FOLDER = "newsletter"
INDEX_PAGE = f"{ARCHIVE_FOLDER}/index.html"

# A digest as the store knows it: the ids (feed ids) of the posts it covered.
PostIds = frozenset[str]


@dataclass(frozen=True)
class SentDigest:
    """A digest that was sent: its posts, and the name of its page when the deliveries
    recorded one."""

    ids: PostIds
    name: str | None = None


@dataclass(frozen=True)
class Issue:
    """One digest that was sent: its page's name and the posts it covered that the site
    still has (newest first)."""

    name: str
    day: date
    # Its number among the digests of that day (1, 2…): the index orders by it.
    number: int
    ids: PostIds
    posts: tuple[Post, ...]

    @property
    def path(self) -> str:
        """The page's path in the output folder."""
        return page_path(self.name)


def page_path(name: str) -> str:
    """The path in the output folder of the page named ``name``."""
    return f"{ARCHIVE_FOLDER}/{name}.html"


def page_url(site: Site, name: str) -> str:
    """The page's URL (the output folder is published at the site URL, as the feeds'
    self links assume)."""
    return f"{site.base_url}/{page_path(name)}"


def sent_digests(site: Site) -> list[SentDigest]:
    """Each distinct set of posts ``send`` delivered, in the order each was first sent,
    with the page name its first delivery that recorded one gave; none when the site never
    sent. Reads the store, changing nothing."""
    by_delivery: dict[int, tuple[set[str], str | None]] = {}
    for delivery, feed_id, name in delivered_posts(site):
        by_delivery.setdefault(delivery, (set(), name))[0].add(feed_id)
    # dicts keep the first delivery's order: the order the digests were first sent.
    names: dict[PostIds, str | None] = {}
    for ids, name in by_delivery.values():
        key = frozenset(ids)
        if names.get(key) is None:
            names[key] = name
    return [SentDigest(ids, name) for ids, name in names.items()]


def newest_day(posts: Iterable[Post], site: Site) -> date | None:
    """The day (site time) of the newest of ``posts``; None when there are none."""
    dates = [post.date for post in posts]
    if not dates:
        return None
    return in_zone(max(dates), site.zone).date()


def name_issues(site: Site, digests: Sequence[SentDigest], posts: Sequence[Post]) -> list[Issue]:
    """The pages of ``digests`` (in the order they were first sent), with the posts of
    ``posts`` (newest first) they covered: each under its recorded name, or, for one sent
    before names were recorded, the next name free on its day. A digest none of whose
    posts the site still has gets no page."""
    by_id: Mapping[str, Post] = {post.id: post for post in posts}
    order = {post.id: index for index, post in enumerate(posts)}
    issues: list[Issue] = []
    numbers: dict[date, int] = {}
    names = {digest.name for digest in digests if digest.name}
    for digest in digests:
        covered = sorted((by_id[i] for i in digest.ids if i in by_id), key=lambda p: order[p.id])
        day = newest_day(covered, site)
        if day is None:
            continue
        number = numbers.get(day, 0) + 1
        numbers[day] = number
        name = digest.name or _free_name(day, names)
        names.add(name)
        issues.append(Issue(name, day, number, digest.ids, tuple(covered)))
    return issues


def _free_name(day: date, taken: set[str]) -> str:
    """The first name of ``day`` (``2025-11-29``, then ``-2``, ``-3``…) not in ``taken``."""
    number = 1
    while (name := _name(day, number)) in taken:
        number += 1
    return name


def _name(day: date, number: int) -> str:
    return day.isoformat() if number == 1 else f"{day.isoformat()}-{number}"


def page_name(site: Site, posts: Sequence[Post], issues: Sequence[Issue]) -> str | None:
    """The name of the page of the digest of ``posts``: its issue's when it was sent
    already, else the one it takes when it is (the next number on its day)."""
    ids = frozenset(post.id for post in posts)
    for issue in issues:
        if issue.ids == ids:
            return issue.name
    day = newest_day(posts, site)
    if day is None:
        return None
    return _free_name(day, {issue.name for issue in issues})


def read_issues(site: Site) -> list[Issue]:
    """The pages of the digests sent, read from the store and the site's posts (their
    front matter: a page is named by its newest post's day). For ``send``, whose
    renderer names each email's page; a build names them from the posts it read."""
    digests = sent_digests(site)
    if not digests:
        return []
    # Imported here: only a site with an archive that sent needs it.
    from feedwright.posts.collect import collect

    posts = collect(site, now=datetime.now(UTC), bodies=False).posts
    return name_issues(site, digests, posts)
