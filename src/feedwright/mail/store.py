"""The newsletter's database: subscribers, the posts it knows, every delivery and refusal.

One SQLite file beside the old state file (default ``SITE/.feedwright/newsletter.db``,
mode 0600 because it holds addresses), in WAL mode with foreign keys on. ``send`` is its
one writer (under the send lock of ``records.state_lock``); readers (``digest``, a dry run)
never change it. A busy database is waited for ``BUSY_SECONDS``, then a clear error.

What ``send`` decides is still decided in memory by ``records`` (who is owed which post):
``load_records`` fills a ``DeliveryState`` from the tables, and each change is written back
as it happens, each in one small transaction: the start of a run (new posts, new
subscribers, who is away), then one per accepted or refused message, whose size does not
grow with the list. A run killed at any moment resumes from the last committed message.

The first run of this version imports an existing ``state.json`` in the transaction that
creates the tables, then renames it ``state.json.imported`` (a backup: nothing reads it).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from feedwright.errors import StateError
from feedwright.mail.recipients import Recipient, address_key
from feedwright.mail.records import (
    DeliveryState,
    PostRecord,
    RunStart,
    load_state,
    record_delivered,
)
from feedwright.posts.model import Post
from feedwright.site.model import Site

STORE_NAME = "newsletter.db"
# Beside it: the deliveries a send could not write to the database (busy for too long, or
# failing), each a line of JSON, synced; the next send records them first.
JOURNAL_NAME = "newsletter.pending.jsonl"
# The name the imported state file is kept under.
IMPORTED_SUFFIX = ".imported"
SCHEMA_VERSION = 2
# How long a write waits for another writer (an import, a later web endpoint) to finish.
BUSY_SECONDS = 5.0
# How often, at most, what a send recorded is made durable (a checkpoint, which syncs the
# WAL and the database): a power cut loses at most the records of this many seconds.
SYNC_SECONDS = 1.0
STATUSES = ("pending", "active", "unsubscribed", "bounced", "complained")

# Each migration takes the schema from the version before it to its own number; the
# database's `PRAGMA user_version` says which ran. A new version appends one.
_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE subscribers (
        id INTEGER PRIMARY KEY,
        address TEXT NOT NULL,
        -- the address with its domain lower-cased: two spellings of one mailbox
        address_key TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL CHECK (status IN
            ('pending', 'active', 'unsubscribed', 'bounced', 'complained')),
        status_at TEXT NOT NULL,
        status_cause TEXT NOT NULL,
        -- where the subscription came from, and when (the consent record)
        consent_source TEXT NOT NULL,
        subscribed_at TEXT NOT NULL,
        -- the send run that first listed them: they get the posts seen from then on
        joined_run INTEGER NOT NULL,
        -- missing from the list since this run (not an unsubscribe: they keep their place)
        away_since INTEGER
    );
    CREATE TABLE status_changes (
        id INTEGER PRIMARY KEY,
        subscriber_id INTEGER NOT NULL REFERENCES subscribers (id),
        status TEXT NOT NULL,
        changed_at TEXT NOT NULL,
        cause TEXT NOT NULL
    );
    CREATE INDEX status_changes_by_subscriber ON status_changes (subscriber_id);
    CREATE TABLE posts (
        id INTEGER PRIMARY KEY,
        feed_id TEXT NOT NULL UNIQUE,
        file TEXT,
        url TEXT,
        first_seen TEXT,
        -- the send run that first saw it published (0: the archive, never mailed)
        seen_run INTEGER NOT NULL,
        -- every subscriber owed it has it (or was refused it)
        mailed INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY,
        subscriber_id INTEGER NOT NULL REFERENCES subscribers (id),
        message_id TEXT,
        accepted_at TEXT,
        reply TEXT
    );
    CREATE INDEX deliveries_by_subscriber ON deliveries (subscriber_id);
    CREATE TABLE delivery_posts (
        post_id INTEGER NOT NULL REFERENCES posts (id),
        delivery_id INTEGER NOT NULL REFERENCES deliveries (id),
        PRIMARY KEY (post_id, delivery_id)
    ) WITHOUT ROWID;
    CREATE TABLE refusals (
        id INTEGER PRIMARY KEY,
        subscriber_id INTEGER NOT NULL REFERENCES subscribers (id),
        refused_at TEXT,
        reply TEXT NOT NULL
    );
    CREATE INDEX refusals_by_subscriber ON refusals (subscriber_id);
    CREATE TABLE refusal_posts (
        post_id INTEGER NOT NULL REFERENCES posts (id),
        refusal_id INTEGER NOT NULL REFERENCES refusals (id),
        PRIMARY KEY (post_id, refusal_id)
    ) WITHOUT ROWID;
    """,
    # The name of the web archive's page each message links to ("view in browser"): the
    # page keeps it, whatever the days of its posts or the order of the records say later.
    """
    ALTER TABLE deliveries ADD COLUMN web_page TEXT;
    """,
)


