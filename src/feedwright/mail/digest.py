"""Render the email digest: HTML (CSS inlined with premailer) and plain text, from Jinja2
templates that users may override with their own folder."""

from __future__ import annotations

import functools
import logging
import re
import secrets
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
import jinja2.meta
from markupsafe import Markup
from premailer import Premailer

from feedwright.errors import DigestTemplateError, Problem
from feedwright.mail.archive import Issue, newest_day, page_name, page_url, read_issues
from feedwright.mail.content import (
    close_empty_elements,
    drop_empty_end_tags,
    email_html,
    html_paragraphs,
)
from feedwright.mail.dates import date_span, long_date
from feedwright.mail.phrases import title_html
from feedwright.mail.recipients import Recipient
from feedwright.mail.wrapping import fitting_clusters, wrap
from feedwright.posts.excerpt import truncate
from feedwright.posts.files import is_html_post
from feedwright.posts.images import local_image_size, with_file_size
from feedwright.posts.markdown import TooMuchMarkdown, render_body
from feedwright.posts.model import Image, Post
from feedwright.site.model import (
    DIGEST_COLUMN_WIDTH,
    PLAIN_MARKDOWN,
    MarkdownFlavour,
    Site,
    in_zone,
    site_timezone,
)
from feedwright.site.subject import format_subject
from feedwright.site.templates import default_templates_dir
from feedwright.writer import folder_lock, remove_stale_files

HTML_TEMPLATE = "digest.html.j2"
INDEX_TEMPLATE = "newsletter-index.html.j2"
TEXT_TEMPLATE = "digest.txt.j2"
# Gmail clips messages whose HTML passes about 102 KB; stay under with a margin. Counted
# as the HTML part travels, in its transfer encoding (see message.text_part).
MAX_HTML_BYTES = 100_000
# The most posts left out for size that the digest still names, by title and link.
MAX_NAMED_MORE = 20
CONTENT_WIDTH = DIGEST_COLUMN_WIDTH
# The class of a post's links that have none of their own: the default template colours
# them with the accent, and lightens them in dark mode.
LINK_CLASS = "fw-link"
# The compact entries' images (the "featured" layout's older posts).
THUMBNAIL_WIDTH = 96
# Where each recipient's address goes in a digest rendered once for many (render_shared):
# letters and digits, which URL quoting, HTML escaping and premailer leave as they are.
# Random, so that no post can hold it.
_ADDRESS_MARK = "feedwrightaddress" + secrets.token_hex(8)
_PREHEADER_LENGTH = 120
_WEB_SCHEMES = ("http", "https")
# The few words the default templates print, in the site's language (English otherwise).
_LABELS = {
    "en": {
        "intro": "New posts, {range}",
        "read_more": "Read more",
        "more_one": "And 1 more post on the site",
        "more": "And {count} more posts on the site",
        "also": "Also new",
        "titles_one": "{title} and 1 more",
        "titles": "{title} and {count} more",
        "unsubscribe": "Unsubscribe",
        "why": "You get this email because you subscribed to {site} by email.",
        "feed": "Follow by feed",
        "web": "View in browser",
        "archive": "Past newsletters",
        "posts_one": "1 post",
        "posts": "{count} posts",
    },
    "ja": {
        "intro": "新しい記事（{range}）",
        "read_more": "続きを読む",
        "more_one": "ほか1件の記事はサイトでどうぞ",
        "more": "ほか{count}件の記事はサイトでどうぞ",
        "also": "ほかの新しい記事",
        "titles_one": "{title} ほか1件",
        "titles": "{title} ほか{count}件",
        "unsubscribe": "配信停止",
        "why": "{site}のメール配信にご登録いただいているため、このメールをお送りしています。",
        "feed": "フィードで購読",
        "web": "ブラウザで見る",
        "archive": "過去のニュースレター",
        "posts_one": "1件の記事",
        "posts": "{count}件の記事",
    },
}


@dataclass(frozen=True)
class DigestImage:
    """An image as the email shows it: at most the content width, with its size when known."""

    url: str
    alt: str
    width: int
    height: int | None


