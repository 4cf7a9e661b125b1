"""The Post: one valid blog post, the data that flows from the collector to the feed and
mail stages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from feedwright.errors import Problem
from feedwright.site.model import Author


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
    # Where the body starts in the file's decoded text (see ``front_matter.SourceFile``).
    body_offset: int = 0
    extra: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[Problem, ...] = ()
    # The excerpt before it was shortened, so the digest can cut it to its own length.
    excerpt_text: str = ""
    # The excerpt as the front matter gives it (Markdown), if it does.
    front_excerpt: str | None = None
    # False for a post read only as far as its front matter (see ``collect.load_bodies``):
    # then body, excerpt and excerpt_text are empty and the body's warnings are unknown.
    has_body: bool = True
    # Hugo's publishDate, when it is not the date: the post is future until then.
    publish_date: datetime | None = None
    # Hugo's expiryDate: the post is left out from then on.
    expiry_date: datetime | None = None
    # False for a page that is not listed (a headless bundle): no post, and no problem.
    listed: bool = True

    @property
    def last_modified(self) -> datetime:
        """When the post last changed: ``updated`` when given, else its date."""
        return self.updated if self.updated and self.updated > self.date else self.date

    @property
    def published(self) -> datetime:
        """When the post is published (a post is future until then): its date, or Hugo's
        ``publishDate``."""
        return self.publish_date or self.date


@dataclass(frozen=True)
class Image:
    """A post's image: an absolute URL, its alt text and, when the author gave them, its size."""

    url: str
    alt: str = ""
    width: int | None = None
    height: int | None = None
