"""Build Atom 1.0 and RSS 2.0 (with feedgen) and JSON Feed 1.1 documents from posts.

Everything here is pure: posts and settings in, file names and bytes out. The same input
always gives the same bytes, because no date in a feed comes from the clock.
"""

from __future__ import annotations

import html
import json
import mimetypes
import posixpath
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem
from lxml import etree

from feedwright import __version__
from feedwright.errors import Problem
from feedwright.feeds.groups import FeedGroup
from feedwright.posts.files import is_html_post
from feedwright.posts.markdown import TooMuchMarkdown, render_body, without_page_tags
from feedwright.posts.model import Post
from feedwright.posts.urls import absolutize_links
from feedwright.site.model import STYLESHEET_FILE, Author, Site, group_feed_suffix
from feedwright.writer import OutputFile

MEDIA_NS = "http://search.yahoo.com/mrss/"
XML_NS = "http://www.w3.org/XML/1998/namespace"
STYLESHEET_NAME = STYLESHEET_FILE
GENERATOR_URI = "https://pypi.org/project/feedwright/"
# A feed with no entries has nothing to date it, but Atom requires `updated`: a fixed date,
# not the clock (the same input gives the same bytes), and one validators find plausible
# (not before 1990, as the epoch is, nor in the future). The first post's date replaces it.
# RSS, whose lastBuildDate is optional, then has none.
_NO_POSTS_DATE = datetime(2000, 1, 1, tzinfo=UTC)
# Characters XML 1.0 forbids: C0 controls except tab/LF/CR, surrogates, U+FFFE and U+FFFF.
# (Listed, not as the complement of what XML allows: that class takes 5 ms to compile.)
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 does not allow."""
    return _XML_FORBIDDEN.sub("", text)


class _MediaFeed(BaseExtension):  # type: ignore[misc]
    def extend_ns(self) -> dict[str, str]:
        return {"media": MEDIA_NS}


class _MediaEntry(BaseEntryExtension):  # type: ignore[misc]
    """An entry's image as a bare ``media:thumbnail`` and as an enclosure.

    Written here rather than with feedgen's helpers: its media extension wraps thumbnails
    in a ``media:group``, which the W3C validator rejects with a single item, and its Atom
    entry links lose their ``rel`` attribute (feedgen 1.0), so an enclosure link would turn
    into a second alternate link.
    """

    def __init__(self) -> None:
        self.image: str | None = None

    def _image_type(self) -> str | None:
        kind = mimetypes.guess_type(self.image.split("?")[0])[0] if self.image else None
        return kind if kind and kind.startswith("image/") else None

    def extend_atom(self, entry: etree._Element) -> etree._Element:
        if self.image:
            kind = self._image_type()
            if kind:
                xml_elem("link", entry, rel="enclosure", href=self.image, type=kind, length="0")
            xml_elem(f"{{{MEDIA_NS}}}thumbnail", entry, url=self.image)
        return entry

    def extend_rss(self, item: etree._Element) -> etree._Element:
        if self.image:
            kind = self._image_type()
            if kind:  # the length of the image is unknown; RSS says to write 0 then
                xml_elem("enclosure", item, url=self.image, length="0", type=kind)
            xml_elem(f"{{{MEDIA_NS}}}thumbnail", item, url=self.image)
        return item


class _PlainSummary(BaseEntryExtension):  # type: ignore[misc]
    """An RSS item's description as the summary's text escaped as HTML: every reader takes
    a description for HTML (Atom's summary says type="text", and feedgen writes the same
    unescaped text in both)."""

    def extend_rss(self, item: etree._Element) -> etree._Element:
        description = item.find("description")
        if description is not None and description.text:
            description.text = html.escape(description.text, quote=False)
        return item


class _FeedLanguage(BaseExtension):  # type: ignore[misc]
    """Nothing on the feed: its language is feedgen's own ``language``."""


class _EntryLanguage(BaseEntryExtension):  # type: ignore[misc]
    """An Atom entry's ``xml:lang``, as jekyll-feed writes it; RSS has no language per
    item."""

    def __init__(self) -> None:
        self.lang: str | None = None

    def extend_atom(self, entry: etree._Element) -> etree._Element:
        if self.lang:
            entry.set(f"{{{XML_NS}}}lang", self.lang)
        return entry


