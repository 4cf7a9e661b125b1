"""Who is owed which post, so no one gets a post twice: the rules, worked in memory.

``store`` keeps these records in the newsletter database and writes back each change as it
happens; ``load_state`` reads the JSON state file of earlier versions (which the database
imports on its first run).

Runs are numbered. A post is *seen* in the first run that finds it published; a recipient
*joins* in the first run that lists them. A recipient gets the posts seen since they
joined, so a new subscriber is not sent the back catalogue. On the very first run only the
newest ``max_posts`` posts count as new; every older post is recorded as seen in run 0,
before anyone joined, so a site with years of posts never mails its archive. Later runs
apply the same limit to a sudden flood of new posts (an imported archive, say).

A post is known by its feed id, which is its URL unless the post sets ``id``. Each record
also keeps the post's file, so when a URL changes (a new permalink pattern, a new site
address) the record follows the file instead of the post being mailed again.

The recipients of a run are the subscriber list, but absence from it never unsubscribes
anyone: a list can be cut for a moment (an editor, a failed ``git pull``). One who is
missing from a run that sees new posts is *away* from that run on, and keeps their place:
listed again, they get the posts seen since they joined that they have not had, those
published while they were away included. Only the database's status of a subscriber
(unsubscribed, bounced…) ends their subscription.

A post is *done* once everyone owed it has it; who has it is then dropped, so the state
stays small. A recipient away since before a post was seen is owed it by their absence
alone (they get nothing while away), so they do not keep it from being done: their claim
is the one number in ``away``, not an entry in every post they miss. It ends when a
message reaches them (or is refused for good).
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from feedwright.errors import LockedError, StateError
from feedwright.mail.recipients import Recipient
from feedwright.posts.model import Post

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
    # The post's file relative to the site, so the record survives a change of URL.
    source: str | None = None
    # Everyone who was owed the post has it (or was refused), but for recipients away since
    # before it was seen: `sent` is dropped, so the state stays small however many posts
    # and recipients a site has.
    done: bool = False
    # The post's row in the newsletter database, once it has one.
    row: int | None = None

    def done_for(self, key: str, away_since: int | None = None) -> bool:
        """True when this recipient has the post, or it was permanently refused for them.

        ``away_since`` is the run since which the recipient is away, if they are: a post
        seen since then has not reached them, whatever ``done`` says.
        """
        if away_since is not None and self.seen >= away_since:
            return key in self.sent or key in self.failed
        return self.done or key in self.sent or key in self.failed


@dataclass
class DeliveryState:
    """Every record in memory: the runs, the subscribers, the posts."""

    path: Path
    runs: int = 0
    last_sent: str | None = None
    recipients: dict[str, int] = field(default_factory=dict)
    posts: dict[str, PostRecord] = field(default_factory=dict)
    # Recipients missing from a run that saw new posts, and since which run: they are owed
    # every post seen from then on, until a message reaches them.
    away: dict[str, int] = field(default_factory=dict)


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
            source=str(record["source"]) if record.get("source") is not None else None,
            done=record.get("done") is True,
        )
        for post_id, record in data["posts"].items()
    }
    return DeliveryState(
        path=path,
        runs=int(data["runs"]),
        last_sent=data.get("last_sent"),
        recipients={str(key): int(run) for key, run in data["recipients"].items()},
        posts=posts,
        away={str(key): int(run) for key, run in data.get("away", {}).items()},
    )


@dataclass
class RunStart:
    """What ``begin_run`` found new."""

    new_posts: int = 0
    archived: int = 0
    moved: int = 0
    joined: int = 0
    # Recipients of earlier runs missing from this one, which sees new posts (they keep
    # their place).
    away: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when the state must be saved."""
        return bool(self.new_posts or self.moved or self.joined or self.away)


