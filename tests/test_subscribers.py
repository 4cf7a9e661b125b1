"""`feedwright subscribers`, the importers, `send --test` and `email: false`."""

from __future__ import annotations

import email
import email.policy
import textwrap
from email.message import EmailMessage
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
    subscribers_config,
    write_posts,
)
from feedwright.cli import app
from feedwright.commands.build import BuildOptions, build_site
from feedwright.commands.digest import DigestOptions, digest_site
from feedwright.commands.send import SendOptions, send_test
from feedwright.commands.subscribers import add_subscribers, import_subscribers
from feedwright.errors import ConfigError, OptionError
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


def imported(site: Site, path: Path) -> tuple[list[str], str]:
    """Import ``path`` with `feedwright subscribers import`, after a dry run that must change
    nothing and say the same: the lines printed, and the note on stderr of what was kept."""

    def rows() -> list[tuple[object, ...]]:
        exists = store_path(site).exists()
        return newsletter(site, "SELECT * FROM subscribers") if exists else []

    before = rows()
    code, dry, dry_err = cli(site, "import", str(path), "--dry-run")
    assert code == 0, dry_err
    assert rows() == before
    code, out, err = cli(site, "import", str(path))
    assert code == 0, err
    lines = out.splitlines()
    assert [line.removeprefix("would ") for line in dry.splitlines()] == lines
    assert dry_err == err
    return lines, err


def kept_note(err: str) -> str:
    """The one line of an import's stderr that says what it kept and what it did not."""
    notes = [line for line in err.splitlines() if line.startswith("kept: ")]
    assert len(notes) == 1, err
    return notes[0]


def subscribers(site: Site) -> list[tuple[str, str, str, str]]:
    """Each imported subscriber: address, name, status, consent time."""
    return newsletter(
        site,
        "SELECT address, name, status, subscribed_at FROM subscribers"
        " WHERE address != 'listed@example.org' ORDER BY id",
    )


# --- the importers: each service's export, in its documented shape, written here by hand ---

MAILCHIMP_COLUMNS = (
    "Email Address,First Name,Last Name,Company,MEMBER_RATING,OPTIN_TIME,OPTIN_IP,CONFIRM_TIME,"
    "CONFIRM_IP,LATITUDE,LONGITUDE,GMTOFF,DSTOFF,TIMEZONE,CC,REGION"
)


def test_mailchimp_audience_export_its_three_files(make_site: SiteFactory, tmp_path: Path) -> None:
    site = make_site(AUTUMN_POST, mail_config(2525, ["listed@example.org"]))
    subscribed = write(
        tmp_path / "subscribed_members_export_0a1b2c.csv",
        f"""
        {MAILCHIMP_COLUMNS},LAST_CHANGED,LEID,EUID,NOTES,TAGS
        ann@example.org, Ann , Lee ,Example Co,2,2024-03-01 10:00:00,,2024-03-01 10:05:00,,,,,,,,,2024-03-02 00:00:00,1,e1,,"Readers"
        bo@example.org,,,,2,2024-04-01 08:00:00,,,,,,,,,,,2024-04-01 08:00:00,2,e2,,
        """,
    )
    unsubscribed = write(
        tmp_path / "unsubscribed_members_export_0a1b2c.csv",
        f"""
        {MAILCHIMP_COLUMNS},UNSUB_TIME,UNSUB_CAMPAIGN_TITLE,UNSUB_CAMPAIGN_ID,UNSUB_REASON,UNSUB_REASON_OTHER,LEID,EUID,NOTES,TAGS
        left@example.org,Lu,,,2,2023-01-01 00:00:00,,2023-01-01 00:01:00,,,,,,,,,2024-01-01 00:00:00,,,,,3,e3,,
        """,
    )
    cleaned = write(
        tmp_path / "cleaned_members_export_0a1b2c.csv",
        f"""
        {MAILCHIMP_COLUMNS},CLEAN_TIME,CLEAN_CAMPAIGN_TITLE,CLEAN_CAMPAIGN_ID,LEID,EUID,NOTES,TAGS
        gone@example.org,,,,1,2023-02-01 00:00:00,,2023-02-01 00:00:30,,,,,,,,,2024-01-01 00:00:00,,,4,e4,,
        """,
    )
    lines, err = imported(site, subscribed)
    assert lines[:2] == ["add (active): ann@example.org", "add (active): bo@example.org"]
    left_lines, left_err = imported(site, unsubscribed)
    assert left_lines[0] == "add (unsubscribed): left@example.org"
    cleaned_lines, cleaned_err = imported(site, cleaned)
    assert cleaned_lines[0] == "add (bounced): gone@example.org"
    assert subscribers(site) == [
        # CONFIRM_TIME (double opt-in) when there is one, else OPTIN_TIME; both in UTC.
        ("ann@example.org", "Ann Lee", "active", "2024-03-01T10:05:00+00:00"),
        ("bo@example.org", "", "active", "2024-04-01T08:00:00+00:00"),
        ("left@example.org", "Lu", "unsubscribed", "2023-01-01T00:01:00+00:00"),
        ("gone@example.org", "", "bounced", "2023-02-01T00:00:30+00:00"),
    ]
    dropped = "Company, MEMBER_RATING, OPTIN_IP, CONFIRM_IP, LATITUDE, LONGITUDE, GMTOFF, DSTOFF"
    assert kept_note(err) == (
        f"kept: email, name, status, consent time; not kept: {dropped}, TIMEZONE, CC, REGION,"
        " LAST_CHANGED, LEID, EUID, NOTES, TAGS"
    )
    assert kept_note(left_err).endswith(
        "REGION, UNSUB_CAMPAIGN_TITLE, UNSUB_CAMPAIGN_ID, UNSUB_REASON, UNSUB_REASON_OTHER,"
        " LEID, EUID, NOTES, TAGS"
    )
    assert kept_note(cleaned_err).endswith(
        "REGION, CLEAN_CAMPAIGN_TITLE, CLEAN_CAMPAIGN_ID, LEID, EUID, NOTES, TAGS"
    )