def feed_language(site: Site, group: FeedGroup) -> str:
    """The language of a feed: its Hugo language's; else the site's ``lang`` when the
    configuration sets it; else the one most of its posts declare (of two as common, the
    newest post's), since jekyll-feed writes no language without ``site.lang`` and ``en``
    would be wrong; else ``en``."""
    if group.language:
        return group.language.lang
    declared = Counter(post.lang for post in group.posts if post.lang)
    if site.lang_set or not declared:
        return site.lang
    return declared.most_common(1)[0][0]  # ties keep the first seen: posts are newest first


class ContentRenderer:
    """Renders each post's content (its HTML) once per build, though a post may appear in
    many feeds, and says which posts' content each feed carries: newest first, as long as
    the feed's content stays within ``[feeds] max_content_mb``, and none whose Markdown is
    too big to render (see ``markdown.MAX_PIECES``). A post that a feed carries without
    its content carries its summary; ``warnings`` says so, once a post."""

    def __init__(self, site: Site) -> None:
        self.max_content_mb = site.feeds.max_content_mb
        # Rendered as the site's engine renders it (kramdown, goldmark).
        self.flavour = site.markdown
        self.warnings: list[Problem] = []
        # Each post's HTML and its size in bytes, by file; None when it is not rendered.
        self._cache: dict[str, tuple[str, int] | None] = {}
        # The posts whose content a feed left out, each warned about once.
        self._summarised: set[Path] = set()

    def html(self, post: Post) -> tuple[str, int] | None:
        """The post's full content as HTML with absolute links and only XML-safe
        characters, and its size in bytes; None when its Markdown is too big to render."""
        key = str(post.source)
        if key not in self._cache:
            try:
                body = render_body(
                    post.body,
                    html_post=is_html_post(post.source, self.flavour),
                    flavour=self.flavour,
                )
                html, head_tags = without_page_tags(body)
                if head_tags:
                    self._head_tags_warning(post, head_tags)
                html = xml_safe(absolutize_links(html, post.url))
                self._cache[key] = (html, len(html.encode("utf-8")))
            except TooMuchMarkdown as error:
                self._cache[key] = None
                self._warn(post, f"its Markdown has {error}: too much to render")
        return self._cache[key]

    def _head_tags_warning(self, post: Post, names: Sequence[str]) -> None:
        # At the first of them in the body (a line of raw HTML, so found as written).
        pattern = re.compile(r"<(?:" + "|".join(names) + r")\b", re.IGNORECASE)
        found = pattern.search(post.body)
        line = post.body_line + post.body.count("\n", 0, found.start()) if found else None
        tags = ", ".join(f"<{name}>" for name in names)
        self.warnings.append(
            Problem(
                post.source,
                f"its {tags} (a page's head, not a post's content) is left out of the feeds",
                "delete it from the post",
                line,
            )
        )

    def contents(self, posts: Sequence[Post], feed_path: str) -> list[str | None]:
        """The content each of ``posts`` (newest first) carries in the feed ``feed_path``
        (and its RSS and JSON twins): its HTML, or None for its summary."""
        room = self.max_content_mb * 1_000_000
        contents: list[str | None] = []
        for post in posts:
            rendered = self.html(post)
            if rendered is not None and rendered[1] > room:
                self._warn(
                    post,
                    f"its content ({rendered[1] / 1_000_000:.3g} MB of HTML) would take "
                    f"{feed_path} past the {self.max_content_mb:g} MB of post content a feed "
                    "carries",
                )
                rendered = None
            if rendered is not None:
                room -= rendered[1]
            contents.append(rendered[0] if rendered is not None else None)
        return contents

    def _warn(self, post: Post, reason: str) -> None:
        if post.source in self._summarised:
            return  # one warning a post is enough, whichever feeds leave its content out
        self._summarised.add(post.source)
        self.warnings.append(
            Problem(
                post.source,
                f"{reason}, so the feeds carry its summary instead",
                "split the post, or raise `max_content_mb` in [feeds]",
            )
        )


def feed_url(site: Site, path: str) -> str:
    """The public URL of an output file; the output folder is published at the site URL.

    Non-ASCII file names (a tag 京都 gives ``tag/京都.atom``) are percent-encoded.
    """
    return f"{site.base_url}/{quote(path, safe='/')}"


