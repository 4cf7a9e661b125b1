"""The Site: everything feedwright knows about a site once its configuration is read."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from feedwright.errors import Problem


@dataclass(frozen=True)
class Author:
    """A person credited in a feed: a name, optionally an email address and a home page."""

    name: str
    email: str | None = None
    uri: str | None = None


@dataclass(frozen=True)
class FeedSettings:
    """The ``[feeds]`` table of the configuration."""

    limit: int = 20
    summary_only: bool = False
    by: tuple[str, ...] = ()
    stylesheet: bool = True
    atom: str = "feed.atom"
    rss: str = "feed.rss"
    json: str = "feed.json"
    # "url", "tag", or "jekyll" (jekyll-feed's ids: the default on a Jekyll site).
    id_scheme: str = "url"
    # The most post content (its HTML, in millions of bytes) that one feed carries.
    max_content_mb: float = 16


# The files a build writes beside the feeds: the feeds' stylesheet (``[feeds]
# stylesheet``) and the digest preview (``[digest] preview``).
STYLESHEET_FILE = "feed.xsl"
PREVIEW_FILES = ("digest.html", "digest.txt", "digest.eml")


def group_feed_suffix(name: str) -> str:
    """The extension of the feeds per category and tag of the feed file ``name``:
    ``feed.atom`` gives ``tag/python.atom``; a name without one gives ``.xml``."""
    return PurePosixPath(name).suffix or ".xml"


SMTP_SECURITY = ("starttls", "tls", "none")
# The newest post's title, "and N more" when there are others (see mail.digest).
DEFAULT_SUBJECT = "{titles}"


# How the digest shows its posts: the newest large and the others compact ("featured"),
# all alike ("equal"), or titles only ("list").
DIGEST_LAYOUTS = ("featured", "equal", "list")
# What of each post the digest shows: its excerpt, or all of it.
DIGEST_CONTENTS = ("excerpt", "full")
DEFAULT_ACCENT = "#1d4ed8"
# The digest's column: 600 px wide with 24 px of padding on each side.
DIGEST_COLUMN_WIDTH = 552


@dataclass(frozen=True)
class Logo:
    """The digest's masthead image (``[digest] logo``): an absolute http(s) URL, its size
    in CSS pixels as the email shows it, and its alt text."""

    url: str
    width: int
    height: int
    alt: str


@dataclass(frozen=True)
class DigestSettings:
    """The ``[digest]`` table: how the email digest looks and who it is from."""

    subject: str = DEFAULT_SUBJECT
    sender: str | None = None
    reply_to: str | None = None
    unsubscribe_url: str | None = None
    unsubscribe_mailto: str | None = None
    max_posts: int = 10
    excerpt_length: int = 300
    templates: Path | None = None
    preview: bool = True
    logo: Logo | None = None
    layout: str = "featured"
    content: str = "excerpt"
    # The colour of links and buttons, "#rrggbb".
    accent: str = DEFAULT_ACCENT
    # The sender's postal address for the footer (CAN-SPAM requires one), lines kept.
    address: str | None = None
    # Whether `build` writes each digest sent as a web page (newsletter/), and each email
    # links to its page ("view in browser").
    archive: bool = False


@dataclass(frozen=True)
class SmtpSettings:
    """The ``[smtp]`` table. The password is never here: it comes from the environment."""

    host: str = "localhost"
    port: int = 587
    security: str = "starttls"
    username: str | None = None
    timeout: float = 60.0
    # Extra certificate authorities to trust (a PEM file), for a relay with a private CA.
    ca_file: Path | None = None
    # SMTP sessions sending at once, each reused for many messages.
    connections: int = 4
    # The relay's limits: messages in any second (sent evenly spaced) and in any hour.
    per_second: float | None = None
    per_hour: int | None = None
    # Send MAIL FROM, RCPT TO and DATA in one write when the server offers PIPELINING.
    pipelining: bool = True


@dataclass(frozen=True)
class FrontMatterDefault:
    """One entry of a Jekyll site's ``defaults:`` list: front matter ``values`` for the
    files its scope covers (see ``posts.defaults``)."""

    # The scope's ``path``, as written: "" covers every file; it may hold glob characters.
    path: str
    # The scope's ``type`` ("posts", "pages"…), None when it has none (every type).
    type: str | None
    # The values: a mapping, hashed by nothing (a Site is never a dict key).
    values: Mapping[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class ContentMount:
    """A folder of a Hugo site's content: Hugo sees the files of ``source`` (relative to
    the site folder) at ``target``, a folder below its content ("" for the top), as
    ``[[module.mounts]]`` with a ``target`` of ``content`` or ``content/…`` says."""

    source: str
    target: str = ""


@dataclass(frozen=True)
class Language:
    """One language of a Hugo site (its ``[languages]`` table, or the site itself when it
    has none): its posts make feeds of their own, in ``folder``."""

    # Hugo's key of the language, lowercased: "en", "pt-br"; it ends translated file names
    # (``post.fr.md``).
    key: str
    title: str
    # Its BCP 47 tag, for the feeds and the posts: languageCode, else the key.
    lang: str
    description: str = ""
    # The folders its content is in: its ``contentDir`` ("content"), or the content mounts
    # of ``[module]`` that are its own (a mount with no ``lang`` is the default language's).
    mounts: tuple[ContentMount, ...] = (ContentMount("content"),)
    # The folder of its URLs and feeds: "" for the default language (unless
    # defaultContentLanguageInSubdir), else its key.
    folder: str = ""
    # The site's ``[params]`` with the language's own over them, keys lowercased: what the
    # ``param`` shortcode reads when a page has no such key.
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class MarkdownFlavour:
    """How a site's engine renders its Markdown, which the feeds, the excerpts and the
    digest follow: the Site gives it (``Site.markdown``)."""

    # Jekyll's kramdown: its syntax (attribute lists, definition lists…), heading ids and
    # typography (see posts.kramdown).
    kramdown: bool = False
    # Hugo's goldmark: <del> for ~~strike~~, definition lists, task lists, footnotes
    # marked up as goldmark marks them (see posts.goldmark).
    goldmark: bool = False
    # goldmark's ``autoHeadingID``: an id on every heading, as Hugo makes it.
    heading_ids: bool = False
    # False: raw HTML in the Markdown is replaced by ``<!-- raw HTML omitted -->``, as
    # goldmark does unless ``markup.goldmark.renderer.unsafe``.
    raw_html: bool = True
    # goldmark's typographer extension: curly quotes, dashes, ellipses, « ».
    typographer: bool = False
    # The endings of the post files that are Markdown, lower case (a Jekyll site's
    # ``markdown_ext``); a post with another ending (``.html``, a Jekyll site's ``.text``)
    # is its text as written, as Jekyll builds a file no converter takes.
    markdown_suffixes: tuple[str, ...] = (".md", ".markdown")


# CommonMark with raw HTML: a site with no engine's configuration.
PLAIN_MARKDOWN = MarkdownFlavour()
# Jekyll's kramdown.
KRAMDOWN = MarkdownFlavour(kramdown=True)


@functools.lru_cache(maxsize=16)
def _kramdown(markdown_suffixes: tuple[str, ...]) -> MarkdownFlavour:
    """Jekyll's kramdown, for a site whose Markdown files end so (its ``markdown_ext``):
    one object per site, however often ``Site.markdown`` is asked."""
    return MarkdownFlavour(kramdown=True, markdown_suffixes=markdown_suffixes)


# Hugo 0.111's defaults: goldmark's typographer and heading ids on, raw HTML omitted.
GOLDMARK = MarkdownFlavour(goldmark=True, heading_ids=True, raw_html=False, typographer=True)


@dataclass(frozen=True)
class HugoSettings:
    """What a Hugo site's configuration says about its posts and their URLs."""

    # Section name -> permalink pattern (``[permalinks]``, or ``[permalinks.page]``).
    permalinks: Mapping[str, str] = field(default_factory=dict, hash=False)
    ugly_urls: bool = False
    path_to_lower: bool = True
    # ``params.mainSections``; None: the section with the most pages, as Hugo chooses.
    main_sections: tuple[str, ...] | None = None
    # The default language first, then the others by weight.
    languages: tuple[Language, ...] = ()
    # ``[markup.goldmark]``: how the site's Markdown is rendered.
    markdown: MarkdownFlavour = GOLDMARK
    # ``summaryLength``: the words of a summary Hugo makes (see posts.excerpt).
    summary_length: int = 70
    # ``[frontmatter]``: of each date it sets (``date``, ``lastmod``, ``publishdate``,
    # ``expirydate``), where Hugo takes it from, in order: front matter keys (aliases
    # included), ``:filename``, ``:filemodtime``, ``:git``. A date it does not set is
    # read from Hugo's default keys.
    front_matter_dates: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)

    @property
    def default_language(self) -> Language:
        """The language of the main feed and the digest."""
        return self.languages[0]


