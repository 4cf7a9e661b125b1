"""Find a site's post files, read and validate each, and order the posts newest first."""

from __future__ import annotations

import contextlib
import functools
import gc
import multiprocessing
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from feedwright.cache import HeaderCache, cache_entry
from feedwright.dates import site_timezone
from feedwright.errors import PostError, Problem
from feedwright.forking import can_fork, start_worker, stop_workers
from feedwright.front_matter import SourceFile, decode_post, split_front_matter
from feedwright.model import Post, Site
from feedwright.posts import parse_header, parse_post, with_body
from feedwright.sources import (
    FileKey,
    post_file_names,
    posts_location,
    stat_files,
)

# How much of a post to read for its front matter alone (more when it is longer).
HEAD_BYTES = 4_096
# Posts are read and parsed in batches of this many (see _read_batch), each a unit of work
# for a worker process.
BATCH = 64
# With this many posts to parse, the parsing is shared among processes (one per core, at
# most MAX_WORKERS): below it, starting them costs more than it saves.
PARALLEL_FROM = 1_000
MAX_WORKERS = 4
# Larger files are refused: a post that size is a mistake (an embedded video, a log).
MAX_POST_BYTES = 32_000_000

ProgressCallback = Callable[[int, int], None]
Steps = ParamSpec("Steps")
Result = TypeVar("Result")


@dataclass
class Collection:
    """The result of reading a site: valid posts in feed order and every problem found."""

    posts: list[Post] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    drafts: int = 0
    future: int = 0
    # When the first post left out for its future date becomes due (None: there is none).
    next_due: datetime | None = None
    files: int = 0


@contextlib.contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while posts are read.

    Reading 10,000 posts makes hundreds of thousands of objects that live until the build
    ends and form no cycles: the collector would walk them all, several times, for nothing
    (a tenth of a second at 10,000 posts). Objects are still freed as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def read_post(path: Path, site: Site) -> Post:
    """Read, validate and normalise one post file; raise PostError when it is unusable."""
    return parse_post(_read_source(path), site, site_timezone(site.timezone))


def _read_source(path: Path) -> SourceFile:
    """A whole post file, decoded and split into front matter and body."""
    return _whole_source(read_post_bytes(path), path)


def _whole_source(data: bytes, path: Path) -> SourceFile:
    """The bytes of a whole post file, decoded and split into front matter and body."""
    return split_front_matter(decode_post(data, path), path)


def read_post_header(path: Path, site: Site) -> Post:
    """Read one post as far as its front matter: a Post without its body (``has_body`` is
    False). Raise PostError when the front matter is unusable.

    Only the first HEAD_BYTES are read when the front matter ends within them, which is
    what makes a build of a big site fast: the bodies of old posts are never read.
    """
    source = _head_source(_head_bytes(path), path)
    return parse_header(source, site, site_timezone(site.timezone))


def _head_bytes(path: Path) -> bytes:
    """The first HEAD_BYTES of a post file, cut at a line end."""
    head = _read_regular_file(path, HEAD_BYTES)
    if len(head) == HEAD_BYTES:
        # Cut at the last line end, so that no UTF-8 character is split.
        head = head[: head.rfind(b"\n") + 1]
    # (A file shorter than HEAD_BYTES is read whole, but its body is left for load_bodies
    # all the same: a header is a header, whatever the file's size, also in the cache.)
    return head


def _head_source(head: bytes, path: Path) -> SourceFile:
    """The front matter in the head of a post file; or, when it goes on past the head (or
    the head has a fault to report in full), the whole file split."""
    try:
        return split_front_matter(decode_post(head, path), path)
    except PostError:
        return _read_source(path)


def load_bodies(site: Site, posts: Sequence[Post]) -> tuple[dict[Path, Post], list[Problem]]:
    """``posts`` with their bodies read (those that have one already are kept), by source
    file, and the problems of the files that could not be read again."""
    complete: dict[Path, Post] = {}
    problems: list[Problem] = []
    for post in posts:
        if post.has_body:
            complete[post.source] = post
            continue
        try:
            # The front matter is parsed again only to find where the body starts: just the
            # few posts a build shows pass here, and there stays one way to split a file.
            source = _read_source(post.source)
        except PostError as error:
            problems.append(error.problem)
            continue
        complete[post.source] = with_body(post, source.body, site)
    return complete, problems


def read_post_bytes(path: Path) -> bytes:
    """The bytes of a post file: a regular file of at most MAX_POST_BYTES."""
    data = _read_regular_file(path, MAX_POST_BYTES + 1)
    if len(data) > MAX_POST_BYTES:
        raise PostError(
            path,
            f"the file is larger than {MAX_POST_BYTES // 1_000_000} MB",
            "split the post, or move large media out of the Markdown file",
        )
    return data