def store_path(site: Site) -> Path:
    """Where the site's newsletter database is: beside the state file of earlier versions."""
    return site.state_path.with_name(STORE_NAME)


def imported_path(site: Site) -> Path:
    """Where the state file is kept once the database has imported it."""
    return site.state_path.with_name(site.state_path.name + IMPORTED_SUFFIX)


@dataclass
class Store:
    """An open database, and what ``send`` needs of it at hand: each subscriber's row id,
    status and name by address key, and each post row as last written."""

    path: Path
    connection: sqlite3.Connection
    subscriber_ids: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    # Each post row as last written: (feed id, file, URL).
    written_posts: dict[int, tuple[str, str | None, str | None]] = field(default_factory=dict)
    # When what was committed was last made durable (time.monotonic()).
    synced_at: float = field(default_factory=time.monotonic)

    def close(self) -> None:
        """Close the connection (WAL checkpoints what it can)."""
        self.connection.close()


def _error(path: Path, error: sqlite3.Error) -> StateError:
    """A database error as the project's error, with what to do."""
    text = str(error)
    if "locked" in text or "busy" in text:
        return StateError(
            f"{path}: the database is busy: another program has been writing to it for "
            f"{BUSY_SECONDS:g} seconds — try again when it is done"
        )
    return StateError(
        f"{path}: the newsletter database cannot be used ({text}) — restore it from a "
        "backup; without it, the next send starts over and mails the newest posts again"
    )


@contextmanager
def _transaction(store: Store) -> Iterator[sqlite3.Connection]:
    """One write transaction, taken at once (BEGIN IMMEDIATE) so a busy database fails
    before any work; committed at the end of the block, rolled back on any error."""
    connection = store.connection
    try:
        connection.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as error:
        raise _error(store.path, error) from None
    try:
        yield connection
        connection.execute("COMMIT")
    except BaseException as failure:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        if isinstance(failure, sqlite3.Error):
            raise _error(store.path, failure) from None
        raise


def _connect(path: Path, read_only: bool = False) -> sqlite3.Connection:
    if path.is_dir():
        # SQLite would say "disk I/O error" (or "unable to open"), which reads as a damaged
        # database to restore.
        raise StateError(
            f"{path}: this is a folder, where the newsletter database should be — move the "
            "folder away (if it holds the database, move that file here)"
        )
    if read_only:
        uri = f"file:{urllib.parse.quote(str(path))}?mode=ro"
        connection = sqlite3.connect(uri, uri=True, timeout=BUSY_SECONDS, isolation_level=None)
    else:
        # Created by hand first: SQLite would make it readable by everyone (its WAL and
        # shared-memory files take the database's mode).
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        # Used by the threads of a send's sessions in turn (see delivery.Records).
        connection = sqlite3.connect(
            path, timeout=BUSY_SECONDS, isolation_level=None, check_same_thread=False
        )
        connection.execute("PRAGMA journal_mode = WAL")
        # A commit is in the WAL file, which survives the process being killed; it reaches
        # the disk at the next checkpoint (sync_now_and_then), not at once: a sync per
        # message would cost more than sending it (see the README on power cuts).
        connection.execute("PRAGMA synchronous = NORMAL")
    connection.execute("PRAGMA foreign_keys = ON")
    return connection


def open_store(site: Site, listed: Sequence[Recipient], now: datetime) -> Store:
    """Open the site's database for ``send``, creating it (and importing ``state.json``,
    with the names and spellings of ``listed``) on the first run; raise StateError when it
    cannot be used. The caller holds the send lock and closes the store."""
    path = store_path(site)
    old_state = None
    if not path.exists() and site.state_path.exists():
        old_state = load_state(site.state_path)  # a damaged file stops here, untouched
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = _connect(path)
    except (OSError, sqlite3.Error) as error:
        raise StateError(f"{path}: cannot open the newsletter database: {error}") from None
    store = Store(path=path, connection=connection)
    try:
        _migrate(store, old_state, listed, now)
        if old_state is not None:
            # On the disk before the old file is moved aside: a power cut must not leave
            # neither.
            store.synced_at = 0.0
            sync_now_and_then(store)
        _record_kept_aside(store)
        _load_subscribers(store)
    except BaseException:
        store.close()
        raise
    if old_state is not None or (site.state_path.exists() and _meta(store, "imported_from")):
        try:
            os.replace(site.state_path, imported_path(site))
        except OSError as error:
            store.close()
            raise StateError(
                f"{site.state_path}: cannot rename it once imported: {error}"
            ) from None
    return store


