"""Drafts, `future` and `show_drafts`, and the time zone, as Jekyll 4.3 reads them: what
`jekyll build --drafts` gave for the same small sites."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import NOW, build, runner, write_posts
from feedwright.cli import app
from feedwright.commands.posts import list_site
from feedwright.site.config import load_site
from feedwright.speed import Speed

CONFIG = "title: T\nurl: https://blog.example.org\ntimezone: Asia/Tokyo\n"
FILES = {
    "_posts/2024-03-01-published.md": "---\ntitle: Published\n---\nx\n",
    # No date anywhere: the file's mtime (set below), in the site's time zone for the URL.
    "_drafts/no-date.md": "---\ntitle: No date\n---\nx\n",
    "_drafts/2023-06-07-named.md": "---\ntitle: Named\n---\nx\n",
    "_drafts/dated.md": "---\ntitle: Dated\ndate: 2023-01-02 10:00:00 +0900\n---\nx\n",
    # Names Jekyll skips: an editor's lock file, and the like.
    "_drafts/.#no-date.md": "---\ntitle: Lock\n---\nx\n",
    "_drafts/_partial.md": "---\ntitle: Partial\n---\nx\n",
    "_posts/#2024-03-02-note.md": "---\ntitle: Hash\n---\nx\n",
    # Nested, as `_posts`: the folders above are its first categories.
    "en/_drafts/nested.md": "---\ntitle: Nested\n---\nx\n",
    "_drafts/later.md": "---\ntitle: Later\ndate: 2099-01-01\n---\nx\n",
}
# 2024-05-05 20:00 UTC: the 6th in Tokyo.
MTIME = datetime(2024, 5, 5, 20, 0, tzinfo=UTC)
EXPECTED = {
    "Published": (
        "https://blog.example.org/2024/03/01/published.html",
        "2024-03-01T00:00:00+09:00",
    ),
    "No date": ("https://blog.example.org/2024/05/06/no-date.html", "2024-05-05T20:00:00+00:00"),
    "Named": ("https://blog.example.org/2023/06/07/named.html", "2023-06-07T00:00:00+09:00"),
    "Dated": ("https://blog.example.org/2023/01/02/dated.html", "2023-01-02T10:00:00+09:00"),
    "Nested": ("https://blog.example.org/en/2024/05/06/nested.html", "2024-05-05T20:00:00+00:00"),
}


def _site(root: Path, config: str = CONFIG) -> Path:
    root.mkdir()
    (root / "_config.yml").write_text(config)
    write_posts(root, dict(FILES))
    for name in ("_drafts/no-date.md", "en/_drafts/nested.md"):
        os.utime(root / name, (MTIME.timestamp(), MTIME.timestamp()))
    return root


SPEEDS = {
    "shortcuts": Speed(),
    "off": Speed.off(),
    "workers": Speed(cache=False, workers=2, parallel_from=2),
}


@pytest.mark.parametrize("speed", sorted(SPEEDS))
def test_drafts_are_read_with_drafts_dated_by_their_mtime(tmp_path: Path, speed: str) -> None:
    site = load_site(_site(tmp_path / "site"))
    result = build(site, drafts=True, speed=SPEEDS[speed])
    assert result.collection.problems == []
    found = {post.title: (post.url, post.date.isoformat()) for post in result.collection.posts}
    assert found == EXPECTED
    nested = next(post for post in result.collection.posts if post.title == "Nested")
    assert nested.categories == ("en",)
    assert result.collection.future == 1  # later.md, as Jekyll skips it without --future


def test_without_drafts_no_draft_is_read(tmp_path: Path) -> None:
    root = _site(tmp_path / "site")
    (root / "_drafts/broken.md").write_text("---\ntitle: [\n---\nx\n")
    result = build(load_site(root))
    assert result.collection.problems == []
    assert [post.title for post in result.collection.posts] == ["Published"]


def test_show_drafts_and_future_in_config_yml_act_as_the_flags(tmp_path: Path) -> None:
    root = _site(tmp_path / "site", CONFIG + "show_drafts: true\nfuture: true\n")
    site = load_site(root)
    titles = {post.title for post in build(site).collection.posts}
    assert titles == {*EXPECTED, "Later"}
    # The flags still win when given.
    titles = {post.title for post in build(site, drafts=False, future=False).collection.posts}
    assert titles == {"Published"}
    listed = list_site(site, now=NOW, drafts=False)
    assert {post.title for post in listed.posts} == {"Published"}


def test_the_command_line_takes_drafts_and_no_drafts(tmp_path: Path) -> None:
    root = _site(tmp_path / "site", CONFIG + "show_drafts: true\n")
    result = runner.invoke(app, ["list", str(root), "--no-drafts"])
    assert result.exit_code == 0, result.output
    assert "No date" not in result.output and "Published" in result.output
    result = runner.invoke(app, ["list", str(root)])
    assert "No date" in result.output


# Jekyll reads a YAML timestamp with no offset (unquoted, with seconds) as UTC, whatever
# `timezone` says; any other date without an offset is in the site's time zone.
TIMESTAMPS: dict[str, str | bytes] = {
    "_posts/2024-03-01-timestamp.md": "---\ntitle: A\ndate: 2024-03-01 23:30:00\n---\nx\n",
    "_posts/2024-03-01-iso.md": "---\ntitle: B\ndate: 2024-03-01T23:30:00.5\n---\nx\n",
    "_posts/2024-03-01-quoted.md": '---\ntitle: C\ndate: "2024-03-01 23:30:00"\n---\nx\n',
    "_posts/2024-03-01-minutes.md": "---\ntitle: D\ndate: 2024-03-01 23:30\n---\nx\n",
    "_posts/2024-03-01-day.md": "---\ntitle: E\ndate: 2024-03-01\n---\nx\n",
}


def test_dates_without_an_offset_are_read_as_jekyll_reads_them(tmp_path: Path) -> None:
    root = tmp_path / "site"
    root.mkdir()
    (root / "_config.yml").write_text(CONFIG)
    write_posts(root, TIMESTAMPS)
    posts = build(load_site(root)).collection.posts
    found = {post.title: (post.url, post.date.astimezone(UTC).isoformat()) for post in posts}
    assert found == {
        "A": ("https://blog.example.org/2024/03/02/timestamp.html", "2024-03-01T23:30:00+00:00"),
        "B": ("https://blog.example.org/2024/03/02/iso.html", "2024-03-01T23:30:00.500000+00:00"),
        "C": ("https://blog.example.org/2024/03/01/quoted.html", "2024-03-01T14:30:00+00:00"),
        "D": ("https://blog.example.org/2024/03/01/minutes.html", "2024-03-01T14:30:00+00:00"),
        "E": ("https://blog.example.org/2024/03/01/day.html", "2024-02-29T15:00:00+00:00"),
    }


def test_a_site_without_a_jekyll_config_reads_every_date_in_its_time_zone(tmp_path: Path) -> None:
    root = tmp_path / "site"
    root.mkdir()
    (root / "feedwright.toml").write_text(
        '[site]\ntitle = "T"\nurl = "https://blog.example.org"\ntimezone = "Asia/Tokyo"\n'
    )
    write_posts(
        root, {"_posts/2024-03-01-timestamp.md": TIMESTAMPS["_posts/2024-03-01-timestamp.md"]}
    )
    [post] = build(load_site(root)).collection.posts
    assert post.url == "https://blog.example.org/2024/03/01/timestamp.html"