def test_listmonk_export_with_its_go_times(make_site: SiteFactory, tmp_path: Path) -> None:
    site = make_site(AUTUMN_POST, mail_config(2525, ["listed@example.org"]))
    export = write(
        tmp_path / "subscribers.csv",
        """
        uuid,email,name,attributes,status,created_at,updated_at
        5f0c0c1e-0000-4000-8000-000000000001,ann@example.org,Ann,"{""city"": ""Oslo""}",enabled,2024-02-02 10:00:00.123456 +0000 UTC,2024-02-02 10:00:00.123456 +0000 UTC
        5f0c0c1e-0000-4000-8000-000000000002,bo@example.org,Bo,{},blocklisted,2024-02-03 15:30:00.5 +0530 IST,2024-02-04 10:00:00 +0000 UTC
        5f0c0c1e-0000-4000-8000-000000000003,cy@example.org,Cy,{},disabled,2024-02-05 09:00:00 +0000 UTC,2024-02-05 09:00:00 +0000 UTC
        """,
    )
    lines, err = imported(site, export)
    assert lines[-1] == "imported (listmonk): 3 changed, 0 unchanged"
    assert subscribers(site) == [
        ("ann@example.org", "Ann", "active", "2024-02-02T10:00:00+00:00"),
        ("bo@example.org", "Bo", "unsubscribed", "2024-02-03T15:30:00+05:30"),
        ("cy@example.org", "Cy", "unsubscribed", "2024-02-05T09:00:00+00:00"),
    ]
    assert kept_note(err) == (
        "kept: email, name, status, consent time; not kept: uuid, attributes, updated_at"
    )


def test_ghost_members_export(make_site: SiteFactory, tmp_path: Path) -> None:
    site = make_site(AUTUMN_POST, mail_config(2525, ["listed@example.org"]))
    export = write(
        tmp_path / "members.2025-01-01.csv",
        """
        id,email,name,note,subscribed_to_emails,complimentary_plan,stripe_customer_id,created_at,deleted_at,labels,tiers
        6500000000000000000000a1,ann@example.org,Ann Lee,met at a talk,true,false,,2024-03-01T09:30:00.000Z,,"vip,early",Gold
        6500000000000000000000a2,bo@example.org,,,false,false,cus_x,2024-03-02T09:30:00.000Z,,,
        """,
    )
    lines, err = imported(site, export)
    assert lines[:2] == ["add (active): ann@example.org", "add (unsubscribed): bo@example.org"]
    assert subscribers(site) == [
        ("ann@example.org", "Ann Lee", "active", "2024-03-01T09:30:00+00:00"),
        ("bo@example.org", "", "unsubscribed", "2024-03-02T09:30:00+00:00"),
    ]
    assert lines[-1] == "imported (Ghost): 2 changed, 0 unchanged"
    assert kept_note(err) == (
        "kept: email, name, status, consent time; not kept: id, note, complimentary_plan,"
        " stripe_customer_id, deleted_at, labels, tiers"
    )