def _meta(store: Store, name: str) -> str | None:
    row = store.connection.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
    return None if row is None else str(row[0])


def _set_meta(connection: sqlite3.Connection, name: str, value: str) -> None:
    connection.execute(
        "INSERT INTO meta (name, value) VALUES (?, ?) "
        "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        (name, value),
    )


def _migrate(
    store: Store, old_state: DeliveryState | None, listed: Sequence[Recipient], now: datetime
) -> None:
    """Bring the schema to SCHEMA_VERSION, each step in its own transaction; the first one
    imports ``old_state`` with the tables it creates, so the upgrade is all or nothing."""
    try:
        version = int(store.connection.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.Error as error:
        raise _error(store.path, error) from None
    if version > SCHEMA_VERSION:
        raise StateError(
            f"{store.path}: the newsletter database is of a newer feedwright (schema "
            f"{version}, this one knows {SCHEMA_VERSION}) — upgrade feedwright"
        )
    for number in range(version, SCHEMA_VERSION):
        with _transaction(store) as connection:
            for statement in _MIGRATIONS[number].split(";"):
                if statement.strip():
                    connection.execute(statement)
            if number == 0:
                _set_meta(connection, "runs", "0")
                if old_state is not None:
                    _import_state(connection, old_state, listed, now)
            connection.execute(f"PRAGMA user_version = {number + 1}")


def _import_state(
    connection: sqlite3.Connection,
    state: DeliveryState,
    listed: Sequence[Recipient],
    now: datetime,
) -> None:
    """Write what ``state.json`` knew into the new tables: the run count, every post, every
    recipient (with the spelling and name ``listed`` gives them), who has the posts not yet
    done, and the refusals."""
    when = now.isoformat(timespec="seconds")
    _set_meta(connection, "runs", str(state.runs))
    _set_meta(connection, "imported_from", str(state.path))
    if state.last_sent:
        _set_meta(connection, "last_sent", state.last_sent)
    # The state file knew addresses lower-cased whole; the list has them as written.
    spelled = {recipient.email.lower(): recipient for recipient in listed}
    subscriber_ids = {}
    for old_key, joined in state.recipients.items():
        recipient = spelled.get(old_key, Recipient(email=old_key))
        subscriber_ids[old_key] = _insert_subscriber(
            connection,
            recipient,
            joined,
            when,
            f"imported from {state.path.name}",
            state.away.get(old_key),
        )
    for post_id, record in state.posts.items():
        row = connection.execute(
            "INSERT INTO posts (feed_id, file, seen_run, mailed) VALUES (?, ?, ?, ?)",
            (post_id, record.source, record.seen, int(record.done)),
        ).lastrowid
        for key in record.sent & subscriber_ids.keys():
            delivery = connection.execute(
                "INSERT INTO deliveries (subscriber_id, accepted_at, reply) VALUES (?, ?, ?)",
                (subscriber_ids[key], state.last_sent, f"imported from {state.path.name}"),
            ).lastrowid
            connection.execute(
                "INSERT INTO delivery_posts (post_id, delivery_id) VALUES (?, ?)", (row, delivery)
            )
        for key, reason in record.failed.items():
            if key in subscriber_ids:
                refusal = connection.execute(
                    "INSERT INTO refusals (subscriber_id, reply) VALUES (?, ?)",
                    (subscriber_ids[key], reason),
                ).lastrowid
                connection.execute(
                    "INSERT INTO refusal_posts (post_id, refusal_id) VALUES (?, ?)",
                    (row, refusal),
                )


def _insert_subscriber(
    connection: sqlite3.Connection,
    recipient: Recipient,
    joined: int,
    when: str,
    source: str,
    away_since: int | None = None,
    status: str = "active",
) -> int:
    """Add a subscriber (active unless ``status`` says otherwise), with where they came
    from; their row id. Their history starts with that status alone."""
    row = connection.execute(
        "INSERT INTO subscribers (address, address_key, name, status, status_at, status_cause,"
        " consent_source, subscribed_at, joined_run, away_since)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            recipient.email,
            recipient.key,
            recipient.name,
            status,
            when,
            source,
            source,
            when,
            joined,
            away_since,
        ),
    ).lastrowid
    assert row is not None
    connection.execute(
        "INSERT INTO status_changes (subscriber_id, status, changed_at, cause) VALUES (?, ?, ?, ?)",
        (row, status, when, source),
    )
    return row


def _load_subscribers(store: Store) -> None:
    try:
        rows = store.connection.execute(
            "SELECT id, address_key, status, name FROM subscribers"
        ).fetchall()
    except sqlite3.Error as error:
        raise _error(store.path, error) from None
    # One string for each status, not one for each row: a list can be long.
    statuses = {status: status for status in STATUSES}
    for row_id, key, status, name in rows:
        store.subscriber_ids[key] = row_id
        store.statuses[key] = statuses.get(status, status)
        store.names[key] = name


