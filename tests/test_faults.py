"""Faults a cron job meets: killed mid-run, a disk that refuses writes, two runs at once.

Each test runs the real command line in a child process, the way cron does.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import random
import re
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import jinja2
import jinja2.bccache
import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from conftest import (
    DEFAULT_CONFIG,
    MailServer,
    RecordingHandler,
    SiteFactory,
    build,
    mail_config,
    newsletter,
    serving,
    snapshot,
)
from feedwright import writer
from feedwright.errors import OutputError
from feedwright.mail.digest import COMPILING_NAME
from feedwright.mail.store import store_path
from feedwright.site.model import Site
from feedwright.speed import Speed
from feedwright.writer import folder_lock

TAG_POOL = [f"tag-{number}" for number in range(60)]


def many_posts(count: int, version: str) -> dict[str, str | bytes]:
    """Posts with many tags, so that a build writes about 180 files; ``version`` changes
    every title, so that every output file changes between two versions."""
    posts: dict[str, str | bytes] = {}
    for number in range(count):
        tags = ", ".join(f'"{TAG_POOL[(number * 7 + k) % len(TAG_POOL)]}"' for k in range(3))
        posts[f"2025-{1 + number % 12:02d}-{1 + number % 28:02d}-post-{number}.md"] = (
            f"---\ntitle: 記事 {number} ({version})\ntags: [{tags}]\n---\n"
            f"本文 {number}。{'段落。' * 200}\n"
        )
    return posts


CONFIG = DEFAULT_CONFIG + '\n[feeds]\nby = ["tag"]\n'


def command(*args: str) -> list[str]:
    """The command line as cron runs it: a new Python process."""
    return [sys.executable, "-m", "feedwright", *args]


def run(
    *args: str, preexec_fn: Callable[[], object] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the command line to its end (``preexec_fn`` runs in the child before it starts)."""
    return subprocess.run(
        command(*args), capture_output=True, text=True, check=False, preexec_fn=preexec_fn
    )


def start(*args: str) -> subprocess.Popen[bytes]:
    """Start the command line, to kill it later (its output is not kept)."""
    return subprocess.Popen(command(*args), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def temporaries(folder: Path) -> list[str]:
    return [path.name for path in folder.rglob("*.tmp")]


def restore(folder: Path, files: dict[str, bytes]) -> None:
    shutil.rmtree(folder)
    for name, content in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)


def wait_for_writing(process: subprocess.Popen[bytes], folder: Path) -> bool:
    """Poll until the build has begun to write: a temporary file appears (each file is
    written to one first). False when the build ended before that was seen."""
    while process.poll() is None:
        for _folder, _subfolders, names in os.walk(folder):
            if any(name.endswith(".tmp") for name in names):
                return True
        time.sleep(0.001)
    return False


def test_sigkill_during_build_leaves_each_file_old_or_new(
    make_site: SiteFactory, tmp_path: Path
) -> None:
    # The new outputs, from a separate copy of the new version.
    new_site = make_site(many_posts(80, "new"), CONFIG)
    assert run("-q", "build", str(new_site.root)).returncode == 0
    new = snapshot(new_site.output)
    shutil.move(new_site.root, tmp_path / "new-copy")
    site = make_site(many_posts(80, "old"), CONFIG)
    assert run("-q", "build", str(site.root)).returncode == 0
    old = snapshot(site.output)
    assert len(old) > 150 and set(old) & set(new)
    (site.root / "_posts").rename(tmp_path / "old-posts")
    shutil.copytree(tmp_path / "new-copy" / "_posts", site.root / "_posts")

    chance = random.Random(20251129)  # fixed: the same moments on every run
    interrupted = 0
    for _ in range(12):
        restore(site.output, old)
        process = start("-q", "build", str(site.root))
        if wait_for_writing(process, site.output):
            time.sleep(chance.uniform(0, 0.05))
            process.send_signal(signal.SIGKILL)
        process.wait()
        after = snapshot(site.output)
        for name, content in after.items():
            if name.endswith(".tmp"):
                continue
            assert content in (old.get(name), new.get(name)), f"{name} is neither old nor new"
        changed = {
            name for name in after if not name.endswith(".tmp") and after[name] != old.get(name)
        }
        # Killed while it wrote: every new file is first written to a temporary one, and
        # only then are they all renamed into place; so the kill left temporary files, or
        # it came during the renames and some files are new.
        writing = any(name.endswith(".tmp") for name in after) or 0 < len(changed) < len(new)
        interrupted += process.returncode == -signal.SIGKILL and writing
    assert interrupted >= 3, "the kills must land while the build is writing"
    # The next run completes the job and sweeps up what the killed ones left.
    assert run("-q", "build", str(site.root)).returncode == 0
    assert temporaries(site.output) == []
    assert snapshot(site.output) == new


