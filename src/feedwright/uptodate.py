"""Tell, cheaply, that a build would change nothing, so cron's frequent runs cost little.

After a build that wrote every file, a record (``SITE/.feedwright/build-record.json``) keeps
a digest of what the outputs depend on, the output files' sizes and times, and the moment
the next future post becomes due. The next build may skip its work when the digest is the
same, every output is as it was left, and that moment has not come.

The digest covers feedwright's version, the whole configuration, the build options, and
the path, size, mtime and ctime of every post file and of the user's digest templates. It
reads no post: the posts are parsed only when something changed. This module imports
nothing heavy, for the same reason.

When posts did change, the record helps once more: it also keeps a digest of the posts the
outputs show (each feed's newest and the digest preview's, by file). A build whose changes
show nowhere (an old post added or fixed, a draft edited) finds that digest the same and
leaves the outputs as they are, without loading the renderers at all.
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
from feedwright.model import Site
from feedwright.sources import FileKey, post_file_names, stat_files

RECORD_NAME = "build-record.json"


def record_path(site: Site) -> Path:
    """Where the record of the last complete build lives."""
    return site.data_folder / RECORD_NAME


@dataclass(frozen=True)
class InputScan:
    """What a build's outputs depend on, taken without reading any post."""

    # A digest of feedwright's version, the configuration, the options and the user's
    # digest templates: everything but the posts.
    settings: str
    # Every post file, in order, with its size, mtime and ctime (None: it went away).
    files: list[tuple[str, FileKey | None]]
    # A digest of all of it.
    digest: str


def scan_inputs(site: Site, options: Iterable[object]) -> InputScan:
    """List and stat everything a build's outputs depend on; read no post."""
    settings = hashlib.sha256(f"{__version__}\n{site!r}\n{list(options)!r}\n".encode())
    if site.digest.templates is not None and site.digest.templates.is_dir():
        for name, key in stat_files(sorted(map(str, site.digest.templates.iterdir()))):
            settings.update(f"{name}\0{key}\n".encode())
    files = stat_files(post_file_names(site))
    digest = hashlib.sha256(settings.hexdigest().encode())
    digest.update("".join(f"{name}\0{key}\n" for name, key in files).encode())
    return InputScan(settings.hexdigest(), files, digest.hexdigest())


def inputs_digest(site: Site, options: Iterable[object]) -> str:
    """A digest of everything a build's outputs depend on, without reading any post."""
    return scan_inputs(site, options).digest


def shown_digest(settings: str, shown: Iterable[tuple[str, Iterable[Path]]]) -> str:
    """A digest of what the outputs show: the settings digest and, for each output group
    (a feed, the digest preview), its name and the files of its posts as they are now."""
    digest = hashlib.sha256(settings.encode())
    for name, sources in shown:
        digest.update(f"{name}\n".encode())
        for source, key in stat_files([str(source) for source in sources]):
            digest.update(f"{source}\0{key}\n".encode())
    return digest.hexdigest()


def _output_stamps(folder: Path, names: Iterable[str]) -> dict[str, list[int]]:
    stamps = {}
    for name in names:
        stat = (folder / name).stat()
        stamps[name] = [stat.st_size, stat.st_mtime_ns]
    return stamps


def record_build(
    site: Site,
    options: Iterable[object],
    outputs: Iterable[str],
    next_due: datetime | None,
    digest: str | None = None,
    shown: str | None = None,
) -> None:
    """Remember a build that wrote ``outputs`` (paths in the output folder). ``digest`` is
    the inputs' digest taken before the build read anything; ``next_due`` the date of the
    first post left out for being in the future; ``shown`` the ``shown_digest`` of the
    posts the outputs show. Failing to write the record is harmless."""
    # Imported here: the writer pulls in the feed stage, which checking a record never needs.
    from feedwright.errors import OutputError
    from feedwright.writer import write_atomic

    try:
        record = {
            "inputs": digest or inputs_digest(site, options),
            "output": str(site.output),
            "outputs": _output_stamps(site.output, sorted(outputs)),
            "next_due": next_due.isoformat() if next_due else None,
            "shown": shown,
        }
    except OSError:
        return
    content = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
    with contextlib.suppress(OutputError):
        write_atomic(record_path(site), content.encode("utf-8"))


def forget_build(site: Site) -> None:
    """Drop the record, so that the next build does all its work."""
    with contextlib.suppress(OSError):
        os.unlink(record_path(site))


def is_up_to_date(
    site: Site, options: Iterable[object], now: datetime, inputs: str | None = None
) -> int | None:
    """The number of output files when a build with ``options`` would change nothing at
    ``now``; None when it must run. ``inputs`` is the inputs' digest, when already taken."""
    try:
        record = json.loads(record_path(site).read_bytes())
        inputs = inputs or inputs_digest(site, options)
        if record["output"] != str(site.output) or record["inputs"] != inputs:
            return None
        if record["next_due"] and now >= datetime.fromisoformat(record["next_due"]):
            return None
        outputs: dict[str, list[int]] = record["outputs"]
        if _output_stamps(site.output, outputs) != outputs:
            return None
        return len(outputs)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def unchanged_outputs(site: Site, shown: str) -> list[str] | None:
    """The output files of the last build when they show the same posts as ``shown`` says
    (a ``shown_digest``) and are on disk as that build left them; else None."""
    try:
        record = json.loads(record_path(site).read_bytes())
        outputs: dict[str, list[int]] = record["outputs"]
        if record["output"] != str(site.output) or record["shown"] != shown:
            return None
        if _output_stamps(site.output, outputs) != outputs:
            return None
        return list(outputs)
    except (OSError, ValueError, KeyError, TypeError):
        return None
