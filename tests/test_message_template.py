"""A digest's message built once and filled in for each recipient is, byte for byte, the
message the email package builds for that recipient alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import AUTUMN_POST, NOW, SiteFactory, mail_config
from feedwright.errors import HeaderInjectionError
from feedwright.mail.digest import Digest, DigestRenderer, personal
from feedwright.mail.message import build_message, message_bytes
from feedwright.mail.message_template import MessageTemplate
from feedwright.mail.recipients import Recipient
from feedwright.posts.collect import collect, load_bodies
from feedwright.site.model import Site

# Short ASCII lines: the text part goes unencoded until an address makes a line too long.
PLAIN_POST: dict[str, str | bytes] = {
    "2025-11-30-plain.md": "---\ntitle: Plain words\n---\nA short line.\n\nAnother one.\n"
}
EXTRA = 'reply_to = "Desk <desk@blog.example.org>"\nunsubscribe_mailto = "leave@blog.example.org"'

READERS = [
    Recipient("a@example.org"),
    Recipient("o'brien+news@example.org", "Pat O'Brien"),
    Recipient('"john doe"@example.org', "John"),
    Recipient("Ann&Bo@Example.org"),
    Recipient("x" * 60 + "@" + "sub." * 10 + "example.org", "A Rather Long Name " * 4),
    Recipient("reader@example.org", 'Ünïcödé, "quoted" (and) <odd>'),
]


def shared_digest(
    make_site: SiteFactory, posts: dict[str, str | bytes], templates: Path | None = None
) -> tuple[Site, Digest]:
    site = make_site(posts, mail_config(2525, [], EXTRA))
    bodies = list(load_bodies(site, collect(site, now=NOW).posts)[0].values())
    shared = DigestRenderer(site, templates).render_shared(bodies)
    assert shared is not None
    return site, shared


def whole(site: Site, shared: Digest, reader: Recipient) -> tuple[bytes, str]:
    message = build_message(site, personal(shared, reader), reader.address, NOW)
    return message_bytes(message), str(message["Message-ID"])


@pytest.mark.parametrize("posts", [AUTUMN_POST, PLAIN_POST], ids=["japanese", "plain"])
def test_each_filled_in_message_is_the_one_built_whole(
    make_site: SiteFactory, posts: dict[str, str | bytes]
) -> None:
    site, shared = shared_digest(make_site, posts)
    template = MessageTemplate(site, shared, NOW)
    for reader in READERS:
        assert template.message(reader) == whole(site, shared, reader), reader


def test_a_text_part_unencoded_until_an_address_makes_a_line_too_long(
    make_site: SiteFactory, tmp_path: Path
) -> None:
    # The unsubscribe line: 60 characters with a short address, over 78 with a long one.
    (tmp_path / "digest.txt.j2").write_text("Posts.\nLeave: {{ unsubscribe_url }}\n")
    site, shared = shared_digest(make_site, PLAIN_POST, tmp_path)
    template = MessageTemplate(site, shared, NOW)
    short, long = Recipient("a@example.org"), Recipient("x" * 30 + "@example.org")
    for reader in (short, long):
        assert template.message(reader) == whole(site, shared, reader)
    encodings = [
        template.message(reader)[0].split(b"Content-Transfer-Encoding: ")[1][:4]
        for reader in (short, long)
    ]
    assert encodings == [b"7bit", b"quot"]


@pytest.fixture(scope="module")
def plain_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Site, Digest]:
    from conftest import write_posts
    from feedwright.site.config import load_site

    root = tmp_path_factory.mktemp("plain") / "site"
    write_posts(root / "_posts", PLAIN_POST | AUTUMN_POST)
    (root / "feedwright.toml").write_text(mail_config(2525, [], EXTRA), encoding="utf-8")
    site = load_site(root)
    bodies = list(load_bodies(site, collect(site, now=NOW).posts)[0].values())
    shared = DigestRenderer(site).render_shared(bodies)
    assert shared is not None
    return site, shared


LOCAL = st.text(st.sampled_from("abcxyz019.-+_=&'%~!#$*/?^{|}`"), min_size=1, max_size=70)
NAMES = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=80)


@given(
    local=LOCAL,
    name=NAMES | st.just(""),
    domain=st.sampled_from(["example.org", "Ex-Ample.ORG", "例え.jp", "a-" * 30 + "b.org"]),
)
def test_any_address_gets_the_bytes_built_whole(
    plain_template: tuple[Site, Digest], local: str, name: str, domain: str
) -> None:
    site, shared = plain_template
    reader = Recipient(f"{local}@{domain}", name)
    try:
        expected = whole(site, shared, reader)
    except (ValueError, TypeError, HeaderInjectionError) as error:
        with pytest.raises(type(error)):
            MessageTemplate(site, shared, NOW).message(reader)
        return
    assert MessageTemplate(site, shared, NOW).message(reader) == expected