def load_records(store: Store) -> DeliveryState:
    """The delivery state as ``records`` works on it: every post, the active subscribers
    (when each joined, who is away), and who has or was refused each post not yet mailed
    to everyone."""
    state = DeliveryState(path=store.path)
    try:
        _fill_records(store, state)
    except sqlite3.Error as error:
        raise _error(store.path, error) from None
    return state


def _fill_records(store: Store, state: DeliveryState) -> None:
    connection = store.connection
    state.runs = int(_meta(store, "runs") or 0)
    (latest,) = connection.execute("SELECT max(accepted_at) FROM deliveries").fetchone()
    state.last_sent = max(filter(None, [latest, _meta(store, "last_sent")]), default=None)
    by_row: dict[int, PostRecord] = {}
    for row_id, feed_id, file, url, seen, mailed in connection.execute(
        "SELECT id, feed_id, file, url, seen_run, mailed FROM posts"
    ):
        record = PostRecord(seen=seen, source=file, done=bool(mailed), row=row_id)
        state.posts[feed_id] = by_row[row_id] = record
        store.written_posts[row_id] = (feed_id, file, url)
    # Each address key once in memory, however many rows name it: the store's own, when
    # it has loaded the subscribers.
    keys = {key: key for key in store.subscriber_ids}
    for key, joined, away_since in connection.execute(
        "SELECT address_key, joined_run, away_since FROM subscribers WHERE status = 'active'"
    ):
        key = keys.get(key, key)
        state.recipients[key] = joined
        if away_since is not None:
            state.away[key] = away_since
    for post_row, key in connection.execute(
        "SELECT p.post_id, s.address_key FROM delivery_posts p"
        " JOIN deliveries d ON d.id = p.delivery_id JOIN subscribers s ON s.id = d.subscriber_id"
        " WHERE p.post_id IN (SELECT id FROM posts WHERE mailed = 0)"
    ):
        by_row[post_row].sent.add(keys.get(key, key))
    for post_row, key, reply in connection.execute(
        "SELECT p.post_id, s.address_key, r.reply FROM refusal_posts p"
        " JOIN refusals r ON r.id = p.refusal_id JOIN subscribers s ON s.id = r.subscriber_id"
        " WHERE p.post_id IN (SELECT id FROM posts WHERE mailed = 0)"
    ):
        by_row[post_row].failed[key] = reply


def read_records(site: Site) -> tuple[DeliveryState, dict[str, str]]:
    """The delivery state and each subscriber's status, read without changing anything
    (for ``digest`` and a dry run): from the database when there is one, else from the
    state file of an earlier version, else empty."""
    path = store_path(site)
    if not path.exists():
        return load_state(site.state_path), {}
    try:
        connection = _connect(path, read_only=True)
    except sqlite3.Error as error:
        raise _error(path, error) from None
    store = Store(path=path, connection=connection)
    try:
        _load_subscribers(store)
        state = load_records(store)
        _with_kept_aside(state, _read_kept_aside(store) or [])
        return state, store.statuses
    finally:
        store.close()


def mailable(recipients: Sequence[Recipient], statuses: dict[str, str]) -> list[Recipient]:
    """The recipients to mail: those listed, but for the ones the database knows as
    unsubscribed, bounced, complained or not yet confirmed (a list never overrides that)."""
    return [r for r in recipients if statuses.get(r.key, "active") == "active"]


def save_run_start(
    store: Store,
    state: DeliveryState,
    posts: Sequence[Post],
    recipients: Sequence[Recipient],
    start: RunStart,
    source: str,
    now: datetime,
) -> None:
    """Write what ``records.begin_run`` changed, in one transaction: new and moved posts,
    the run count, new subscribers (``source`` says where they came from: their consent),
    changed names, and who is away since this run. Writes nothing when nothing changed."""
    renamed = [
        recipient
        for recipient in recipients
        if recipient.key in store.names and store.names[recipient.key] != recipient.name
    ]
    if not (start.changed or renamed):
        return
    when = now.isoformat(timespec="seconds")
    urls = {post.id: post.url for post in posts}
    with _transaction(store) as connection:
        _set_meta(connection, "runs", str(state.runs))
        for feed_id, record in state.posts.items():
            _save_post(store, connection, feed_id, record, urls.get(feed_id), when)
        for recipient in recipients:
            if recipient.key not in store.subscriber_ids:
                store.subscriber_ids[recipient.key] = _insert_subscriber(
                    connection, recipient, state.recipients[recipient.key], when, source
                )
                store.statuses[recipient.key] = "active"
        for recipient in renamed:
            connection.execute(
                "UPDATE subscribers SET name = ? WHERE address_key = ?",
                (recipient.name, recipient.key),
            )
        connection.executemany(
            "UPDATE subscribers SET away_since = ? WHERE address_key = ?",
            [(state.away[key], key) for key in start.away],
        )
    store.names.update((recipient.key, recipient.name) for recipient in recipients)


