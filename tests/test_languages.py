"""Languages: the feed's, and each entry's where its post declares another."""

from __future__ import annotations

import json

from conftest import SiteFactory, build, parse_feed

NO_LANG = """
[site]
title = "Blog"
url = "https://blog.example.org"
"""
ENGLISH = NO_LANG + 'lang = "en"\n'


def _post(lang: str | None) -> str:
    line = f"lang: {lang}\n" if lang else ""
    return f"---\ntitle: Post\n{line}---\nText.\n"


def test_an_entry_in_another_language_than_the_feed_says_so(make_site: SiteFactory) -> None:
    site = make_site({"2025-01-01-en.md": _post("en"), "2025-01-02-ja.md": _post("ja_JP")}, ENGLISH)
    build(site)
    atom = parse_feed(site.output / "feed.atom")
    assert atom.feed.language == "en"
    by_link = {entry.link: entry.title_detail.language for entry in atom.entries}
    assert by_link == {
        "https://blog.example.org/2025/01/02/ja.html": "ja-JP",
        "https://blog.example.org/2025/01/01/en.html": "en",
    }
    text = (site.output / "feed.atom").read_text()
    assert text.count('xml:lang="ja-JP"') == 1 and text.count('xml:lang="en"') == 1
    items = json.loads((site.output / "feed.json").read_text())["items"]
    assert [item.get("language") for item in items] == ["ja-JP", None]


def test_without_a_configured_lang_the_feed_takes_the_one_most_posts_declare(
    make_site: SiteFactory,
) -> None:
    posts = {
        "2025-01-01-a.md": _post("ja"),
        "2025-01-02-b.md": _post("ja"),
        "2025-01-03-c.md": _post("en"),
        "2025-01-04-d.md": _post(None),
    }
    site = make_site(posts, NO_LANG)
    build(site)
    text = (site.output / "feed.atom").read_text()
    assert 'xml:lang="en"' in text  # the English post's entry alone
    assert text.count('xml:lang="ja"') == 1  # the feed's
    atom = parse_feed(site.output / "feed.atom")
    assert atom.feed.language == "ja"
    assert parse_feed(site.output / "feed.rss").feed.language == "ja"
    document = json.loads((site.output / "feed.json").read_text())
    assert document["language"] == "ja"
    assert [item.get("language") for item in document["items"]] == [None, "en", None, None]


def test_without_any_lang_a_feed_stays_english(make_site: SiteFactory) -> None:
    site = make_site({"2025-01-01-a.md": _post(None)}, NO_LANG)
    build(site)
    assert parse_feed(site.output / "feed.atom").feed.language == "en"
