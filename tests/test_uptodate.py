"""A build that would change nothing is skipped, and only then."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from conftest import DEFAULT_CONFIG, NOW, SIMPLE_POSTS, SiteFactory, build, snapshot, write_posts
from feedwright.commands.build import BuildOptions
from feedwright.commands.posts import list_site
from feedwright.site.config import load_site
from feedwright.site.model import Site
from feedwright.speed.uptodate import scan_inputs, up_to_date_outputs

KEY = BuildOptions().key()


def is_up_to_date(site: Site, key: tuple[bool, ...], now: datetime) -> int | None:
    """How many outputs a build with the options ``key`` would leave as they are at
    ``now``, having found nothing changed; None when it must run."""
    outputs = up_to_date_outputs(site, scan_inputs(site, key).fingerprint, now)
    return None if outputs is None else len(outputs)


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


def _many_posts(count: int) -> dict[str, str | bytes]:
    """``count`` posts, one a day from 2025-01-01, Japanese titles, two tags each."""
    posts: dict[str, str | bytes] = {}
    for number in range(count):
        day = date(2025, 1, 1) + timedelta(days=number)
        posts[f"{day}-post-{number}.md"] = (
            f'---\ntitle: "記事 {number}"\ndate: {day} 09:00:00 +0000\n'
            f'tags: ["旅行", "tag-{number % 3}"]\n---\n本文 {number}。\n'
        )
    return posts


def _fresh_build(site: Site, tmp_path: Path) -> dict[str, bytes]:
    """The outputs of the same site built from nothing: no record, no cache, no outputs."""
    copy = tmp_path / "fresh"
    shutil.copytree(site.root, copy, ignore=shutil.ignore_patterns(".feedwright", "out"))
    fresh = load_site(copy)
    build(fresh)
    return snapshot(fresh.output)


OLD_POST: dict[str, str | bytes] = {
    "2024-06-01-old.md": '---\ntitle: "古い記事"\ndate: 2024-06-01 09:00:00 +0000\n---\n昔の話。\n'
}
CONFIG_WITH_TAGS = DEFAULT_CONFIG + "[feeds]\nlimit = 5\nby = ['tag']\n[digest]\nmax_posts = 5\n"


def test_a_change_that_no_output_shows_renders_nothing(
    make_site: SiteFactory, tmp_path: Path
) -> None:
    site = make_site(_many_posts(12), CONFIG_WITH_TAGS)
    first = build(site)
    assert first.report.written
    write_posts(site.root / "_posts", OLD_POST)  # older than every feed's newest five
    result = build(site)
    assert result.files == []  # nothing rendered
    assert result.report.written == []
    assert len(result.report.unchanged) == len(first.files)
    assert len(result.collection.posts) == 13
    assert snapshot(site.output) == _fresh_build(site, tmp_path)
    assert is_up_to_date(site, KEY, NOW) == len(first.files)  # and the record is current


@pytest.mark.parametrize(
    "change",
    ["a newest post", "an edit of a shown post", "a new tag on an old post", "an output edited"],
)
def test_a_change_that_an_output_shows_renders_it(
    make_site: SiteFactory, tmp_path: Path, change: str
) -> None:
    site = make_site(_many_posts(12), CONFIG_WITH_TAGS)
    build(site)
    posts = site.root / "_posts"
    if change == "a newest post":
        write_posts(posts, {"2025-02-01-new.md": "---\ntitle: 新しい\ndate: 2025-02-01\n---\nx\n"})
    elif change == "an edit of a shown post":
        shown = posts / "2025-01-12-post-11.md"
        shown.write_text(shown.read_text(encoding="utf-8").replace("本文", "改訂"), "utf-8")
    elif change == "a new tag on an old post":
        old = posts / "2025-01-01-post-0.md"
        old.write_text(old.read_text(encoding="utf-8").replace('"旅行"', '"初出"'), "utf-8")
    else:
        (site.output / "feed.json").write_text("{}")
    result = build(site)
    assert result.report.written
    assert snapshot(site.output) == _fresh_build(site, tmp_path)


def test_a_build_whose_changes_show_nowhere_loads_no_renderer(make_site: SiteFactory) -> None:
    site = make_site(_many_posts(12), CONFIG_WITH_TAGS)
    build(site)
    write_posts(site.root / "_posts", OLD_POST)
    script = (
        "import sys; from datetime import datetime, UTC; from pathlib import Path\n"
        "from feedwright.commands.build import build_site, BuildOptions\n"
        "from feedwright.site.config import load_site\n"
        f"site = load_site(Path({str(site.root)!r}))\n"
        "result = build_site(site, BuildOptions(now=datetime(2026, 1, 1, tzinfo=UTC)))\n"
        "assert result.report.unchanged and not result.report.written, result.report\n"
        "print(sorted(name for name in ('feedgen', 'lxml', 'premailer', 'jinja2', 'markdown_it')"
        " if name in sys.modules))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "[]"


def test_a_templates_folder_that_cannot_be_listed_is_no_traceback(
    make_site: SiteFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site(SIMPLE_POSTS, DEFAULT_CONFIG + '[digest]\ntemplates = "email"\n')
    (site.root / "email").mkdir()
    list_folder = Path.iterdir

    def unreadable(folder: Path) -> Iterator[Path]:
        if folder.name == "email":
            raise PermissionError(13, "Permission denied", str(folder))
        return list_folder(folder)

    monkeypatch.setattr(Path, "iterdir", unreadable)
    assert len(list_site(site, now=NOW).posts) == 2  # list, digest and send scan it too
    build(site)
    assert not build(site).up_to_date, "a folder that cannot be read is never up to date"