def _updated(posts: Iterable[Post]) -> datetime:
    return max((post.last_modified for post in posts), default=_NO_POSTS_DATE)


def _feed_author(site: Site) -> Author:
    # Atom needs an author on the feed or on every entry; the site title stands in.
    return site.author or Author(name=site.title)


def _author_dict(author: Author) -> dict[str, str]:
    values = {"name": xml_safe(author.name), "email": author.email, "uri": author.uri}
    return {key: value for key, value in values.items() if value}


def _with_stylesheet(document: bytes, document_path: str) -> bytes:
    """Insert an ``<?xml-stylesheet?>`` instruction after the XML declaration.

    The href is relative to the document, so it works from ``tag/x.atom`` as from
    ``feed.atom``, and also when the files are opened from disk.
    """
    href = posixpath.relpath(STYLESHEET_NAME, posixpath.dirname(document_path) or ".")
    declaration, rest = document.split(b"\n", 1)
    instruction = f'<?xml-stylesheet href="{href}" type="text/xsl"?>'.encode()
    return declaration + b"\n" + instruction + b"\n" + rest


def _home_url(site: Site, group: FeedGroup) -> str:
    """The home page of a feed: the site's, or its language's (``https://site/fr/``)."""
    return site.base_url + "/" + group.prefix


def _generator(
    site: Site, group: FeedGroup, self_url: str, contents: Sequence[str | None]
) -> FeedGenerator:
    feed = FeedGenerator()
    feed.register_extension("media", _MediaFeed, _MediaEntry)
    feed.register_extension("plain_summary", BaseExtension, _PlainSummary, atom=False)
    feed.load_extension("dc", atom=False, rss=True)
    feed.id(self_url)
    feed.title(xml_safe(group.title))
    description = group.language.description if group.language else site.description
    feed.subtitle(xml_safe(description) or None)
    # feedgen takes the RSS channel <link> from the last link given: the site, not the feed.
    feed.link(href=self_url, rel="self")
    feed.link(href=_home_url(site, group), rel="alternate", type="text/html")
    title = group.language.title if group.language else site.title
    feed.description(xml_safe(description or title))
    language = feed_language(site, group)
    feed.language(language)
    # Only when an entry needs it: feedgen makes each extension's object for every entry.
    if any(post.lang not in (None, language) for post in group.posts):
        feed.register_extension("entry_language", _FeedLanguage, _EntryLanguage, rss=False)
    feed.author(_author_dict(_feed_author(site)))
    feed.generator("feedwright", version=__version__, uri=GENERATOR_URI)
    feed.updated(_updated(group.posts))
    if not group.posts:
        # feedgen has no public way to leave lastBuildDate out (unset, it is the clock's).
        feed._FeedGenerator__rss_lastBuildDate = None
    for post, content in zip(group.posts, contents, strict=True):
        _add_entry(feed, site, post, content, language)
    return feed


def _add_entry(
    feed: FeedGenerator, site: Site, post: Post, content: str | None, language: str
) -> None:
    """One post as an entry; ``content`` is its HTML, or None to carry only its summary;
    ``language`` is the feed's."""
    entry = feed.add_entry(order="append")
    if post.lang not in (None, language):
        entry.entry_language.lang = post.lang
    entry.id(post.id)
    entry.guid(post.id, permalink=post.id == post.url)
    entry.title(xml_safe(post.title))
    entry.link(href=post.url, rel="alternate")
    entry.published(post.date)
    entry.updated(post.last_modified)
    author = post.author or _feed_author(site)
    if post.author:
        entry.author(_author_dict(post.author))
    if not author.email:  # RSS <author> must be an email address; names go in dc:creator
        entry.dc.dc_creator(xml_safe(author.name))
    if post.excerpt:
        entry.summary(xml_safe(post.excerpt), type="text")
    if content is not None:
        entry.content(content, type="html")
    names = dict.fromkeys((*post.categories, *post.tags))
    if names:
        # One call with the whole list: feedgen re-checks every category it already holds on
        # each call, so one call per name is quadratic.
        entry.category([{"term": xml_safe(name)} for name in names])
    if post.image:
        entry.media.image = post.image.url


