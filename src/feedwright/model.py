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
    config_path: Path | None = None

    @property
    def base_url(self) -> str:
        """The site URL without a trailing slash, baseurl included."""
        return self.url.rstrip("/")


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
    image: str | None
    url: str
    id: str
    slug: str
    draft: bool
    lang: str | None
    body: str
    body_line: int
    extra: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[Problem, ...] = ()

    @property
    def last_modified(self) -> datetime:
        """When the post last changed: ``updated`` when given, else its date."""
        return self.updated if self.updated and self.updated > self.date else self.date
