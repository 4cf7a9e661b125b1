"""A build stopped midway, by Ctrl-C or killed, stops its parse workers too: no traceback
from each, no waiting for them to parse every post, and none left running (they would hold
the build's stdout, so cron or a `| tee` would wait for ever)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from conftest import DEFAULT_CONFIG, NOW, SiteFactory, read_to_end, write_posts
from feedwright.posts import collect as collect_module
from feedwright.posts import files
from feedwright.site.config import load_site
from feedwright.speed import Speed
from feedwright.speed.parse_workers import cached_reader

pytestmark = pytest.mark.skipif(
    (os.cpu_count() or 1) < 2, reason="posts are parsed in worker processes only with 2 cores"
)

# Collects a site's posts slowly, so that stopping it finds the workers at work; each worker
# says when it starts parsing. Ctrl-C is reported on stdout, as the CLI does with an exit code.
_SLOW_COLLECT = """
import os, signal, sys, time
# Ctrl-C interrupts, as in a terminal: a test run started in the background by a shell
# without job control (a CI script, `make test &`) hands its processes Ctrl-C ignored.
signal.signal(signal.SIGINT, signal.default_int_handler)
from datetime import UTC, datetime
from pathlib import Path
from feedwright.posts import collect, files
from feedwright.site.config import load_site
from feedwright.speed import Speed
from feedwright.speed.parse_workers import cached_reader

read_head, started = files.read_head, []

def slow_head_bytes(path):
    if not started:
        started.append(True)
        os.write(1, b"parsing\\n")  # in one write: the workers print at once
    time.sleep(0.02)
    return read_head(path)

collect.read_head = slow_head_bytes
site = load_site(Path(sys.argv[1]))
workers = cached_reader(site, Speed(workers=2), None)
try:
    collect.collect(site, now=datetime(2030, 1, 1, tzinfo=UTC), bodies=False, read=workers)
except KeyboardInterrupt:
    print("interrupted", flush=True)
    sys.exit(130)