def test_two_builds_at_once_both_finish_with_complete_equal_outputs(
    make_site: SiteFactory, tmp_path: Path
) -> None:
    site = make_site(many_posts(60, "v1"), CONFIG)
    reference = tmp_path / "reference"
    assert run("-q", "build", str(site.root), "--output", str(reference)).returncode == 0
    first = start("-q", "build", str(site.root))
    second = start("-q", "build", str(site.root))
    assert (first.wait(), second.wait()) == (0, 0)
    assert snapshot(site.output) == snapshot(reference)
    assert temporaries(site.output) == []


def _limit_file_size() -> None:
    # The kernel refuses to grow any file past 2 KB, as on a full disk (EFBIG, not ENOSPC,
    # but the same failed write); SIGXFSZ ignored so that the write fails instead of the
    # process dying.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))


def built_then_edited(
    make_site: SiteFactory, count: int, config: str
) -> tuple[Site, dict[str, bytes]]:
    """A site built once, whose every post was then edited: the site and its old outputs."""
    site = make_site(many_posts(count, "old"), config)
    assert run("-q", "build", str(site.root)).returncode == 0
    old = snapshot(site.output)
    for path in (site.root / "_posts").glob("*.md"):
        path.write_text(path.read_text(encoding="utf-8").replace("(old)", "(new)"), "utf-8")
    return site, old


def test_a_full_disk_is_a_clear_error_and_keeps_the_old_files(make_site: SiteFactory) -> None:
    site, old = built_then_edited(make_site, 10, CONFIG)
    done = run("build", str(site.root), preexec_fn=_limit_file_size)
    assert done.returncode == 1
    message = done.stderr
    assert "cannot write: File too large — check the output folder" in message, message
    assert "Traceback" not in message
    assert snapshot(site.output) == old


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Make ``folder`` refuse new files, even to root (immutable attribute), or skip."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    if (
        shutil.which("chattr") is None
        or subprocess.run(
            ["chattr", "+i", str(folder)], capture_output=True, check=False
        ).returncode
    ):
        pytest.skip(
            "running as root where chattr +i is not allowed: cannot make a read-only folder"
        )
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_a_read_only_output_folder_is_a_clear_error(make_site: SiteFactory) -> None:
    site, old = built_then_edited(make_site, 3, DEFAULT_CONFIG)
    with read_only(site.output):
        done = run("build", str(site.root))
    message = done.stderr
    assert done.returncode == 1
    assert "cannot write: " in message and "check the output folder" in message, message
    assert "Traceback" not in message
    assert snapshot(site.output) == old


class KillingHandler(RecordingHandler):
    """Kills the sending process at the next RCPT after ``kill_after`` accepted messages,
    once its database records each of them (with several sessions, a message accepted on
    one may still be on its way to the records when another reaches RCPT); from then on it
    takes no message, as a server whose client is gone (the window between the server's
    "accepted" and the record is the README's, and this test does not aim at it)."""

    def __init__(self, kill_after: int) -> None:
        super().__init__()
        self.kill_after = kill_after
        self.victim: int | None = None
        self.database: Path | None = None
        self.killed = False

    def intercept_rcpt(self, address: str) -> str | None:
        if self.killed:
            return "451 4.3.0 Going away"
        if self.victim is not None and len(self.messages) >= self.kill_after:
            # Blocks the server's loop: no other message is accepted meanwhile.
            self._wait_for_records(len(self.messages))
            os.kill(self.victim, signal.SIGKILL)
            self.victim = None
            self.killed = True
            return "451 4.3.0 Going away"
        return None

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.killed:
            return "451 4.3.0 Going away"
        return await super().handle_DATA(server, session, envelope)

    def _wait_for_records(self, accepted: int) -> None:
        assert self.database is not None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            connection = sqlite3.connect(self.database)
            try:
                (recorded,) = connection.execute("SELECT count(*) FROM deliveries").fetchone()
            except sqlite3.OperationalError:  # not made yet
                recorded = 0
            finally:
                connection.close()
            if recorded >= accepted:
                return
            time.sleep(0.005)


