"""A big site's build renders in a second process that imported the renderers ahead: the
same bytes, warnings and errors as a build that renders in its own process."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import DEFAULT_CONFIG, SiteFactory, build, read_to_end, snapshot, write_posts
from feedwright.commands import outputs
from feedwright.commands.build import BuildResult
from feedwright.commands.outputs import OutputPlan, Rendered
from feedwright.errors import InvalidPostsError
from feedwright.posts.files import HEAD_BYTES
from feedwright.site.config import load_site
from feedwright.site.model import Site
from feedwright.speed import Speed
from feedwright.speed.header_cache import load_cache
from feedwright.writer import OutputFile

CONFIG = DEFAULT_CONFIG + "[feeds]\nlimit = 3\nby = ['tag']\n[digest]\nmax_posts = 4\n"


def _posts(count: int) -> dict[str, str | bytes]:
    """Posts with tags, and in some a stray marker line (a warning only their body gives)."""
    posts: dict[str, str | bytes] = {}
    for number in range(count):
        paragraph = f"本文の段落です、これは記事 {number} のためのものです。"
        marker = "\n\n---END---" if number % 4 == 3 else ""
        posts[f"2025-03-{1 + number:02d}-post-{number}.md"] = (
            f'---\ntitle: "記事 {number}"\ndate: 2025-03-{1 + number:02d} 09:00:00 +0900\n'
            f'tags: ["tag-{number % 3}", "共通"]\n---\n{paragraph}{marker}\n'
        )
    return posts


def _built_here(site: Site, tmp_path: Path, skip_invalid: bool = False) -> tuple[Site, BuildResult]:
    """A copy of ``site`` built as a small site is: rendered in the build's own process."""
    copy = tmp_path / "here"
    shutil.copytree(site.root, copy, ignore=shutil.ignore_patterns(".feedwright", "out"))
    here = load_site(copy)
    return here, build(here, speed=Speed(render_ahead_from=None), skip_invalid=skip_invalid)


def _warnings(result: BuildResult) -> list[tuple[str, int | None, str]]:
    return [(w.path.name, w.line, w.message) for w in result.collection.warnings]


# A render process from the first post on.
AHEAD = Speed(render_ahead_from=1)


def test_rendering_ahead_gives_the_same_outputs_and_warnings(
    make_site: SiteFactory, tmp_path: Path
) -> None:
    site = make_site(_posts(12), CONFIG)
    here, in_process = _built_here(site, tmp_path)
    ahead = build(site, speed=AHEAD)
    assert ahead.render_ahead == "rendered"
    assert snapshot(site.output) == snapshot(here.output)
    assert _warnings(ahead) == _warnings(in_process)
    assert any("---END---" in message for _, _, message in _warnings(ahead))
    assert [post.has_body for post in ahead.collection.posts] == [
        post.has_body for post in in_process.collection.posts
    ]
    assert len(load_cache(site).entries) == 12  # saved while the render process rendered
    assert multiprocessing.active_children() == []


def test_a_body_the_render_process_cannot_read_is_reported_as_without_it(
    make_site: SiteFactory, tmp_path: Path
) -> None:
    site = make_site(_posts(12), CONFIG)
    newest = site.root / "_posts" / "2025-03-12-post-11.md"
    # Past the front matter and the first HEAD_BYTES: found only when the body is read.
    filler = "長い本文です。\n\n".encode() * HEAD_BYTES
    newest.write_bytes(newest.read_bytes() + filler + b"\xff\n")
    here, in_process = _built_here(site, tmp_path, skip_invalid=True)
    skipped = build(site, skip_invalid=True, speed=AHEAD)
    assert skipped.render_ahead == "failed", "the build rendered in its own process"
    assert [problem.path.name for problem in skipped.collection.problems] == [newest.name]
    assert snapshot(site.output) == snapshot(here.output)
    assert _warnings(skipped) == _warnings(in_process)
    with pytest.raises(InvalidPostsError) as raised:
        build(site, speed=AHEAD)
    assert [problem.path for problem in raised.value.problems] == [newest]


