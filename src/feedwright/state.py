"""The delivery state: which recipient has which post, so no one gets a post twice.

The state is a JSON file (default ``SITE/.feedwright/state.json``, mode 0600 because it
holds addresses). ``send`` rewrites it atomically after every accepted message, so a run
killed at any moment resumes with exactly the recipients that were left.

Runs are numbered. A post is *seen* in the first run that finds it published; a recipient
*joins* in the first run that lists them. A recipient gets the posts seen since they
joined, so a new subscriber is not sent the back catalogue. On the very first run only the
newest ``max_posts`` posts count as new; every older post is recorded as seen in run 0,
before anyone joined, so a site with years of posts never mails its archive.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from feedwright.errors import LockedError, OutputError, StateError
from feedwright.model import Post
from feedwright.recipients import Recipient
from feedwright.writer import write_atomic

STATE_VERSION = 1
_MOVE_ASIDE = (
    "restore it from a backup; moving it aside makes the next run a first run, "
    "which mails the newest posts again"
)


@dataclass
class PostRecord:
    """What the state knows of one post: the run that first saw it and who has it."""

    seen: int
    sent: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)

    def done_for(self, key: str) -> bool:
        """True when this recipient has the post, or it was permanently refused for them."""
        return key in self.sent or key in self.failed


@dataclass
class DeliveryState:
    """The whole state file in memory."""

    path: Path
    runs: int = 0
    last_sent: str | None = None
    recipients: dict[str, int] = field(default_factory=dict)
    posts: dict[str, PostRecord] = field(default_factory=dict)


def load_state(path: Path) -> DeliveryState:
    """Read the state file; a missing file is an empty state (the first run)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return DeliveryState(path=path)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise StateError(
            f"{path}: the state file cannot be read ({error}) — {_MOVE_ASIDE}"
        ) from error
    try:
        return _from_json(path, data)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise StateError(
            f"{path}: the state file is damaged ({error!r}) — {_MOVE_ASIDE}"
        ) from error


def _from_json(path: Path, data: Any) -> DeliveryState:
    if data.get("version") != STATE_VERSION:
        raise ValueError(f"unknown version {data.get('version')!r}")
    posts = {
        str(post_id): PostRecord(
            seen=int(record["seen"]),
            sent={str(key) for key in record.get("sent", [])},
            failed={str(key): str(reason) for key, reason in record.get("failed", {}).items()},
        )
        for post_id, record in data["posts"].items()
    }
    return DeliveryState(
        path=path,
        runs=int(data["runs"]),
        last_sent=data.get("last_sent"),
        recipients={str(key): int(run) for key, run in data["recipients"].items()},
        posts=posts,
    )


def state_json(state: DeliveryState) -> bytes:
    """The state as the bytes of its file; sorted, so equal states give equal files."""
    posts: dict[str, dict[str, Any]] = {}
    for post_id, record in sorted(state.posts.items()):
        entry: dict[str, Any] = {"seen": record.seen}
        if record.sent:
            entry["sent"] = sorted(record.sent)
        if record.failed:
            entry["failed"] = dict(sorted(record.failed.items()))
        posts[post_id] = entry
    data = {
        "version": STATE_VERSION,
        "runs": state.runs,
        "last_sent": state.last_sent,
        "recipients": dict(sorted(state.recipients.items())),
        "posts": posts,
    }
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def save_state(state: DeliveryState) -> None:
    """Write the state atomically (temporary file, fsync, rename), readable only by its owner."""
    try:
        write_atomic(state.path, state_json(state), mode=0o600)
    except OutputError as error:
        raise StateError(f"cannot save the delivery state: {error}") from error


def begin_run(
    state: DeliveryState, posts: Sequence[Post], recipients: Sequence[Recipient], max_posts: int
) -> bool:
    """Record the posts and recipients this run sees for the first time.

    ``posts`` are the published posts, newest first. Returns True when anything was new
    (and the state must be saved).
    """
    run = state.runs + 1
    first_run = not state.posts
    changed = False
    for index, post in enumerate(posts):
        if post.id not in state.posts:
            archived = first_run and index >= max_posts
            state.posts[post.id] = PostRecord(seen=0 if archived else run)
            changed = True
    for recipient in recipients:
        if recipient.key not in state.recipients:
            state.recipients[recipient.key] = run
            changed = True
    if changed:
        state.runs = run
    return changed


def pending_posts(state: DeliveryState, posts: Sequence[Post], recipient: Recipient) -> list[Post]:
    """The posts (of ``posts``, in their order) that ``recipient`` is still owed."""
    joined = state.recipients.get(recipient.key)
    if joined is None:
        return []
    owed = []
    for post in posts:
        record = state.posts.get(post.id)
        if record and record.seen >= joined and not record.done_for(recipient.key):
            owed.append(post)
    return owed


def record_sent(
    state: DeliveryState, posts: Sequence[Post], recipient: Recipient, when: str
) -> None:
    """Note that ``recipient`` has ``posts``."""
    for post in posts:
        state.posts[post.id].sent.add(recipient.key)
    state.last_sent = when


def record_refused(
    state: DeliveryState, posts: Sequence[Post], recipient: Recipient, reason: str
) -> None:
    """Note that the server refused ``posts`` for ``recipient`` for good; no retry."""
    for post in posts:
        state.posts[post.id].failed[recipient.key] = reason


def unsent_posts(state: DeliveryState, posts: Sequence[Post], max_posts: int) -> list[Post]:
    """The posts the next ``send`` would mail to someone: what ``digest`` shows by default.

    With no state yet, that is the newest ``max_posts``; afterwards, the posts not yet seen
    and those some known recipient is still owed.
    """
    if not state.posts:
        return list(posts[:max_posts])
    unsent = []
    for post in posts:
        record = state.posts.get(post.id)
        if record is None or any(
            record.seen >= joined and not record.done_for(key)
            for key, joined in state.recipients.items()
        ):
            unsent.append(post)
    return unsent


def lock_path(state_path: Path) -> Path:
    """The lock file that keeps two ``send`` runs of one site apart."""
    return state_path.with_name(state_path.name + ".lock")


@contextlib.contextmanager
def state_lock(state_path: Path, wait: bool = False) -> Iterator[None]:
    """Hold the site's send lock for the ``with`` block.

    An advisory ``flock`` on a lock file beside the state: the kernel releases it when the
    process ends, even by SIGKILL, so a crash never leaves a stale lock. Raises LockedError
    at once when another run holds it, unless ``wait`` is set.
    """
    path = lock_path(state_path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as error:
        raise StateError(f"{path}: cannot create the lock file: {error.strerror}") from error
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            holder = os.pread(descriptor, 32, 0).decode("ascii", "replace").strip()
            raise LockedError(
                f"{state_path}: another `feedwright send` is running"
                + (f" (process {holder})" if holder else "")
                + " — let it finish, or pass --wait to wait for it"
            ) from None
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode("ascii"), 0)
        yield
    finally:
        os.close(descriptor)