@dataclass(frozen=True)
class DigestEntry:
    """One post as the digest templates see it."""

    title: str
    url: str
    date: datetime
    date_text: str
    author: str
    tags: tuple[str, ...]
    categories: tuple[str, ...]
    excerpt: str
    image: DigestImage | None
    # The image as a compact entry shows it, THUMBNAIL_WIDTH wide.
    thumbnail: DigestImage | None
    # The title as HTML, escaped (see phrases.title_html for Japanese and Chinese).
    title_html: Markup
    # The post's language (the site's when the post gives none).
    lang: str
    # The front matter keys feedwright does not read itself, as the post gives them.
    extra: Mapping[str, Any] = field(hash=False)
    # The post itself, for its content, which is made only when a template shows it.
    post: Post = field(repr=False)
    # How the post's Markdown is rendered (the site's engine's), as in the feeds.
    flavour: MarkdownFlavour = PLAIN_MARKDOWN
    # The site, where the content's images without a size find their files.
    site: Site | None = field(default=None, repr=False, compare=False)

    # Rendering the Markdown of each post took six times as long as the rest of a digest
    # that shows only excerpts: the content is made when a template first asks for it
    # (cached_property keeps it in the instance's __dict__, past the frozen __setattr__).
    @functools.cached_property
    def content(self) -> Markup:
        """The post's HTML as an email shows it (see content.email_html): safe to print
        as it is."""
        return Markup(_content(self.post, self.flavour, self.site))

    @functools.cached_property
    def paragraphs(self) -> tuple[str, ...]:
        """The content as the text part shows it, one string per paragraph."""
        return tuple(html_paragraphs(self.content))


@dataclass(frozen=True)
class Digest:
    """A rendered digest: the subject, both bodies, and which posts it covers.

    ``listed`` posts are shown in full; ``more`` ones did not fit under the size limit and
    are announced as "and N more posts". Both count as delivered once the message is sent.
    """

    subject: str
    html: str
    text: str
    listed: tuple[Post, ...]
    more: tuple[Post, ...] = ()
    recipient: Recipient | None = None
    unsubscribe_url: str | None = field(default=None)
    # The name of its page in the web archive (``[digest] archive``), which its "view in
    # browser" link leads to; recorded with each delivery, so that the page keeps it.
    web_page: str | None = None

    @property
    def posts(self) -> tuple[Post, ...]:
        """Every post the digest covers, listed or announced."""
        return self.listed + self.more


def unsubscribe_url_for(template: str | None, recipient: Recipient | None) -> str | None:
    """The unsubscribe URL with ``{email}`` replaced by the recipient's address (URL-encoded)."""
    if template is None:
        return None
    email = recipient.email if recipient else ""
    return template.replace("{email}", quote(email, safe="@"))


def address_mark() -> str:
    """The text ``render_shared`` puts where each recipient's address goes (random for each
    process: no post can hold it by chance)."""
    return _ADDRESS_MARK


def personal(shared: Digest, recipient: Recipient) -> Digest:
    """A digest of ``render_shared`` made for one recipient: their address, URL-encoded as
    ``unsubscribe_url_for`` writes it (only ``%``, letters, digits and ``-._~@``, which no
    escaping changes), where the mark is."""
    address = quote(recipient.email, safe="@")
    url = shared.unsubscribe_url
    return replace(
        shared,
        html=shared.html.replace(_ADDRESS_MARK, address),
        text=shared.text.replace(_ADDRESS_MARK, address),
        recipient=recipient,
        unsubscribe_url=url.replace(_ADDRESS_MARK, address) if url else url,
    )


def date_range(posts: Sequence[Post], site: Site) -> tuple[str, str, str]:
    """The first and last day the posts were published (site time), and both as one span,
    written in the site's language."""
    zone = site_timezone(site.timezone)
    days = sorted(in_zone(post.date, zone).date() for post in posts)
    if not days:
        return "", "", ""
    start, end = days[0], days[-1]
    return (
        long_date(start, site.lang),
        long_date(end, site.lang),
        date_span(start, end, site.lang),
    )