def _save_post(
    store: Store,
    connection: sqlite3.Connection,
    feed_id: str,
    record: PostRecord,
    url: str | None,
    when: str,
) -> None:
    """Insert a new post, or update a moved one (new id, file or URL); leave others be."""
    if record.row is None:
        record.row = connection.execute(
            "INSERT INTO posts (feed_id, file, url, first_seen, seen_run) VALUES (?, ?, ?, ?, ?)",
            (feed_id, record.source, url, when, record.seen),
        ).lastrowid
        assert record.row is not None
        store.written_posts[record.row] = (feed_id, record.source, url)
        return
    url = url or store.written_posts[record.row][2]
    if store.written_posts[record.row] != (feed_id, record.source, url):
        connection.execute(
            "UPDATE posts SET feed_id = ?, file = ?, url = ? WHERE id = ?",
            (feed_id, record.source, url, record.row),
        )
        store.written_posts[record.row] = (feed_id, record.source, url)


@dataclass(frozen=True)
class Accepted:
    """What is recorded of a message the server accepted: its Message-ID, the server's
    reply, when (ISO 8601), and the name of the web archive's page it links to."""

    message_id: str
    reply: str
    when: str
    web_page: str | None = None


def save_delivery(
    store: Store,
    state: DeliveryState,
    recipient: Recipient,
    posts: Sequence[Post],
    accepted: Accepted,
) -> None:
    """Record one accepted message in one small transaction: a delivery row, the posts it
    covered, and (when they were away) that the subscriber is no longer away."""
    subscriber = store.subscriber_ids[recipient.key]
    rows = [state.posts[post.id].row for post in posts]
    try:
        with _transaction(store) as connection:
            _insert_delivery(connection, subscriber, rows, accepted, recipient.key in state.away)
    except StateError as error:
        # The server has the message: if the database cannot say so, a file must, or the
        # next run would mail it again.
        raise StateError(
            f"{error}; the message the server accepted for {recipient.email} is kept in "
            f"{_keep_aside(store, recipient, posts, accepted)} and recorded by the next send"
        ) from None
    sync_now_and_then(store)


def _insert_delivery(
    connection: sqlite3.Connection,
    subscriber: int,
    post_rows: Sequence[int | None],
    accepted: Accepted,
    away: bool = True,
) -> None:
    """A delivery's rows: the delivery, the posts it covered; and, when they were
    ``away``, that the subscriber is no longer (they have what they missed)."""
    delivery = connection.execute(
        "INSERT INTO deliveries (subscriber_id, message_id, accepted_at, reply, web_page)"
        " VALUES (?, ?, ?, ?, ?)",
        (subscriber, accepted.message_id, accepted.when, accepted.reply, accepted.web_page),
    ).lastrowid
    connection.executemany(
        "INSERT INTO delivery_posts (post_id, delivery_id) VALUES (?, ?)",
        [(row, delivery) for row in post_rows],
    )
    if away:
        connection.execute("UPDATE subscribers SET away_since = NULL WHERE id = ?", (subscriber,))


def _keep_aside(
    store: Store, recipient: Recipient, posts: Sequence[Post], accepted: Accepted
) -> Path:
    """Append one delivery to the journal beside the database, synced; its path. A
    StateError when even that fails, naming what the next run will mail again."""
    path = store.path.with_name(JOURNAL_NAME)
    line = json.dumps(
        {
            "subscriber": recipient.key,
            "posts": [post.id for post in posts],
            "message_id": accepted.message_id,
            "reply": accepted.reply,
            "accepted_at": accepted.when,
            "web_page": accepted.web_page,
        },
        ensure_ascii=False,
    )
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, (line + "\n").encode("utf-8"))
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    except OSError as error:
        raise StateError(
            f"{path}: cannot keep the record of the message the server accepted for "
            f"{recipient.email} ({error.strerror}): the next send mails it again"
        ) from None
    return path


@dataclass(frozen=True)
class _KeptAside:
    """One delivery of the journal: the subscriber's address key, the posts' feed ids,
    and what was accepted."""

    key: str
    feed_ids: tuple[str, ...]
    accepted: Accepted


def _read_kept_aside(store: Store) -> list[_KeptAside] | None:
    """The deliveries of the journal beside the database; None when there is none. A line
    cut short (a crash while it was written) is left out."""
    path = store.path.with_name(JOURNAL_NAME)
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise StateError(f"{path}: cannot read the deliveries kept aside: {error}") from None
    kept = []
    for line in lines:
        try:
            entry = json.loads(line)
            accepted = Accepted(
                str(entry["message_id"]),
                str(entry.get("reply", "")),
                str(entry.get("accepted_at", "")),
                entry.get("web_page"),
            )
            kept.append(_KeptAside(str(entry["subscriber"]), tuple(entry["posts"]), accepted))
        except (json.JSONDecodeError, KeyError, TypeError):
            continue
    return kept


