"""What the state remembers across runs: moved posts, floods of posts, who is subscribed."""

from __future__ import annotations

import json

from conftest import AUTUMN_POST, NOW, MailServer, SiteFactory, mail_config, send, write_posts
from feedwright.commands.digest import DigestOptions, digest_site
from feedwright.site.config import load_site

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


def test_a_new_site_url_does_not_mail_the_posts_again(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    config = mail_config(smtp_server.port, ["a@example.org"])
    site = make_site(POSTS, config)
    send(site, retries=0)
    assert len(smtp_server.handler.messages) == 1
    (site.root / "feedwright.toml").write_text(
        config.replace("https://blog.example.org", "https://new.example.org")
    )
    moved = send(load_site(site.root), retries=0)
    assert moved.report.start.moved == 2 and moved.report.planned == []
    assert len(smtp_server.handler.messages) == 1
    state = json.loads(site.state_path.read_text())
    assert sorted(state["posts"]) == [
        "https://new.example.org/2025/10/01/feeds.html",
        "https://new.example.org/2025/11/29/autumn.html",
    ]
    assert state["posts"]["https://new.example.org/2025/11/29/autumn.html"] == {
        "seen": 1,
        "source": "_posts/2025-11-29-autumn.md",
        "done": True,
    }


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


def test_a_recipient_who_leaves_and_comes_back_gets_only_what_is_new(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    both = mail_config(smtp_server.port, ["a@example.org", "b@example.org"])
    site = make_site(POSTS, both)
    send(site, retries=0)
    # b unsubscribes; a post goes out while b is away.
    (site.root / "feedwright.toml").write_text(both.replace(', "b@example.org"', ""))
    write_posts(site.root / "_posts", new_post(1))
    away = send(load_site(site.root), retries=0)
    assert away.report.start.left == 1
    # b subscribes again; only the post after their return reaches them.
    (site.root / "feedwright.toml").write_text(both)
    write_posts(site.root / "_posts", new_post(2))
    back = send(load_site(site.root), retries=0)
    planned = {r.email: [post.title for post in posts] for r, posts in back.report.planned}
    assert planned == {"a@example.org": ["New post 2"], "b@example.org": ["New post 2"]}


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
    assert [
        post.title for post in digest_site(load_site(site.root), DigestOptions(now=NOW)).posts
    ] == []
    assert [post.title for post in digest_site(only_b, DigestOptions(now=NOW)).posts] == [
        "New post 1"
    ]