def _email_image(image: Image | None, title: str, most: int) -> DigestImage | None:
    """The image at most ``most`` pixels wide, its height scaled when its size is known.
    Its alt text is empty when it would only repeat the title beside it (a screen reader
    would read the title twice)."""
    if image is None or urlsplit(image.url).scheme not in _WEB_SCHEMES:
        return None  # a javascript: or data: "image" has no place in an email
    width = min(image.width or most, most)
    height = round(image.height * width / image.width) if image.width and image.height else None
    alt = " ".join(image.alt.split())
    if alt.casefold() == " ".join(title.split()).casefold():
        alt = ""
    return DigestImage(url=image.url, alt=alt, width=width, height=height)


def _content(post: Post, flavour: MarkdownFlavour, site: Site | None = None) -> str:
    """The post's HTML as an email shows it (rendered as the feeds render it: an HTML
    post as it is, Markdown as the site's engine renders it); "" when its Markdown is too
    big to render (the feeds carry its summary then, and so does the digest)."""
    try:
        html = render_body(post.body, html_post=is_html_post(post.source, flavour), flavour=flavour)
    except TooMuchMarkdown:
        return ""
    sizes = (lambda url: local_image_size(url, post, site)) if site else None
    return email_html(html, post.url, CONTENT_WIDTH, LINK_CLASS, sizes)


def shorten(text: str, columns: int) -> str:
    """``text`` cut to at most ``columns`` columns, "…" included, at a word boundary (a
    Japanese or Chinese character takes two columns, as it takes twice the room): a
    line of about the same length in any language."""
    return truncate(text, fitting_clusters(text, columns - 1) + 1)


def _bare(text: str) -> str:
    """Text without case, spaces, punctuation or width differences, to compare."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(char for char in folded if unicodedata.category(char)[0] not in "PZS")


def _excerpt(post: Post, flavour: MarkdownFlavour) -> str:
    """The post's excerpt; when it only repeats the title (a post that starts with its
    title again), the first paragraph after it that does not."""
    if len(post.excerpt_text) > 2 * len(post.title) + 8:
        return post.excerpt_text  # far longer than the title: more than a repeat of it
    title = _bare(post.title)
    if _bare(post.excerpt_text) != title:
        return post.excerpt_text
    paragraphs = html_paragraphs(_content(post, flavour))
    return next((text for text in paragraphs if _bare(text) not in ("", title)), "")


def digest_entry(post: Post, site: Site, excerpt_length: int) -> DigestEntry:
    """What the templates show of one post."""
    date = in_zone(post.date, site_timezone(site.timezone))
    author = post.author or site.author
    flavour = site.markdown
    # Its size from its file, when the post gives none and the site holds the file.
    image = with_file_size(post.image, post, site) if post.image else None
    return DigestEntry(
        title=post.title,
        url=post.url,
        date=date,
        date_text=long_date(date.date(), site.lang),
        author=author.name if author else "",
        tags=post.tags,
        categories=post.categories,
        excerpt=truncate(_excerpt(post, flavour), excerpt_length),
        image=_email_image(image, post.title, CONTENT_WIDTH),
        thumbnail=_email_image(image, post.title, THUMBNAIL_WIDTH),
        title_html=title_html(post.title, post.lang or site.lang),
        lang=post.lang or site.lang,
        extra=post.extra,
        post=post,
        flavour=flavour,
        site=site,
    )


# The temporary file Jinja2's FileSystemBytecodeCache writes a compiled template to before
# renaming it into place: the cache file's name (``__jinja2_`` and the template's SHA-1
# key, ``.cache``), then tempfile's 8 random characters and ``.tmp``. A run killed while
# writing one leaves it behind.
COMPILING_NAME = re.compile(r"__jinja2_[0-9a-f]{40}\.cache[a-z0-9_]{8}\.tmp")


class _CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Jinja2's cache of compiled templates in ``folder``, which no render ever fails for:
    a template it cannot keep (a full disk, a folder that cannot be written) is compiled
    again the next time, and ``warnings`` says why, once."""

    def __init__(self, folder: Path, warnings: list[Problem]) -> None:
        super().__init__(str(folder))
        self.folder = folder
        self.warnings = warnings

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            # Shared with the other runs that write here, so that none of them takes this
            # one's temporary file for a killed run's (see writer.remove_stale_files).
            with folder_lock(self.folder, shared=True):
                super().dump_bytecode(bucket)
        except OSError as error:
            if not self.warnings:  # each template fails alike: once is enough
                self.warnings.append(_not_kept(self.folder, error))


