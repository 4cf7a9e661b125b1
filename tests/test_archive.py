"""The newsletter's web archive: `build` writes each digest sent as a page, with an index,
and each email links to its page ("view in browser")."""

from __future__ import annotations

import email
import shutil
from email import policy
from email.message import EmailMessage
from pathlib import Path

import lxml.html
import pytest

from conftest import MailServer, SiteFactory, build, mail_config, send, snapshot, write_posts
from feedwright.errors import InvalidPostsError
from feedwright.site.config import load_site
from feedwright.site.model import Site

POSTS: dict[str, str | bytes] = {
    "2025-11-29-kyoto.md": """
        ---
        title: Autumn in Kyoto
        date: 2025-11-29 04:40:08 +0000
        ---
        A quiet morning walk.
        """,
    "2025-10-01-feeds.md": """
        ---
        title: Feeds & <mail>
        date: 2025-10-01
        ---
        Why feeds still matter.
        """,
}
# Published the same day as the newest of POSTS: its digest's page is that day's second.
SAME_DAY_POST = """---
title: An evening note
date: 2025-11-29 20:00:00 +0000
---
The lanterns at night.
"""
NIGHT_POST = """---
title: A night note
date: 2025-11-29 23:00:00 +0000
---
The last train.
"""
SITE_URL = "https://blog.example.org"


def archive_site(make_site: SiteFactory, server: MailServer, archive: bool = True) -> Site:
    extra = f"archive = {'true' if archive else 'false'}"
    return make_site(POSTS, mail_config(server.port, ["a@example.org", "b@example.org"], extra))


def send_twice(site: Site) -> None:
    """Send POSTS, then SAME_DAY_POST: two digests, both dated 2025-11-29."""
    send(site)
    write_posts(site.root / "_posts", {"2025-11-29-evening.md": SAME_DAY_POST})
    send(site)


def html_of(raw: bytes) -> lxml.html.HtmlElement:
    message = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    part = message.get_body(("html",))
    assert part is not None
    return lxml.html.fromstring(part.get_content())


def text_of(raw: bytes) -> str:
    message = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def found(document: lxml.html.HtmlElement, path: str) -> list[str]:
    """What an XPath finds, as text: an element's text, an attribute's value."""
    result = document.xpath(path)
    assert isinstance(result, list)
    return [
        item.text_content() if isinstance(item, lxml.html.HtmlElement) else str(item)
        for item in result
    ]


def web_link(document: lxml.html.HtmlElement) -> str:
    """The "view in browser" link of an email's HTML."""
    links = found(document, '//p[@class="fw-web"]/a/@href')
    assert len(links) == 1
    return links[0]


