"""Builds are deterministic, do not rewrite unchanged files, and write atomically."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import SIMPLE_POSTS, SiteFactory, build, snapshot
from feedwright.errors import OutputError
from feedwright.site.model import Site
from feedwright.writer import OutputFile, write_atomic, write_files


def snapshot_with_times(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``folder`` by relative path, with its modification time."""
    return {
        name: (content, (folder / name).stat().st_mtime_ns)
        for name, content in snapshot(folder).items()
    }


def test_two_builds_give_identical_bytes_and_leave_files_alone(make_site: SiteFactory) -> None:
    config = '[site]\ntitle = "T"\nurl = "https://b.example.org"\n[feeds]\nby = ["tag"]\n'
    site = make_site(SIMPLE_POSTS, config)
    first = build(site)
    assert first.report.unchanged == []
    # mtime granularity can be coarse; make sure a rewrite would show up.
    for path in site.output.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    before = snapshot_with_times(site.output)
    second = build(site)
    assert second.report.written == []
    assert snapshot_with_times(site.output) == before


def test_a_fresh_output_folder_gets_the_same_bytes(simple_site: Site, tmp_path: Path) -> None:
    other = replace(simple_site, output=tmp_path / "elsewhere")
    build(other)
    assert snapshot(simple_site.output) == snapshot(other.output)


def test_a_changed_post_rewrites_only_what_changed(make_site: SiteFactory) -> None:
    config = '[site]\ntitle = "T"\nurl = "https://b.example.org"\n[feeds]\nby = ["tag"]\n'
    site = make_site(SIMPLE_POSTS, config)
    build(site)
    (site.root / "_posts" / "2025-10-01-first.md").write_text(
        "---\ntitle: First, edited\n---\nNew.\n"
    )
    result = build(site)
    written = sorted(str(path.relative_to(site.output)) for path in result.report.written)
    # The tag feeds do not hold that post; the digest preview of the newest posts does.
    assert written == [
        "digest.eml", "digest.html", "digest.txt", "feed.atom", "feed.json", "feed.rss",
    ]  # fmt: skip


def test_write_atomic_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "feed.atom"
    assert write_atomic(target, b"one")
    assert not write_atomic(target, b"one")
    assert write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["feed.atom"]


def test_unwritable_output_is_a_clear_error(make_site: SiteFactory, tmp_path: Path) -> None:
    # A file where the output folder should be: no user, not even root, can write there.
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    site = replace(make_site(SIMPLE_POSTS), output=blocker / "out")
    with pytest.raises(OutputError, match="cannot write"):
        build(site)
    assert blocker.read_text() == "not a folder"


@pytest.mark.parametrize(
    ("failure", "raised"),
    [
        (OSError(28, "No space left on device"), OutputError),
        (KeyboardInterrupt(), KeyboardInterrupt),
    ],
)
def test_a_failed_write_keeps_the_old_file(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    failure: BaseException,
    raised: type[BaseException],
) -> None:
    target = tmp_path / "feed.atom"
    target.write_bytes(b"old")

    def fails(*args: object) -> None:
        raise failure  # a full disk, or Ctrl-C

    monkeypatch.setattr(os, "replace", fails)
    with pytest.raises(raised):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["feed.atom"]  # no temporary file left


def test_two_outputs_with_one_name_are_an_error_and_change_nothing(tmp_path: Path) -> None:
    (tmp_path / "feed.xml").write_bytes(b"old")
    files = [OutputFile("feed.xml", b"atom"), OutputFile("feed.xml", b"rss")]
    with pytest.raises(OutputError, match=r"feed\.xml: two outputs have this name"):
        write_files(tmp_path, files)
    assert snapshot(tmp_path) == {"feed.xml": b"old"}  # no temporary file either
