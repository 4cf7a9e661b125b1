"""`send` against a real SMTP server (aiosmtpd on 127.0.0.1): once per post, never twice."""

from __future__ import annotations

import email
import gc
import re
import threading
import time
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path

import pytest

from conftest import (
    NOW,
    MailServer,
    SiteFactory,
    build,
    delivered_by_post,
    free_port,
    mail_config,
    newsletter,
    refusals_by_post,
    runner,
    send,
    subscribers_config,
    write_posts,
)
from feedwright.cli import app
from feedwright.errors import ConfigError, DeliveryError, HeaderInjectionError, StateError
from feedwright.mail.message import MAIL_POLICY, message_bytes
from feedwright.mail.records import state_lock
from feedwright.mail.store import store_path
from feedwright.site.config import load_site

POSTS: dict[str, str | bytes] = {
    "2025-11-29-kyoto.md": """
        ---
        title: "「京都の秋、朝の散歩"
        date: 2025-11-29 04:40:08 +0000
        tags: ["京都", "散歩"]
        excerpt: "朝七時の哲学の道は、観光客がまだ少なく静かでした。"
        ---
        本文です。
        """,
    "2025-10-01-feeds.md": """
        ---
        title: Feeds & <mail>
        date: 2025-10-01
        ---
        Why feeds still matter.
        """,
}
ANOTHER_POST = """---
title: 新しい記事
date: 2025-12-15 09:00:00 +0900
---
冬の記録。
"""


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def titles_in(raw: bytes) -> list[str]:
    """The post titles of a received digest, read from its text part."""
    text = parse(raw).get_body(("plain",))
    assert text is not None
    content = text.get_content()
    return [
        title
        for title in ("「京都の秋、朝の散歩", "Feeds & <mail>", "新しい記事")
        if title in content
    ]