@dataclass(frozen=True)
class Site:
    """Everything feedwright knows about a site: its identity and where things live."""

    root: Path
    title: str
    url: str
    description: str = ""
    author: Author | None = None
    lang: str = "en"
    # Whether the configuration sets ``lang``: when not, ``lang`` is only the fallback, and
    # each feed takes the language most of its posts declare (see feeds.render).
    lang_set: bool = True
    timezone: str = "UTC"
    permalink: str = "date"
    posts: str = ""
    output: Path = Path("out")
    excerpt_separator: str = "<!--more-->"
    # The file name endings of Markdown posts: a Jekyll site's ``markdown_ext`` (see
    # ``posts.files``), lower case with their dots.
    markdown_suffixes: tuple[str, ...] = (".md", ".markdown")
    excerpt_length: int = 200
    feeds: FeedSettings = field(default_factory=FeedSettings)
    digest: DigestSettings = field(default_factory=DigestSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    recipients: tuple[str, ...] = ()
    recipients_file: Path | None = None
    state_file: Path | None = None
    config_path: Path | None = None
    # The Jekyll configuration files read, in order (later ones win); none on a site that
    # is not a Jekyll site, whose dates are all read in its time zone (see posts.dates).
    jekyll_configs: tuple[Path, ...] = ()
    # Jekyll's ``show_drafts`` and ``future``: what ``--drafts`` and ``--future`` are when
    # the command line does not say.
    show_drafts: bool = False
    future: bool = False
    # Jekyll's ``exclude`` and ``include`` patterns (see posts.entry_filter).
    exclude: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    # A Jekyll site's front matter defaults, in the order of ``_config.yml``.
    defaults: tuple[FrontMatterDefault, ...] = ()
    # A Jekyll site's authors by key (``_data/authors.yml``): a post whose ``author`` is a
    # key gets that author (a name, or a mapping with ``name``, ``email``, ``uri``).
    authors: Mapping[str, object] = field(default_factory=dict, hash=False)
    # What the configuration held that was left out, each with a warning; reported with the
    # posts' warnings (see posts.collect).
    warnings: tuple[Problem, ...] = ()
    # Which engine's site this is, decided once by site.config: "jekyll" (a Jekyll config),
    # "hugo" (a hugo.toml, config.toml… or config/_default/), or "" (feedwright.toml alone).
    engine: str = ""
    # A Hugo site's content settings (None on other sites).
    hugo: HugoSettings | None = None

    @property
    def markdown(self) -> MarkdownFlavour:
        """How the site's Markdown is rendered: as its engine renders it."""
        if self.engine == "jekyll":
            return _kramdown(self.markdown_suffixes)
        if self.hugo is not None:
            return self.hugo.markdown
        return PLAIN_MARKDOWN

    @property
    def base_url(self) -> str:
        """The site URL without a trailing slash, baseurl included."""
        return self.url.rstrip("/")

    @property
    def state_path(self) -> Path:
        """Where ``send`` records who has which post (default ``SITE/.feedwright/state.json``)."""
        return self.state_file or self.data_folder / "state.json"

    @property
    def data_folder(self) -> Path:
        """``SITE/.feedwright``: the send state, the front matter cache, the build record."""
        return self.root / ".feedwright"

    @property
    def zone(self) -> tzinfo:
        """The site's time zone, in which dates written without an offset are read."""
        return site_timezone(self.timezone)


@functools.lru_cache(maxsize=64)
def site_timezone(name: str) -> tzinfo:
    """The tzinfo for an IANA zone name such as ``Asia/Tokyo``; ValueError if unknown."""
    if name.upper() in {"UTC", "Z", "GMT"}:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {name!r}") from error


def in_zone(moment: datetime, zone: tzinfo) -> datetime:
    """``moment`` in ``zone``; in its own zone when ``zone`` cannot show it (a Hugo post
    with no date is dated 0001-01-01 UTC, which is the year 0 west of UTC)."""
    try:
        return moment.astimezone(zone)
    except OverflowError:
        return moment
