"""Write output files so that a reader never sees half a file and a failure loses nothing."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from feedwright.errors import OutputError


@dataclass(frozen=True)
class OutputFile:
    """One file to write: its path inside the output folder (with ``/``) and its bytes."""

    path: str
    content: bytes


@dataclass
class WriteReport:
    """Which files a write changed and which already had the right bytes."""

    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)


def write_atomic(path: Path, content: bytes, mode: int = 0o644, durable: bool = False) -> bool:
    """Write ``content`` to ``path`` through a temporary file in the same folder and a rename.

    Returns False, touching nothing, when the file already holds exactly these bytes.
    Raises OutputError when the folder cannot be written; the old file is then intact.
    ``durable`` also syncs the folder, so the rename itself survives a power cut (the
    delivery state needs that; a feed that comes back one build old does no harm).
    """
    import tempfile  # here: checking that a build is up to date writes nothing

    try:
        if path.is_file() and path.stat().st_size == len(content) and path.read_bytes() == content:
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
        )
    except OSError as error:
        raise OutputError(
            f"{path}: cannot write: {error.strerror} — check the output folder"
        ) from error
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
        if durable:
            _sync_folder(path.parent)
    except BaseException as error:  # Ctrl-C too: no temporary file is left behind
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if not isinstance(error, OSError):
            raise
        raise OutputError(
            f"{path}: cannot write: {error.strerror} — check the output folder"
        ) from error
    return True


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _inside(folder: Path, relative: str) -> Path:
    target = (folder / relative).resolve()
    if not target.is_relative_to(folder.resolve()):
        raise OutputError(f"{relative}: refusing to write outside the output folder {folder}")
    return folder / relative


def write_files(folder: Path, files: Iterable[OutputFile]) -> WriteReport:
    """Write each file into ``folder``, each atomically; unchanged files are left alone.

    Two runs writing into one folder take turns (a lock on the folder), and each run first
    removes the temporary files a killed run left behind.
    """
    report = WriteReport()
    files = list(files)
    targets = [_inside(folder, file.path) for file in files]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(
            f"{folder}: cannot write: {error.strerror} — check the output folder"
        ) from error
    with folder_lock(folder):
        remove_stale_temporaries(targets)
        for path, file in zip(targets, files, strict=True):
            if write_atomic(path, file.content):
                report.written.append(path)
            else:
                report.unchanged.append(path)
    return report


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (an ``flock`` on the folder itself), waiting for
    another feedwright run that holds it. The kernel drops it when the process ends."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


# What tempfile.mkstemp makes for write_atomic: ".NAME." + 8 random characters + ".tmp".
_TEMPORARY_NAME = re.compile(r"^\.(?P<name>.+)\.[a-z0-9_]{8}\.tmp$")


def remove_stale_temporaries(targets: Iterable[Path]) -> None:
    """Delete the temporary files a killed write left beside these target files.

    Call it only while holding the lock that keeps other runs from writing them.
    """
    by_folder: dict[Path, set[str]] = {}
    for target in targets:
        by_folder.setdefault(target.parent, set()).add(target.name)
    for folder, names in by_folder.items():
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        for entry in entries:
            match = _TEMPORARY_NAME.match(entry)
            if match and match["name"] in names:
                with contextlib.suppress(OSError):
                    os.unlink(folder / entry)
