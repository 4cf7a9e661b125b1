"""Render in a second process that imported the renderers while this one read the posts.

Importing feedgen, lxml, premailer, Jinja2 and markdown-it takes about 0.2 s: as long as
reading the front matter of 10,000 posts from the cache. So a build of a big site forks at
its start a process that imports them at once and waits. Once the posts are collected, it
is sent the job (the posts the outputs show), renders, handing the build the files on the
way (so that neither process holds all of a big build's files at once), and answers with
the rest of the result.

Everything here that changes a process as a whole (its cycle collector, a stand-in
module) happens in the forked process only, never in the build's.

It is only a shortcut: when it cannot answer (a body that does not read, a template error,
a crash), it answers None, and the build renders in its own process as it would without
it, with the errors reported there. It writes nothing but the compiled templates that
Jinja2 keeps (each written whole, then renamed), so stopping it at any moment is safe.
When the build is killed before it sends the job, the process sees it and exits: it holds
the build's stdout, and a `feedwright build | tee log` would otherwise never end.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import multiprocessing
import os
import signal
import sys
import types
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any, Generic, TypeVar

Result = TypeVar("Result")


# What the process sends: parts of the result on the way, then the answer.
_PART, _ANSWER = "part", "answer"


class RenderProcess(Generic[Result]):
    """A forked process that runs ``prepare`` at once, then ``render`` on the one job it is
    sent: ``render(*job, hand_over)``, where ``hand_over(part)`` sends the build a part of
    the result at once (see ``result``). Use it as a context manager: leaving stops the
    process."""

    def __init__(self, prepare: Callable[[], object], render: Callable[..., Result]) -> None:
        context = multiprocessing.get_context("fork")
        self._connection, child_end = context.Pipe()
        self._process = context.Process(
            target=_serve,
            args=(child_end, self._connection, os.getpid(), prepare, render),
            daemon=True,
        )
        self._process.start()
        child_end.close()
        self._failed = False

    def send(self, *job: Any) -> None:
        """Send the job; the process renders it while this one goes on. Sending may wait
        for the process to finish importing when the job is large."""
        try:
            self._connection.send(job)
        except Exception:  # the process died, or the job would not pickle: render here
            self._failed = True

    def result(self, take: Callable[[Any], None]) -> Result | None:
        """Wait for the job's answer, giving ``take`` each part the process hands over on
        the way; None when the process could not render the job (``take`` may have had
        some of its parts by then)."""
        if self._failed:
            return None
        while True:
            try:
                kind, value = self._connection.recv()
            except Exception:  # the process died, or its result would not unpickle
                return None
            if kind == _ANSWER:
                answer: Result | None = value
                return answer
            take(value)

    def close(self) -> None:
        """Stop the process, whatever it is doing (it writes nothing)."""
        self._connection.close()
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()

    def __enter__(self) -> RenderProcess[Result]:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


# How often a render process waiting for its job checks that the build is still there.
BUILD_CHECK_SECONDS = 0.5


def _serve(
    connection: Connection,
    builds_end: Connection,
    build_pid: int,
    prepare: Callable[[], object],
    render: Callable[..., Any],
) -> None:
    # Ctrl-C reaches the whole process group: this process leaves it to the build, which
    # stops it; a traceback from here would only confuse.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The cycle collector would only walk the modules this process imports, for nothing:
    # it is off while they load, and then they are put out of its reach (frozen), so that
    # it collects only what rendering leaves, a kilobyte or so for each output file.
    gc.disable()
    # The fork copied the build's end of the pipe: closed here, a build that dies leaves
    # the pipe with no writer, and waiting for the job ends (EOFError).
    builds_end.close()
    try:
        prepare()
        gc.freeze()
        gc.enable()
        if not _job_arrives(connection, build_pid):
            return
        job = connection.recv()
    except Exception:  # an import that fails, or the build that went away (EOFError)
        return

    def hand_over(part: object) -> None:
        connection.send((_PART, part))

    try:
        answer = render(*job, hand_over)
    except Exception:  # the build renders again in its own process and reports the error
        answer = None
    try:
        connection.send((_ANSWER, answer))
    except Exception:  # a result that does not pickle (the build renders again), or no build
        with contextlib.suppress(Exception):
            connection.send((_ANSWER, None))


def _job_arrives(connection: Connection, build_pid: int) -> bool:
    """Wait until the job (or the end of the pipe) can be read; False when the build died.

    The end of the pipe is not enough: the parse workers the build forks after this
    process hold copies of the build's end, and outside Linux they outlive a build that is
    killed (see ``forking.start_worker``).
    """
    while not connection.poll(BUILD_CHECK_SECONDS):
        if os.getppid() != build_pid:  # the build died and this process was handed on
            return False
    return True


def import_ahead(modules: Sequence[str]) -> None:
    """Import ``modules`` in a render process, before its one render.

    premailer imports requests, a quarter of these imports, only to fetch external
    stylesheets, which feedwright never lets it do (``allow_network=False``): a render
    process, which only renders, gives it an empty stand-in. Should premailer ever need
    more of it, the render there fails and the build renders in its own process.
    """
    sys.modules.setdefault("requests", types.ModuleType("requests"))
    for name in modules:
        importlib.import_module(name)