def test_a_site_that_sent_twice_gets_two_pages_and_an_index(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    site = archive_site(make_site, smtp_server)
    send_twice(site)
    result = build(site)
    folder = site.output / "newsletter"
    assert sorted(path.name for path in folder.iterdir()) == [
        "2025-11-29-2.html",
        "2025-11-29.html",
        "index.html",
    ]
    assert {"newsletter/2025-11-29.html", "newsletter/index.html"} <= set(result.files)
    index = lxml.html.fromstring((folder / "index.html").read_bytes())
    # Newest first, each linking to its page beside the index, titled by its subject.
    hrefs = found(index, '//li[@class="fw-issue"]//a/@href')
    assert hrefs == ["2025-11-29-2.html", "2025-11-29.html"]
    assert found(index, '//li[@class="fw-issue"]//a') == [
        "An evening note",
        "Autumn in Kyoto and 1 more",
    ]
    first = lxml.html.fromstring((folder / "2025-11-29.html").read_bytes())
    titles = found(first, '//h2/a[@class="fw-title-link"]')
    assert titles == ["Autumn in Kyoto", "Feeds & <mail>"]
    second = lxml.html.fromstring((folder / "2025-11-29-2.html").read_bytes())
    assert found(second, '//h2/a[@class="fw-title-link"]') == ["An evening note"]


def test_a_page_is_for_no_one_in_particular(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    site = archive_site(make_site, smtp_server)
    send(site)
    build(site)
    page = (site.output / "newsletter" / "2025-11-29.html").read_text(encoding="utf-8")
    assert "unsubscribe" not in page.lower()
    assert "a@example.org" not in page and "b@example.org" not in page
    assert "news@blog.example.org" not in page
    assert "because you subscribed" not in page
    # The page links to no page of itself.
    assert 'class="fw-web"' not in page


def test_each_email_links_to_the_page_build_then_writes(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    site = archive_site(make_site, smtp_server)
    send_twice(site)
    messages = [raw for _, _, raw in smtp_server.handler.messages]
    assert len(messages) == 4
    links = [web_link(html_of(raw)) for raw in messages]
    assert (
        links
        == [f"{SITE_URL}/newsletter/2025-11-29.html"] * 2
        + [f"{SITE_URL}/newsletter/2025-11-29-2.html"] * 2
    )
    # The text part has it too, at its top.
    assert text_of(messages[2]).splitlines()[0] == f"View in browser: {links[2]}"
    build(site)
    for link, raw in zip(links, messages, strict=True):
        page = site.output / link.removeprefix(SITE_URL + "/")
        shown = found(lxml.html.fromstring(page.read_bytes()), '//a[@class="fw-title-link"]/@href')
        sent = found(html_of(raw), '//a[@class="fw-title-link"]/@href')
        assert shown == sent


def links_lead_to_their_pages(site: Site, messages: list[bytes]) -> None:
    """Each email's "view in browser" link names a page of the archive that shows the
    posts the email showed (by title: a post moved since has another link)."""
    for raw in messages:
        link = web_link(html_of(raw))
        page = site.output / link.removeprefix(SITE_URL + "/")
        assert page.is_file(), f"{link}: no such page"
        shown = found(lxml.html.fromstring(page.read_bytes()), '//a[@class="fw-title-link"]')
        assert shown == found(html_of(raw), '//a[@class="fw-title-link"]'), link


def test_a_page_keeps_the_name_its_emails_link_to_when_a_post_moves_to_another_day(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    """The link in an email sent is there for good: the page's name is recorded with the
    delivery, not made again from the posts' days (the evening post, moved to the next
    day, would name its page 2025-11-30 and leave the link dead)."""
    site = archive_site(make_site, smtp_server)
    send_twice(site)
    messages = [raw for _, _, raw in smtp_server.handler.messages]
    moved = SAME_DAY_POST.replace("2025-11-29 20:00", "2025-11-30 08:00")
    write_posts(site.root / "_posts", {"2025-11-29-evening.md": moved})
    send(site)  # nothing new to mail; records the post under its new URL
    assert len(smtp_server.handler.messages) == len(messages)
    build(site)
    links_lead_to_their_pages(site, messages)


def test_pages_keep_the_names_their_emails_link_to_whatever_order_the_server_answers(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    """Two new digests of one day in one run, sent on two sessions: the first planned
    (its emails link to the day's first free name) is accepted last. Its page still takes
    the name its emails link to, not the one the order of the records would give."""
    config = mail_config(
        smtp_server.port, ["a@example.org", "b@example.org"], "archive = true", connections=2
    )
    site = make_site(POSTS, config)
    assert site.config_path is not None
    send(site)  # page 2025-11-29
    # b is not listed in the run that mails the evening post (page 2025-11-29-2)...
    site.config_path.write_text(config.replace(', "b@example.org"', ""), encoding="utf-8")
    write_posts(site.root / "_posts", {"2025-11-29-evening.md": SAME_DAY_POST})
    send(load_site(site.root))
    # ...and is listed again in the next: a is mailed the night post (page -3), b the
    # night and the evening posts (page -4), and the server takes b's first.
    site.config_path.write_text(config, encoding="utf-8")
    write_posts(site.root / "_posts", {"2025-11-29-night.md": NIGHT_POST})
    smtp_server.handler.slow["a@example.org"] = 1.0
    send(load_site(site.root))
    messages = [raw for _, _, raw in smtp_server.handler.messages]
    assert [web_link(html_of(raw)).rsplit("/", 1)[-1] for raw in messages[-2:]] == [
        "2025-11-29-4.html",
        "2025-11-29-3.html",
    ]
    build(load_site(site.root))
    links_lead_to_their_pages(site, messages)


def test_without_archive_no_link_and_no_pages(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    site = archive_site(make_site, smtp_server, archive=False)
    send(site)
    build(site)
    assert not (site.output / "newsletter").exists()
    raw = smtp_server.handler.messages[0][2]
    assert not found(html_of(raw), '//p[@class="fw-web"]')
    assert "View in browser" not in text_of(raw)


def test_a_site_that_never_sent_writes_no_archive(make_site: SiteFactory) -> None:
    site = make_site(
        POSTS, "[site]\ntitle = 'T'\nurl = 'https://t.example'\n[digest]\narchive = true\n"
    )
    build(site)
    assert not (site.output / "newsletter").exists()
    # The preview links to the page its digest would have once sent.
    preview = lxml.html.fromstring((site.output / "digest.html").read_bytes())
    assert web_link(preview) == "https://t.example/newsletter/2025-11-29.html"


def test_a_failed_build_changes_no_page(make_site: SiteFactory, smtp_server: MailServer) -> None:
    site = archive_site(make_site, smtp_server)
    send_twice(site)
    build(site)
    before = snapshot(site.output)
    write_posts(site.root / "_posts", {"2025-12-01-broken.md": "---\ntitle: [unclosed\n---\nx\n"})
    with pytest.raises(InvalidPostsError):
        build(site)
    assert snapshot(site.output) == before


def test_a_send_makes_the_next_build_write_its_page(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    """The up-to-date shortcut sees the newsletter database change."""
    site = archive_site(make_site, smtp_server)
    send(site)
    build(site)
    assert build(site).up_to_date
    write_posts(site.root / "_posts", {"2025-11-29-evening.md": SAME_DAY_POST})
    build(site)
    assert build(site).up_to_date
    send(site)
    result = build(site)
    assert not result.up_to_date
    assert (site.output / "newsletter" / "2025-11-29-2.html").is_file()


def test_pages_are_the_same_bytes_each_build(
    make_site: SiteFactory, smtp_server: MailServer, tmp_path: Path
) -> None:
    site = archive_site(make_site, smtp_server)
    send_twice(site)
    build(site)
    first = snapshot(site.output / "newsletter")
    shutil.rmtree(site.output)
    shutil.rmtree(site.data_folder / "compiled-templates", ignore_errors=True)
    build(site)
    assert snapshot(site.output / "newsletter") == first


def _browser() -> str:
    """Chromium's path; the test skips, saying why, without it or without Playwright."""
    found = shutil.which("chromium") or shutil.which("chromium-headless-shell")
    if found is None:
        pytest.skip("SKIPPED: no Chromium on PATH (Debian: apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip(
            "SKIPPED: Playwright's Python package is not installed (pip install playwright)"
        )
    return found


def test_the_index_opens_in_a_real_browser_and_its_link_leads_to_a_page(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    executable = _browser()
    from playwright.sync_api import sync_playwright

    site = archive_site(make_site, smtp_server)
    send_twice(site)
    build(site)
    index = (site.output / "newsletter" / "index.html").resolve()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable)
        try:
            page = browser.new_page()
            page.goto(index.as_uri())
            assert page.title() == "Past newsletters · Test Blog"
            page.click("text=Autumn in Kyoto and 1 more")
            assert page.url.endswith("/newsletter/2025-11-29.html")
            assert page.locator("a.fw-title-link").all_inner_texts() == [
                "Autumn in Kyoto",
                "Feeds & <mail>",
            ]
        finally:
            browser.close()