def _read_regular_file(path: Path, limit: int) -> bytes:
    """Up to ``limit`` bytes from the start of a file; PostError when it cannot be read or
    is not a regular file.

    Opened without blocking and checked before reading, so a named pipe or a link to a
    device (/dev/zero) among the posts gives an error instead of a hang. Read with plain
    ``os.read`` calls: a buffered file object costs more than the read of a post's head.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        raise _unreadable(path, error) from error
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise PostError(
                path,
                "not a regular file (a pipe, a device or a socket)",
                "remove it from the posts folder",
            )
        chunks = []
        # The size as stat'ed, plus one byte to see the end of the file in one read.
        wanted = min(limit, status.st_size + 1)
        while wanted > 0:
            chunk = os.read(descriptor, wanted)
            if not chunk:
                break
            chunks.append(chunk)
            limit -= len(chunk)
            wanted = min(limit, 65_536)  # to the end, should the file have grown meanwhile
        return b"".join(chunks)
    except OSError as error:
        raise _unreadable(path, error) from error
    finally:
        os.close(descriptor)


def _unreadable(path: Path, error: OSError) -> PostError:
    return PostError(
        path, f"cannot read the file: {error.strerror}", "check that it exists and is readable"
    )


def collect(
    site: Site,
    *,
    now: datetime,
    drafts: bool = False,
    future: bool = False,
    progress: ProgressCallback | None = None,
    bodies: bool = True,
    cache: HeaderCache | None = None,
    files: Sequence[tuple[str, FileKey | None]] | None = None,
) -> Collection:
    """Read every post of ``site`` and return them newest first with all problems found.

    Drafts and posts dated after ``now`` are left out unless ``drafts``/``future`` is set.
    Ties in date are broken by file name, so the order never depends on the file system.
    With ``bodies`` False only the front matter is read: the posts come without their
    bodies, for ``load_bodies`` to complete the few that are rendered. ``files`` are the
    post files with their keys when the caller has already listed and stat'ed them (see
    ``uptodate.scan_inputs``); else they are found here.
    """
    with cycle_collector_paused():
        return _collect(site, now, drafts, future, progress, bodies, cache, files)


def _collect(
    site: Site,
    now: datetime,
    drafts: bool,
    future: bool,
    progress: ProgressCallback | None,
    bodies: bool,
    cache: HeaderCache | None,
    files: Sequence[tuple[str, FileKey | None]] | None,
) -> Collection:
    if files is None:
        names = post_file_names(site)
        # Only the cache needs the files' keys.
        files = stat_files(names) if cache is not None else [(name, None) for name in names]
    # Posts of the same date keep the order of their file names, compared as strings (as
    # Jekyll compares paths): it never depends on the file system. The files come in path
    # order, which differs where a name and a folder share a start (`2025-x.md`, `2025/`).
    files = sorted(files, key=lambda file: file[0])
    in_site_root = posts_location(site) == (site.root, None)
    result = Collection(files=len(files))
    for outcome in _read_all(files, site, bodies, cache, progress):
        if isinstance(outcome, Problem):
            # Loose Markdown files (README.md…) in a site folder are not posts.
            if not (in_site_root and _has_no_front_matter(outcome.path)):
                result.problems.append(outcome)
            continue
        post = outcome
        result.warnings.extend(post.warnings)
        if post.draft and not drafts:
            result.drafts += 1
        elif post.date > now and not future:
            result.future += 1
            result.next_due = min(post.date, result.next_due or post.date)
        else:
            result.posts.append(post)
    result.problems.extend(_duplicate_ids(result.posts))
    result.posts.sort(key=lambda post: post.date, reverse=True)  # stable: ties keep name order
    return result


def _or_problem(
    step: Callable[Steps, Result], *args: Steps.args, **kwargs: Steps.kwargs
) -> Result | Problem:
    """What ``step`` gives, or the problem of the PostError it raises (a Problem, unlike a
    PostError, survives a trip between processes)."""
    try:
        return step(*args, **kwargs)
    except PostError as error:
        return error.problem


def _read_all(
    files: Sequence[tuple[str, FileKey | None]],
    site: Site,
    bodies: bool,
    cache: HeaderCache | None,
    progress: ProgressCallback | None,
) -> list[Post | Problem]:
    """Each file's post or problem, in order: from the cache when it holds the file as it
    is (by its key), else parsed, by several processes when there are many to parse."""
    if bodies:
        cache = None  # it holds headers only
    outcomes: list[Post | Problem | None] = [None] * len(files)
    todo: list[int] = []
    for index, (name, key) in enumerate(files):
        # A file without a key went away; reading it reports that.
        if cache is not None and key is not None:
            outcomes[index] = cache.get(name, key)
        if outcomes[index] is None:
            todo.append(index)
    done = len(files) - len(todo)
    read = functools.partial(_read_batch, site=site, bodies=bodies, caching=cache is not None)
    batches = [
        [files[index] for index in todo[start : start + BATCH]]
        for start in range(0, len(todo), BATCH)
    ]
    with contextlib.ExitStack() as stack:
        parsed: Iterator[list[Post | Problem | list[Any]]] | None = None
        pool = _worker_pool(len(todo))
        if pool is not None:
            stack.enter_context(pool)
            stack.push(_workers_stopped_on_error(pool))  # before the first worker starts
            try:
                # Not pool.map: its results cancel the batches left when they stop, which the
                # executor of Python 3.11 then fails on (InvalidStateError) as it finds its
                # workers stopped.
                futures = [pool.submit(read, batch) for batch in batches]
            except OSError:  # no worker to be had (a limit on processes, or on memory)
                stop_workers(pool)
            else:
                parsed = (future.result() for future in futures)
        if parsed is None:
            parsed = map(read, batches)
        for start, batch in zip(range(0, len(todo), BATCH), parsed, strict=True):
            for index, outcome in zip(todo[start : start + BATCH], batch, strict=True):
                if isinstance(outcome, list):  # a header in the cache's form
                    name, key = files[index]
                    assert cache is not None and key is not None
                    outcome = cache.add(name, key, outcome)
                outcomes[index] = outcome
            done += len(batch)
            if progress:
                progress(done, len(files))
    return [outcome for outcome in outcomes if outcome is not None]


def _read_batch(
    files: list[tuple[str, FileKey | None]], site: Site, bodies: bool, caching: bool
) -> list[Post | Problem | list[Any]]:
    """The post or problem of each file (its name and key), in order. With ``caching``, a
    header the cache can keep comes in the cache's form (see ``cache.cache_entry``).

    In passes over the whole batch: every file is read, then every one decoded and split,
    then every front matter parsed. Called file by file, the same code takes two fifths
    longer (each pass runs its own code in a tight loop, which the processor caches):
    measured on 10,000 posts in one process, 93 µs a post against 65 µs. A file whose pass
    fails is done: its problem stays.
    """
    # Whole posts, or only their heads (the front matter; all of it when it is longer).
    read, split, parse = (
        (read_post_bytes, _whole_source, parse_post)
        if bodies
        else (_head_bytes, _head_source, parse_header)
    )
    zone = site_timezone(site.timezone)
    paths = [Path(name) for name, _ in files]
    data = [_or_problem(read, path) for path in paths]
    sources = [
        _or_problem(split, item, path) if isinstance(item, bytes) else item
        for item, path in zip(data, paths, strict=True)
    ]
    posts = [
        _or_problem(parse, item, site, zone) if isinstance(item, SourceFile) else item
        for item in sources
    ]
    if not caching:
        return list(posts)
    return [
        cache_entry(item) or item if isinstance(item, Post) and key is not None else item
        for item, (_, key) in zip(posts, files, strict=True)
    ]


def _workers_stopped_on_error(pool: ProcessPoolExecutor) -> Callable[..., bool]:
    """An exit callback that, when the reading stops on an error (Ctrl-C, say), stops the
    workers at once, instead of waiting for them to parse the batches they were given:
    they write nothing, and a worker stuck on a file (a hung network disk) would never
    finish it."""

    def stop(kind: type[BaseException] | None, *rest: object) -> bool:
        if kind is not None:
            # The executor finds its workers gone, fails the batches left, and ends.
            stop_workers(pool)
        return False  # the error goes on

    return stop


def _worker_pool(count: int) -> ProcessPoolExecutor | None:
    """Processes to parse ``count`` posts with, or None when one process does better.

    The workers are forked, so they start at once with everything already imported; where
    there is no fork (Windows), everything is parsed in this process.
    """
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    if count < PARALLEL_FROM or workers < 2:
        return None
    if not can_fork():
        return None
    return ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=start_worker,
        initargs=(os.getpid(),),
    )


def _has_no_front_matter(path: Path) -> bool:
    try:
        start = _read_regular_file(path, 8).lstrip(b"\xef\xbb\xbf")
    except PostError:
        return False
    return not start.startswith((b"---", b"+++"))


def _duplicate_ids(posts: list[Post]) -> list[Problem]:
    """Two posts with one id would show as one entry in every feed reader. ``posts`` are in
    the order of their file names: the later one of two is reported."""
    first_with: dict[str, Post] = {}
    problems = []
    for post in posts:
        other = first_with.setdefault(post.id, post)
        if other is not post:
            problems.append(
                Problem(
                    post.source,
                    f"has the same id and URL as {other.source} ({post.id})",
                    "give one of them its own `permalink`, `slug` or `id`",
                )
            )
    return problems
