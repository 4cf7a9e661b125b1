"""What the state remembers across runs: moved posts, floods of posts, who is subscribed
(and that one missing from a run keeps their place)."""

from __future__ import annotations

from typing import Any

from conftest import (
    AUTUMN_POST,
    NOW,
    MailServer,
    SiteFactory,
    mail_config,
    newsletter,
    send,
    subscribers_config,
    write_posts,
)
from feedwright.commands.digest import DigestOptions, digest_site
from feedwright.commands.send import SendResult
from feedwright.site.config import load_site
from feedwright.site.model import Site

POSTS: dict[str, str | bytes] = {
    **AUTUMN_POST,
    "2025-10-01-feeds.md": """
        ---
        title: Why feeds
        date: 2025-10-01
        ---
        Feeds still matter.
        """,
}


def new_post(number: int) -> dict[str, str | bytes]:
    return {
        f"2025-12-{number:02d}-new-{number}.md": f"""
            ---
            title: New post {number}
            date: 2025-12-{number:02d} 09:00:00 +0900
            ---
            Number {number}.
            """
    }


def _send_again_with(site: Site, config: str, smtp_server: MailServer) -> list[tuple[Any, ...]]:
    """Send once, then again with ``config``: the site's two posts must have moved (new ids,
    the same files), so no message is sent the second time. The posts, as the database
    keeps them (id, file, URL, the run that saw them, mailed), by id."""
    send(site, retries=0)
    assert len(smtp_server.handler.messages) == 1
    (site.root / "feedwright.toml").write_text(config)
    moved = send(load_site(site.root), retries=0)
    assert moved.report.start.moved == 2 and moved.report.planned == []
    assert len(smtp_server.handler.messages) == 1
    return newsletter(
        site, "SELECT feed_id, file, url, seen_run, mailed FROM posts ORDER BY feed_id"
    )


