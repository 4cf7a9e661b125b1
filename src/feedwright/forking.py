"""Forked helper processes (the parse workers, the render process): whether they can be
had, how a worker starts, and stopping the workers of a pool."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor

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


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """Stop a pool's workers at once, whatever they are doing: those it started before it
    failed to start the others (they would wait for work for ever, and this process would
    not exit), or all of them when the build stops. The executor has no public way to stop
    them, so this reads its private table of processes."""
    for process in list((pool._processes or {}).values()):
        process.terminate()
        process.join()