def test_buttondown_export_and_its_types(make_site: SiteFactory, tmp_path: Path) -> None:
    site = make_site(AUTUMN_POST, mail_config(2525, ["listed@example.org"]))
    columns = (
        "id,secondary_id,email,notes,subscriber_type,referrer_url,utm_source,utm_medium,"
        "utm_campaign,creation_date,ip_address,subscription_date,unsubscription_date,tags,metadata"
    )
    rows = [
        (
            1,
            "ann",
            "regular",
            "2024-03-13 00:03:09.183465+00:00",
            "2024-03-14 08:00:00.5+00:00",
            "",
        ),
        (2, "bo", "premium", "2024-03-13 00:00:00+00:00", "", ""),
        (3, "cy", "unactivated", "2024-03-13 00:00:00+00:00", "", ""),
        (
            4,
            "di",
            "unsubscribed",
            "2024-03-13 00:00:00+00:00",
            "2024-03-13 00:00:00+00:00",
            "2024-04-08 17:09:32.596959+00:00",
        ),
        (5, "ed", "removed", "2024-03-13 00:00:00+00:00", "", ""),
        (6, "fy", "undeliverable", "2024-03-13 00:00:00+00:00", "", ""),
        (7, "gu", "complained", "2024-03-13 00:00:00+00:00", "", ""),
        (8, "hu", "blocked", "2024-03-13 00:00:00+00:00", "", ""),
        (9, "io", "spammy", "2024-03-13 00:00:00+00:00", "", ""),  # before 2025-07-28
        (10, "jo", "gifted", "2024-03-13 00:00:00+00:00", "", ""),
    ]
    body = "\n".join(
        f"id{n},{n},{who}@example.org,,{kind},https://buttondown.com/example,,,,{created},"
        f"192.0.2.{n},{subscribed},{left},corporate;nyc,{{}}"
        for n, who, kind, created, subscribed, left in rows
    )
    export = tmp_path / "buttondown-subscribers.csv"
    export.write_text(f"{columns}\n{body}\n", encoding="utf-8")
    lines, err = imported(site, export)
    assert lines[-1] == "imported (Buttondown): 10 changed, 0 unchanged"
    found = subscribers(site)
    assert [(address, status) for address, _, status, _ in found] == [
        ("ann@example.org", "active"),
        ("bo@example.org", "active"),
        ("cy@example.org", "pending"),
        ("di@example.org", "unsubscribed"),
        ("ed@example.org", "unsubscribed"),
        ("fy@example.org", "bounced"),
        ("gu@example.org", "complained"),
        ("hu@example.org", "pending"),
        ("io@example.org", "bounced"),
        ("jo@example.org", "active"),
    ]
    # subscription_date when there is one, else creation_date.
    assert found[0][3] == "2024-03-14T08:00:00+00:00"
    assert found[1][3] == "2024-03-13T00:00:00+00:00"
    assert kept_note(err) == (
        "kept: email, status, consent time; not kept: id, secondary_id, notes, referrer_url,"
        " utm_source, utm_medium, utm_campaign, ip_address, unsubscription_date, tags, metadata"
    )


