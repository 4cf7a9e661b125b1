"""`feedwright subscribers`, the importers, `send --test` and `email: false`."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conftest import (
    AUTUMN_POST,
    NOW,
    MailServer,
    SiteFactory,
    mail_config,
    newsletter,
    parse_feed,
    runner,
    send,
)
from feedwright.cli import app
from feedwright.commands.build import BuildOptions, build_site
from feedwright.commands.digest import DigestOptions, digest_site
from feedwright.commands.send import SendOptions, send_test
from feedwright.commands.subscribers import add_subscribers, import_subscribers
from feedwright.errors import ConfigError
from feedwright.mail.importers import read_import_file
from feedwright.mail.records import state_lock
from feedwright.mail.store import store_path
from feedwright.site.config import load_site
from feedwright.site.model import Site

WINTER = """
        ---
        title: Winter
        date: 2025-12-15 09:00:00 +0000
        ---
        Frost.
        """


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def cli(site: Site, *arguments: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["subscribers", *arguments, "--site", str(site.root)])
    return result.exit_code, result.stdout, result.stderr


# --- the importers: each service's columns, written here by hand ---


def test_a_mailchimp_export_keeps_names_consent_and_the_section(tmp_path: Path) -> None:
    subscribed = write(
        tmp_path / "subscribed_members_export.csv",
        """
        Email Address,First Name,Last Name,MEMBER_RATING,OPTIN_TIME,OPTIN_IP,CONFIRM_TIME
        ann@example.org,Ann,Lee,2,2024-03-01 10:00:00,,2024-03-01 10:05:00
        bo@example.org,,,2,2024-04-01 08:00:00,,
        """,
    )
    cleaned = write(
        tmp_path / "cleaned_members_export.csv",
        """
        Email Address,First Name,Last Name,OPTIN_TIME,CLEAN_TIME
        gone@example.org,,,2023-01-01 00:00:00,2024-01-01 00:00:00
        """,
    )
    unsubscribed = write(
        tmp_path / "unsubscribed_members_export.csv",
        """
        Email Address,First Name,Last Name,OPTIN_TIME,UNSUB_TIME
        left@example.org,Lu,,2023-01-01 00:00:00,2024-01-01 00:00:00
        """,
    )
    found = read_import_file(subscribed)
    assert found.format == "Mailchimp" and not found.problems
    assert [
        (s.recipient.email, s.recipient.name, s.status, s.consented_at) for s in found.subscribers
    ] == [
        ("ann@example.org", "Ann Lee", "active", "2024-03-01T10:05:00+00:00"),
        ("bo@example.org", "", "active", "2024-04-01T08:00:00+00:00"),
    ]
    assert [s.status for s in read_import_file(cleaned).subscribers] == ["bounced"]
    assert [s.status for s in read_import_file(unsubscribed).subscribers] == ["unsubscribed"]


def test_listmonk_buttondown_and_substack_exports(tmp_path: Path) -> None:
    listmonk = write(
        tmp_path / "listmonk.csv",
        """
        uuid,email,name,attributes,status,created_at,updated_at
        0b1,ann@example.org,Ann,{},enabled,2024-02-02T10:00:00Z,2024-02-02T10:00:00Z
        0b2,bo@example.org,Bo,{},blocklisted,2024-02-03T10:00:00Z,2024-02-04T10:00:00Z
        """,
    )
    buttondown = write(
        tmp_path / "buttondown.csv",
        """
        id,email,creation_date,subscriber_type,notes
        1,ann@example.org,2024-05-05T05:05:05+00:00,regular,
        2,cy@example.org,2024-05-06T00:00:00+00:00,unactivated,
        3,di@example.org,2024-05-07T00:00:00+00:00,unsubscribed,
        4,ed@example.org,2024-05-08T00:00:00+00:00,undeliverable,
        5,fy@example.org,2024-05-09T00:00:00+00:00,spammy,
        """,
    )
    substack = write(
        tmp_path / "substack.csv",
        """
        email,active_subscription,expiry,plan,email_disabled,subscription_created_at
        ann@example.org,false,,free,false,2023-07-07T07:07:07.000Z
        bo@example.org,false,,free,true,2023-07-08T00:00:00.000Z
        """,
    )
    found = read_import_file(listmonk)
    assert found.format == "listmonk"
    assert [(s.recipient.name, s.status, s.consented_at) for s in found.subscribers] == [
        ("Ann", "active", "2024-02-02T10:00:00+00:00"),
        ("Bo", "unsubscribed", "2024-02-03T10:00:00+00:00"),
    ]
    found = read_import_file(buttondown)
    assert found.format == "Buttondown"
    assert [s.status for s in found.subscribers] == [
        "active", "pending", "unsubscribed", "bounced", "complained",
    ]  # fmt: skip
    assert found.subscribers[0].consented_at == "2024-05-05T05:05:05+00:00"
    found = read_import_file(substack)
    assert found.format == "Substack"
    assert [(s.status, s.consented_at) for s in found.subscribers] == [
        ("active", "2023-07-07T07:07:07+00:00"),
        ("unsubscribed", "2023-07-08T00:00:00+00:00"),
    ]


def test_a_plain_list_and_a_bad_row(tmp_path: Path) -> None:
    plain = write(tmp_path / "list.txt", "# readers\nAnn Lee <ann@example.org>\nbo@example.org\n")
    found = read_import_file(plain)
    assert found.format == "list"
    assert [(s.recipient.email, s.recipient.name) for s in found.subscribers] == [
        ("ann@example.org", "Ann Lee"),
        ("bo@example.org", ""),
    ]
    bad = write(
        tmp_path / "bad.csv",
        "uuid,email,name,status\n1,not an address,,enabled\n2,bo@example.org,,enabled\n",
    )
    found = read_import_file(bad)
    assert [s.recipient.email for s in found.subscribers] == ["bo@example.org"]
    assert found.problems[0].line == 2
    # Not one usable row: the wrong file, most likely.
    write(bad, "uuid,email,name,status\n1,not an address,,enabled\n")
    with pytest.raises(ConfigError, match=r"bad.csv:2: .*no row holds a usable address"):
        read_import_file(bad)


# --- the commands ---


def test_add_list_show_remove(make_site: SiteFactory) -> None:
    site = make_site(AUTUMN_POST, mail_config(2525, ["listed@example.org"]))
    code, out, err = cli(site, "add", "ann@Example.org", "bo@example.org", "--name", "Reader")
    assert code == 0, err
    assert "add (active): ann@Example.org" in out
    code, out, _ = cli(site, "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "email,name,status,status_at,status_cause,source,subscribed_at"
    assert [line.split(",")[:3] for line in lines[1:]] == [
        ["ann@Example.org", "Reader", "active"],
        ["bo@example.org", "Reader", "active"],
    ]
    code, out, err = cli(site, "remove", "ann@example.ORG")
    assert code == 0, err
    code, out, _ = cli(site, "list", "--status", "unsubscribed")
    assert [line.split(",")[0] for line in out.splitlines()[1:]] == ["ann@Example.org"]
    code, out, _ = cli(site, "show", "ann@example.org")
    assert code == 0
    assert "ann@Example.org (Reader): unsubscribed" in out
    assert "active: feedwright subscribers add" in out
    assert "unsubscribed: feedwright subscribers remove" in out


def test_errors_exit_as_the_other_commands(make_site: SiteFactory) -> None:
    site = make_site(AUTUMN_POST, mail_config(2525, ["listed@example.org"]))
    assert cli(site, "remove", "nobody@example.org")[0] == 2
    assert cli(site, "add", "not an address")[0] == 2
    assert cli(site, "list", "--status", "gone")[0] == 2
    assert cli(site, "show", "nobody@example.org")[0] == 2
    with state_lock(site.state_path):
        code, _, err = cli(site, "add", "ann@example.org")
    assert code == 3 and "send" in err
    assert not store_path(site).exists() or newsletter(site, "SELECT * FROM subscribers") == []
    for command in ([], ["list"], ["add"], ["remove"], ["import"], ["export"], ["show"]):
        result = runner.invoke(app, ["subscribers", *command, "--help"])
        assert result.exit_code == 0 and "Usage" in result.stdout, command


def test_an_added_subscriber_is_mailed_and_a_removed_one_is_not(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    site = make_site(AUTUMN_POST, mail_config(smtp_server.port, ["listed@example.org"]))
    add_subscribers(site, ["added@example.org"], now=NOW)
    send(site, retries=0)
    assert sorted(smtp_server.handler.recipients()) == ["added@example.org", "listed@example.org"]
    # Still listed in the config, but removed: mailed no more, and the cause is recorded.
    assert cli(site, "remove", "listed@example.org")[0] == 0
    write(site.root / "_posts" / "2025-12-15-winter.md", WINTER)
    send(load_site(site.root), retries=0)
    assert smtp_server.handler.recipients()[2:] == ["added@example.org"]
    assert newsletter(
        site, "SELECT status, status_cause FROM subscribers WHERE address = 'listed@example.org'"
    ) == [("unsubscribed", "feedwright subscribers remove")]


def test_import_dry_run_then_one_transaction_that_never_resubscribes(
    make_site: SiteFactory, tmp_path: Path
) -> None:
    site = make_site(AUTUMN_POST, mail_config(2525, ["listed@example.org"]))
    add_subscribers(site, ["left@example.org"], now=NOW)
    cli(site, "remove", "left@example.org")
    export = write(
        tmp_path / "listmonk.csv",
        """
        uuid,email,name,attributes,status,created_at,updated_at
        1,left@example.org,Lu,{},enabled,2024-01-01T00:00:00Z,2024-01-01T00:00:00Z
        2,new@example.org,Nu,{},enabled,2024-01-02T00:00:00Z,2024-01-02T00:00:00Z
        3,blocked@example.org,,{},blocklisted,2024-01-03T00:00:00Z,2024-01-03T00:00:00Z
        """,
    )
    before = newsletter(site, "SELECT * FROM subscribers")
    code, out, _ = cli(site, "import", str(export), "--dry-run")
    assert code == 0
    assert "would add (active): new@example.org" in out
    assert "would add (unsubscribed): blocked@example.org" in out
    assert newsletter(site, "SELECT * FROM subscribers") == before
    result = import_subscribers(site, export, now=NOW)
    assert result.format == "listmonk"
    rows = newsletter(site, "SELECT address, name, status, subscribed_at FROM subscribers")
    assert rows == [
        ("left@example.org", "Lu", "unsubscribed", NOW.isoformat()),  # an import never undoes it
        ("new@example.org", "Nu", "active", "2024-01-02T00:00:00+00:00"),
        ("blocked@example.org", "", "unsubscribed", "2024-01-03T00:00:00+00:00"),
    ]
    # An explicit add does.
    cli(site, "add", "left@example.org")
    assert newsletter(site, "SELECT status FROM subscribers WHERE id = 1") == [("active",)]


def test_export_is_read_back_by_import(make_site: SiteFactory, tmp_path: Path) -> None:
    site = make_site(AUTUMN_POST, mail_config(2525, ["listed@example.org"]))
    add_subscribers(site, ["Ann <ann@example.org>", "bo@example.org"], now=NOW)
    cli(site, "remove", "bo@example.org")
    target = tmp_path / "out" / "subscribers.csv"
    target.parent.mkdir()
    assert cli(site, "export", str(target))[0] == 0
    other = make_site(AUTUMN_POST, mail_config(2525, ["listed@example.org"]))
    store_path(other).unlink()  # the same folder: start the other site over
    result = import_subscribers(other, target, now=NOW)
    assert result.format == "CSV"
    assert newsletter(other, "SELECT address, name, status FROM subscribers") == [
        ("ann@example.org", "Ann", "active"),
        ("bo@example.org", "", "unsubscribed"),
    ]


# --- send --test and email: false ---


def test_send_test_mails_one_address_and_records_nothing(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    site = make_site(AUTUMN_POST, mail_config(smtp_server.port, ["listed@example.org"]))
    result = send_test(site, "me@example.org", SendOptions(now=NOW, retry_delays=()))
    assert [post.title for post in result.posts] == ["秋の散歩"] and not result.newest
    assert smtp_server.handler.recipients() == ["me@example.org"]
    assert not store_path(site).exists()
    send(site, retries=0)
    assert smtp_server.handler.recipients()[1:] == ["listed@example.org"]
    # Nothing new now: the test send takes the newest posts, still recording nothing.
    before = newsletter(site, "SELECT count(*) FROM deliveries")
    code = runner.invoke(app, ["send", str(site.root), "--test", "me@example.org"]).exit_code
    assert code == 0
    assert smtp_server.handler.recipients()[2:] == ["me@example.org"]
    assert newsletter(site, "SELECT count(*) FROM deliveries") == before
    assert newsletter(site, "SELECT address FROM subscribers") == [("listed@example.org",)]


def test_a_post_with_email_false_is_in_the_feeds_not_the_newsletter(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    quiet = {
        "2025-12-01-quiet.md": """
            ---
            title: Housekeeping
            date: 2025-12-01 09:00:00 +0000
            email: false
            ---
            Not for the newsletter.
            """
    }
    site = make_site({**AUTUMN_POST, **quiet}, mail_config(smtp_server.port, ["a@example.org"]))
    result = send(site, retries=0)
    assert [[post.title for post in posts] for _, posts in result.report.planned] == [["秋の散歩"]]
    build_site(site, BuildOptions(now=NOW))
    titles = [entry.title for entry in parse_feed(site.output / "feed.atom").entries]
    assert titles == ["Housekeeping", "秋の散歩"]
    # Nor in the digest's preview.
    assert "Housekeeping" not in (site.output / "digest.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("value", ["true", "yes"])
def test_email_other_than_false_mails_the_post(
    make_site: SiteFactory, smtp_server: MailServer, value: str
) -> None:
    post = {"2025-12-01-a.md": f"---\ntitle: A\ndate: 2025-12-01\nemail: {value}\n---\nA.\n"}
    site = make_site(post, mail_config(smtp_server.port, ["a@example.org"]))
    assert len(send(site, retries=0).report.planned) == 1


def test_an_import_never_demotes_an_active_subscriber_to_pending(
    make_site: SiteFactory, tmp_path: Path
) -> None:
    site = make_site(AUTUMN_POST, mail_config(2525, ["listed@example.org"]))
    add_subscribers(site, ["ann@example.org"], now=NOW)
    export = write(
        tmp_path / "buttondown.csv",
        """
        id,email,creation_date,subscriber_type
        1,ann@example.org,2024-05-06T00:00:00+00:00,unactivated
        2,cy@example.org,2024-05-06T00:00:00+00:00,unactivated
        """,
    )
    result = import_subscribers(site, export, now=NOW)
    assert result.unchanged == 1
    assert newsletter(site, "SELECT address, status FROM subscribers") == [
        ("ann@example.org", "active"),
        ("cy@example.org", "pending"),
    ]


def test_the_digest_shows_what_the_next_send_mails_to_added_subscribers(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    site = make_site(AUTUMN_POST, mail_config(smtp_server.port, ["listed@example.org"]))
    add_subscribers(site, ["added@example.org"], now=NOW)
    smtp_server.handler.temporary = {"added@example.org": 5}
    send(site, retries=0)
    assert smtp_server.handler.recipients() == ["listed@example.org"]
    # The listed reader has it, the added one is still owed it: the digest shows it.
    assert [post.title for post in digest_site(site, DigestOptions(now=NOW)).posts] == ["秋の散歩"]