def test_a_render_process_that_dies_changes_nothing(
    make_site: SiteFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site(_posts(12), CONFIG)
    here, _ = _built_here(site, tmp_path)
    build_pid, render_plan = os.getpid(), outputs.render_plan

    def dies_in_the_render_process(site: Site, plan: OutputPlan) -> Rendered:
        if os.getpid() != build_pid:
            os._exit(3)
        return render_plan(site, plan)

    monkeypatch.setattr(outputs, "render_plan", dies_in_the_render_process)
    assert build(site, speed=AHEAD).render_ahead == "failed"
    assert snapshot(site.output) == snapshot(here.output)
    assert multiprocessing.active_children() == []


def test_a_render_process_not_needed_is_stopped(make_site: SiteFactory) -> None:
    site = make_site(_posts(12), CONFIG)
    assert build(site, speed=AHEAD).render_ahead == "rendered"
    old = "---\ntitle: 古い\ndate: 2020-01-01\n---\n昔。\n"
    write_posts(site.root / "_posts", {"2020-01-01-old.md": old})
    result = build(site, speed=AHEAD)
    assert result.report.unchanged and not result.report.written
    assert result.render_ahead == "unused"
    assert multiprocessing.active_children() == []


def test_without_a_render_process_to_be_had_the_build_renders_itself(
    make_site: SiteFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site(_posts(12), CONFIG)
    here, _ = _built_here(site, tmp_path)

    def no_process() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")  # fork's EAGAIN

    monkeypatch.setattr(os, "fork", no_process)
    assert build(site, speed=AHEAD).render_ahead == "none"
    assert snapshot(site.output) == snapshot(here.output)


# A build that makes a render process, says so, and waits to be killed; with "worker", it
# first forks a process as the collector forks its parse workers: one that outlives the
# build and holds a copy of its end of the render process's pipe (but not its stdout).
_KILLED_BUILD = """
import multiprocessing, os, sys, time
from feedwright.speed.render_ahead import RenderProcess

def worker():
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    time.sleep(30)

ahead = RenderProcess(lambda: None, lambda *job: None)
if sys.argv[1] == "worker":
    multiprocessing.get_context("fork").Process(target=worker).start()
print("ready", flush=True)
time.sleep(60)
"""


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGKILL])
@pytest.mark.parametrize("others", ["alone", "worker"])
def test_a_render_process_ends_when_its_build_is_killed(signal_number: int, others: str) -> None:
    # The render process shares the build's stdout: until it exits, a reader of that
    # stdout (`feedwright build | tee log`) never reaches its end.
    build_process = subprocess.Popen(
        [sys.executable, "-c", _KILLED_BUILD, others], stdout=subprocess.PIPE
    )
    assert build_process.stdout is not None
    try:
        assert build_process.stdout.readline() == b"ready\n"
        build_process.send_signal(signal_number)
        build_process.wait(timeout=10)
        rest = read_to_end(build_process.stdout, 10)
        assert rest == b"", "the render process still holds the killed build's stdout"
    finally:
        build_process.kill()
        build_process.stdout.close()


# A build in a fresh process (where requests was never imported, unlike in this one),
# rendering ahead from the first post: whether the render process answered.
_FRESH_BUILD = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from feedwright.commands.build import BuildOptions, build_site
from feedwright.site.config import load_site
from feedwright.speed import Speed

site = load_site(Path(sys.argv[1]))
now = datetime(2026, 1, 1, tzinfo=UTC)
print(build_site(site, BuildOptions(now=now, speed=Speed(render_ahead_from=1))).render_ahead)
"""


def test_the_render_process_renders_with_a_stand_in_for_requests(
    make_site: SiteFactory,
) -> None:
    # premailer imports requests but never fetches: the render process gives it an empty
    # stand-in, with which it must still render (an answer of None would mean it failed).
    site = make_site(_posts(12), CONFIG)
    fresh = subprocess.run(
        [sys.executable, "-c", _FRESH_BUILD, str(site.root)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert fresh.stdout == "rendered\n", fresh.stderr
    assert (site.output / "digest.html").is_file()


def test_a_render_process_that_dies_after_handing_over_some_files_changes_nothing(
    make_site: SiteFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outputs, "BATCH_BYTES", 1)  # each file a batch of its own
    render_in_batches = outputs.render_in_batches

    def dies_after_two_batches(
        site: Site, plan: OutputPlan, hand_over: Callable[[list[OutputFile]], None]
    ) -> Rendered:
        handed: list[list[OutputFile]] = []

        def hand_over_two(batch: list[OutputFile]) -> None:
            if len(handed) == 2:
                os._exit(3)  # the build has two of the files, and renders them all again
            handed.append(batch)
            hand_over(batch)

        return render_in_batches(site, plan, hand_over_two)

    monkeypatch.setattr(outputs, "render_in_batches", dies_after_two_batches)
    site = make_site(_posts(12), CONFIG)
    result = build(site, speed=AHEAD)
    assert result.render_ahead == "failed"
    here, _ = _built_here(site, tmp_path)
    assert snapshot(site.output) == snapshot(here.output)  # no temporary file either
    assert sorted(result.files) == sorted(snapshot(site.output))
