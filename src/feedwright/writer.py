"""Write output files so that a reader never sees half a file and a failure loses nothing."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

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
    if _holds(path, content):
        return False
    temporary = _write_temporary(path, content, mode)
    _rename(temporary, path)
    if durable:
        try:
            _sync_folder(path.parent)
        except OSError as error:
            raise _cannot_write(path, error) from error
    return True


def write_shared(path: Path, content: bytes) -> bool:
    """``write_atomic`` for a file that every run of feedwright on a site may write (the
    front matter cache, the build record), with the temporary files of it that a killed
    run left removed first. Under a lock on its folder: a run that is writing the file
    meanwhile is waited for, so that its temporary file is never taken for a leftover."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with folder_lock(path.parent):
            remove_stale_temporaries([path])
            return write_atomic(path, content)
    except OSError as error:  # the folder cannot be made or opened
        raise _cannot_write(path, error) from error


def _cannot_write(path: Path, error: OSError) -> OutputError:
    return OutputError(f"{path}: cannot write: {error.strerror} — check the output folder")


def _holds(path: Path, content: bytes) -> bool:
    """True when ``path`` is a file that holds exactly ``content``."""
    try:
        return (
            path.is_file() and path.stat().st_size == len(content) and path.read_bytes() == content
        )
    except OSError as error:
        raise _cannot_write(path, error) from error


def _write_temporary(path: Path, content: bytes, mode: int) -> str:
    """A complete, synced temporary file beside ``path`` holding ``content``: its name.

    Raises OutputError, leaving no temporary file, when it cannot be written; or when a
    folder has the name of ``path``, which a rename could not replace.
    """
    import tempfile  # here: checking that a build is up to date writes nothing

    if path.is_dir() and not path.is_symlink():
        raise OutputError(
            f"{path}: cannot write: a folder is in the way — remove or rename that folder"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
        )
    except OSError as error:
        raise _cannot_write(path, error) from error
    with _removed_on_failure(temporary, path):
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
    return temporary


def _rename(temporary: str, path: Path) -> None:
    """Put the temporary file in place of ``path`` (OutputError, and no temporary file
    left, when that fails)."""
    with _removed_on_failure(temporary, path):
        os.replace(temporary, path)


@contextlib.contextmanager
def _removed_on_failure(temporary: str, path: Path) -> Iterator[None]:
    """Remove ``temporary`` when the block fails, Ctrl-C too, so that no temporary file is
    left behind; an OSError becomes the OutputError about ``path``."""
    try:
        yield
    except BaseException as error:
        _remove(temporary)
        if isinstance(error, OSError):
            raise _cannot_write(path, error) from error
        raise