def _not_kept(folder: Path, error: OSError) -> Problem:
    return Problem(
        folder,
        f"cannot keep the digest's templates compiled: {error.strerror}",
        "the digest is rendered all the same, compiling its templates each time",
    )


def _compiled_templates(site: Site, warnings: list[Problem]) -> jinja2.BytecodeCache | None:
    """Where the digest's templates are kept compiled, in the site's data folder (safe to
    delete; a changed template is compiled again): compiling them takes a fifth of the
    time of rendering the digest of 20 posts. A folder that cannot be made is a warning
    (added to ``warnings``), and the templates are compiled each time. The temporary
    files of compiled templates that killed runs left there are removed (unless another
    run is writing one)."""
    folder = site.data_folder / "compiled-templates"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        warnings.append(_not_kept(folder, error))
        return None
    remove_stale_files(folder, COMPILING_NAME)
    return _CompiledTemplates(folder, warnings)


@dataclass(frozen=True)
class _Shown:
    """The posts one digest covers (newest first), each one's entry, and its recipient;
    the name of its web page, and whether this is that page (for no one in particular)."""

    posts: tuple[Post, ...]
    entries: tuple[DigestEntry, ...]
    recipient: Recipient | None
    # The name of the digest's page in the web archive (its URL is made from it).
    web_name: str | None = None
    web_page: bool = False


@dataclass(frozen=True)
class ArchiveEntry:
    """One page of the web archive as the index template sees it."""

    name: str
    # The page's URL relative to the index (they share a folder), and absolute.
    href: str
    url: str
    subject: str
    date_text: str
    count: int
    count_label: str
    titles: tuple[str, ...]


