"""A build stopped by Ctrl-C or SIGTERM while it renames its outputs into place still
leaves them all old or all new, never a mix; the web archive's pages (written by `build`,
never by `send`) with them. The command line runs in a child process, as cron runs it."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from conftest import (
    DEFAULT_CONFIG,
    MailServer,
    SiteFactory,
    mail_config,
    send,
    snapshot,
    write_posts,
)
from feedwright import writer
from feedwright.cli.app import INTERRUPTED
from feedwright.site.model import Site

# Runs `feedwright build SITE` with a patch that has the process signal itself (argv[2]:
# "SIGINT" or "SIGTERM") at one moment (argv[3]): "renaming", right after the first output
# is renamed into place (os.replace); "staging", right after the third temporary file is
# made (tempfile.mkstemp), before any rename. The signal lands there on every run. Another
# thread runs meanwhile (a library caller's, a process pool's): the kernel may hand it a
# signal the main thread blocks, so blocking it in the main thread alone would not do.
_SIGNALLED_BUILD = """
import os, signal, sys, tempfile, threading
from pathlib import Path
# Ctrl-C interrupts, as in a terminal: a test run started in the background by a shell
# without job control hands its processes Ctrl-C ignored.
signal.signal(signal.SIGINT, signal.default_int_handler)
site, number, moment = Path(sys.argv[1]), getattr(signal, sys.argv[2]), sys.argv[3]
output = (site / "out").resolve()
done = []

def signal_once(path):
    if Path(path).resolve().is_relative_to(output):
        done.append(path)
        if len(done) == (1 if moment == "renaming" else 3):
            os.kill(os.getpid(), number)

real_replace, real_mkstemp = os.replace, tempfile.mkstemp

def replace_then_signal(source, target):
    real_replace(source, target)
    if moment == "renaming":
        signal_once(target)

def mkstemp_then_signal(*args, **kwargs):
    made = real_mkstemp(*args, **kwargs)
    if moment == "staging":
        signal_once(made[1])
    return made

os.replace, tempfile.mkstemp = replace_then_signal, mkstemp_then_signal
threading.Thread(target=threading.Event().wait, daemon=True).start()
from feedwright.cli import main
sys.argv = ["feedwright", "-q", "build", str(site)]
main()
"""

POSTS: dict[str, str | bytes] = {
    "2025-11-29-kyoto.md": """
        ---
        title: Autumn in Kyoto
        date: 2025-11-29 04:40:08 +0000
        tags: [travel, autumn]
        ---
        A quiet morning walk.
        """,
    "2025-10-01-feeds.md": """
        ---
        title: Feeds
        date: 2025-10-01
        tags: [web]
        ---
        Why feeds still matter.
        """,
}
NEW_POST = """---
title: Winter in Sapporo
date: 2025-12-20 09:00:00 +0000
tags: [travel, winter]
---
Snow everywhere.
"""
BY_TAG = '\n[feeds]\nby = ["tag"]\n'
# Some of the outputs the build after NEW_POST changes: a feed, a tag's, the archive's.
ARCHIVE_CHANGES = {"feed.atom", "tag/winter.atom", "newsletter/index.html"}


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The command line in a new process, as cron runs it."""
    return subprocess.run(
        [sys.executable, "-m", "feedwright", *args], capture_output=True, text=True, check=False
    )


def signalled_build(
    site: Site, signal_name: str, moment: str = "renaming"
) -> subprocess.CompletedProcess[str]:
    """``build`` in a child process that gets ``signal_name`` at ``moment`` (see
    _SIGNALLED_BUILD)."""
    return subprocess.run(
        [sys.executable, "-c", _SIGNALLED_BUILD, str(site.root), signal_name, moment],
        capture_output=True,
        text=True,
        check=False,
    )


def archive_site_with_new_outputs(
    make_site: SiteFactory, server: MailServer
) -> tuple[Site, dict[str, bytes]]:
    """A site with a web archive, built after one send; then a new post, sent too, so the
    next build changes the feeds and adds a page to the archive. The site, and its outputs
    before that build."""
    config = mail_config(server.port, ["a@example.org"], "archive = true") + BY_TAG
    site = make_site(POSTS, config)
    send(site)
    # `send` writes no page (nor any output): `build` does, as all or none.
    assert not site.output.exists()
    assert cli("-q", "build", str(site.root)).returncode == 0
    old = snapshot(site.output)
    assert "newsletter/index.html" in old
    write_posts(site.root / "_posts", {"2025-12-20-sapporo.md": NEW_POST})
    send(site)
    assert snapshot(site.output) == old
    return site, old