def _record_kept_aside(store: Store) -> None:
    """Write the deliveries a stopped send kept in the journal into the database, in one
    transaction, then remove the journal. A delivery already recorded (a crash between the
    commit and the removal) is not recorded twice."""
    kept = _read_kept_aside(store)
    if kept is None:
        return
    with _transaction(store) as connection:
        for delivery in kept:
            _record_one(connection, delivery)
    store.synced_at = 0.0
    sync_now_and_then(store)  # on the disk before the journal goes
    path = store.path.with_name(JOURNAL_NAME)
    try:
        path.unlink()
    except OSError as error:
        raise StateError(f"{path}: cannot remove it once recorded: {error}") from None


def _record_one(connection: sqlite3.Connection, delivery: _KeptAside) -> None:
    """One delivery of the journal into the database, unless it is there already."""
    found = connection.execute(
        "SELECT id FROM subscribers WHERE address_key = ?", (delivery.key,)
    ).fetchone()
    if (
        found is None
        or connection.execute(
            "SELECT 1 FROM deliveries WHERE subscriber_id = ? AND message_id = ?",
            (found[0], delivery.accepted.message_id),
        ).fetchone()
    ):
        return
    rows = [
        row[0]
        for feed_id in delivery.feed_ids
        if (
            row := connection.execute(
                "SELECT id FROM posts WHERE feed_id = ?", (feed_id,)
            ).fetchone()
        )
    ]
    _insert_delivery(connection, found[0], rows, delivery.accepted)


def _with_kept_aside(state: DeliveryState, kept: Sequence[_KeptAside]) -> None:
    """What a reader (``digest``, a dry run) takes from the journal the next send records:
    those subscribers have those posts."""
    for delivery in kept:
        # A post deleted since has no record left to note it in.
        known = [feed_id for feed_id in delivery.feed_ids if feed_id in state.posts]
        record_delivered(state, known, delivery.key)


def accepted_since(store: Store, since: str) -> list[str]:
    """When each message accepted at ``since`` or later was accepted (ISO 8601 in UTC, as
    recorded), oldest first: what a per-hour limit must count from earlier runs."""
    try:
        rows = store.connection.execute(
            "SELECT accepted_at FROM deliveries WHERE accepted_at >= ? ORDER BY accepted_at",
            (since,),
        ).fetchall()
    except sqlite3.Error as error:
        raise _error(store.path, error) from None
    return [when for (when,) in rows]


def sync_now_and_then(store: Store) -> None:
    """Make the records durable (a checkpoint syncs the WAL, then the database) when the
    last time was SYNC_SECONDS ago or more: a power cut then costs at most the records of
    the last second, where a sync after every message would halve the sending rate."""
    if time.monotonic() - store.synced_at < SYNC_SECONDS:
        return
    try:
        store.connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
    except sqlite3.Error as error:
        raise _error(store.path, error) from None
    store.synced_at = time.monotonic()


def save_refusal(
    store: Store,
    state: DeliveryState,
    recipient: Recipient,
    posts: Sequence[Post],
    reply: str,
    when: str,
    bounced: bool,
) -> None:
    """Record one refusal for good in one transaction; when it ``bounced`` (the server says
    the address does not exist), the subscriber's status becomes bounced, with the reply
    as its cause, and they are mailed no more."""
    subscriber = store.subscriber_ids[recipient.key]
    with _transaction(store) as connection:
        refusal = connection.execute(
            "INSERT INTO refusals (subscriber_id, refused_at, reply) VALUES (?, ?, ?)",
            (subscriber, when, reply),
        ).lastrowid
        connection.executemany(
            "INSERT INTO refusal_posts (post_id, refusal_id) VALUES (?, ?)",
            [(state.posts[post.id].row, refusal) for post in posts],
        )
        connection.execute("UPDATE subscribers SET away_since = NULL WHERE id = ?", (subscriber,))
        if bounced:
            _change_status(connection, subscriber, "bounced", when, f"refused: {reply}")
            store.statuses[recipient.key] = "bounced"
    sync_now_and_then(store)


def _change_status(
    connection: sqlite3.Connection, subscriber: int, status: str, when: str, cause: str
) -> None:
    connection.execute(
        "UPDATE subscribers SET status = ?, status_at = ?, status_cause = ? WHERE id = ?",
        (status, when, cause, subscriber),
    )
    connection.execute(
        "INSERT INTO status_changes (subscriber_id, status, changed_at, cause) VALUES (?, ?, ?, ?)",
        (subscriber, status, when, cause),
    )