class DigestRenderer:
    """Renders digests for one site. Keep one and reuse it: it holds the template
    environment and the premailer instance, both costly to set up."""

    def __init__(self, site: Site, templates: Path | None = None):
        self.site = site
        # What went wrong that a digest does not need: its compiled templates not kept.
        self.warnings: list[Problem] = []
        user_dir = templates or site.digest.templates
        if user_dir is not None and not user_dir.is_dir():
            raise DigestTemplateError(user_dir, "the templates folder does not exist")
        search_path = [str(user_dir)] if user_dir else []
        search_path.append(str(default_templates_dir()))
        self.environment = jinja2.Environment(
            loader=jinja2.FileSystemLoader(search_path),
            autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2")),
            # A misspelt variable is an error naming the template line, not an empty string.
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            bytecode_cache=_compiled_templates(site, self.warnings),
        )
        self.environment.filters["wrap"] = wrap
        self.environment.filters["shorten"] = shorten
        # The digests sent (see mail.archive), read when an email first needs its page's
        # name; with the names given to digests rendered since, which they take when sent.
        self._issues: list[Issue] | None = None
        self._web_names: dict[frozenset[str], str] = {}
        self.premailer = Premailer(
            base_url=None,
            allow_network=False,
            disable_link_rewrites=True,
            disable_validation=True,
            cssutils_logging_level=logging.CRITICAL,
            # The @media rules that stay in <style> need their !important to beat inline styles.
            strip_important=False,
            # Keep the pixel width the template gives images (Outlook ignores CSS widths),
            # and add no bgcolor or align where HTML has none (an <img>, an <a>): the
            # template sets them on the cells that need them.
            disable_basic_attributes=["width", "height", "bgcolor", "align"],
        )

    def render(self, posts: Sequence[Post], recipient: Recipient | None = None) -> Digest:
        """Render the digest of ``posts`` (newest first) for one recipient (None: a preview).

        When the HTML would pass MAX_HTML_BYTES, the oldest posts are left out and
        announced as "and N more posts" with a link to the site.
        """
        # Each post's entry is made once, however many times the size guard renders.
        entries = [digest_entry(post, self.site, self.site.digest.excerpt_length) for post in posts]
        shown = _Shown(tuple(posts), tuple(entries), recipient, self._web_page(posts))
        digest = self._render(shown, 0)
        if _size(digest) <= MAX_HTML_BYTES or not posts:
            return digest
        # Estimate how many posts fit from their average size, then step down until it fits.
        empty = _size(self._render(shown, len(posts)))
        per_post = max((_size(digest) - empty) / len(posts), 1)
        listed = min(len(posts) - 1, max(int((MAX_HTML_BYTES - empty) / per_post), 0))
        while True:
            digest = self._render(shown, len(posts) - listed)
            if _size(digest) <= MAX_HTML_BYTES or listed == 0:
                return digest
            listed -= max(1, listed // 20)

    def use_archive(self, issues: Sequence[Issue]) -> None:
        """Name the emails' web pages after ``issues`` (the digests sent, as a build
        read them) instead of reading them from the store."""
        self._issues = list(issues)
        self._web_names = {issue.ids: issue.name for issue in issues}

    def _web_page(self, posts: Sequence[Post]) -> str | None:
        """The name of the web page of the digest of ``posts`` (see mail.archive); None
        without ``[digest] archive``."""
        if not self.site.digest.archive or not posts:
            return None
        ids = frozenset(post.id for post in posts)
        name = self._web_names.get(ids)
        if name is None:
            if self._issues is None:
                self.use_archive(read_issues(self.site))
            assert self._issues is not None
            name = page_name(self.site, posts, self._issues)
            day = newest_day(posts, self.site)
            if name is None or day is None:
                return None
            # Sent after the digests before it: a second new digest of its day takes -2.
            self._issues.append(Issue(name, day, 0, ids, tuple(posts)))
            self._web_names[ids] = name
        return name

    def render_page(self, issue: Issue) -> Digest:
        """The web page of a digest sent: its HTML for no one in particular (no
        recipient, no unsubscribe link), every post shown (a page has no size limit)."""
        posts = issue.posts
        entries = [digest_entry(post, self.site, self.site.digest.excerpt_length) for post in posts]
        shown = _Shown(tuple(posts), tuple(entries), Recipient(email=""), issue.name, True)
        return self._render(shown, 0)

    def render_index(self, pages: Sequence[tuple[Issue, Digest]]) -> str:
        """The archive's index page: each page of ``pages``, newest first."""
        labels = _labels(self.site)
        ordered = sorted(pages, key=lambda page: (page[0].day, page[0].number), reverse=True)
        entries = [
            ArchiveEntry(
                name=issue.name,
                href=issue.path.rsplit("/", 1)[-1],
                url=page_url(self.site, issue.name),
                subject=digest.subject,
                date_text=long_date(issue.day, self.site.lang),
                count=len(issue.posts),
                count_label=_posts_label(labels, len(issue.posts)),
                titles=tuple(post.title for post in issue.posts),
            )
            for issue, digest in ordered
        ]
        context = {
            "site": self._site_context(),
            "issues": entries,
            "labels": {"archive": labels["archive"], "feed": labels["feed"]},
            "design": self._design(),
        }
        return self._template(INDEX_TEMPLATE, context)

    def render_shared(self, posts: Sequence[Post]) -> Digest | None:
        """The digest of ``posts`` rendered once for all who get them, with a mark where
        each one's address goes (``personal`` fills it in): the templates and premailer's
        CSS inlining run once, not once a recipient. None when the templates use
        ``recipient`` themselves (a greeting by name): each is then rendered on its own."""
        if self._uses_recipient():
            return None
        return self.render(posts, Recipient(email=_ADDRESS_MARK))

    def _uses_recipient(self) -> bool:
        """True when a digest template, or one it includes, reads ``recipient`` (or names
        templates that cannot be known before rendering)."""
        loader = self.environment.loader
        assert loader is not None  # set in __init__
        names = [HTML_TEMPLATE, TEXT_TEMPLATE]
        seen: set[str] = set()
        while names:
            name = names.pop()
            if name in seen:
                continue
            seen.add(name)
            try:
                source, _, _ = loader.get_source(self.environment, name)
                tree = self.environment.parse(source)
            except jinja2.TemplateError:
                return True  # rendering says what is wrong, with its line
            if "recipient" in jinja2.meta.find_undeclared_variables(tree):
                return True
            for referenced in jinja2.meta.find_referenced_templates(tree):
                if referenced is None:
                    return True
                names.append(referenced)
        return False

    def _render(self, shown: _Shown, left_out: int) -> Digest:
        split = len(shown.posts) - left_out
        context = self._context(shown, split)
        html = self._inline_css(self._template(HTML_TEMPLATE, context))
        return Digest(
            subject=context["subject"],
            html=html,
            text=self._template(TEXT_TEMPLATE, context),
            listed=shown.posts[:split],
            more=shown.posts[split:],
            recipient=shown.recipient,
            unsubscribe_url=context["unsubscribe_url"],
            web_page=shown.web_name,
        )

    def _context(self, shown: _Shown, split: int) -> dict[str, Any]:
        site = self.site
        listed, more = shown.posts[:split], shown.posts[split:]
        entries = list(shown.entries[:split])
        start, end, days = date_range(shown.posts, site)
        labels = _labels(site)
        subject = format_subject(
            site.digest.subject,
            {
                "site": site.title,
                "count": len(shown.posts),
                "range": days,
                "start": start,
                "end": end,
                "first_title": listed[0].title if listed else "",
                "titles": _titles(labels, shown.posts),
            },
        )
        if len(entries) == 1:
            preheader = entries[0].excerpt
        else:
            preheader = " · ".join(entry.title for entry in entries)
        named = list(shown.entries[split : split + MAX_NAMED_MORE])
        rest = len(more) - len(named)
        return {
            "site": self._site_context(),
            "subject": subject,
            "preheader": truncate(preheader, _PREHEADER_LENGTH),
            "date_range": days,
            "posts": entries,
            "count": len(shown.posts),
            "more": {
                "count": len(more),
                "url": site.base_url + "/",
                "label": _count_label(labels, len(more)),
                # The first of them by title and link; the rest only counted.
                "posts": named,
                "rest": rest,
                "rest_label": _count_label(labels, rest),
            },
            "labels": {
                "intro": labels["intro"].format(range=days),
                "read_more": labels["read_more"],
                "also": labels["also"],
                "unsubscribe": labels["unsubscribe"],
                "why": labels["why"].format(site=site.title),
                "feed": labels["feed"],
                "web": labels["web"],
            },
            "design": self._design(),
            "recipient": shown.recipient,
            "unsubscribe_url": (
                None
                if shown.web_page
                else unsubscribe_url_for(site.digest.unsubscribe_url, shown.recipient)
            ),
            "web_url": page_url(self.site, shown.web_name) if shown.web_name else None,
            "web_page": shown.web_page,
            "content_width": CONTENT_WIDTH,
        }

    def _site_context(self) -> dict[str, Any]:
        """What the templates know of the site."""
        site = self.site
        return {
            "title": site.title,
            "url": site.base_url + "/",
            "description": site.description,
            "lang": site.lang,
            "author": site.author.name if site.author else "",
            "logo": site.digest.logo,
            "address": tuple(site.digest.address.splitlines()) if site.digest.address else (),
            "feed_url": f"{site.base_url}/{site.feeds.atom}",
        }

    def _design(self) -> dict[str, Any]:
        """How the default templates look: ``[digest]`` layout, content and accent, with
        the colours made from the accent."""
        digest = self.site.digest
        return {
            "layout": digest.layout,
            "content": digest.content,
            "accent": digest.accent,
            "button_text": readable_on(digest.accent),
            "accent_dark": lighter(digest.accent),
        }

    def _inline_css(self, html: str) -> str:
        if not html.strip():
            raise DigestTemplateError(
                self._template_path(HTML_TEMPLATE), "the template made an empty document"
            )
        try:
            # premailer parses with lxml, which would nest what follows a <source> in it.
            inlined = drop_empty_end_tags(str(self.premailer.transform(close_empty_elements(html))))
        except Exception as error:  # premailer and lxml raise many types on broken HTML
            raise DigestTemplateError(
                self._template_path(HTML_TEMPLATE),
                f"the CSS cannot be inlined: {type(error).__name__}: {error}",
                "the template must make a complete HTML document with <html>, <head> and <body>",
            ) from None
        # lxml's HTML parser, under premailer, does not know <wbr> (in a post's content,
        # in a template) has no content: it puts the text after each one inside it and
        # writes end tags, which HTML forbids.
        return inlined.replace("</wbr>", "")

    def _template_path(self, name: str) -> Path:
        """The file a template is loaded from (the user's folder first)."""
        filename = self.environment.get_template(name).filename
        return Path(filename or name)

    def _template(self, name: str, context: dict[str, Any]) -> str:
        try:
            return self.environment.get_template(name).render(context)
        except jinja2.TemplateSyntaxError as error:
            raise DigestTemplateError(
                Path(error.filename or name), f"template syntax error: {error.message}",
                line=error.lineno,
            ) from None  # fmt: skip
        except jinja2.TemplateNotFound as error:
            raise DigestTemplateError(Path(name), f"template {error.name!r} not found") from None
        except Exception as error:
            path, line = _template_frame(error.__traceback__)
            raise DigestTemplateError(
                Path(path or name),
                f"{type(error).__name__}: {error}",
                "check the variable names the README lists for digest templates",
                line,
            ) from None


# The default template's text colour, and a button's on a light accent.
_DARK_TEXT = "#111827"


def _channels(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _luminance(colour: str) -> float:
    """WCAG's relative luminance of a ``#rrggbb`` colour."""
    linear = [
        value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4
        for value in (channel / 255 for channel in _channels(colour))
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def readable_on(background: str) -> str:
    """White or near-black, whichever contrasts more with ``background`` (a button's text)."""
    luminance = _luminance(background)
    # WCAG's contrast ratios: (lighter + 0.05) / (darker + 0.05); white's luminance is 1.
    on_dark = (luminance + 0.05) / (_luminance(_DARK_TEXT) + 0.05)
    return "#ffffff" if 1.05 / (luminance + 0.05) >= on_dark else _DARK_TEXT


def lighter(colour: str) -> str:
    """``colour`` mixed half with white: links of the accent's hue, readable in dark mode."""
    red, green, blue = (round(channel + (255 - channel) * 0.5) for channel in _channels(colour))
    return f"#{red:02x}{green:02x}{blue:02x}"


def _labels(site: Site) -> dict[str, str]:
    """The default templates' words in the site's language (English otherwise)."""
    return _LABELS.get(site.lang.split("-")[0].lower(), _LABELS["en"])


def _posts_label(labels: dict[str, str], count: int) -> str:
    """The words "N posts", in the labels' language."""
    return (labels["posts_one"] if count == 1 else labels["posts"]).format(count=count)


def _titles(labels: dict[str, str], posts: Sequence[Post]) -> str:
    """The newest post's title, and "and N more" when there are others."""
    if len(posts) <= 1:
        return posts[0].title if posts else ""
    others = len(posts) - 1
    label = labels["titles_one"] if others == 1 else labels["titles"]
    return label.format(title=posts[0].title, count=others)


def _count_label(labels: dict[str, str], count: int) -> str:
    """The words "and N more posts on the site", in the labels' language."""
    return (labels["more_one"] if count == 1 else labels["more"]).format(count=count)


def _template_frame(trace: TracebackType | None) -> tuple[str | None, int | None]:
    """The template file and line a rendering error happened on.

    Jinja rewrites tracebacks so that frames inside templates carry the template's file name
    and line; the last such frame is where the error is.
    """
    found: tuple[str | None, int | None] = (None, None)
    while trace is not None:
        name = trace.tb_frame.f_code.co_filename
        if not name.endswith(".py") and not name.startswith("<"):
            found = (name, trace.tb_lineno)
        trace = trace.tb_next
    return found


def _size(digest: Digest) -> int:
    """The size of the digest's HTML part as it travels, transfer encoding included."""
    # Imported here: message imports this module's Digest (for its types only).
    from feedwright.mail.message import encoded_size, text_part

    return encoded_size(text_part(digest.html, "html"))