def test_each_recipient_gets_one_well_formed_message(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    config = mail_config(
        smtp_server.port,
        ["山田 花子 <hanako@example.jp>", "reader@example.org"],
        'subject = "{site}: {first_title}"',
        connections=1,  # the messages in the list's order
    )
    result = send(make_site(POSTS, config))
    assert [len(posts) for _, posts in result.report.sent] == [2, 2]
    assert smtp_server.handler.recipients() == ["hanako@example.jp", "reader@example.org"]
    raw = smtp_server.handler.messages[0][2]
    message = parse(raw)
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert all(part.get_content_charset() == "utf-8" for part in message.iter_parts())
    # The Japanese subject travels RFC 2047-encoded and decodes back exactly.
    raw_subject = raw.split(b"\r\nFrom:")[0]
    assert raw_subject.isascii() and b"=?utf-8?" in raw_subject
    assert message["Subject"] == "Test Blog: 「京都の秋、朝の散歩"
    assert message["To"].addresses[0].display_name == "山田 花子"
    assert message["From"].addresses[0].addr_spec == "news@blog.example.org"
    assert message["Date"].datetime == NOW
    assert message["List-ID"] == '"Test Blog" <digest.blog.example.org>'
    assert message["List-Unsubscribe"].strip() == (
        "<https://blog.example.org/unsubscribe?email=hanako@example.jp>"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = message.get_body(("html",))
    assert html is not None
    assert "https://blog.example.org/unsubscribe?email=hanako@example.jp" in html.get_content()
    assert "Feeds &amp; &lt;mail&gt;" in html.get_content()
    other = parse(smtp_server.handler.messages[1][2])
    assert other["Message-ID"] != message["Message-ID"]
    assert titles_in(raw) == ["「京都の秋、朝の散歩", "Feeds & <mail>"]


def test_nothing_new_means_no_mail_and_an_untouched_state(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    site = make_site(POSTS, mail_config(smtp_server.port, ["a@example.org"]))
    send(site)
    database = store_path(site)
    before = database.read_bytes()
    modified_before = database.stat().st_mtime_ns
    result = send(site)
    assert result.report.planned == [] and len(smtp_server.handler.messages) == 1
    assert database.read_bytes() == before
    assert database.stat().st_mtime_ns == modified_before
    assert database.stat().st_mode & 0o777 == 0o600


def test_a_new_post_goes_out_once(make_site: SiteFactory, smtp_server: MailServer) -> None:
    site = make_site(POSTS, mail_config(smtp_server.port, ["a@example.org", "b@example.org"]))
    send(site)
    write_posts(site.root / "_posts", {"2025-12-15-new.md": ANOTHER_POST})
    send(site)
    send(site)
    messages = smtp_server.handler.messages
    assert [titles_in(raw) for _, _, raw in messages[2:]] == [["新しい記事"], ["新しい記事"]]
    assert len(messages) == 4


def test_the_first_run_does_not_mail_the_archive(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    archive = {
        f"2024-0{month}-01-old-{month}.md": f"---\ntitle: Old {month}\n---\nText.\n"
        for month in range(1, 6)
    }
    config = mail_config(smtp_server.port, ["a@example.org"], "max_posts = 2")
    site = make_site({**POSTS, **archive}, config)
    result = send(site)
    assert result.report.start.archived == 5
    assert titles_in(smtp_server.handler.messages[0][2]) == [
        "「京都の秋、朝の散歩",
        "Feeds & <mail>",
    ]
    seen = newsletter(site, "SELECT seen_run FROM posts ORDER BY seen_run")
    assert [run for (run,) in seen] == [0, 0, 0, 0, 0, 1, 1]
    assert send(site).report.planned == []


def test_a_new_subscriber_gets_only_what_comes_after_they_join(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    site = make_site(POSTS, mail_config(smtp_server.port, ["a@example.org"]))
    send(site)
    (site.root / "feedwright.toml").write_text(
        mail_config(smtp_server.port, ["a@example.org", "new@example.org"])
    )
    joined = load_site(site.root)
    assert send(joined).report.planned == []
    write_posts(site.root / "_posts", {"2025-12-15-new.md": ANOTHER_POST})
    send(joined)
    later = smtp_server.handler.messages[1:]
    assert sorted((rcpts, titles_in(raw)) for _, rcpts, raw in later) == [
        (["a@example.org"], ["新しい記事"]),
        (["new@example.org"], ["新しい記事"]),
    ]


def test_a_temporary_failure_is_retried_within_the_run(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    smtp_server.handler.temporary["a@example.org"] = 2  # two 451s, then the third try passes
    site = make_site(POSTS, mail_config(smtp_server.port, ["a@example.org"]))
    result = send(site)
    assert not result.report.failed
    assert smtp_server.handler.recipients() == ["a@example.org"]


def test_a_lasting_temporary_failure_is_left_for_the_next_run(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    smtp_server.handler.temporary["b@example.org"] = 3  # more than one run's attempts
    site = make_site(POSTS, mail_config(smtp_server.port, ["a@example.org", "b@example.org"]))
    first = send(site)
    assert [(r.email, reason[:3]) for r, reason in first.report.deferred] == [
        ("b@example.org", "451")
    ]
    assert smtp_server.handler.recipients() == ["a@example.org"]
    second = send(site)
    assert not second.report.failed
    assert sorted(smtp_server.handler.recipients()) == ["a@example.org", "b@example.org"]
    assert titles_in(smtp_server.handler.messages[1][2]) == [
        "「京都の秋、朝の散歩",
        "Feeds & <mail>",
    ]


def test_a_permanent_failure_is_recorded_and_not_retried(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    smtp_server.handler.refuse["gone@example.org"] = "550 5.1.1 No such user"
    recipients = ["a@example.org", "gone@example.org", "c@example.org"]
    site = make_site(POSTS, mail_config(smtp_server.port, recipients))
    first = send(site)
    assert [(r.email, reason) for r, reason in first.report.refused] == [
        ("gone@example.org", "550 5.1.1 No such user")
    ]
    assert sorted(smtp_server.handler.recipients()) == ["a@example.org", "c@example.org"]
    assert refusals_by_post(site) == [{"gone@example.org": "550 5.1.1 No such user"}] * 2
    # The address does not exist: it bounced, and gets no more mail, with the reply as cause.
    assert newsletter(
        site, "SELECT status, status_cause FROM subscribers WHERE address = 'gone@example.org'"
    ) == [("bounced", "refused: 550 5.1.1 No such user")]
    second = send(site)
    assert second.report.planned == [] and len(smtp_server.handler.messages) == 2
    write_posts(site.root / "_posts", {"2025-12-15-new.md": ANOTHER_POST})
    third = send(site)
    assert [r.email for r, _ in third.report.planned] == ["a@example.org", "c@example.org"]


def test_a_dropped_connection_resumes_with_exactly_the_missing_recipients(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    recipients = [f"r{number}@example.org" for number in range(5)]
    smtp_server.handler.drop_after = 2
    site = make_site(POSTS, mail_config(smtp_server.port, recipients))
    first = send(site)
    # Several sessions send at once: which two got through is a matter of timing.
    accepted = smtp_server.handler.recipients()
    assert len(accepted) == 2
    assert sorted(r.email for r, _ in first.report.deferred) == sorted(
        set(recipients) - set(accepted)
    )
    # Recorded by each session's thread as its answer comes: in any order.
    assert [sorted(them) for them in delivered_by_post(site)] == [sorted(accepted)] * 2
    smtp_server.handler.drop_after = None
    second = send(site)
    assert not second.report.failed
    assert sorted(smtp_server.handler.recipients()) == recipients  # each exactly once
    # Everyone has every post, each once, and the posts are marked mailed.
    assert [sorted(them) for them in delivered_by_post(site)] == [recipients] * 2
    assert newsletter(site, "SELECT mailed FROM posts") == [(1,), (1,)]


def test_an_unreachable_server_leaves_everyone_for_the_next_run(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    recipients = ["a@example.org", "b@example.org"]
    site = make_site(POSTS, mail_config(free_port(), recipients))
    result = send(site)
    assert sorted(r.email for r, _ in result.report.deferred) == recipients
    assert all("cannot connect" in reason for _, reason in result.report.deferred)
    # The server is back: the next run delivers everything that was left.
    (site.root / "feedwright.toml").write_text(mail_config(smtp_server.port, recipients))
    assert not send(load_site(site.root)).report.failed
    assert sorted(smtp_server.handler.recipients()) == ["a@example.org", "b@example.org"]


def test_a_dry_run_sends_nothing_and_records_nothing(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    site = make_site(POSTS, mail_config(smtp_server.port, ["a@example.org"]))
    result = send(site, dry_run=True)
    assert [(r.email, len(posts)) for r, posts in result.report.planned] == [("a@example.org", 2)]
    assert smtp_server.handler.messages == [] and not site.state_path.exists()


def test_a_dry_run_reads_while_a_send_runs(make_site: SiteFactory, smtp_server: MailServer) -> None:
    """A dry run only reads the database, which a send may be writing meanwhile: it does
    not wait for the send's lock, nor stop at it."""
    site = make_site(POSTS, mail_config(smtp_server.port, ["a@example.org"]))
    send(site)
    write_posts(site.root / "_posts", {"2025-12-15-new.md": ANOTHER_POST})
    with state_lock(site.state_path):
        result = send(load_site(site.root), dry_run=True)
    assert [(r.email, len(posts)) for r, posts in result.report.planned] == [("a@example.org", 1)]


def test_starttls_is_never_silently_skipped(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    config = mail_config(smtp_server.port, ["a@example.org"]).replace(
        'security = "none"', 'security = "starttls"'
    )
    site = make_site(POSTS, config)
    with pytest.raises(DeliveryError, match="does not offer STARTTLS"):
        send(site)
    assert smtp_server.handler.messages == []
    assert newsletter(site, "SELECT count(*) FROM deliveries") == [(0,)]


def test_the_password_comes_only_from_the_environment(
    make_site: SiteFactory, smtp_server: MailServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = mail_config(smtp_server.port, ["a@example.org"])
    with pytest.raises(ConfigError, match="FEEDWRIGHT_SMTP_PASSWORD"):
        make_site(POSTS, config.replace("[smtp]", '[smtp]\npassword = "hunter2"'))
    site = make_site(POSTS, config.replace("[smtp]", '[smtp]\nusername = "blog"'))
    monkeypatch.delenv("FEEDWRIGHT_SMTP_PASSWORD", raising=False)
    with pytest.raises(ConfigError, match="FEEDWRIGHT_SMTP_PASSWORD is not set"):
        send(site)
    assert not site.state_path.exists()


def test_a_damaged_state_file_stops_the_run(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    site = make_site(POSTS, mail_config(smtp_server.port, ["a@example.org"]))
    site.state_path.parent.mkdir(parents=True)
    site.state_path.write_text('{"version": 1, "runs": ')
    with pytest.raises(StateError, match=r"state\.json: the state file cannot be read"):
        send(site)
    assert smtp_server.handler.messages == []
    assert site.state_path.read_text() == '{"version": 1, "runs": '


def test_a_second_send_while_one_runs_exits_3(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    site = make_site(POSTS, mail_config(smtp_server.port, ["a@example.org"]))
    with state_lock(site.state_path):
        result = runner.invoke(app, ["send", str(site.root)])
    assert result.exit_code == 3
    assert "another feedwright run is changing the newsletter database" in result.stderr
    assert smtp_server.handler.messages == []


def test_wait_waits_for_the_lock(make_site: SiteFactory, smtp_server: MailServer) -> None:
    site = make_site(POSTS, mail_config(smtp_server.port, ["a@example.org"]))
    acquired = threading.Event()

    def hold_the_lock() -> None:
        with state_lock(site.state_path):
            acquired.set()
            time.sleep(0.5)

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    acquired.wait()
    started = time.monotonic()
    result = send(site, wait=True)
    holder.join()
    assert time.monotonic() - started >= 0.4
    assert len(result.report.sent) == 1


def test_cli_send_reports_failures_with_exit_4(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    smtp_server.handler.refuse["gone@example.org"] = "550 5.1.1 No such user"
    site = make_site(POSTS, mail_config(smtp_server.port, ["a@example.org", "gone@example.org"]))
    result = runner.invoke(app, ["send", str(site.root)])
    assert result.exit_code == 4, result.output
    assert "gone@example.org: 550 5.1.1 No such user (refused; not retried)" in result.stderr
    assert re.search(
        r"^sent 1 digests in \d+\.\d s \(\d+/s\); 0 left for the next run, 1 refused$",
        result.stdout,
        re.MULTILINE,
    ), result.stdout
    again = runner.invoke(app, ["send", str(site.root)])
    assert again.exit_code == 0 and "no new posts since" in again.stdout
    # Each recipient's digest leaves objects in cycles: a send to many must collect them.
    assert gc.isenabled()


def test_cli_send_to_file_and_dry_run(
    make_site: SiteFactory, smtp_server: MailServer, tmp_path: Path
) -> None:
    site = make_site(POSTS, mail_config(smtp_server.port, []))
    listing = tmp_path / "list.csv"
    listing.write_text("email,name\nhanako@example.jp,山田 花子\n", encoding="utf-8")
    dry = runner.invoke(app, ["send", str(site.root), "--to-file", str(listing), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would send 2 posts to hanako@example.jp" in dry.stdout
    assert smtp_server.handler.messages == []
    sent = runner.invoke(app, ["send", str(site.root), "--to-file", str(listing)])
    assert sent.exit_code == 0, sent.output
    assert parse(smtp_server.handler.messages[0][2])["To"].addresses[0].display_name == "山田 花子"


def test_a_malformed_line_in_the_subscriber_file_is_reported_and_everyone_else_is_mailed(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    site = make_site(POSTS, subscribers_config(smtp_server.port))
    listing = site.root / "subscribers.txt"
    listing.write_text("a@example.org\nb@example.org>\nc@example.org\n", encoding="utf-8")
    result = runner.invoke(app, ["--quiet", "send", str(site.root)])
    assert result.exit_code == 0, result.output
    assert sorted(smtp_server.handler.recipients()) == ["a@example.org", "c@example.org"]
    (warning,) = result.stderr.splitlines()
    assert warning.startswith(f"warning: {listing}:2: 'b@example.org>' is not ")
    assert " — " in warning
    # Fixed, the line joins like any new subscriber: the posts it missed are not mailed.
    listing.write_text("a@example.org\nb@example.org\nc@example.org\n", encoding="utf-8")
    again = runner.invoke(app, ["--quiet", "send", str(site.root)])
    assert again.exit_code == 0 and again.output == ""
    assert len(smtp_server.handler.messages) == 2


def test_a_name_in_the_csv_cannot_inject_a_header(
    make_site: SiteFactory, smtp_server: MailServer, tmp_path: Path
) -> None:
    site = make_site(POSTS, mail_config(smtp_server.port, []))
    listing = tmp_path / "list.csv"
    listing.write_text(
        "email,name\n"
        "a@example.org,=?utf-8?q?M=0D=0ABcc:_victim@evil.example?=\n"
        "b@example.org,=?utf-8?q?M=0D=0A=0D=0Aforged_body?=\n"
        "c@example.org,Carol\n"
    )
    result = send(site, to_file=listing)
    for _, _, raw in smtp_server.handler.messages:
        assert b"Bcc" not in raw and b"victim" not in raw and b"forged" not in raw
        assert parse(raw)["Bcc"] is None
        assert titles_in(raw) == ["「京都の秋、朝の散歩", "Feeds & <mail>"]
    assert smtp_server.handler.recipients() == ["c@example.org"]
    assert [(problem.line, problem.message[:11]) for problem in result.warnings] == [
        (2, "name column"),
        (3, "name column"),
    ]


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("To", Address("=?utf-8?q?M=0D=0ABcc:_victim@evil.example?=", "a", "example.org")),
        ("From", Address("Blog =?utf-8?q?=0D=0A=0D=0Aforged_body?=", "news", "example.org")),
        ("Subject", "Blog: =?utf-8?q?x=0D=0ABcc:_victim@evil.example?="),
        ("Subject", "=?utf-8?b?eA1CY2M6IHZpY3RpbUBldmlsLmV4YW1wbGU=?="),
        ("List-ID", '"=?utf-8?q?x=0ABcc:_victim@evil.example?=" <digest.example.org>'),
    ],
)
def test_the_mail_policy_refuses_a_header_that_would_not_stay_one_header(
    header: str, value: str | Address
) -> None:
    message = EmailMessage(policy=MAIL_POLICY)
    message[header] = value
    message.set_content("body")
    with pytest.raises(HeaderInjectionError, match=f"the {header} header would start another"):
        message_bytes(message)
    with pytest.raises(HeaderInjectionError):
        message.as_string()


def test_a_title_that_looks_like_an_encoded_word_is_shown_as_it_is(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    hostile = "Hi =?utf-8?q?x=0D=0ABcc:_victim@evil.example?= there"
    site = make_site(
        {"2025-11-29-hi.md": f'---\ntitle: "{hostile}"\ndate: 2025-11-29\n---\nBody.\n'},
        mail_config(smtp_server.port, ["reader@example.org"], 'subject = "{first_title}"\n'),
    )
    build(site)  # the digest preview is built too
    result = send(site)
    assert not result.report.failed
    [(_, _, raw)] = smtp_server.handler.messages
    message = parse(raw)
    assert message["Bcc"] is None and b"victim@evil.example\r\n" not in raw
    assert str(message["Subject"]).replace("\u2060", "") == hostile