def test_substack_email_list_export(make_site: SiteFactory, tmp_path: Path) -> None:
    site = make_site(AUTUMN_POST, mail_config(2525, ["listed@example.org"]))
    export = write(
        tmp_path / "email_list.example.csv",
        """
        email,active_subscription,expiry,email_disabled,prefer_digests,created_at
        ann@example.org,true,2026-07-06T16:20:44.000Z,false,false,2023-07-07T07:07:07.713Z
        bo@example.org,,,true,false,2023-07-08T00:00:00.000Z
        x1y2@deletion-request.substack.com,,,false,false,2023-07-09T00:00:00.000Z
        """,
    )
    lines, err = imported(site, export)
    assert lines[-1] == "imported (Substack): 3 changed, 0 unchanged"
    assert subscribers(site) == [
        ("ann@example.org", "", "active", "2023-07-07T07:07:07+00:00"),
        ("bo@example.org", "", "unsubscribed", "2023-07-08T00:00:00+00:00"),
        # A reader Substack deleted on request: not to be mailed.
        ("x1y2@deletion-request.substack.com", "", "unsubscribed", "2023-07-09T00:00:00+00:00"),
    ]
    assert kept_note(err) == (
        "kept: email, status, consent time; not kept: active_subscription, expiry, prefer_digests"
    )


def test_any_csv_with_first_and_last_names(make_site: SiteFactory, tmp_path: Path) -> None:
    # The columns Kit and Mailcoach document for their imports.
    site = make_site(AUTUMN_POST, mail_config(2525, ["listed@example.org"]))
    export = write(
        tmp_path / "readers.csv",
        """
        email,first_name,last_name,tags
        ann@example.org,Ann,Lee,a;b
        bo@example.org,Bo,,
        """,
    )
    lines, err = imported(site, export)
    assert lines[-1] == "imported (CSV): 2 changed, 0 unchanged"
    assert [(address, name, status) for address, name, status, _ in subscribers(site)] == [
        ("ann@example.org", "Ann Lee", "active"),
        ("bo@example.org", "Bo", "active"),
    ]
    assert kept_note(err) == "kept: email, name; not kept: tags"
    # --quiet prints only errors.
    quiet = ["--quiet", "subscribers", "import", str(export), "--site", str(site.root)]
    assert "kept:" not in runner.invoke(app, quiet).stderr


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
        1,left@example.org,Lu,{},enabled,2024-01-01 00:00:00 +0000 UTC,2024-01-01 00:00:00 +0000 UTC
        2,new@example.org,Nu,{},enabled,2024-01-02 00:00:00 +0000 UTC,2024-01-02 00:00:00 +0000 UTC
        3,blocked@example.org,,{},blocklisted,2024-01-03 00:00:00 +0000 UTC,2024-01-03 00:00:00 +0000 UTC
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


# --- the hostile review's findings (R3…R14) ---

SECOND_POST: dict[str, str | bytes] = {
    "2025-11-30-second.md": """
        ---
        title: Second
        date: 2025-11-30 04:40:08 +0000
        ---
        More.
        """,
}


