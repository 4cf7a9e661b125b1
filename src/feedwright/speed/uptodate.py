"""Tell, cheaply, that a build would change nothing, so cron's frequent runs cost little.

After a build that wrote every file, a record (``SITE/.feedwright/build-record.json``) keeps
a fingerprint (a SHA-256) of what the outputs depend on, the output files' sizes and
times, and the moment the next future post becomes due. The next build may skip its work
when the fingerprint is the same, every output is as it was left, and that moment has not
come.

The fingerprint covers feedwright's version, the whole configuration, the build options,
and the path, size, mtime and ctime of every post file and of the user's digest
templates. It reads no post: the posts are parsed only when something changed. This
module imports nothing heavy, for the same reason.

When posts did change, the record helps once more: it also keeps a fingerprint of the
posts the outputs show (each feed's newest and the digest preview's, by file). A build
whose changes show nowhere (an old post added or fixed, a draft edited) finds that
fingerprint the same and leaves the outputs as they are, without loading the renderers.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from feedwright import __version__
from feedwright.errors import OutputError
from feedwright.posts.files import FileKey, post_and_list_page_names, stat_files
from feedwright.site.model import Site

RECORD_NAME = "build-record.json"
# The newsletter database's file name (mail.store.STORE_NAME, which speed may not import).
STORE_NAME = "newsletter.db"


def record_path(site: Site) -> Path:
    """Where the record of the last complete build lives."""
    return site.data_folder / RECORD_NAME


@dataclass(frozen=True)
class InputScan:
    """What a build's outputs depend on, taken without reading any post."""

    # The fingerprint of feedwright's version, the configuration, the options and the
    # user's digest templates: everything but the posts.
    settings: str
    # Every post file, in order, with its size, mtime and ctime (None: it went away).
    files: list[tuple[str, FileKey | None]]
    # A Hugo site's list pages (``_index`` files), whose folders are sections: where they
    # are shapes the posts' URLs (part of ``settings``; their contents do not matter).
    list_pages: list[str]
    # The fingerprint of all of it.
    fingerprint: str


def scan_inputs(site: Site, options: Iterable[object], drafts: bool = False) -> InputScan:
    """List and stat everything a build's outputs depend on (with ``drafts``, a Jekyll
    site's ``_drafts`` too); read no post."""
    settings = hashlib.sha256(f"{__version__}\n{site!r}\n{list(options)!r}\n".encode())
    templates = site.digest.templates
    if templates is not None and templates.is_dir():
        try:
            names = sorted(map(str, templates.iterdir()))
        except OSError:
            # Rendering will say what is wrong with the folder; until it can be read, no
            # build counts as up to date.
            names = []
            settings.update(os.urandom(16))
        for name, key in stat_files(names):
            settings.update(_file_bytes(f"{name}\0{key}\n"))
    if site.digest.archive:
        # The web archive shows the digests sent: a send changes the newsletter database
        # (its write-ahead log first), and so the pages (see mail.archive).
        # Their size and mtime, not their ctime: a reader (a build) opens them too.
        store = site.state_path.with_name(STORE_NAME)
        for file in (store, store.with_name(f"{STORE_NAME}-wal")):
            settings.update(_file_bytes(f"{file}\0{_written(file)}\n"))
    names, list_pages = post_and_list_page_names(site, drafts)
    settings.update(_file_bytes("".join(f"{name}\n" for name in list_pages)))
    files = stat_files(names)
    fingerprint = hashlib.sha256(settings.hexdigest().encode())
    fingerprint.update(_file_bytes("".join(f"{name}\0{key}\n" for name, key in files)))
    return InputScan(settings.hexdigest(), files, list_pages, fingerprint.hexdigest())


def _written(path: Path) -> tuple[int, int] | None:
    """A file's size and mtime; None when it does not exist or is empty (a reader of
    the database makes an empty write-ahead log, which holds nothing)."""
    try:
        status = path.stat()
    except OSError:
        return None
    return (status.st_size, status.st_mtime_ns) if status.st_size else None


def _file_bytes(text: str) -> bytes:
    """Text that holds file names, as bytes: a name that is not UTF-8 (which Python holds
    with surrogates) as the bytes it has on disk, for the fingerprint to hold it too."""
    return text.encode("utf-8", "surrogateescape")


def shown_fingerprint(settings: str, shown: Iterable[tuple[str, Iterable[Path]]]) -> str:
    """The fingerprint of what the outputs show: the settings' fingerprint and, for each
    output (a feed, the digest preview), its name and the files of its posts as they are
    now."""
    fingerprint = hashlib.sha256(settings.encode())
    for name, sources in shown:
        fingerprint.update(f"{name}\n".encode())
        for source, key in stat_files([str(source) for source in sources]):
            fingerprint.update(_file_bytes(f"{source}\0{key}\n"))
    return fingerprint.hexdigest()


def _output_stamps(folder: Path, names: Iterable[str]) -> dict[str, list[int]]:
    stamps = {}
    for name in names:
        stat = (folder / name).stat()
        stamps[name] = [stat.st_size, stat.st_mtime_ns]
    return stamps


def record_build(
    site: Site, inputs: str, shown: str, outputs: Iterable[str], next_due: datetime | None
) -> None:
    """Remember a build that wrote ``outputs`` (paths in the output folder). ``inputs`` is
    the inputs' fingerprint taken before the build read anything, ``shown`` the
    ``shown_fingerprint`` of the posts the outputs show, and ``next_due`` the date of the
    first post left out for being in the future. Failing to write the record is harmless."""
    try:
        record = {
            "inputs": inputs,
            "output": str(site.output),
            "outputs": _output_stamps(site.output, sorted(outputs)),
            "next_due": next_due.isoformat() if next_due else None,
            "shown": shown,
        }
    except OSError:
        return
    content = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
    # Imported here: checking a record, all a build that finds nothing changed does, writes
    # nothing.
    from feedwright.writer import write_shared

    with contextlib.suppress(OutputError):
        write_shared(record_path(site), content.encode("utf-8"))


def up_to_date_outputs(site: Site, inputs: str, now: datetime) -> list[str] | None:
    """The output files of the last build when a build whose inputs have the fingerprint
    ``inputs`` would change nothing at ``now``; None when it must run."""
    record = _read_record(site)
    if record is None or record.inputs != inputs:
        return None
    if record.next_due is not None and now >= record.next_due:
        return None
    return record.outputs


def unchanged_outputs(site: Site, shown: str) -> list[str] | None:
    """The output files of the last build when they show the same posts as ``shown`` says
    (a ``shown_fingerprint``); else None."""
    record = _read_record(site)
    if record is None or record.shown != shown:
        return None
    return record.outputs


@dataclass(frozen=True)
class _Record:
    inputs: str
    shown: str | None
    next_due: datetime | None
    outputs: list[str]


def _read_record(site: Site) -> _Record | None:
    """The record of the last build into the site's output folder, when every output is on
    disk as that build left it; else None."""
    try:
        record = json.loads(record_path(site).read_bytes())
        outputs: dict[str, list[int]] = record["outputs"]
        if record["output"] != str(site.output):
            return None
        if _output_stamps(site.output, outputs) != outputs:
            return None
        next_due = record["next_due"]
        return _Record(
            inputs=record["inputs"],
            shown=record["shown"],
            next_due=datetime.fromisoformat(next_due) if next_due else None,
            outputs=list(outputs),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