def set_status(store: Store, address: str, status: str, cause: str, now: datetime) -> None:
    """Change a subscriber's status (an explicit unsubscribe, a removal, a complaint),
    recording when and why. StateError for an address the database does not know."""
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    key = address_key(address)
    subscriber = store.subscriber_ids.get(key)
    if subscriber is None:
        raise StateError(f"{store.path}: {address} is not a subscriber")
    with _transaction(store) as connection:
        _change_status(connection, subscriber, status, now.isoformat(timespec="seconds"), cause)
    store.statuses[key] = status


def save_mailed(store: Store, rows: Sequence[int]) -> None:
    """Mark the posts of ``rows`` as mailed to everyone owed them, in one transaction."""
    if not rows:
        return
    with _transaction(store) as connection:
        connection.executemany("UPDATE posts SET mailed = 1 WHERE id = ?", [(r,) for r in rows])


# Where the subscribers added or imported with `feedwright subscribers` came from: they are
# mailed whether or not the recipients file lists them (see managed_recipients).
MANAGED_SOURCE = "feedwright subscribers"


@dataclass(frozen=True)
class Subscriber:
    """One subscriber as the database holds them."""

    address: str
    name: str
    status: str
    status_at: str
    status_cause: str
    consent_source: str
    subscribed_at: str


@dataclass(frozen=True)
class StatusChange:
    """One change of a subscriber's status: to what, when, and why."""

    status: str
    changed_at: str
    cause: str


@dataclass(frozen=True)
class History:
    """A subscriber, every change of their status, and every message they were sent."""

    subscriber: Subscriber
    changes: list[StatusChange]
    # (when the server accepted it, its Message-ID, the posts it covered)
    deliveries: list[tuple[str, str, int]]


@dataclass(frozen=True)
class Change:
    """What ``apply_changes`` does to one address: add it (``new``), or set its status and
    name; ``cause`` is recorded with the status, ``source`` and ``since`` as the consent of
    a new subscriber."""

    recipient: Recipient
    status: str
    cause: str
    new: bool
    source: str = ""
    since: str | None = None


_SUBSCRIBER_COLUMNS = (
    "address, name, status, status_at, status_cause, consent_source, subscribed_at"
)


def open_reader(site: Site) -> Store | None:
    """The site's database opened for reading only; None when there is none yet."""
    path = store_path(site)
    if not path.exists():
        return None
    try:
        store = Store(path=path, connection=_connect(path, read_only=True))
    except sqlite3.Error as error:
        raise _error(path, error) from None
    _load_subscribers(store)
    return store


def read_rows(site: Site, query: str, arguments: Sequence[object] = ()) -> list[Any]:
    """The rows of one query on the site's database, opened for reading only (and without
    loading every subscriber, as ``open_reader`` does); none when there is no database yet."""
    return _read(site, lambda connection: connection.execute(query, tuple(arguments)).fetchall())


def delivered_posts(site: Site) -> list[tuple[int, str, str | None]]:
    """Each post of each delivery recorded, in the order recorded: (delivery, the post's
    feed id, the name of the web archive's page the message linked to). Read-only; none
    without a database. A database of an older schema, which a ``build`` may read before
    the next ``send`` migrates it, has no page names: None."""

    def query(connection: sqlite3.Connection) -> list[Any]:
        (version,) = connection.execute("PRAGMA user_version").fetchone()
        page = "d.web_page" if version >= 2 else "NULL"
        return connection.execute(
            f"SELECT p.delivery_id, s.feed_id, {page} FROM delivery_posts p"
            " JOIN posts s ON s.id = p.post_id JOIN deliveries d ON d.id = p.delivery_id"
            " ORDER BY p.delivery_id"
        ).fetchall()

    return _read(site, query)


def _read(site: Site, query: Callable[[sqlite3.Connection], list[Any]]) -> list[Any]:
    """What ``query`` reads from the site's database, opened for reading only; none when
    there is no database yet."""
    path = store_path(site)
    if not path.exists():
        return []
    try:
        connection = _connect(path, read_only=True)
        try:
            return query(connection)
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise _error(path, error) from None


def list_subscribers(store: Store, status: str | None = None) -> list[Subscriber]:
    """Every subscriber (of ``status`` when given), in the order they were added."""
    query = f"SELECT {_SUBSCRIBER_COLUMNS} FROM subscribers"
    arguments: tuple[str, ...] = ()
    if status is not None:
        query, arguments = query + " WHERE status = ?", (status,)
    try:
        rows = store.connection.execute(query + " ORDER BY id", arguments).fetchall()
    except sqlite3.Error as error:
        raise _error(store.path, error) from None
    return [Subscriber(*row) for row in rows]