def test_R3_add_mails_a_listed_subscriber_whose_line_is_gone(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    """R3: `subscribers add` of a subscriber who came from the list file, is still active,
    and whose line was taken out says "unchanged", and they are never mailed (README:
    added subscribers get the posts from the next send on, listed or not)."""
    site = make_site(AUTUMN_POST, subscribers_config(smtp_server.port))
    listing = site.root / "subscribers.txt"
    listing.write_text("ann@example.org\nbob@example.org\ncy@example.org\n", encoding="utf-8")
    send(site)
    listing.write_text("bob@example.org\n", encoding="utf-8")
    result = add_subscribers(site, ["ann@example.org"])
    assert (len(result.changes), result.unchanged) == (1, 0)
    # An address the file names and that is added too: mailed once, listed or not.
    add_subscribers(site, ["bob@example.org"])
    # `import` makes them mailed as `add` does.
    import_subscribers(site, write(site.root / "more.txt", "cy@example.org\n"))
    write_posts(site.root / "_posts", SECOND_POST)
    smtp_server.handler.messages.clear()
    send(load_site(site.root))
    assert sorted(smtp_server.handler.recipients()) == [
        "ann@example.org",
        "bob@example.org",
        "cy@example.org",
    ]
    sources = newsletter(site, "SELECT consent_source, away_since FROM subscribers ORDER BY id")
    assert sources[0][0].startswith("feedwright subscribers add (before: listed in /")
    assert sources[0][0].endswith("/subscribers.txt)") and sources[0][1] is None
    listing.write_text("", encoding="utf-8")
    smtp_server.handler.messages.clear()
    write(site.root / "_posts" / "2025-12-15-winter.md", WINTER)
    send(load_site(site.root))
    assert sorted(smtp_server.handler.recipients()) == [
        "ann@example.org",
        "bob@example.org",
        "cy@example.org",
    ]


def test_R3_an_away_subscriber_added_gets_the_posts_from_the_next_send_on(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    """R3, once a send has run without the reader (they are away): `add` ends that, and
    they get the posts published from the next send on, as one added again does."""
    site = make_site(AUTUMN_POST, subscribers_config(smtp_server.port))
    listing = site.root / "subscribers.txt"
    listing.write_text("ann@example.org\nbob@example.org\n", encoding="utf-8")
    send(site)
    listing.write_text("bob@example.org\n", encoding="utf-8")
    write_posts(site.root / "_posts", SECOND_POST)
    assert send(load_site(site.root)).report.start.away == ["ann@example.org"]
    result = add_subscribers(site, ["ann@example.org"])
    assert [c.recipient.email for c in result.changes] == ["ann@example.org"]
    away = "SELECT away_since FROM subscribers WHERE address = 'ann@example.org'"
    assert newsletter(site, away) == [(None,)]
    write(site.root / "_posts" / "2025-12-15-winter.md", WINTER)
    smtp_server.handler.messages.clear()
    send(load_site(site.root))
    assert sorted(smtp_server.handler.recipients()) == ["ann@example.org", "bob@example.org"]
    data = next(data for _, to, data in smtp_server.handler.messages if to == ["ann@example.org"])
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    text = message.get_body(("plain",))
    assert text is not None
    assert "Frost" in text.get_content() and "More." not in text.get_content()


def test_R4_a_short_row_of_a_mailchimp_unsubscribed_export_stays_unsubscribed(
    tmp_path: Path,
) -> None:
    """R4: a Mailchimp file's section is told by its header (UNSUB_TIME), but each row was
    read by the cells it has: a row cut short (a spreadsheet drops trailing empty cells)
    of the unsubscribed export imported as an active subscriber, who was then mailed."""
    path = tmp_path / "unsubscribed.csv"
    path.write_text(
        "Email Address,First Name,Last Name,OPTIN_TIME,UNSUB_TIME\n"
        "left@example.org,Ann,Lee,2020-01-01 00:00:00,2021-01-01 00:00:00\n"
        "short@example.org,Bo\n",
        encoding="utf-8",
    )
    statuses = {s.recipient.email: s.status for s in read_import_file(path).subscribers}
    assert statuses == {"left@example.org": "unsubscribed", "short@example.org": "unsubscribed"}


def test_R5_a_huge_csv_cell_is_a_clear_error_not_a_traceback(
    make_site: SiteFactory, tmp_path: Path
) -> None:
    """R5: a cell over the csv module's 131072-character limit raised csv.Error out of the
    importer and the recipients file reader: a traceback from `subscribers import`,
    `subscribers add` (it reads the list file) and `send`."""
    path = tmp_path / "big.csv"
    path.write_text("email,name\nann@example.org," + "x" * 200_000 + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"big.csv:2: cannot read this row: field larger"):
        read_import_file(path)
    site = make_site(AUTUMN_POST, subscribers_config(2525))
    code, _, err = cli(site, "import", str(path))
    assert code == 1 and "Traceback" not in err
    # A row of the list file, skipped with a warning; the others are read.
    listing = site.root / "subscribers.txt"
    listing.write_text(path.read_text() + "bob@example.org,Bob\n", encoding="utf-8")
    code, _, err = cli(site, "add", "cy@example.org")
    assert code == 0, err
    two = tmp_path / "two.csv"
    two.write_text(listing.read_text(), encoding="utf-8")
    imported = read_import_file(two)
    assert [s.recipient.email for s in imported.subscribers] == ["bob@example.org"]
    assert [p.line for p in imported.problems] == [2]


def test_R8_add_refuses_a_name_with_a_line_break(make_site: SiteFactory) -> None:
    """R8: `subscribers add --name` stored the name unchecked (the list file and the
    importers refuse control characters); with a line break in it, every later send stops
    at that subscriber ("cannot build the message"), and those after them are not mailed."""
    site = make_site(AUTUMN_POST, mail_config(2525, ["ann@example.org"]))
    with pytest.raises(OptionError, match=r"--name: .*control character"):
        add_subscribers(site, ["evil@example.org"], name="Evil\r\nBcc: victim@example.org")
    code, _, err = cli(site, "add", "bell@example.org", "--name", "Ding\x07")
    assert code == 2 and "--name" in err and "control character" in err
    code, _, err = cli(site, "add", "'=?utf-8?q?a=0Ab?=' <x@example.org>")
    assert code == 2 and "control character" in err
    assert not store_path(site).exists() or newsletter(site, "SELECT * FROM subscribers") == []


def test_R9_names_and_addresses_over_their_limits_are_refused(
    make_site: SiteFactory, tmp_path: Path
) -> None:
    """R9: a name of 2,000 letters makes a `To:` line over SMTP's 1,000 octets, which the
    server refuses, run after run: a name is at most 200 characters (decoded), an address
    as RFC 5321 allows (64 before the @, 254 in all), wherever they enter."""
    site = make_site(AUTUMN_POST, mail_config(2525, ["ann@example.org"]))
    code, _, err = cli(site, "add", "long@example.org", "--name", "a" * 201)
    assert code == 2 and "201 characters long, more than the 200" in err
    assert cli(site, "add", "long@example.org", "--name", "a" * 200)[0] == 0
    code, _, err = cli(site, "add", "b" * 65 + "@example.org")
    assert code == 2 and "65 characters long, more than the 64" in err
    code, _, err = cli(site, "add", "b@" + "c" * 60 + "." + "d" * 200 + ".org")
    assert code == 2 and "more than the 254" in err
    export = write(
        tmp_path / "list.csv",
        f"""
        email,name
        ann@example.org,{"a" * 2000}
        {"e" * 65}@example.org,E
        bob@example.org,Bob
        """,
    )
    imported = read_import_file(export)
    assert [s.recipient.email for s in imported.subscribers] == ["bob@example.org"]
    assert [(p.line, "skipped" in p.hint) for p in imported.problems] == [(2, True), (3, True)]
    assert "2000 characters long" in imported.problems[0].message


def test_add_import_and_send_warn_of_subscribers_that_differ_only_in_case(
    make_site: SiteFactory, smtp_server: MailServer, tmp_path: Path
) -> None:
    site = make_site(AUTUMN_POST, mail_config(smtp_server.port, ["ann@example.org"]))
    code, _, err = cli(site, "add", "Ann@example.org")
    assert code == 0
    assert err.count("differ only in case") == 1, err
    assert "Ann@example.org and ann@example.org are two subscribers" in err
    assert "remove one (`feedwright subscribers remove ann@example.org`" in err
    result = send(site)
    assert [str(w).count("differ only in case") for w in result.warnings] == [1]
    _, _, err = cli(site, "import", str(write(tmp_path / "l.txt", "bob@example.org\n")))
    assert err.count("differ only in case") == 1, err
    # `remove` names the one that differs in case only; removed, no more warnings.
    code, _, err = cli(site, "remove", "ANN@EXAMPLE.ORG")
    assert code == 2 and "not a subscriber: ANN@EXAMPLE.ORG" in err
    assert "but Ann@example.org, ann@example.org are" in err
    assert cli(site, "remove", "Ann@example.org")[0] == 0
    assert not [w for w in send(site).warnings if "differ only in case" in str(w)]
    _, _, err = cli(site, "add", "cy@example.org")
    assert "differ only in case" not in err


def test_R12_export_is_private_needs_its_folder_and_is_safe_in_a_spreadsheet(
    make_site: SiteFactory, tmp_path: Path
) -> None:
    site = make_site(AUTUMN_POST, mail_config(2525, ["listed@example.org"]))
    add_subscribers(site, ["-x@example.org"], name='=HYPERLINK("http://evil")', now=NOW)
    add_subscribers(site, ["bo@example.org"], name="@Bo", now=NOW)
    add_subscribers(site, ["cy@example.org"], name="'=quoted", now=NOW)
    target = tmp_path / "subscribers.csv"
    assert cli(site, "export", str(target))[0] == 0
    assert target.stat().st_mode & 0o777 == 0o600
    rows = target.read_text(encoding="utf-8").splitlines()[1:]
    assert [row.split(",")[:2] for row in rows] == [
        ["'-x@example.org", '"\'=HYPERLINK(""http://evil"")"'],
        ["bo@example.org", "'@Bo"],
        ["cy@example.org", "''=quoted"],
    ]
    # Written again with the same bytes over a file anyone could read: private too.
    target.chmod(0o644)
    assert cli(site, "export", str(target))[0] == 0
    assert target.stat().st_mode & 0o777 == 0o600
    code, _, err = cli(site, "export", str(tmp_path / "missing" / "s.csv"))
    assert code == 1 and "the folder" in err and "missing" in err and "does not exist" in err
    assert not (tmp_path / "missing").exists()
    other = make_site(AUTUMN_POST, mail_config(2525, ["listed@example.org"]))
    store_path(other).unlink()
    import_subscribers(other, target, now=NOW)
    assert newsletter(other, "SELECT address, name FROM subscribers ORDER BY id") == [
        ("-x@example.org", '=HYPERLINK("http://evil")'),
        ("bo@example.org", "@Bo"),
        ("cy@example.org", "'=quoted"),
    ]


def test_R13_an_unreadable_consent_time_is_a_warning_with_its_line(
    make_site: SiteFactory, tmp_path: Path
) -> None:
    """R13: an unreadable consent date became the time of the import, silently."""
    site = make_site(AUTUMN_POST, mail_config(2525, ["listed@example.org"]))
    export = write(
        tmp_path / "buttondown.csv",
        """
        id,email,creation_date,subscriber_type
        1,ann@example.org,last tuesday,regular
        2,cy@example.org,2024-05-06T00:00:00+00:00,regular
        """,
    )
    result = import_subscribers(site, export, now=NOW)
    assert [(str(p.path), p.line) for p in result.problems] == [(str(export), 2)]
    assert "creation_date: cannot read 'last tuesday' as a time" in result.problems[0].message
    assert "--dry-run" in result.problems[0].hint


def test_R13_a_subscriber_imported_as_pending_was_never_active(
    make_site: SiteFactory, tmp_path: Path
) -> None:
    """R13: a new subscriber imported as pending showed a brief "active" first in their
    history, a status they never had."""
    site = make_site(AUTUMN_POST, mail_config(2525, ["listed@example.org"]))
    export = write(
        tmp_path / "buttondown.csv",
        """
        id,email,creation_date,subscriber_type
        2,cy@example.org,2024-05-06T00:00:00+00:00,unactivated
        """,
    )
    import_subscribers(site, export, now=NOW)
    code, out, _ = cli(site, "show", "cy@example.org")
    assert code == 0
    assert [line.split("  ")[1].split(":")[0] for line in out.splitlines()[2:]] == ["pending"]
    assert out.startswith("cy@example.org: pending since")


def test_R14_the_lock_and_a_folder_in_place_of_the_database_say_what_they_are(
    make_site: SiteFactory, tmp_path: Path
) -> None:
    site = make_site(AUTUMN_POST, mail_config(2525, ["listed@example.org"]))
    with state_lock(site.state_path):
        code, _, err = cli(site, "add", "ann@example.org")
    assert code == 3
    assert "state.json" not in err and "newsletter database" in err
    store_path(site).unlink(missing_ok=True)
    store_path(site).mkdir(parents=True)
    for command in (["add", "ann@example.org"], ["list"]):
        code, _, err = cli(site, *command)
        assert code == 1, command
        assert "is a folder" in err and "move the folder away" in err, err
        assert "backup" not in err


@pytest.mark.parametrize(
    ("content", "what"),
    [
        ("email\nann@example.org\n".encode("utf-16"), "UTF-16"),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00\xff\xfe", "not text"),
        (b"email\nann\xe9@example.org\n", "not UTF-8"),
    ],
)
def test_R14_an_import_file_that_is_not_utf8_says_how_to_fix_it(
    make_site: SiteFactory, tmp_path: Path, content: bytes, what: str
) -> None:
    site = make_site(AUTUMN_POST, mail_config(2525, ["listed@example.org"]))
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    code, _, err = cli(site, "import", str(path))
    assert code == 1
    assert what in err and "— save it as CSV UTF-8" in err, err