def test_a_new_site_url_does_not_mail_the_posts_again(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    config = mail_config(smtp_server.port, ["a@example.org"])
    site = make_site(POSTS, config)
    new_config = config.replace("https://blog.example.org", "https://new.example.org")
    posts = _send_again_with(site, new_config, smtp_server)
    autumn = "https://new.example.org/2025/11/29/autumn.html"
    assert [feed_id for feed_id, *_ in posts] == [
        "https://new.example.org/2025/10/01/feeds.html",
        autumn,
    ]
    assert posts[1] == (autumn, "_posts/2025-11-29-autumn.md", autumn, 1, 1)


def test_jekyll_feeds_ids_on_a_site_already_mailed_do_not_mail_its_posts_again(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    # A Jekyll site mailed while its ids were the URLs: its ids become jekyll-feed's, and
    # the records follow each post by its file ("moved"), so no one gets it again.
    config = mail_config(smtp_server.port, ["a@example.org"])
    site = make_site(POSTS, config + '\n[feeds]\nid_scheme = "url"\n')
    (site.root / "_config.yml").write_text("title: Test Blog\n")
    posts = _send_again_with(load_site(site.root), config, smtp_server)
    assert [feed_id for feed_id, *_ in posts] == [
        "https://blog.example.org/2025/10/01/feeds",
        "https://blog.example.org/2025/11/29/autumn",
    ]


def test_a_flood_of_new_posts_mails_only_the_newest_max_posts(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    config = mail_config(smtp_server.port, ["a@example.org"], extra="max_posts = 2")
    site = make_site(POSTS, config)
    send(site, retries=0)
    for number in range(1, 6):
        write_posts(site.root / "_posts", new_post(number))
    flood = send(site, retries=0)
    assert flood.report.start.new_posts == 5 and flood.report.start.archived == 3
    assert [post.title for post in flood.report.planned[0][1]] == ["New post 5", "New post 4"]
    assert send(site, retries=0).report.planned == []


def b_goes_missing(make_site: SiteFactory, smtp_server: MailServer) -> tuple[Site, str]:
    """A site that has mailed POSTS to a and b, and whose list now lacks b; with the config
    that lists both."""
    both = mail_config(smtp_server.port, ["a@example.org", "b@example.org"])
    site = make_site(POSTS, both)
    send(site, retries=0)
    (site.root / "feedwright.toml").write_text(both.replace(', "b@example.org"', ""))
    return site, both


def test_a_recipient_missing_from_a_run_gets_what_they_missed_when_listed_again(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    site, both = b_goes_missing(make_site, smtp_server)
    # A post goes out while b is away.
    write_posts(site.root / "_posts", new_post(1))
    away = send(load_site(site.root), retries=0)
    assert away.report.start.away == ["b@example.org"]
    # b is listed again: the post they missed reaches them with the next one, once.
    (site.root / "feedwright.toml").write_text(both)
    write_posts(site.root / "_posts", new_post(2))
    back = send(load_site(site.root), retries=0)
    planned = {r.email: [post.title for post in posts] for r, posts in back.report.planned}
    assert planned == {
        "a@example.org": ["New post 2"],
        "b@example.org": ["New post 2", "New post 1"],
    }
    assert send(load_site(site.root), retries=0).report.planned == []


def test_a_recipient_back_from_away_whose_message_fails_still_gets_each_post_once(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    site, both = b_goes_missing(make_site, smtp_server)
    write_posts(site.root / "_posts", new_post(1))
    send(load_site(site.root), retries=0)
    (site.root / "feedwright.toml").write_text(both)
    smtp_server.handler.temporary["b@example.org"] = 1  # b is back, but their server says later
    write_posts(site.root / "_posts", new_post(2))
    failed = send(load_site(site.root), retries=0)
    assert [r.email for r, _ in failed.report.deferred] == ["b@example.org"]
    write_posts(site.root / "_posts", new_post(3))
    last = send(load_site(site.root), retries=0)
    planned = {r.email: [post.title for post in posts] for r, posts in last.report.planned}
    assert planned == {
        "a@example.org": ["New post 3"],
        "b@example.org": ["New post 3", "New post 2", "New post 1"],
    }
    assert send(load_site(site.root), retries=0).report.planned == []
    assert newsletter(site, "SELECT address FROM subscribers WHERE away_since NOT NULL") == []


def test_a_briefly_cut_subscriber_file_loses_no_one(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    site = make_site(POSTS, subscribers_config(smtp_server.port))
    listing = site.root / "subscribers.txt"
    everyone = "a@example.org\nb@example.org\nc@example.org\n"
    received: dict[str, list[str]] = {}

    def send_and_note() -> SendResult:
        result = send(site, retries=0)
        assert not result.report.failed
        for recipient, posts in result.report.planned:
            received.setdefault(recipient.email, []).extend(post.title for post in posts)
        return result

    listing.write_text(everyone)
    send_and_note()
    write_posts(site.root / "_posts", new_post(1))
    listing.write_text("a@example.org\n")  # cut: an editor, a failed `git pull`
    (warning,) = send_and_note().warnings
    assert str(warning).startswith(
        f"{listing}: 2 recipients of earlier sends are not listed (b@example.org, c@example.org)"
    )
    listing.write_text(everyone)  # restored
    send_and_note()
    write_posts(site.root / "_posts", new_post(2))
    send_and_note()
    every_post = sorted(["秋の散歩", "Why feeds", "New post 1", "New post 2"])
    assert {email: sorted(titles) for email, titles in received.items()} == {
        "a@example.org": every_post,
        "b@example.org": every_post,
        "c@example.org": every_post,
    }
    # What was planned is what the server took: each post once per recipient.
    assert sorted(smtp_server.handler.recipients()) == sorted(
        ["a@example.org"] * 3 + ["b@example.org"] * 3 + ["c@example.org"] * 3
    )


def test_a_recipient_away_for_many_posts_keeps_the_state_small(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    site, both = b_goes_missing(make_site, smtp_server)
    for number in range(1, 4):
        write_posts(site.root / "_posts", new_post(number))
        send(load_site(site.root), retries=0)
    # Every post is mailed (b does not hold them open), and b's claim is one value, not
    # one a post.
    assert newsletter(site, "SELECT DISTINCT mailed FROM posts") == [(1,)]
    away = "SELECT address, away_since FROM subscribers WHERE away_since NOT NULL"
    assert newsletter(site, away) == [("b@example.org", 2)]
    (site.root / "feedwright.toml").write_text(both)
    back = send(load_site(site.root), retries=0)
    assert [(r.email, len(posts)) for r, posts in back.report.planned] == [("b@example.org", 3)]
    assert newsletter(site, away) == []
    # Still active: absence never unsubscribed them.
    assert newsletter(site, "SELECT DISTINCT status FROM subscribers") == [("active",)]


def test_the_default_digest_shows_what_the_next_send_would_mail(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    config = mail_config(smtp_server.port, ["a@example.org"])
    site = make_site(POSTS, config)
    assert [post.title for post in digest_site(site, DigestOptions(now=NOW)).posts] == [
        "秋の散歩",
        "Why feeds",
    ]
    send(site, retries=0)
    assert digest_site(site, DigestOptions(now=NOW)).posts == []
    # Someone the state knows but the list no longer has is not waited for.
    smtp_server.handler.refuse["b@example.org"] = "450 4.2.1 Mailbox busy"
    (site.root / "feedwright.toml").write_text(config.replace('"a@example.org"', '"b@example.org"'))
    write_posts(site.root / "_posts", new_post(1))
    only_b = load_site(site.root)
    assert send(only_b, retries=0).report.deferred
    (site.root / "feedwright.toml").write_text(config)
    # a was missing from that run, and keeps their place: the next send mails them the post.
    assert [
        post.title for post in digest_site(load_site(site.root), DigestOptions(now=NOW)).posts
    ] == ["New post 1"]
    assert not send(load_site(site.root), retries=0).report.failed
    assert [
        post.title for post in digest_site(load_site(site.root), DigestOptions(now=NOW)).posts
    ] == []
    assert [post.title for post in digest_site(only_b, DigestOptions(now=NOW)).posts] == [
        "New post 1"
    ]
