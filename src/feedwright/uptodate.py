"""Tell, cheaply, that a build would change nothing, so cron's frequent runs cost little.

After a build that wrote every file, a record (``SITE/.feedwright/build-record.json``) keeps
a digest of what the outputs depend on, the output files' sizes and times, and the moment
the next future post becomes due. The next build may skip its work when the digest is the
same, every output is as it was left, and that moment has not come.

The digest covers feedwright's version, the whole configuration, the build options, and
the path, size, mtime and ctime of every post file and of the user's digest templates. It
reads no post: the posts are parsed only when something changed. This module imports
nothing heavy, for the same reason.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from feedwright import __version__
from feedwright.model import Site
from feedwright.sources import post_file_names

RECORD_NAME = "build-record.json"


def record_path(site: Site) -> Path:
    """Where the record of the last complete build lives."""
    return site.data_folder / RECORD_NAME


def inputs_digest(site: Site, options: Iterable[object]) -> str:
    """A digest of everything a build's outputs depend on, without reading any post."""
    digest = hashlib.sha256(f"{__version__}\n{site!r}\n{list(options)!r}\n".encode())
    files = post_file_names(site)
    if site.digest.templates is not None and site.digest.templates.is_dir():
        files += sorted(str(path) for path in site.digest.templates.iterdir())
    for path in files:
        try:
            stat = os.stat(path)
        except OSError:
            digest.update(f"{path}\0missing\n".encode())
            continue
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0{stat.st_ctime_ns}\n".encode())
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
) -> None:
    """Remember a build that wrote ``outputs`` (paths in the output folder). ``digest`` is
    the inputs' digest taken before the build read anything; ``next_due`` the date of the
    first post left out for being in the future. Failing to write the record is harmless."""
    # Imported here: the writer pulls in the feed stage, which checking a record never needs.
    from feedwright.errors import OutputError
    from feedwright.writer import write_atomic

    try:
        record = {
            "inputs": digest or inputs_digest(site, options),
            "output": str(site.output),
            "outputs": _output_stamps(site.output, sorted(outputs)),
            "next_due": next_due.isoformat() if next_due else None,
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
