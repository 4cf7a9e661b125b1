"""A build that would change nothing is skipped, and only then."""

from __future__ import annotations

from datetime import timedelta

from conftest import DEFAULT_CONFIG, NOW, SIMPLE_POSTS, SiteFactory, build, write_posts
from feedwright.config import load_site
from feedwright.model import BuildOptions
from feedwright.uptodate import is_up_to_date

KEY = BuildOptions().key()
FUTURE_POST: dict[str, str | bytes] = {
    "2026-03-01-later.md": "---\ntitle: Later\ndate: 2026-03-01 09:00:00 +0900\n---\nSoon.\n"
}


def test_nothing_changed_is_seen_without_reading_posts(make_site: SiteFactory) -> None:
    site = make_site(SIMPLE_POSTS)
    assert is_up_to_date(site, KEY, NOW) is None  # never built
    build(site)
    assert is_up_to_date(site, KEY, NOW) == 7
    assert is_up_to_date(site, BuildOptions(drafts=True).key(), NOW) is None


def test_any_input_or_output_change_means_a_build(make_site: SiteFactory) -> None:
    site = make_site(SIMPLE_POSTS)
    build(site)
    write_posts(site.root / "_posts", {"2025-12-01-new.md": "---\ntitle: New\n---\nx\n"})
    assert is_up_to_date(site, KEY, NOW) is None  # a new post
    build(site)
    (site.output / "feed.rss").unlink()
    assert is_up_to_date(site, KEY, NOW) is None  # an output deleted
    build(site)
    (site.output / "feed.atom").write_text("edited by hand")
    assert is_up_to_date(site, KEY, NOW) is None  # an output changed
    build(site)
    (site.root / "feedwright.toml").write_text(DEFAULT_CONFIG.replace("Test Blog", "Renamed"))
    assert is_up_to_date(load_site(site.root), KEY, NOW) is None  # the configuration


def test_a_future_post_falling_due_means_a_build(make_site: SiteFactory) -> None:
    site = make_site({**SIMPLE_POSTS, **FUTURE_POST})
    result = build(site)
    assert result.collection.future == 1
    assert is_up_to_date(site, KEY, NOW) == 7
    due = result.collection.next_due
    assert due is not None
    assert is_up_to_date(site, KEY, due - timedelta(seconds=1)) == 7
    assert is_up_to_date(site, KEY, due) is None


def test_a_build_with_invalid_posts_is_never_skipped(make_site: SiteFactory) -> None:
    site = make_site({**SIMPLE_POSTS, "bad.md": "---\ntitle: [\n---\n"})
    build(site, skip_invalid=True)
    assert is_up_to_date(site, BuildOptions(skip_invalid=True).key(), NOW) is None
