"""A faster way for ``collect`` to read the posts: from the front matter cache, and the
posts not in it parsed by worker processes when there are many.

``cached_reader`` gives a ``posts.collect.ReadPosts`` with the same results, in the same
order, as ``read_here``: the posts are parsed by the same ``read_posts``.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.process import BaseProcess
from typing import Any

from feedwright.errors import Problem
from feedwright.posts.collect import (
    BATCH,
    PostFiles,
    ProgressCallback,
    ReadPosts,
    read_here,
    read_posts,
)
from feedwright.posts.model import Post
from feedwright.site.model import Site
from feedwright.speed import MAX_WORKERS, Speed
from feedwright.speed.forking import can_fork, start_worker, stop_processes
from feedwright.speed.header_cache import HeaderCache, cache_entry

# What a worker answers for each file: a post, a problem, or a header in the cache's form.
Parsed = Post | Problem | list[Any]


def cached_reader(site: Site, speed: Speed, cache: HeaderCache | None) -> ReadPosts:
    """A ReadPosts that takes each header ``cache`` holds for the file as it is (by its
    key), and parses the others, in worker processes when ``speed`` says there are enough.
    Whole posts (with their bodies) are never cached; they are read as ``read_here`` does.
    """

    def read(
        files: PostFiles, bodies: bool, progress: ProgressCallback | None
    ) -> list[Post | Problem]:
        if bodies:
            return read_here(site)(files, bodies, progress)
        outcomes: list[Post | Problem | None] = [None] * len(files)
        todo: list[int] = []
        for index, (name, key) in enumerate(files):
            # A file without a key went away; reading it reports that.
            if cache is not None and key is not None:
                outcomes[index] = cache.get(name, key)
            if outcomes[index] is None:
                todo.append(index)
        done = len(files) - len(todo)
        starts = range(0, len(todo), BATCH)
        batches = [[files[index] for index in todo[start : start + BATCH]] for start in starts]
        parse = functools.partial(_parse_batch, site=site, caching=cache is not None)
        with _parsed(parse, batches, _worker_count(speed, len(todo))) as parsed:
            for start, batch in zip(starts, parsed, strict=True):
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

    return read


def _parse_batch(files: PostFiles, site: Site, caching: bool) -> list[Parsed]:
    """The headers of a batch of files (see ``read_posts``). With ``caching``, each header
    the cache can keep (of a file with a key) comes in the cache's form: a tenth of the
    size of a pickled Post, it takes the build a fraction of the time to receive, and the
    build keeps it as it is."""
    posts = read_posts(site, [name for name, _ in files], bodies=False)
    if not caching:
        return list(posts)
    return [
        (cache_entry(post) or post) if isinstance(post, Post) and key is not None else post
        for post, (_, key) in zip(posts, files, strict=True)
    ]


def _worker_count(speed: Speed, posts: int) -> int:
    """How many processes should parse ``posts`` posts: 1 (this one) below
    ``speed.parallel_from``, or where processes cannot be forked (Windows)."""
    workers = speed.workers or min(os.cpu_count() or 1, MAX_WORKERS)
    if posts < speed.parallel_from or workers < 2 or not can_fork():
        return 1
    return workers


@contextlib.contextmanager
def _parsed(
    parse: Callable[[PostFiles], list[Parsed]], batches: Sequence[PostFiles], workers: int
) -> Iterator[Iterator[list[Parsed]]]:
    """Each batch parsed, in order: by ``workers`` forked processes, or in this one when
    that is 1 or none can be forked (a limit on processes, or on memory).

    The workers are forked, so they start at once with everything already imported. When
    the reading stops on an error (Ctrl-C, say), they are stopped at once instead of
    parsing the batches they were given: they write nothing, and one stuck on a file (a
    hung network disk) would never finish it.
    """
    if workers < 2:
        yield map(parse, batches)
        return
    context = _WorkerContext()
    pool = ProcessPoolExecutor(
        workers, mp_context=context, initializer=start_worker, initargs=(os.getpid(),)
    )
    with pool:
        try:
            # Not pool.map: its results cancel the batches left when they stop, which the
            # executor of Python 3.11 then fails on (InvalidStateError) as it finds its
            # workers stopped.
            futures = [pool.submit(parse, batch) for batch in batches]
        except OSError:  # no worker to be had: stop those forked before the failure
            stop_processes(context.workers)
            yield map(parse, batches)
            return
        except BaseException:  # Ctrl-C while the batches are handed out
            stop_processes(context.workers)
            raise
        try:
            yield (future.result() for future in futures)
        except BaseException:
            # The executor finds its workers gone, fails the batches left, and ends.
            stop_processes(context.workers)
            raise


class _WorkerContext(multiprocessing.context.ForkContext):
    """The fork start method, keeping the processes the pool makes through it: the pool
    has no public way to stop its workers, and these are its own, not the other children
    of this process (another pool's, in another thread)."""

    def __init__(self) -> None:
        super().__init__()
        self.workers: list[BaseProcess] = []

    def Process(self, *args: Any, **kwargs: Any) -> BaseProcess:  # type: ignore[override]
        """A worker process, kept in ``workers``."""
        process = multiprocessing.context.ForkProcess(*args, **kwargs)
        self.workers.append(process)
        return process
