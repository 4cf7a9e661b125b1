"""The speed shortcuts change no byte, can all be switched off, and cost nothing when a
build finds nothing to do; the library's build is as quick as the command line's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import feedwright
from conftest import NOW, SIMPLE_POSTS, SiteFactory, build, snapshot, write_posts
from feedwright.commands.build import BuildOptions, build_site
from feedwright.speed import Speed

# Everything that reads, renders or forks: a build that finds nothing changed needs none.
HEAVY = ("yaml", "frontmatter", "regex", "feedgen", "lxml", "premailer", "jinja2",
         "markdown_it", "multiprocessing", "concurrent.futures", "smtplib")  # fmt: skip


def test_without_shortcuts_a_build_writes_the_same_bytes(
    make_site: SiteFactory, tmp_path: Path
) -> None:
    site = make_site(SIMPLE_POSTS)
    build(site)
    fast = snapshot(site.output)
    plain_output = tmp_path / "plain"
    plain = build_site(
        feedwright.load_site(site.root, output=plain_output),
        BuildOptions(now=NOW, speed=Speed.off()),
    )
    assert plain.render_ahead == "none"
    assert snapshot(plain_output) == fast


def test_without_shortcuts_a_build_keeps_no_record_and_no_cache(make_site: SiteFactory) -> None:
    site = make_site(SIMPLE_POSTS)
    build(site, speed=Speed.off())
    again = build(site, speed=Speed.off())
    assert not again.up_to_date and again.collection.posts, "the posts were read again"
    assert not (site.data_folder / "posts-cache.jsonl").exists()
    assert not (site.data_folder / "build-record.json").exists()


def test_the_library_build_skips_a_site_that_did_not_change(make_site: SiteFactory) -> None:
    site = make_site(SIMPLE_POSTS)
    first = build(site)
    again = build(site)
    assert again.up_to_date and again.collection.posts == [] and again.files == []
    assert sorted(again.report.unchanged) == sorted(first.report.written)
    write_posts(site.root / "_posts", {"2025-12-01-new.md": "---\ntitle: New\n---\nNew.\n"})
    assert not build(site).up_to_date


def test_the_public_names_are_there() -> None:
    for name in feedwright.__all__:
        assert getattr(feedwright, name) is not None, name


def test_a_build_that_finds_nothing_changed_imports_nothing_heavy(
    make_site: SiteFactory,
) -> None:
    site = make_site(SIMPLE_POSTS)
    build(site)
    script = (
        "import sys\n"
        "from feedwright.cli import app\n"
        "app(['build', sys.argv[1]], standalone_mode=False)\n"
        f"print([name for name in {HEAVY!r} if name in sys.modules])\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", script, str(site.root)], capture_output=True, text=True, check=True
    )
    assert ran.stdout.splitlines() == [
        "nothing changed since the last build: 7 files up to date",
        "[]",
    ]