def source_key(path: Path, root: Path) -> str:
    """How the state names a post's file: relative to the site, with forward slashes."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def begin_run(
    state: DeliveryState,
    posts: Sequence[Post],
    recipients: Sequence[Recipient],
    max_posts: int,
    root: Path,
) -> RunStart:
    """Record what this run sees for the first time: posts, moved posts, recipients, and
    recipients who are away (missing from a run that sees new posts).

    ``posts`` are the published posts, newest first; ``root`` is the site folder (posts are
    matched to their records by file when their id changed). Bumps ``state.runs`` when
    anything changed.
    """
    run = state.runs + 1
    start = RunStart()
    _follow_moved_posts(state, posts, root, start)
    for post in posts:
        record = state.posts.get(post.id)
        if record is not None:
            continue
        # At most max_posts new posts are mailed at once; older ones arriving together are
        # an archive (a first run, an import, ids that changed) and are recorded as seen
        # before anyone joined.
        archived = start.new_posts - start.archived >= max_posts
        state.posts[post.id] = PostRecord(
            seen=0 if archived else run, source=source_key(post.source, root)
        )
        start.new_posts += 1
        start.archived += archived
    listed = {recipient.key for recipient in recipients}
    for key in listed - state.recipients.keys():
        state.recipients[key] = run
        start.joined += 1
    if start.new_posts:
        # Missing now, so this run's new posts do not reach them: from here on, their
        # absence is what says they are owed a post (see compact).
        start.away = sorted(state.recipients.keys() - listed - state.away.keys())
        state.away.update(dict.fromkeys(start.away, run))
    if start.changed:
        state.runs = run
    return start


def _follow_moved_posts(
    state: DeliveryState, posts: Sequence[Post], root: Path, start: RunStart
) -> None:
    """Move the record of a post whose id changed but whose file did not to its new id."""
    current_ids = {post.id for post in posts}
    orphans = {
        record.source: post_id
        for post_id, record in state.posts.items()
        if post_id not in current_ids and record.source is not None
    }
    for post in posts:
        source = source_key(post.source, root)
        record = state.posts.get(post.id)
        if record is None and source in orphans:
            state.posts[post.id] = state.posts.pop(orphans.pop(source))
            start.moved += 1
        elif record is not None and record.source != source:
            # Renamed with the same id (an explicit `id`, say): remember the new file.
            record.source = source
            start.moved += 1


def pending_posts(state: DeliveryState, posts: Sequence[Post], recipient: Recipient) -> list[Post]:
    """The posts (of ``posts``, in their order) that ``recipient`` is still owed."""
    key = recipient.key
    joined = state.recipients.get(key)
    if joined is None:
        return []
    away_since = state.away.get(key)
    owed = []
    for post in posts:
        record = state.posts.get(post.id)
        if record and record.seen >= joined and not record.done_for(key, away_since):
            owed.append(post)
    return owed


def record_sent(
    state: DeliveryState, posts: Sequence[Post], recipient: Recipient, when: str
) -> None:
    """Note that ``recipient`` has ``posts`` (every post they were owed: they are no longer
    away)."""
    record_delivered(state, [post.id for post in posts], recipient.key)
    state.last_sent = when


def record_delivered(state: DeliveryState, post_ids: Iterable[str], key: str) -> None:
    """Note that the recipient of ``key`` has the posts of ``post_ids`` and is no longer
    away."""
    for post_id in post_ids:
        record = state.posts[post_id]
        # Done already says it, of everyone who is not away.
        if not record.done:
            record.sent.add(key)
    state.away.pop(key, None)


def record_refused(
    state: DeliveryState, posts: Sequence[Post], recipient: Recipient, reason: str
) -> None:
    """Note that the server refused ``posts`` (every post they were owed) for ``recipient``
    for good; no retry."""
    for post in posts:
        state.posts[post.id].failed[recipient.key] = reason
    state.away.pop(recipient.key, None)


def unsent_posts(
    state: DeliveryState,
    posts: Sequence[Post],
    recipients: Sequence[Recipient],
    max_posts: int,
    root: Path,
) -> list[Post]:
    """The posts the next ``send`` would mail to someone: what ``digest`` shows by default.

    Plays the start of the next run on a copy of the state, so it follows the same rules
    (first run, floods, moved posts, who joined when). With no recipients, the posts the
    next run would see as new.
    """
    trial = copy.deepcopy(state)
    run = trial.runs + 1
    begin_run(trial, posts, recipients, max_posts, root)
    if recipients:
        owed = {
            post.id for recipient in recipients for post in pending_posts(trial, posts, recipient)
        }
    else:
        owed = {post.id for post in posts if trial.posts[post.id].seen == run}
    return [post for post in posts if post.id in owed]


def compact(state: DeliveryState) -> bool:
    """Mark as done each post that everyone owed it has (or was refused), dropping who has
    it; the refusals stay, as a record of what went wrong. Recipients away since before the
    post was seen do not hold it open: their absence says they are owed it.

    Returns True when anything changed. The state is rewritten after every message, so
    keeping it small keeps each send fast.
    """
    changed = False
    for record in state.posts.values():
        if not record.done and not _held_open(state, record):
            record.done = True
            record.sent.clear()
            changed = True
    return changed


def _held_open(state: DeliveryState, record: PostRecord) -> bool:
    """True when a recipient lacks the post and only its record can say so (not one away
    since before it was seen, listed again or not: ``away`` says so for them)."""
    for key, joined in state.recipients.items():
        away_since = state.away.get(key)
        if record.seen < joined or (away_since is not None and record.seen >= away_since):
            continue
        if not record.done_for(key):
            return True
    return False


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
            # Named by its folder: the lock guards the newsletter database (and the state
            # file of earlier versions) there, which a `subscribers` change writes too.
            raise LockedError(
                f"{state_path.parent}: another feedwright run is changing the newsletter "
                "database in this folder (a `send`, or a `subscribers` change"
                + (f": process {holder}" if holder else "")
                + ") — let it finish and run this again (`send --wait` waits for it)"
            ) from None
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode("ascii"), 0)
        yield
    finally:
        os.close(descriptor)