def _json_author(author: Author) -> dict[str, str]:
    return {"name": author.name, **({"url": author.uri} if author.uri else {})}


def _json_item(post: Post, content: str | None, language: str) -> dict[str, Any]:
    """One post as a JSON Feed item; ``content`` is its HTML, or None for its summary;
    ``language`` is the feed's."""
    item: dict[str, Any] = {"id": post.id, "url": post.url, "title": post.title}
    # JSON Feed 1.1 requires content_html or content_text: a post with no body has no
    # HTML, so it carries its summary as text (empty when it has none), never "" as HTML.
    if content is not None and content.strip():
        item["content_html"] = content
    else:
        item["content_text"] = post.excerpt
    if post.excerpt:
        item["summary"] = post.excerpt
    if post.image:
        item["image"] = post.image.url
    item["date_published"] = post.date.isoformat()
    if post.updated:
        item["date_modified"] = post.last_modified.isoformat()
    if post.author:
        item["authors"] = [_json_author(post.author)]
    if post.categories or post.tags:
        item["tags"] = list(dict.fromkeys((*post.categories, *post.tags)))
    if post.lang not in (None, language):
        item["language"] = post.lang
    return item


def _json_feed(
    site: Site, group: FeedGroup, self_url: str, contents: Sequence[str | None]
) -> bytes:
    document: dict[str, Any] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": group.title,
        "home_page_url": _home_url(site, group),
        "feed_url": self_url,
    }
    description = group.language.description if group.language else site.description
    if description:
        document["description"] = description
    language = feed_language(site, group)
    document["language"] = language
    document["authors"] = [_json_author(_feed_author(site))]
    document["items"] = [
        _json_item(post, content, language)
        for post, content in zip(group.posts, contents, strict=True)
    ]
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _file_path(group: FeedGroup, configured_name: str) -> str:
    if not group.folder:
        return group.prefix + configured_name
    return group.prefix + group.folder + group_feed_suffix(configured_name)


# An RFC 822 date whose year strftime wrote with fewer than four digits (the C library
# writes the year 1 as "1").
_SHORT_YEAR = re.compile(rb"(<(?:pubDate|lastBuildDate)>\w{3}, \d{2} \w{3} )(\d{1,3}) ")


def _four_digit_years(document: bytes) -> bytes:
    """``document`` with its RSS dates' years in four digits: a Hugo post with no date is
    dated the year 1, which Hugo's feed writes ``Mon, 01 Jan 0001``, as RFC 822 wants."""
    return _SHORT_YEAR.sub(lambda match: match[1] + match[2].rjust(4, b"0") + b" ", document)


def render_feeds(
    site: Site, groups: Sequence[FeedGroup], stylesheet: bytes | None, renderer: ContentRenderer
) -> Iterator[OutputFile]:
    """The files of each feed of ``groups`` (see ``groups.feed_groups``; its posts with
    their bodies), plus the XSL stylesheet: made one feed at a time as they are taken, so
    that only one feed's files need be in memory at once. ``renderer`` renders the posts'
    content, and keeps the warnings about it.

    ``stylesheet`` is the XSL to ship beside the feeds; None leaves it out (and the
    ``<?xml-stylesheet?>`` instruction too).
    """
    settings = site.feeds
    for group in groups:
        atom_path = _file_path(group, settings.atom)
        rss_path = _file_path(group, settings.rss)
        json_path = _file_path(group, settings.json)
        if settings.summary_only:
            contents: list[str | None] = [None] * len(group.posts)
        else:
            contents = renderer.contents(group.posts, atom_path)
        atom = _generator(site, group, feed_url(site, atom_path), contents).atom_str(pretty=True)
        rss = _generator(site, group, feed_url(site, rss_path), contents).rss_str(pretty=True)
        if any(post.date.year < 1000 for post in group.posts):
            rss = _four_digit_years(rss)
        if stylesheet is not None:
            atom = _with_stylesheet(atom, atom_path)
            rss = _with_stylesheet(rss, rss_path)
        yield OutputFile(atom_path, atom)
        yield OutputFile(rss_path, rss)
        yield OutputFile(json_path, _json_feed(site, group, feed_url(site, json_path), contents))
    if stylesheet is not None:
        yield OutputFile(STYLESHEET_NAME, stylesheet)
