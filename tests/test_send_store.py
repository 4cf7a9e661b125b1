"""The newsletter database: the upgrade from state.json, statuses, a busy database, and the
bytes each message costs."""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from conftest import (
    AUTUMN_POST,
    NOW,
    MailServer,
    RecordingHandler,
    SiteFactory,
    build,
    mail_config,
    newsletter,
    send,
    serving,
    write_posts,
)
from feedwright.errors import DeliveryError, StateError
from feedwright.mail import store
from feedwright.mail.store import imported_path, open_store, set_status, store_path
from feedwright.site.config import load_site

AUTUMN = "https://blog.example.org/2025/11/29/autumn.html"
WINTER = "https://blog.example.org/2025/12/15/winter.html"
POSTS: dict[str, str | bytes] = {
    **AUTUMN_POST,
    "2025-12-15-winter.md": """
        ---
        title: 冬の朝
        date: 2025-12-15 09:00:00 +0900
        ---
        霜が降りました。
        """,
}
SNOW_POST = """---
title: 初雪
date: 2025-12-20 09:00:00 +0900
---
雪が積もりました。
"""
LISTED = ["a@example.org", "b@example.org", "Carol@Example.org", "d@example.org", "e@example.org"]

# What the version before the database wrote (one line; shown here indented) when a run
# that mails WINTER was killed after a, b and Carol: AUTUMN went out in run 1 and is done;
# d was away when WINTER was seen (and owed it by that alone); e joined in run 2 and is
# owed WINTER too. The file knew every address lower-cased.
OLD_STATE = {
    "version": 1,
    "runs": 2,
    "last_sent": "2025-12-15T01:00:00+00:00",
    "recipients": {
        "a@example.org": 1,
        "b@example.org": 1,
        "carol@example.org": 1,
        "d@example.org": 1,
        "e@example.org": 2,
    },
    "posts": {
        AUTUMN: {"seen": 1, "source": "_posts/2025-11-29-autumn.md", "done": True},
        WINTER: {
            "seen": 2,
            "source": "_posts/2025-12-15-winter.md",
            "sent": ["a@example.org", "b@example.org", "carol@example.org"],
        },
    },
    "away": {"d@example.org": 2},
}


def old_site(make_site: SiteFactory, port: int, state: dict[str, object] = OLD_STATE) -> Path:
    """A site with POSTS mailed to LISTED, as the version before left it: ``state`` in
    ``.feedwright/state.json``, no database."""
    site = make_site(POSTS, mail_config(port, LISTED))
    site.state_path.parent.mkdir(parents=True)
    site.state_path.write_text(json.dumps(state, separators=(",", ":")) + "\n")
    return site.root


