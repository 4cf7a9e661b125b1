"""A digest rendered once for every recipient of the same posts, then made each one's."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from conftest import AUTUMN_POST, NOW, MailServer, SiteFactory, mail_config, send
from feedwright.mail.digest import DigestRenderer, personal
from feedwright.mail.recipients import Recipient
from feedwright.posts.collect import collect, load_bodies

READERS = [
    Recipient("o'brien+news@example.org", "Pat O'Brien"),
    Recipient('"john doe"@example.org', "John"),
    Recipient("Ann&Bo@Example.org"),
    Recipient("山田@example.jp", "山田 花子"),
]


def test_a_digest_made_personal_is_the_one_rendered_for_the_recipient(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    config = mail_config(smtp_server.port, []).replace(
        "unsubscribe?email={email}", "u?list=news&from='digest'&email={email}"
    )
    site = make_site(AUTUMN_POST, config)
    posts = list(load_bodies(site, collect(site, now=NOW).posts)[0].values())
    renderer = DigestRenderer(site)
    shared = renderer.render_shared(posts)
    assert shared is not None
    for reader in READERS:
        assert personal(shared, reader) == renderer.render(posts, reader)


def text_of(raw: bytes) -> str:
    message = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


class CountingRenderer(DigestRenderer):
    """Counts the times a digest's CSS is inlined: the costly half of rendering one."""

    inlined = 0

    def _inline_css(self, html: str) -> str:
        CountingRenderer.inlined += 1
        return super()._inline_css(html)


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> type[CountingRenderer]:
    CountingRenderer.inlined = 0
    monkeypatch.setattr("feedwright.mail.delivery.DigestRenderer", CountingRenderer)
    return CountingRenderer


def test_recipients_of_the_same_posts_share_one_rendering(
    make_site: SiteFactory, smtp_server: MailServer, counting: type[CountingRenderer]
) -> None:
    readers = [f"reader{number}@example.org" for number in range(6)]
    config = mail_config(smtp_server.port, readers, connections=1)  # in the list's order
    send(make_site(AUTUMN_POST, config), retries=0)
    # Once shared, and once for the first reader alone, to check that both agree.
    assert counting.inlined == 2
    bodies = [raw for _, _, raw in smtp_server.handler.messages]
    assert all(b"email=reader%d@example.org" % n in raw for n, raw in enumerate(bodies))


def test_templates_that_greet_by_name_are_rendered_for_each_recipient(
    make_site: SiteFactory,
    smtp_server: MailServer,
    counting: type[CountingRenderer],
    tmp_path: Path,
) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "digest.txt.j2").write_text(
        "Hello {{ recipient.name or 'reader' }}!\n{% include 'list.txt.j2' %}"
    )
    (mine / "list.txt.j2").write_text("{% for post in posts %}* {{ post.title }}\n{% endfor %}")
    readers = ["Ann <ann@example.org>", "Bo <bo@example.org>", "cy@example.org"]
    site = make_site(AUTUMN_POST, mail_config(smtp_server.port, readers, connections=1))
    send(site, retries=0, templates=mine)
    texts = [text_of(raw) for _, _, raw in smtp_server.handler.messages]
    assert [text.splitlines()[0] for text in texts] == ["Hello Ann!", "Hello Bo!", "Hello reader!"]
    assert counting.inlined == 3


def test_a_template_that_changes_the_unsubscribe_url_renders_each_digest_once(
    make_site: SiteFactory,
    smtp_server: MailServer,
    counting: type[CountingRenderer],
    tmp_path: Path,
) -> None:
    # The shared digest then differs from the first reader's own: from there on each
    # reader's digest is rendered for them alone, once.
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "digest.txt.j2").write_text(
        "{% for post in posts %}* {{ post.title }}\n{% endfor %}"
        "Leave: {{ unsubscribe_url | upper }}\n"
    )
    readers = [f"reader{number}@example.org" for number in range(6)]
    site = make_site(AUTUMN_POST, mail_config(smtp_server.port, readers, connections=1))
    send(site, retries=0, templates=mine)
    texts = [text_of(raw) for _, _, raw in smtp_server.handler.messages]
    assert all(f"EMAIL=READER{n}@EXAMPLE.ORG" in text for n, text in enumerate(texts))
    # Shared once, the first reader alone, then each of the other five alone.
    assert counting.inlined == 2 + 5
