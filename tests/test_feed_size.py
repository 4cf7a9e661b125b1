"""What one post may put into a feed, how big a feed may grow, and a build's memory: in
proportion to its largest feed, not to its feeds times their content."""

from __future__ import annotations

import json
import time
import tracemalloc
from pathlib import Path

import feedparser
import pytest

from conftest import DEFAULT_CONFIG, SiteFactory, build, parse_feed
from feedwright.errors import ConfigError, Problem
from feedwright.speed import Speed

BY_TAG = DEFAULT_CONFIG + '\n[feeds]\nby = ["tag"]\n'


def entries_by_title(path: Path) -> dict[str, feedparser.FeedParserDict]:
    return {entry.title: entry for entry in parse_feed(path).entries}


def json_items_by_title(path: Path) -> dict[str, dict[str, object]]:
    items: list[dict[str, object]] = json.loads(path.read_bytes())["items"]
    return {str(item["title"]): item for item in items}


def warnings_about(problems: list[Problem], name: str) -> list[str]:
    return [str(problem) for problem in problems if problem.path.name == name]


def test_a_post_with_too_much_markup_carries_its_summary(make_site: SiteFactory) -> None:
    # 150,000 links: more pieces of markup than a post may have (100,000), in 1 MB.
    links = "[a](b) " * 150_000
    site = make_site(
        {
            "2025-11-29-links.md": f"---\ntitle: Links\nexcerpt: A summary.\n---\n{links}\n",
            "2025-11-28-plain.md": "---\ntitle: Plain\n---\nPlain *text*.\n",
        },
        BY_TAG,
    )
    started = time.monotonic()
    result = build(site)
    assert time.monotonic() - started < 20  # rendered, the links took about 4 s
    atom = entries_by_title(site.output / "feed.atom")
    assert atom["Links"].summary == "A summary." and "content" not in atom["Links"]
    assert atom["Plain"].content[0].value == "<p>Plain <em>text</em>.</p>"
    rss = (site.output / "feed.rss").read_text(encoding="utf-8")
    assert rss.count("<content:encoded>") == 1
    items = json_items_by_title(site.output / "feed.json")
    assert items["Links"]["content_text"] == "A summary." and "content_html" not in items["Links"]
    (warning,) = warnings_about(result.collection.warnings, "2025-11-29-links.md")
    assert "the feeds carry its summary instead" in warning
    assert "100,000 pieces of markup" in warning


def test_a_post_of_too_many_lines_carries_its_summary(make_site: SiteFactory) -> None:
    lines = "a\n" * 150_000  # one paragraph of 150,000 lines
    site = make_site({"2025-11-29-lines.md": f"---\ntitle: Lines\n---\n{lines}"})
    result = build(site)
    (entry,) = parse_feed(site.output / "feed.atom").entries
    assert "content" not in entry
    (warning,) = warnings_about(result.collection.warnings, "2025-11-29-lines.md")
    assert "100,000 lines" in warning


def test_a_feed_carries_at_most_max_content_mb_of_content(make_site: SiteFactory) -> None:
    paragraph = "Text. " * 150  # 900 bytes, and 908 as HTML
    config = BY_TAG.replace('by = ["tag"]', 'by = ["tag"]\nmax_content_mb = 0.002')
    site = make_site(
        {
            f"2025-11-{day}-post.md": f"---\ntitle: Day {day}\ntags: [{tag}]\n---\n{paragraph}\n"
            for day, tag in (("29", "a"), ("28", "b"), ("27", "a"))
        },
        config,
    )
    result = build(site)
    # Newest first: two posts fit in 2,000 bytes, the third would not.
    atom = entries_by_title(site.output / "feed.atom")
    assert ["content" in atom[f"Day {day}"] for day in ("29", "28", "27")] == [True, True, False]
    assert atom["Day 27"].summary.startswith("Text. Text.")
    # In the feed of the tag a, the two posts fit.
    tag_a = entries_by_title(site.output / "tag" / "a.atom")
    assert all("content" in entry for entry in tag_a.values())
    items = json_items_by_title(site.output / "feed.json")
    assert "content_html" not in items["Day 27"] and items["Day 27"]["content_text"]
    (warning,) = warnings_about(result.collection.warnings, "2025-11-27-post.md")
    assert "feed.atom" in warning and "0.002 MB" in warning


def test_max_content_mb_must_be_positive(make_site: SiteFactory) -> None:
    with pytest.raises(ConfigError, match="`max_content_mb` in \\[feeds\\] must be more than 0"):
        make_site({}, DEFAULT_CONFIG + "\n[feeds]\nmax_content_mb = 0\n")


@pytest.mark.parametrize("speed", [Speed.off(), Speed(render_ahead_from=1)], ids=["here", "ahead"])
def test_memory_follows_the_largest_feed_not_all_of_them(
    make_site: SiteFactory, speed: Speed
) -> None:
    # A post of 300 KB in 101 feeds (its 100 tags' and the site's): 303 files of 300 KB
    # or more, 100 MB in all. A build holds one feed's files at a time.
    tags = ", ".join(f"t{number}" for number in range(100))
    body = ("長い段落です。" * 100 + "\n\n") * 140
    site = make_site({"2025-11-29-big.md": f"---\ntitle: Big\ntags: [{tags}]\n---\n{body}"}, BY_TAG)
    tracemalloc.start()
    try:
        build(site, speed=speed)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    written = sum(path.stat().st_size for path in site.output.rglob("*") if path.is_file())
    assert written > 90_000_000
    assert peak < 40_000_000, f"{peak / 1e6:.0f} MB at the peak"
