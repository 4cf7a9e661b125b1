"""The plain data that flows from the collector to the feed and digest stages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from feedwright.errors import Problem


@dataclass(frozen=True)
class Author:
    """A person credited in a feed: a name, optionally an email address and a home page."""

    name: str
    email: str | None = None
    uri: str | None = None


@dataclass(frozen=True)
class Image:
    """A post's image: an absolute URL, its alt text and, when the author gave them, its size."""

    url: str
    alt: str = ""
    width: int | None = None
    height: int | None = None


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
    id_scheme: str = "url"


SMTP_SECURITY = ("starttls", "tls", "none")
DEFAULT_SUBJECT = "{site}: {range}"


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


@dataclass(frozen=True)
class Site:
    """Everything feedwright knows about a site: its identity and where things live."""

    root: Path
    title: str
    url: str
    description: str = ""
    author: Author | None = None
    lang: str = "en"
    timezone: str = "UTC"
    permalink: str = "date"
    posts: str = ""
    output: Path = Path("out")
    excerpt_separator: str = "<!--more-->"
    excerpt_length: int = 200
    feeds: FeedSettings = field(default_factory=FeedSettings)
    digest: DigestSettings = field(default_factory=DigestSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    recipients: tuple[str, ...] = ()
    recipients_file: Path | None = None
    state_file: Path | None = None
    config_path: Path | None = None

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


@dataclass(frozen=True)
class Post:
    """One valid blog post, with every value already checked and normalised."""

    source: Path
    title: str
    date: datetime
    updated: datetime | None
    author: Author | None
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    excerpt: str
    image: Image | None
    url: str
    id: str
    slug: str
    draft: bool
    lang: str | None
    body: str
    body_line: int
    extra: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[Problem, ...] = ()
    # The excerpt before it was shortened, so the digest can cut it to its own length.
    excerpt_text: str = ""
    # The excerpt as the front matter gives it (Markdown), if it does.
    front_excerpt: str | None = None
    # False for a post read only as far as its front matter (see collector.load_bodies):
    # then body, excerpt and excerpt_text are empty and the body's warnings are unknown.
    has_body: bool = True

    @property
    def last_modified(self) -> datetime:
        """When the post last changed: ``updated`` when given, else its date."""
        return self.updated if self.updated and self.updated > self.date else self.date


@dataclass(frozen=True)
class OutputFile:
    """One file to write: its path inside the output folder (with ``/``) and its bytes."""

    path: str
    content: bytes


@dataclass
class BuildOptions:
    """The switches of a build (the CLI's flags)."""

    drafts: bool = False
    future: bool = False
    skip_invalid: bool = False
    now: datetime | None = None
    # Reuse the front matter parsed by earlier runs (.feedwright/posts-cache.json).
    cache: bool = True

    def key(self) -> tuple[bool, bool, bool]:
        """The switches that change what a build writes (see uptodate)."""
        return self.drafts, self.future, self.skip_invalid
