"""The project's own exception types.

Library code raises these; the CLI turns them into one-line messages and exit codes.
Every message follows ``path:line: what is wrong — how to fix``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


class FeedwrightError(Exception):
    """Base class of every error feedwright reports to its users."""

    exit_code = 1


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a warning) in one input file."""

    path: Path
    message: str
    hint: str = ""
    line: int | None = None

    def __str__(self) -> str:
        # A path that is not UTF-8 shows its odd bytes as \xff: it can be printed anywhere.
        path = os.fsencode(self.path).decode("utf-8", "backslashreplace")
        where = f"{path}:{self.line}" if self.line else path
        text = f"{where}: {self.message}"
        return f"{text} — {self.hint}" if self.hint else text


class OptionError(FeedwrightError):
    """A command option's value is unusable (two options that exclude each other, a bad date)."""

    exit_code = 2


class PostError(FeedwrightError):
    """A post that cannot be used: bad front matter, no title, unreadable date…"""

    def __init__(self, path: Path, message: str, hint: str = "", line: int | None = None):
        self.problem = Problem(path=path, message=message, hint=hint, line=line)
        super().__init__(str(self.problem))


class InvalidPostsError(FeedwrightError):
    """Raised by a build when one or more posts are invalid; lists all of them."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        count = len(self.problems)
        noun = "post is" if count == 1 else "posts are"
        super().__init__(f"{count} {noun} invalid; nothing was written")


class ConfigError(FeedwrightError):
    """The site configuration (feedwright.toml or _config.yml) is unusable."""

    def __init__(self, path: Path | None, message: str, hint: str = "", line: int | None = None):
        self.problem = Problem(path=path or Path("<config>"), message=message, hint=hint, line=line)
        super().__init__(str(self.problem))


class OutputError(FeedwrightError):
    """An output file could not be written (read-only folder, disk full…)."""


class InstallError(FeedwrightError):
    """feedwright itself is incomplete: a file it ships with is missing."""


class DigestTemplateError(FeedwrightError):
    """A digest template is missing, does not parse, or fails while rendering."""

    def __init__(self, path: Path, message: str, hint: str = "", line: int | None = None):
        self.problem = Problem(path=path, message=message, hint=hint, line=line)
        super().__init__(str(self.problem))


class StateError(FeedwrightError):
    """The delivery state file cannot be read or written."""


class LockedError(FeedwrightError):
    """Another ``send`` holds the lock of this site's state file."""

    exit_code = 3


class DeliveryError(FeedwrightError):
    """Sending stopped or some deliveries failed; what was sent is recorded."""

    exit_code = 4


class HeaderInjectionError(FeedwrightError):
    """A mail header that, written out, would start another header or end the headers."""