@pytest.fixture
def killing_server() -> Iterator[MailServer]:
    yield from serving(KillingHandler(kill_after=7))


@pytest.mark.parametrize("connections", [1, 4])
def test_sigkill_during_send_then_resume_no_duplicate_no_loss(
    make_site: SiteFactory, killing_server: MailServer, connections: int
) -> None:
    recipients = [f"reader{number}@example.org" for number in range(20)]
    config = mail_config(killing_server.port, recipients, connections=connections)
    site = make_site(many_posts(3, "v1"), config)
    handler = killing_server.handler
    assert isinstance(handler, KillingHandler)
    handler.database = store_path(site)
    process = start("send", str(site.root))
    handler.victim = process.pid
    assert process.wait() == -signal.SIGKILL
    killed_after = handler.recipients()
    if connections == 1:
        assert killed_after == recipients[:7]
    else:
        assert len(killed_after) >= 7 and len(set(killed_after)) == len(killed_after)
    handler.killed = False
    resumed = run("send", str(site.root))
    assert resumed.returncode == 0, resumed.stderr
    assert sorted(handler.recipients()) == sorted(recipients)  # each exactly once
    if connections == 1:
        assert handler.recipients() == recipients  # in order
    assert temporaries(site.state_path.parent) == []
    again = run("send", str(site.root))
    assert again.returncode == 0 and "no new posts" in again.stdout
    assert len(handler.messages) == len(recipients)


