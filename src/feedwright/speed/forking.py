"""Forked helper processes (the parse workers, the render process): whether they can be
had, how a worker starts, and stopping them."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Iterable
from multiprocessing.process import BaseProcess

# prctl's option to have the kernel signal a process when its parent dies (linux/prctl.h).
_PR_SET_PDEATHSIG = 1


def can_fork() -> bool:
    """True where processes can be forked (not on Windows). Forked, they start at once
    with everything this process imported."""
    return "fork" in multiprocessing.get_all_start_methods()


def start_worker(build_pid: int) -> None:
    """Run first in each forked worker of the build ``build_pid``.

    Ctrl-C reaches the whole process group: the worker leaves it to the build, which stops
    the workers; a traceback from each would only confuse. And the worker dies with the
    build, even a build that is killed: a worker waits for work for ever, holding the
    build's stdout and stderr, so that cron (or a `| tee`) would wait for ever too. Only
    Linux can tell a process when its parent dies; elsewhere a killed build's workers stay.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        import ctypes  # only here: a worker started on Linux needs it

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != build_pid:  # the build died before the worker could ask to follow it
        os._exit(1)


def stop_processes(processes: Iterable[BaseProcess]) -> None:
    """Stop forked processes at once, whatever they are doing: a pool's workers when the
    build stops, or those it started before it failed to start the others (they would wait
    for work for ever, and this process would not exit)."""
    for process in processes:
        if process.pid is not None:  # not one whose fork failed
            process.terminate()
            process.join()