def check_all_new(site: Site, old: dict[str, bytes], changing: set[str]) -> None:
    """The interrupted build left every output new (as a build that runs to its end
    writes them), no temporary file and no empty folder; ``changing`` are some of the
    outputs that build changes (with others: a mix would show)."""
    after = snapshot(site.output)
    assert cli("-q", "build", str(site.root)).returncode == 0
    new = snapshot(site.output)
    changed = {name for name in new if new[name] != old.get(name)}
    assert changing <= changed
    mixed = sorted(name for name in after if after[name] != new.get(name))
    assert mixed == [] and set(after) == set(new), f"old outputs left: {mixed}"
    assert not [path for path in site.output.rglob("*.tmp")]
    assert not [
        path for path in site.output.rglob("*") if path.is_dir() and not any(path.iterdir())
    ]


def test_ctrl_c_during_the_renames_leaves_every_output_new(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    site, old = archive_site_with_new_outputs(make_site, smtp_server)
    stopped = signalled_build(site, "SIGINT")
    assert stopped.returncode == 130, stopped.stderr
    assert stopped.stderr.splitlines() == [INTERRUPTED]
    check_all_new(site, old, ARCHIVE_CHANGES)


def test_sigterm_during_the_renames_leaves_every_output_new(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    site, old = archive_site_with_new_outputs(make_site, smtp_server)
    stopped = signalled_build(site, "SIGTERM")
    # Killed by the signal, as it would have been: the shell reports 143.
    assert stopped.returncode == -signal.SIGTERM, stopped.stderr
    assert stopped.stderr == ""
    check_all_new(site, old, ARCHIVE_CHANGES)


def test_a_first_build_interrupted_in_its_renames_leaves_every_output(
    make_site: SiteFactory,
) -> None:
    # No output yet: the build makes the folders (tag/) as well as the files.
    site = make_site(POSTS, DEFAULT_CONFIG + BY_TAG)
    stopped = signalled_build(site, "SIGINT")
    assert stopped.returncode == 130, stopped.stderr
    check_all_new(site, {}, {"feed.atom", "tag/travel.atom", "digest.html"})


@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM", "SIGHUP"])
def test_a_build_stopped_before_its_renames_changes_nothing_and_leaves_no_litter(
    make_site: SiteFactory, signal_name: str
) -> None:
    site = make_site(POSTS, DEFAULT_CONFIG + BY_TAG)
    assert cli("-q", "build", str(site.root)).returncode == 0
    old = snapshot(site.output)
    write_posts(site.root / "_posts", {"2025-12-20-sapporo.md": NEW_POST})
    stopped = signalled_build(site, signal_name, "staging")
    number = getattr(signal, signal_name)
    # Ended as the signal ends a run: Ctrl-C's exit code, or killed by the signal.
    assert stopped.returncode == (130 if number == signal.SIGINT else -number), stopped.stderr
    assert stopped.stderr.splitlines() == ([INTERRUPTED] if number == signal.SIGINT else [])
    # Every output as it was, no temporary file, and no folder made for a new tag.
    assert snapshot(site.output) == old
    assert not (site.output / "tag" / "winter.atom").exists()
    assert sorted(path.name for path in site.output.rglob("*") if path.is_dir()) == ["tag"]


def test_signals_held_are_delivered_when_the_block_ends() -> None:
    # Ctrl-C as in a terminal (a test run in the background may have it ignored).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    done = []
    try:
        with writer.signals_held():
            signal.raise_signal(signal.SIGINT)
            done.append("renamed")  # not interrupted
    except KeyboardInterrupt:
        done.append("interrupted")
    finally:
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        signal.signal(signal.SIGINT, previous)
    assert done == ["renamed", "interrupted"]


def test_an_ignored_signal_stays_ignored() -> None:
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with writer.signals_held():
            signal.raise_signal(signal.SIGINT)
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)
