"""The ``feedwright`` command: a thin layer of typer over the library's commands.

Each command module (``build``, ``posts``: check and list, ``mail``: digest and send)
registers its commands on the one ``app`` (``app.py``), loads the site, calls one function
of ``feedwright.commands`` and prints what it returns. Errors are feedwright's own types,
turned into a message on stderr and an exit code by ``app.run``.

Exit codes: 0 ok, 1 invalid input or output not writable, 2 usage error,
3 another ``send`` holds the lock, 4 some deliveries failed, 130 interrupted.

Two things here change the whole process, which is why they live in the entry point and
nowhere else, so that library callers never get them: the cycle collector is off for the
commands that make little cyclic garbage (``app.main_options``), and the process ends
without Python's clean-up once its work is done (``main``).
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import NoReturn

from feedwright.cli import build, mail, posts, subscribers  # noqa: F401  (each registers its commands)
from feedwright.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    """The console script's entry point."""
    try:
        app()
    except SystemExit as done:  # how typer ends every run, with its exit code
        _exit_at_once(done.code)


def _exit_at_once(code: object) -> NoReturn:
    """End the process without Python's clean-up: a build of 10,000 posts holds a million
    objects, and freeing them one by one only to exit takes 0.03 s, a sixteenth of a build
    after a new post. By now every file is written and closed, and every process a build
    forks is stopped; only the output streams are left to flush."""
    if isinstance(code, str):
        print(code, file=sys.stderr)  # as Python itself does with sys.exit("message")
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a reader gone (`| head`) is no error here
            stream.flush()
    os._exit(code if isinstance(code, int) else 0 if code is None else 1)
