"""Forked helper processes (the parse workers, the render process): whether they can be
had, and stopping the ones a pool started before it failed."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor


def can_fork() -> bool:
    """True where processes can be forked (not on Windows). Forked, they start at once
    with everything this process imported."""
    return "fork" in multiprocessing.get_all_start_methods()


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """Stop the workers a pool started before it failed to start the others: they would
    wait for work for ever, and this process would not exit. The executor has no public
    way to stop them, so this reads its private table of processes."""
    for process in list((pool._processes or {}).values()):
        process.terminate()
        process.join()