def test_the_upgrade_mails_exactly_the_recipients_a_killed_run_left(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    root = old_site(make_site, smtp_server.port)
    site = load_site(root)
    old_bytes = site.state_path.read_bytes()
    result = send(site, retries=0)
    assert not result.report.failed
    # a, b and Carol had WINTER: only d (back from away) and e get it; no one gets AUTUMN.
    assert sorted(smtp_server.handler.recipients()) == ["d@example.org", "e@example.org"]
    assert [[post.title for post in posts] for _, posts in result.report.planned] == [
        ["冬の朝"],
        ["冬の朝"],
    ]
    # The old file is kept as a backup, byte for byte, out of the way.
    assert not site.state_path.exists()
    assert imported_path(site).read_bytes() == old_bytes
    # Every recipient is an active subscriber, spelled as the list spells them.
    subscribers = newsletter(
        site, "SELECT address, status, joined_run, away_since FROM subscribers ORDER BY id"
    )
    assert subscribers == [
        ("a@example.org", "active", 1, None),
        ("b@example.org", "active", 1, None),
        ("Carol@Example.org", "active", 1, None),
        ("d@example.org", "active", 1, None),
        ("e@example.org", "active", 2, None),
    ]
    assert newsletter(site, "SELECT feed_id, mailed FROM posts ORDER BY id") == [
        (AUTUMN, 1),
        (WINTER, 1),
    ]
    assert send(load_site(root), retries=0).report.planned == []
    assert len(smtp_server.handler.messages) == 2


def test_each_delivery_keeps_its_message_id_and_the_servers_reply(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    site = make_site(AUTUMN_POST, mail_config(smtp_server.port, ["a@example.org"]))
    send(site, retries=0)
    [(_, _, raw)] = smtp_server.handler.messages
    message_id = raw.split(b"Message-ID: ")[1].split(b"\r\n")[0].decode()
    assert newsletter(site, "SELECT message_id, accepted_at, reply FROM deliveries") == [
        (message_id, NOW.isoformat(timespec="seconds"), "250 2.0.0 Message accepted")
    ]


def test_a_damaged_state_file_is_not_imported_and_no_database_is_made(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    root = old_site(make_site, smtp_server.port)
    site = load_site(root)
    site.state_path.write_text('{"version": 1, "runs": ')
    with pytest.raises(StateError, match="the state file cannot be read"):
        send(site, retries=0)
    assert not store_path(site).exists() and smtp_server.handler.messages == []


def test_an_upgrade_killed_before_the_backup_is_renamed_imports_nothing_twice(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    root = old_site(make_site, smtp_server.port)
    site = load_site(root)
    saved = site.state_path.read_bytes()
    send(site, retries=0)
    site.state_path.write_bytes(saved)  # as if killed between the commit and the rename
    assert send(load_site(root), retries=0).report.planned == []
    assert not site.state_path.exists()
    assert newsletter(site, "SELECT count(*) FROM subscribers") == [(5,)]


def test_the_domain_is_compared_without_case_and_the_local_part_as_written(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    site = make_site(AUTUMN_POST, mail_config(smtp_server.port, ["ann@example.org"]))
    send(site, retries=0)
    config = mail_config(smtp_server.port, ["ann@EXAMPLE.ORG", "Ann@example.org"])
    (site.root / "feedwright.toml").write_text(config)
    again = send(load_site(site.root), retries=0)
    # ann@EXAMPLE.ORG is ann@example.org, who has the post; Ann is someone else, new.
    assert again.report.start.joined == 1 and again.report.planned == []
    assert newsletter(site, "SELECT address_key FROM subscribers ORDER BY id") == [
        ("ann@example.org",),
        ("Ann@example.org",),
    ]


def test_an_unsubscribed_address_left_in_the_list_is_not_mailed(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    site = make_site(AUTUMN_POST, mail_config(smtp_server.port, ["a@example.org", "b@example.org"]))
    send(site, retries=0)
    database = open_store(site, [], NOW)
    try:
        set_status(database, "b@EXAMPLE.org", "unsubscribed", "one-click link", NOW)
    finally:
        database.close()
    write_posts(site.root / "_posts", {"2025-12-15-winter.md": POSTS["2025-12-15-winter.md"]})
    later = send(site, retries=0)
    assert [r.email for r, _ in later.report.planned] == ["a@example.org"]
    history = newsletter(
        site,
        "SELECT c.status, c.cause FROM status_changes c"
        " JOIN subscribers s ON s.id = c.subscriber_id"
        " WHERE s.address = 'b@example.org' ORDER BY c.id",
    )
    assert history == [
        ("active", f"listed in {site.config_path}"),
        ("unsubscribed", "one-click link"),
    ]


def test_a_busy_database_is_waited_for_then_a_clear_error(
    make_site: SiteFactory, smtp_server: MailServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site(AUTUMN_POST, mail_config(smtp_server.port, ["a@example.org"]))
    send(site, retries=0)
    write_posts(site.root / "_posts", {"2025-12-15-winter.md": POSTS["2025-12-15-winter.md"]})
    monkeypatch.setattr(store, "BUSY_SECONDS", 0.2)
    other = sqlite3.connect(store_path(site), isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another writer, holding the database
        with pytest.raises(StateError, match="the database is busy"):
            send(site, retries=0)
    finally:
        other.close()
    assert len(smtp_server.handler.messages) == 1
    assert len(send(site, retries=0).report.sent) == 1


def _written_bytes() -> int:
    """Bytes this process has handed to write calls so far."""
    with open("/proc/self/io") as counters:
        return next(int(line.split()[1]) for line in counters if line.startswith("wchar:"))


def test_the_bytes_written_per_message_do_not_grow_with_the_list(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    site = make_site(AUTUMN_POST, mail_config(smtp_server.port, ["reader0@example.org"]))
    send(site, retries=0)  # the database made, the templates compiled
    per_message = []
    sent = 1
    for day, count in ((15, 20), (16, 200)):
        recipients = [f"reader{number}@example.org" for number in range(sent, sent + count)]
        sent += count
        # New subscribers, then a new post for them alone (the others keep their place).
        (site.root / "feedwright.toml").write_text(mail_config(smtp_server.port, recipients))
        send(load_site(site.root), retries=0)
        post = f"---\ntitle: Day {day}\ndate: 2025-12-{day} 09:00:00 +0900\n---\nText.\n"
        write_posts(site.root / "_posts", {f"2025-12-{day}-day.md": post})
        before = _written_bytes()
        assert len(send(load_site(site.root), retries=0).report.sent) == count
        per_message.append((_written_bytes() - before) / count)
    small, large = per_message
    # The state file of earlier versions was rewritten whole after each message: ten times
    # the list, ten times the bytes per message.
    assert large < small * 1.3, per_message
    assert large < 40_000, per_message


def test_a_send_keeps_one_copy_of_what_its_subscribers_share(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    """A send holds every subscriber in memory at once (the bench sends to 100,000): those
    owed the same posts share one tuple of them, what was sent is the plan's own entries,
    and an address whose domain is written in lower case is its own key."""
    site = make_site(POSTS, mail_config(smtp_server.port, LISTED, connections=1))
    report = send(site).report
    owed = {id(posts) for _, posts in report.planned}
    assert len(report.planned) == len(LISTED) and len(owed) == 1
    assert all(sent is planned for sent, planned in zip(report.sent, report.planned, strict=True))
    first, carol = report.planned[0][0], report.planned[2][0]
    assert first.key is first.email
    assert carol.key == "Carol@example.org"


def test_a_database_of_the_first_schema_is_read_then_upgraded_in_place(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    """A database made by the version before (schema 1: no page names) is read as it is
    by a build (which runs before the next send, in a cron job) and migrated by the next
    send, keeping every record: nobody is mailed again, and the new delivery records the
    name of its page."""
    site = make_site(POSTS, mail_config(smtp_server.port, LISTED, "archive = true"))
    send(site)
    connection = sqlite3.connect(store_path(site))
    connection.executescript(
        "ALTER TABLE deliveries DROP COLUMN web_page; PRAGMA user_version = 1;"
    )
    connection.close()
    build(site)
    assert (site.output / "newsletter" / "2025-12-15.html").is_file()
    write_posts(site.root / "_posts", {"2025-12-20-snow.md": SNOW_POST})
    send(load_site(site.root))
    assert newsletter(site, "PRAGMA user_version") == [(store.SCHEMA_VERSION,)]
    # Each listed address got the first digest once and the new post once.
    assert len(smtp_server.handler.messages) == 2 * len(LISTED)
    pages = newsletter(site, "SELECT DISTINCT web_page FROM deliveries ORDER BY id")
    assert pages == [(None,), ("2025-12-20",)]
    build(load_site(site.root))
    assert (site.output / "newsletter" / "2025-12-20.html").is_file()


class WriterAtTheSecondMessage(RecordingHandler):
    """Accepts every message; at the second, another program starts writing to the
    newsletter database and keeps at it until the test lets go."""

    def __init__(self) -> None:
        super().__init__()
        self.database: Path | None = None
        self.holder: sqlite3.Connection | None = None

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        if len(self.messages) == 2 and self.database is not None:
            self.holder = sqlite3.connect(
                self.database, isolation_level=None, check_same_thread=False
            )
            self.holder.execute("BEGIN IMMEDIATE")
        return reply

    def let_go(self) -> None:
        assert self.holder is not None
        self.holder.execute("ROLLBACK")
        self.holder.close()
        self.database = None


@pytest.mark.parametrize("connections", [1, 4])
def test_a_message_the_database_is_too_busy_to_record_is_kept_aside_and_never_sent_twice(
    make_site: SiteFactory, monkeypatch: pytest.MonkeyPatch, connections: int
) -> None:
    monkeypatch.setattr(store, "BUSY_SECONDS", 0.3)
    handler = WriterAtTheSecondMessage()
    for server in serving(handler):
        site = make_site(POSTS, mail_config(server.port, LISTED, connections=connections))
        handler.database = store_path(site)
        with pytest.raises(DeliveryError, match=r"is kept in .*newsletter\.pending\.jsonl"):
            send(site)
        journal = store_path(site).with_name(store.JOURNAL_NAME)
        assert journal.read_text(encoding="utf-8").count("\n") >= 1
        assert stat.S_IMODE(journal.stat().st_mode) == 0o600
        handler.let_go()
        # A dry run reads the journal too: it plans only those the server has not mailed.
        planned = send(load_site(site.root), dry_run=True).report.planned
        received = handler.recipients()
        assert sorted(r.email for r, _ in planned) == sorted(set(LISTED) - set(received))
        send(load_site(site.root))
        assert not journal.exists()
    assert sorted(handler.recipients()) == sorted(LISTED)
    deliveries = newsletter(site, "SELECT count(*) FROM deliveries")
    assert deliveries == [(len(LISTED),)]


def test_a_delivery_kept_aside_and_recorded_already_is_not_recorded_twice(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    """A run killed after it recorded the journal's deliveries and before it removed the
    journal: the next run reads it again and finds them recorded."""
    site = make_site(POSTS, mail_config(smtp_server.port, LISTED[:1]))
    send(site)
    ((message_id, key),) = newsletter(
        site,
        "SELECT d.message_id, s.address_key FROM deliveries d"
        " JOIN subscribers s ON s.id = d.subscriber_id",
    )
    entry = {"subscriber": key, "posts": [AUTUMN], "message_id": message_id, "reply": "250"}
    journal = store_path(site).with_name(store.JOURNAL_NAME)
    journal.write_text(json.dumps(entry) + "\n" + '{"subscriber": "cut sh', encoding="utf-8")
    send(site)
    assert newsletter(site, "SELECT count(*) FROM deliveries") == [(1,)]
    assert not journal.exists()
