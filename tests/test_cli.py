"""The command line, through typer's runner and as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import Result

from conftest import DEFAULT_CONFIG, SIMPLE_POSTS, parse_feed, runner, write_posts
from feedwright import __version__
from feedwright.cli import app
from feedwright.site import templates


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "_posts").mkdir(parents=True)
    (root / "feedwright.toml").write_text(textwrap.dedent(DEFAULT_CONFIG))
    write_posts(root / "_posts", SIMPLE_POSTS)
    return root


def test_version_and_help() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"feedwright {__version__}"
    for command in ([], ["build"], ["check"], ["list"], ["digest"], ["send"]):
        result = runner.invoke(app, [*command, "--help"])
        assert result.exit_code == 0, command
        assert "Usage" in result.stdout


def test_build_writes_and_reports(site_dir: Path) -> None:
    result = runner.invoke(app, ["build", str(site_dir)])
    assert result.exit_code == 0, result.output
    assert f"wrote {site_dir / 'out' / 'feed.atom'}" in result.stdout
    assert "2 posts" in result.stdout
    assert [e.title for e in parse_feed(site_dir / "out" / "feed.atom").entries] == [
        "Second post",
        "First post",
    ]
    # 3 feeds, the XSL, 3 digest files: nothing to do, nothing even read.
    again = runner.invoke(app, ["build", str(site_dir)])
    assert again.stdout == "nothing changed since the last build: 7 files up to date\n"
    # A post saved again without a change: read again, and no file rewritten.
    next(iter((site_dir / "_posts").iterdir())).touch()
    touched = runner.invoke(app, ["build", str(site_dir)])
    assert "0 files written, 7 unchanged" in touched.stdout
    quiet = runner.invoke(app, ["--quiet", "build", str(site_dir)])
    assert quiet.exit_code == 0 and quiet.stdout == ""


def test_output_and_by_flags_override_the_config(site_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["build", str(site_dir), "-o", str(tmp_path / "o"), "--by", "tag"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "o" / "tag" / "python.atom").is_file()
    assert not (site_dir / "out").exists()


def test_invalid_post_exit_1_lists_all_writes_nothing(site_dir: Path) -> None:
    write_posts(site_dir / "_posts", {"bad.md": "---\ntitle: [\n---\n", "worse.md": b"\xff\xfe"})
    result = runner.invoke(app, ["build", str(site_dir)])
    assert result.exit_code == 1
    assert "bad.md:2: invalid YAML front matter" in result.stderr
    assert "worse.md:1: not valid UTF-8" in result.stderr
    assert "2 posts are invalid; nothing was written" in result.stderr
    assert "Traceback" not in result.output
    assert not (site_dir / "out").exists()
    skipped = runner.invoke(app, ["build", str(site_dir), "--skip-invalid"])
    assert skipped.exit_code == 0
    assert "bad.md:2" in skipped.stderr and (site_dir / "out" / "feed.atom").is_file()


def test_a_broken_install_is_an_error_not_a_traceback(
    site_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As if feedwright's own templates folder had gone missing from where it is installed.
    monkeypatch.setattr(templates, "PACKAGE_FOLDER", tmp_path / "lib" / "python" / "feedwright")
    result = runner.invoke(app, ["build", str(site_dir)])
    assert result.exit_code == 1
    assert "feedwright's templates folder is missing" in result.stderr
    assert "reinstall feedwright" in result.stderr
    assert not isinstance(result.exception, FileNotFoundError)
    assert not (site_dir / "out").exists()


def test_check_and_list(site_dir: Path) -> None:
    result = runner.invoke(app, ["check", str(site_dir)])
    assert result.exit_code == 0 and "2 valid, 0 invalid" in result.stdout
    assert not (site_dir / "out").exists()
    listing = runner.invoke(app, ["list", str(site_dir)])
    lines = listing.stdout.splitlines()
    assert lines[0].split("\t") == [
        "2025-11-29T04:40:08+00:00", "Second post",
        "https://blog.example.org/news/2025/11/29/second.html", "python, feeds",
    ]  # fmt: skip
    # (A post with no title is built now, titled from its file name as Jekyll does.)
    write_posts(site_dir / "_posts", {"bad.md": "---\ntitle: Undated\n---\n"})
    failing = runner.invoke(app, ["check", str(site_dir)])
    assert failing.exit_code == 1 and "bad.md:1: the post has no date" in failing.stderr


# Posts that once ended a command with a traceback: dates that leave the range of a
# datetime when moved to UTC, and a file name that is not UTF-8.
UNREADABLE_POSTS: dict[str, str | bytes] = {
    "2025-01-01-east.md": "---\ntitle: East\ndate: 0001-01-01 00:00:00 +1400\n---\nx\n",
    "2025-01-02-west.md": "---\ntitle: West\ndate: 9999-12-31 23:59:59 -1200\n---\nx\n",
    os.fsdecode(b"2025-01-03-\xff.md"): "---\ntitle: Bad name\n---\nx\n",
}


def reported(result: Result) -> bool:
    """Whether a command ended by reporting (an exit code), not by an exception."""
    return result.exception is None or isinstance(result.exception, SystemExit)


def test_dates_out_of_range_and_names_not_utf8_are_reported(site_dir: Path) -> None:
    write_posts(site_dir / "_posts", UNREADABLE_POSTS)
    posts = site_dir / "_posts"
    expected = [
        f"error: {posts / '2025-01-01-east.md'}:3: `date` is not a valid date: ",
        f"error: {posts / '2025-01-02-west.md'}:3: `date` is not a valid date: ",
        f"error: {posts}/2025-01-03-\\xff.md: the file name is not valid UTF-8 (byte 0xff) — ",
    ]
    for command in ("build", "check", "list"):
        result = runner.invoke(app, [command, str(site_dir)])
        assert reported(result), (command, result.exception)
        assert result.exit_code == 1, command
        assert all(line in result.stderr for line in expected), (command, result.stderr)
    assert not (site_dir / "out").exists()
    skipped = runner.invoke(app, ["build", str(site_dir), "--skip-invalid"])
    assert reported(skipped) and skipped.exit_code == 0, skipped.exception
    assert all(line in skipped.stderr for line in expected)
    feed = parse_feed(site_dir / "out" / "feed.atom")
    assert [entry.title for entry in feed.entries] == ["Second post", "First post"]


def test_usage_errors_exit_2(site_dir: Path) -> None:
    assert runner.invoke(app, ["build", "--no-such-flag"]).exit_code == 2
    assert runner.invoke(app, ["build", str(site_dir), "--by", "author"]).exit_code == 1
    missing = runner.invoke(app, ["build", str(site_dir / "nope")])
    assert missing.exit_code == 1 and "does not exist" in missing.stderr


def test_as_a_subprocess(site_dir: Path) -> None:
    command = [sys.executable, "-m", "feedwright", "build", str(site_dir)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "feed.atom" in done.stdout and done.stderr == ""
    write_posts(site_dir / "_posts", {"bad.md": "---\ntitle: x\ndate: never\n---\n"})
    failed = subprocess.run(command, capture_output=True, text=True, check=False)
    assert failed.returncode == 1
    assert "bad.md:3: `date` is not a valid date" in failed.stderr
    assert "Traceback" not in failed.stderr
    unknown = subprocess.run([*command, "--no-such-flag"], capture_output=True, text=True)
    assert unknown.returncode == 2 and "No such option" in unknown.stderr
    version = subprocess.run(
        [sys.executable, "-m", "feedwright", "--version"], capture_output=True, text=True
    )
    assert version.returncode == 0 and version.stdout == f"feedwright {__version__}\n"


def test_feeds_by_tag_from_the_command_line_check_their_file_names(site_dir: Path) -> None:
    config = DEFAULT_CONFIG + '[feeds]\natom = "atom.xml"\nrss = "rss.xml"\n'
    (site_dir / "feedwright.toml").write_text(textwrap.dedent(config))
    result = runner.invoke(app, ["build", str(site_dir), "--by", "tag"])
    assert result.exit_code == 1, result.output
    assert "`atom` and `rss` in [feeds] both end in .xml" in result.stderr
    assert not (site_dir / "out").exists()


def test_a_sends_progress_says_what_is_left_the_rate_and_the_time_to_go() -> None:
    from feedwright.cli.app import rate_status

    assert rate_status(2000, 10000, 2.0) == "2,000 sent, 8,000 left, 1,000/s, 8 s to go"
    assert rate_status(0, 10, 0.0) == "0 sent, 10 left, 0/s, …"