def _remove(temporary: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(temporary)


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
    """Write each file into ``folder``, all or none; unchanged files are left alone.

    See ``staged_files``: every file is written to a temporary file first, and only once
    all of them are, are they renamed into place.
    """
    with staged_files(folder) as staged:
        staged.add(files)
        return staged.commit()


class StagedFiles:
    """Output files on their way into one folder: each is written (and synced) to a
    temporary file beside its target as it is added, and ``commit`` renames them all into
    place. Until then no output has changed, so a failure on the way (a full disk, a
    folder in the way) leaves every output as it was. Made by ``staged_files``."""

    def __init__(self, folder: Path, new_folders: list[Path]) -> None:
        self.folder = folder
        # Each file added, by its path in the folder (with ``/``), in the order added.
        self.paths: list[str] = []
        self._added: set[str] = set()
        self._temporaries: dict[Path, str] = {}
        self._unchanged: list[Path] = []
        # The folders made for the files so far, outermost first: a failed write removes
        # them again.
        self._new_folders = new_folders

    def add(self, files: Iterable[OutputFile]) -> None:
        """Write each file to its temporary file, unless the file already holds its
        bytes. Raises OutputError when one cannot be written, or when two have one path."""
        for file in files:
            path = _inside(self.folder, file.path)
            if file.path in self._added:
                raise OutputError(
                    f"{path}: two outputs have this name — one would replace the other"
                )
            self._added.add(file.path)
            self.paths.append(file.path)
            if _holds(path, file.content):
                self._unchanged.append(path)
            else:
                self._new_folders.extend(_missing_folders(path.parent))
                self._temporaries[path] = _write_temporary(path, file.content, 0o644)

    def commit(self) -> WriteReport:
        """Rename every temporary file into place: the new outputs, all at once. A Ctrl-C
        or SIGTERM meanwhile waits for the last rename (see ``signals_held``), then stops
        the run: every output is new. The folders of the new files are then synced, so
        that the renames survive a power cut before the build record says they were done.
        """
        report = WriteReport(unchanged=list(self._unchanged))
        with signals_held():
            self._new_folders.clear()  # they hold outputs now
            while self._temporaries:
                path, temporary = next(iter(self._temporaries.items()))
                del self._temporaries[path]
                _rename(temporary, path)
                report.written.append(path)
            for folder in dict.fromkeys(path.parent for path in report.written):
                try:
                    _sync_folder(folder)
                except OSError as error:
                    raise OutputError(
                        f"{folder}: cannot sync the folder: {error.strerror} — the new "
                        "outputs are in place, but may not outlast a power cut; check the disk"
                    ) from error
        return report

    def discard(self) -> None:
        """Forget every file added so far and remove its temporary file."""
        for temporary in self._temporaries.values():
            _remove(temporary)
        for folder in reversed(self._new_folders):
            with contextlib.suppress(OSError):  # not empty: someone else's file is there
                folder.rmdir()
        self._new_folders.clear()
        self._temporaries.clear()
        self._unchanged.clear()
        self._added.clear()
        self.paths.clear()


@contextlib.contextmanager
def staged_files(folder: Path) -> Iterator[StagedFiles]:
    """Files to write into ``folder``, all or none (see ``StagedFiles``), under a lock on
    the folder: two runs writing into it take turns. What is not committed when the block
    ends is discarded, a SIGTERM or SIGHUP meanwhile included (see ``Ended``); and then
    the temporary files a killed run left beside these outputs are removed."""
    new_folders = _missing_folders(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _cannot_write(folder, error) from error
    with folder_lock(folder), unwind_on_ending_signals():
        staged = StagedFiles(folder, new_folders)
        try:
            yield staged
        finally:
            targets = [folder / path for path in staged.paths]
            staged.discard()
            remove_stale_temporaries(targets)


def _missing_folders(folder: Path) -> list[Path]:
    """``folder`` and those of its parents that do not exist, outermost first."""
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    return missing[::-1]


@contextlib.contextmanager
def folder_lock(folder: Path, shared: bool = False) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (an ``flock`` on the folder itself), waiting for
    another feedwright run that holds it. The kernel drops it when the process ends.
    ``shared``: a lock that others may hold too, for writers that may write at once (see
    ``remove_stale_files``)."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def remove_stale_files(folder: Path, stale: re.Pattern[str]) -> bool:
    """Delete the files of ``folder`` whose names ``stale`` matches in full: the temporary
    files a killed run left there. A run that writes such a file holds ``folder_lock`` on
    the folder (shared) until it is renamed or removed; while one does, nothing is removed
    (its file is not stale) and the answer is False: a later run sweeps them.
    """
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:  # no folder, nothing to sweep
        return True
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        for entry in os.listdir(folder):
            if stale.fullmatch(entry):
                with contextlib.suppress(OSError):
                    os.unlink(folder / entry)
        return True
    finally:
        os.close(descriptor)


# The signals that stop a run in an orderly way: Ctrl-C, `kill`, `timeout`, systemd; a
# terminal closed under a run.
HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# Those of them that end the process at once by default, with no clean-up (Ctrl-C raises
# KeyboardInterrupt, which unwinds).
ENDING_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class Ended(BaseException):
    """A SIGTERM or SIGHUP that came while output files were staged. Raised, as Ctrl-C
    raises KeyboardInterrupt, so that the temporary files are removed on the way out
    (a deploy that runs meanwhile would publish them); then the signal is delivered again
    and ends the process as it would have. A BaseException, which ``except Exception``
    does not stop."""

    def __init__(self, number: int) -> None:
        super().__init__(f"ended by signal {number}")
        self.number = number


@contextlib.contextmanager
def unwind_on_ending_signals() -> Iterator[None]:
    """Turn a SIGTERM or SIGHUP that would end the process at once (its handler is the
    default) into ``Ended`` during the block, and deliver it again, with the default
    handler back, once the block has unwound: so that what the block must finish (remove
    its temporary files, record the messages a server accepted) is finished. In the main
    thread only (where handlers are set); a signal with a handler of its own, or ignored,
    is left alone."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    owner = os.getpid()
    arrived: list[int] = []

    def end(number: int, _frame: FrameType | None) -> None:
        if os.getpid() != owner:  # a process forked meanwhile: it ends as by default
            signal.signal(number, signal.SIG_DFL)
            signal.raise_signal(number)
            return
        arrived.append(number)
        if len(arrived) == 1:  # once: a second one must not cut the clean-up short
            raise Ended(number)

    replaced: list[signal.Signals] = []
    try:
        for ending in ENDING_SIGNALS:
            if signal.getsignal(ending) == signal.SIG_DFL:
                signal.signal(ending, end)
                replaced.append(ending)
        yield
    finally:
        for ending in replaced:
            signal.signal(ending, signal.SIG_DFL)
        for number in dict.fromkeys(arrived):
            signal.raise_signal(number)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold back SIGINT, SIGTERM and SIGHUP during the block, and deliver them as it ends,
    each to the handler it had (the default's ends the process, as it would have): a block
    that a signal must not cut in two, such as the renames of a build's outputs. A signal
    the process ignores stays ignored.

    The held signals are caught, not blocked: a blocked signal still reaches another
    thread that does not block it (a process pool's, a library caller's), which ends the
    process or has Python raise KeyboardInterrupt in the main thread all the same. Only
    the main thread can set handlers; elsewhere the block runs unprotected. SIGKILL cannot
    be held (see README, "Stopped, killed or cut off")."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    arrived: list[int] = []

    def hold(number: int, _frame: FrameType | None) -> None:
        arrived.append(number)

    previous: dict[signal.Signals, Callable[[int, FrameType | None], object] | int] = {}
    try:
        for held in HELD_SIGNALS:
            handler = signal.getsignal(held)
            # None: a handler set outside Python, which Python cannot put back.
            if handler is not None and handler != signal.SIG_IGN:
                signal.signal(held, hold)
                previous[held] = handler
        yield
    finally:
        for held, handler in previous.items():
            signal.signal(held, handler)
        for number in dict.fromkeys(arrived):
            signal.raise_signal(number)


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
