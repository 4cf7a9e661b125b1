"""Shared helpers: build small sites in a temporary folder and read what feedwright wrote."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest

from feedwright.build import BuildOptions, BuildResult, build_site
from feedwright.config import load_site
from feedwright.model import Site

# A fixed "now" so that which posts count as future never depends on the day tests run.
NOW = datetime(2026, 1, 1, tzinfo=UTC)

DEFAULT_CONFIG = """
[site]
title = "Test Blog"
url = "https://blog.example.org"
description = "Posts for tests"
author = "Test Author"
lang = "en"
"""

SiteFactory = Callable[..., Site]


def write_posts(folder: Path, posts: dict[str, str | bytes]) -> None:
    """Write post files (text is dedented; bytes are written as they are)."""
    for name, content in posts.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")


@pytest.fixture
def make_site(tmp_path: Path) -> SiteFactory:
    """Create a site folder with ``_posts/`` and a config; return the loaded Site."""

    def factory(
        posts: dict[str, str | bytes], config: str = DEFAULT_CONFIG, **overrides: object
    ) -> Site:
        root = tmp_path / "site"
        (root / "_posts").mkdir(parents=True, exist_ok=True)
        (root / "feedwright.toml").write_text(textwrap.dedent(config), encoding="utf-8")
        write_posts(root / "_posts", posts)
        return load_site(root)

    return factory


def build(site: Site, **options: object) -> BuildResult:
    """Build with the fixed NOW."""
    return build_site(site, BuildOptions(now=NOW, **options))  # type: ignore[arg-type]


def parse_feed(path: Path) -> feedparser.FeedParserDict:
    """Parse a feed file with feedparser and insist that it is well-formed."""
    parsed = feedparser.parse(path.read_bytes())
    assert parsed.bozo == 0, f"{path.name}: {parsed.get('bozo_exception')}"
    return parsed


SIMPLE_POSTS: dict[str, str | bytes] = {
    "2025-11-29-second.md": """
        ---
        title: "Second post"
        date: 2025-11-29 04:40:08 +0000
        categories: ["News"]
        tags: ["python", "feeds"]
        excerpt: "The second one."
        ---
        Body of the **second** post with a [relative link](../other.html) and ![pic](/img/a.png).
        """,
    "2025-10-01-first.md": """
        ---
        title: First post
        date: 2025-10-01
        ---
        The first paragraph is the excerpt.

        The second paragraph is not.
        """,
}