def subscriber_history(store: Store, address: str) -> History | None:
    """The subscriber of ``address`` with their changes and deliveries; None when unknown."""
    connection = store.connection
    try:
        row = connection.execute(
            f"SELECT id, {_SUBSCRIBER_COLUMNS} FROM subscribers WHERE address_key = ?",
            (address_key(address),),
        ).fetchone()
        if row is None:
            return None
        changes = connection.execute(
            "SELECT status, changed_at, cause FROM status_changes WHERE subscriber_id = ?"
            " ORDER BY id",
            (row[0],),
        ).fetchall()
        deliveries = connection.execute(
            "SELECT coalesce(accepted_at, ''), coalesce(message_id, ''),"
            " (SELECT count(*) FROM delivery_posts p WHERE p.delivery_id = d.id)"
            " FROM deliveries d WHERE subscriber_id = ? ORDER BY id",
            (row[0],),
        ).fetchall()
    except sqlite3.Error as error:
        raise _error(store.path, error) from None
    return History(Subscriber(*row[1:]), [StatusChange(*change) for change in changes], deliveries)


def apply_changes(store: Store, changes: Sequence[Change], now: datetime) -> None:
    """Write ``changes`` in one transaction: all of them, or none. A subscriber added or
    made active again joins at the next send run: they get the posts seen from then on."""
    if not changes:
        return
    when = now.isoformat(timespec="seconds")
    with _transaction(store) as connection:
        joined = int(_meta(store, "runs") or 0) + 1
        for change in changes:
            _apply_change(store, connection, change, joined, when)


def _apply_change(
    store: Store, connection: sqlite3.Connection, change: Change, joined: int, when: str
) -> None:
    recipient = change.recipient
    if change.new:
        row = _insert_subscriber(
            connection, recipient, joined, when, change.source, status=change.status
        )
        if change.since is not None:
            connection.execute(
                "UPDATE subscribers SET subscribed_at = ? WHERE id = ?", (change.since, row)
            )
        store.subscriber_ids[recipient.key] = row
        store.statuses[recipient.key] = change.status
        return
    row = store.subscriber_ids[recipient.key]
    if change.status != store.statuses[recipient.key]:
        _change_status(connection, row, change.status, when, change.cause)
        store.statuses[recipient.key] = change.status
        if change.status == "active":
            # Back again: mailed from now on, as a new subscriber (not what they missed),
            # and whether the list file names them or not.
            connection.execute(
                "UPDATE subscribers SET joined_run = ?, away_since = NULL, consent_source = ?,"
                " subscribed_at = ? WHERE id = ?",
                (joined, change.source, change.since or when, row),
            )
    if recipient.name and recipient.name != store.names.get(recipient.key):
        connection.execute("UPDATE subscribers SET name = ? WHERE id = ?", (recipient.name, row))
        store.names[recipient.key] = recipient.name


def managed_recipients(site: Site) -> list[Recipient]:
    """The active subscribers added or imported with ``feedwright subscribers``: a send
    mails them beside the listed ones (the list file need not name them)."""
    rows = read_rows(
        site,
        "SELECT address, name FROM subscribers WHERE status = 'active'"
        " AND consent_source LIKE ? ORDER BY id",
        (MANAGED_SOURCE + "%",),
    )
    return [Recipient(email=address, name=name) for address, name in rows]


def listed_only(store: Store) -> set[str]:
    """The address keys of the active subscribers a send mails only while the list file
    names them: not added or imported with ``feedwright subscribers``."""
    try:
        rows = store.connection.execute(
            "SELECT address_key FROM subscribers WHERE status = 'active'"
            " AND consent_source NOT LIKE ?",
            (MANAGED_SOURCE + "%",),
        ).fetchall()
    except sqlite3.Error as error:
        raise _error(store.path, error) from None
    return {key for (key,) in rows}


def make_managed(store: Store, keys: Sequence[str], source: str) -> None:
    """Make the active subscribers of ``keys`` mailed whether or not the list file names
    them (``add``, ``import``): their consent source becomes ``source`` (keeping the one
    before it), and one who was away is away no more and, like a subscriber added again,
    gets the posts seen from the next send on."""
    if not keys:
        return
    with _transaction(store) as connection:
        joined = int(_meta(store, "runs") or 0) + 1
        connection.executemany(
            "UPDATE subscribers SET consent_source = CASE WHEN consent_source LIKE ?"
            " THEN consent_source ELSE ? || ' (before: ' || consent_source || ')' END,"
            " joined_run = CASE WHEN away_since IS NULL THEN joined_run ELSE ? END,"
            " away_since = NULL WHERE address_key = ? AND status = 'active'",
            [(MANAGED_SOURCE + "%", source, joined, key) for key in keys],
        )