print("finished", flush=True)
"""

# Enough posts for about 20 s of parsing on 2 workers, a batch of 64 taking 1.3 s.
POSTS = max(Speed().parallel_from, 2_000)


def _start(make_site: SiteFactory) -> subprocess.Popen[bytes]:
    post = "---\ntitle: 記事 {0}\ndate: 2025-01-01 09:00:00 +0900\n---\n本文 {0}\n"
    site = make_site({f"post-{number}.md": post.format(number) for number in range(POSTS)})
    collecting = subprocess.Popen(
        [sys.executable, "-c", _SLOW_COLLECT, str(site.root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # a process group of its own, as a terminal's Ctrl-C has
    )
    assert collecting.stdout is not None
    assert collecting.stdout.readline() == b"parsing\n"
    return collecting


def test_ctrl_c_stops_the_workers_at_once_and_quietly(make_site: SiteFactory) -> None:
    collecting = _start(make_site)
    os.killpg(collecting.pid, signal.SIGINT)  # what Ctrl-C does: the whole group
    started = time.monotonic()
    stdout, stderr = collecting.communicate(timeout=30)
    assert stdout.split()[-1:] == [b"interrupted"]  # after the other worker's "parsing"
    assert time.monotonic() - started < 1, "the workers parsed on after Ctrl-C"
    assert stderr == b"", "a worker printed a traceback"


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGKILL])
def test_the_workers_of_a_killed_build_end_with_it(
    make_site: SiteFactory, signal_number: int
) -> None:
    collecting = _start(make_site)
    assert collecting.stdout is not None
    try:
        collecting.send_signal(signal_number)
        collecting.wait(timeout=10)
        rest = read_to_end(collecting.stdout, 10)
        assert rest is not None, "the workers of the killed build still hold its stdout"
        assert b"finished" not in rest
    finally:
        os.killpg(collecting.pid, signal.SIGKILL)
        collecting.communicate()


def test_stopped_between_two_posts_the_workers_stop_at_once(
    make_site: SiteFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ctrl-C that lands while this process handles a parsed post, not while it waits for one.
    post = "---\ntitle: 記事 {0}\ndate: 2025-01-01 09:00:00 +0900\n---\n本文 {0}\n"
    site = make_site({f"post-{number}.md": post.format(number) for number in range(POSTS)})

    stopped: list[float] = []

    def interrupted(done: int, total: int) -> None:
        stopped.append(time.monotonic())
        raise KeyboardInterrupt

    monkeypatch.setattr(collect_module, "read_head", _slow_head_bytes)  # before the workers fork
    workers = cached_reader(site, Speed(workers=2), None)
    with pytest.raises(KeyboardInterrupt):
        collect_module.collect(site, now=NOW, progress=interrupted, bodies=False, read=workers)
    assert time.monotonic() - stopped[0] < 1, "the workers parsed on"


def _slow_head_bytes(path: Path) -> bytes:
    # Here, not in the test: the workers are sent the function by its name.
    time.sleep(0.02)
    return files.read_head(path)


def test_stopped_while_the_batches_are_handed_out_the_workers_stop_at_once(
    make_site: SiteFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    post = "---\ntitle: 記事 {0}\ndate: 2025-01-01 09:00:00 +0900\n---\n本文 {0}\n"
    site = make_site({f"post-{number}.md": post.format(number) for number in range(400)})
    monkeypatch.setattr(collect_module, "read_head", _slow_head_bytes)  # before the workers fork
    submit = ProcessPoolExecutor.submit
    submitted: list[float] = []

    def interrupted_submit(pool: ProcessPoolExecutor, *args: Any) -> Future[Any]:
        submitted.append(time.monotonic())
        if len(submitted) == 3:
            raise KeyboardInterrupt  # Ctrl-C, with two batches (1.3 s each) given out
        return submit(pool, *args)

    monkeypatch.setattr(ProcessPoolExecutor, "submit", interrupted_submit)
    workers = cached_reader(site, Speed(workers=2, parallel_from=2), None)
    with pytest.raises(KeyboardInterrupt):
        collect_module.collect(site, now=NOW, bodies=False, read=workers)
    assert time.monotonic() - submitted[-1] < 1, "the workers parsed the batches given out"
    assert multiprocessing.active_children() == []


def test_a_collection_that_stops_leaves_the_workers_of_another_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two sites read at once in two threads of one process (a library caller); the first
    # stops on an error after the second's workers started: they go on.
    post = "---\ntitle: 記事 {0}\ndate: 2025-01-01 09:00:00 +0900\n---\n本文 {0}\n"
    sites = []
    for name in ("a", "b"):
        write_posts(tmp_path / name / "_posts", {f"p-{n}.md": post.format(n) for n in range(300)})
        (tmp_path / name / "feedwright.toml").write_text(DEFAULT_CONFIG, encoding="utf-8")
        sites.append(load_site(tmp_path / name))
    monkeypatch.setattr(collect_module, "read_head", _slow_head_bytes)  # before the workers fork
    first_running, second_running = threading.Event(), threading.Event()

    def first_stops(done: int, total: int) -> None:
        first_running.set()
        second_running.wait(30)
        raise RuntimeError("the first collection stops")

    def second_runs(done: int, total: int) -> None:
        second_running.set()

    read = [cached_reader(site, Speed(workers=2, parallel_from=2), None) for site in sites]
    second: list[int] = []

    def collect_second() -> None:
        first_running.wait(30)  # the first one's workers are at work
        collected = collect_module.collect(
            sites[1], now=NOW, bodies=False, progress=second_runs, read=read[1]
        )
        second.append(len(collected.posts))

    thread = threading.Thread(target=collect_second)
    thread.start()
    with pytest.raises(RuntimeError, match="first collection stops"):
        collect_module.collect(sites[0], now=NOW, bodies=False, progress=first_stops, read=read[0])
    thread.join(60)
    assert second == [300], "the second collection lost its workers"