class SignallingHandler(RecordingHandler):
    """Keeps message ``at`` (the server has it), sends ``number`` to the sending process,
    and answers "accepted" a moment later."""

    def __init__(self, number: int, at: int) -> None:
        super().__init__()
        self.number = number
        self.at = at
        self.victim: int | None = None

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        if self.victim is not None and len(self.messages) == self.at:
            os.kill(self.victim, self.number)
            self.victim = None
            await asyncio.sleep(0.5)
        return reply


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_send_stopped_by_a_signal_records_what_the_server_accepts_meanwhile(
    make_site: SiteFactory, number: int
) -> None:
    """`timeout`, `systemctl stop`, a closed terminal or Ctrl-C while a message is on its way:
    the send waits for the server's answer and records the message before it ends as the
    signal ends it, so the next run does not mail it again."""
    recipients = [f"reader{index}@example.org" for index in range(6)]
    handler = SignallingHandler(number, at=3)
    for server in serving(handler):
        site = make_site(many_posts(2, "v1"), mail_config(server.port, recipients, connections=1))
        process = subprocess.Popen(
            command("send", str(site.root)), stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        handler.victim = process.pid
        _, stderr = process.communicate(timeout=60)
        expected = 130 if number == signal.SIGINT else -number
        assert process.returncode == expected, stderr
        assert b"Traceback" not in stderr
        assert len(handler.messages) == 3
        assert newsletter(site, "SELECT count(*) FROM deliveries") == [(3,)]
        assert run("send", str(site.root)).returncode == 0
    assert handler.recipients() == recipients  # each once, in order


def test_a_folder_in_the_way_of_one_output_changes_no_output(make_site: SiteFactory) -> None:
    site, old = built_then_edited(make_site, 10, CONFIG)
    # The digest preview's message, written last, cannot be written: a folder has its name.
    (site.output / "digest.eml").unlink()
    (site.output / "digest.eml").mkdir()
    del old["digest.eml"]
    done = run("build", str(site.root))
    assert done.returncode == 1
    assert snapshot(site.output) == old
    assert temporaries(site.output) == []
    assert "digest.eml: cannot write: a folder is in the way" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_a_disk_that_fills_partway_changes_no_output(
    make_site: SiteFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    site, old = built_then_edited(make_site, 10, CONFIG)
    assert len(old) > 30
    synced = 0
    fsync = os.fsync

    def fills_after_five_files(descriptor: int) -> None:
        # The disk has room for five of the new files: the sixth cannot be synced.
        nonlocal synced
        synced += 1
        if synced > 5:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        fsync(descriptor)

    monkeypatch.setattr(os, "fsync", fills_after_five_files)
    with pytest.raises(OutputError, match="No space left on device — check the output folder"):
        build(site, speed=Speed.off())
    assert synced > 5
    assert snapshot(site.output) == old
    assert temporaries(site.output) == []


def test_a_build_removes_what_a_killed_build_left_in_the_data_folder(
    make_site: SiteFactory,
) -> None:
    site = make_site(many_posts(3, "v1"), CONFIG)
    site.data_folder.mkdir()
    # A build killed while it saved its front matter cache and its record left these.
    for name in ("posts-cache.jsonl", "build-record.json"):
        (site.data_folder / f".{name}.k1ll3d00.tmp").write_bytes(b"half of it")
    assert run("-q", "build", str(site.root)).returncode == 0
    assert temporaries(site.data_folder) == []
    assert (site.data_folder / "posts-cache.jsonl").is_file()
    assert (site.data_folder / "build-record.json").is_file()


def test_a_build_leaves_alone_what_another_build_is_writing(make_site: SiteFactory) -> None:
    site = make_site(many_posts(3, "v1"), CONFIG)
    site.data_folder.mkdir()
    cache = site.data_folder / "posts-cache.jsonl"
    being_written = site.data_folder / ".posts-cache.jsonl.wr1t1ng0.tmp"
    # Another build, saving its cache: it holds the lock on the folder while it writes.
    with folder_lock(site.data_folder):
        being_written.write_bytes(b"half of it")
        builder = threading.Thread(target=build, args=(site,))
        builder.start()
        builder.join(timeout=1.0)
        assert being_written.read_bytes() == b"half of it"
        being_written.rename(cache)  # the other build is done with it
    builder.join()
    assert temporaries(site.data_folder) == []
    assert cache.read_bytes() != b"half of it", "this build saved its cache after the other"


# What Jinja2 names the file it writes a compiled template to before renaming it into
# place: the cache file's name (the template's key), 8 random characters, ".tmp".
JINJA_TEMPORARY = re.compile(r"__jinja2_.*\.tmp")
HALF_COMPILED = "__jinja2_" + "0123456789abcdef" * 2 + "01234567.cachek1ll3d_0.tmp"


def compiled_templates(site: Site) -> Path:
    return site.data_folder / "compiled-templates"


def test_a_build_removes_a_compiled_template_a_killed_run_left_half_written(
    make_site: SiteFactory,
) -> None:
    site = make_site(many_posts(3, "v1"), CONFIG)
    compiled_templates(site).mkdir(parents=True)
    half_written = compiled_templates(site) / HALF_COMPILED
    # Another run writes a template there (it holds the folder as it does): its file is
    # not stale, and stays.
    with folder_lock(compiled_templates(site), shared=True):
        half_written.write_bytes(b"half of it")
        build(site, speed=Speed.off())
        assert half_written.read_bytes() == b"half of it"
    # That run was killed before it renamed the file: the next one removes it.
    assert run("-q", "build", str(site.root)).returncode == 0
    assert temporaries(compiled_templates(site)) == []
    assert list(compiled_templates(site).glob("__jinja2_*.cache")), "templates kept compiled"


def test_a_run_writing_a_compiled_template_keeps_others_from_sweeping_it(
    make_site: SiteFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site(many_posts(3, "v1"), CONFIG)
    write_bytecode = jinja2.bccache.Bucket.write_bytecode
    swept: list[bool] = []
    names: list[str] = []

    def write_and_sweep(bucket: jinja2.bccache.Bucket, stream: BinaryIO) -> None:
        write_bytecode(bucket, stream)
        names.extend(temporaries(compiled_templates(site)))
        # What another run's sweep does now, with this file half written.
        swept.append(writer.remove_stale_files(compiled_templates(site), JINJA_TEMPORARY))

    monkeypatch.setattr(jinja2.bccache.Bucket, "write_bytecode", write_and_sweep)
    build(site, speed=Speed.off())
    assert swept and not any(swept), "a sweep removed a template that was being written"
    # The sweep knows the names Jinja2 gives them.
    assert names and all(COMPILING_NAME.fullmatch(name) for name in names), names
    assert list(compiled_templates(site).glob("__jinja2_*.cache"))
    assert temporaries(compiled_templates(site)) == []
