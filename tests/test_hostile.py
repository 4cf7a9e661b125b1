"""Hostile text, huge posts and script links: a correct output or a clear error, never more.

(Broken front matter, bad encodings, bad dates and odd files are in test_bad_input.py; tag
names that try to leave the output folder are in test_feeds.py.)
"""

from __future__ import annotations

import email
import json
import time
from email import policy
from email.message import EmailMessage

import pytest
from lxml import etree

from conftest import DEFAULT_CONFIG, NOW, SiteFactory, build, parse_feed
from feedwright.mail.message import DIGEST_HTML, DIGEST_MESSAGE, DIGEST_TEXT
from feedwright.posts.collect import collect
from feedwright.posts.parse import MAX_NAMES

CONFIG = DEFAULT_CONFIG + '\n[digest]\nsubject = "{first_title}"\n'

# name → (front matter lines, the title every reader must show, a warning expected?)
HOSTILE_TITLES: dict[str, tuple[str, str, bool]] = {
    "markup": (
        "title: \"<script>alert('x')</script> & <b>friends</b> ]]> &amp;\"\n"
        'tags: ["<b>", "a&b", "]]>"]\n'
        'excerpt: "<img src=x onerror=alert(1)> & ]]> end"\n',
        "<script>alert('x')</script> & <b>friends</b> ]]> &amp;",
        False,
    ),
    "controls": (
        'title: "bell\\a nul\\0 esc\\e del\\x7f nel\\N end"\n'
        'tags: ["tab\\x0bbed"]\n'
        'excerpt: "ex\\x01cerpt"\n',
        "bell nul esc del nel end",
        True,
    ),
    "bidi-and-emoji": (
        'title: "مرحبا \\u200f بالعالم 👍🏽 👩🏽\\u200d💻 \\u202eabc"\n',
        "مرحبا \u200f بالعالم 👍🏽 👩🏽\u200d💻 \u202eabc",
        False,
    ),
    "long": (f"title: {'長' * 10_000}\n", "長" * 10_000, False),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_TITLES))
def test_hostile_titles_reach_every_reader_intact(make_site: SiteFactory, name: str) -> None:
    front_matter, title, warned = HOSTILE_TITLES[name]
    post = f"---\n{front_matter}date: 2025-11-29 04:40:08 +0000\n---\nBody ]]> & <b>b</b>.\n"
    site = make_site({f"2025-11-29-{name}.md": post}, CONFIG)
    result = build(site)
    assert bool(result.collection.warnings) == warned
    for feed_name in ("feed.atom", "feed.rss"):
        raw = (site.output / feed_name).read_bytes()
        etree.fromstring(raw)  # a strict XML parser accepts it
        (entry,) = parse_feed(site.output / feed_name).entries
        assert entry.title == title
    (item,) = json.loads((site.output / "feed.json").read_bytes())["items"]
    assert item["title"] == title
    message = email.message_from_bytes(
        (site.output / DIGEST_MESSAGE).read_bytes(), policy=policy.default
    )
    assert isinstance(message, EmailMessage)
    assert message["Subject"] == title
    html = (site.output / DIGEST_HTML).read_text(encoding="utf-8")
    assert "<script" not in html and "onerror" not in html
    text = (site.output / DIGEST_TEXT).read_text(encoding="utf-8")
    assert "".join(text.split()).count("".join(title.split())[:60]) >= 1


def test_script_links_never_reach_the_digest(make_site: SiteFactory) -> None:
    post = (
        "---\ntitle: Links\ndate: 2025-11-29\n"
        "excerpt: \"[click](javascript:alert(1)) <a href='JaVaScRiPt:x()'>raw</a>\"\n---\n"
        '[md](javascript:alert(1)) and <a href="javascript:evil()">raw</a>.\n'
    )
    second = "---\ntitle: No excerpt\ndate: 2025-11-28\n---\n<a href='javascript:x'>first</a>\n"
    site = make_site({"2025-11-29-links.md": post, "2025-11-28-second.md": second}, CONFIG)
    build(site)
    for name in (DIGEST_HTML, DIGEST_TEXT, DIGEST_MESSAGE):
        content = (site.output / name).read_bytes().lower()
        assert b"javascript" not in content, name
    assert "click raw" in (site.output / DIGEST_TEXT).read_text(encoding="utf-8")


# Limits in the two tests below guard against a hang; speed targets live in bench/.
def test_a_10_mb_post_is_built_in_bounded_time(make_site: SiteFactory) -> None:
    paragraph = "長い段落です。" * 300 + "\n\n"
    body = paragraph * (10_000_000 // len(paragraph.encode()))
    site = make_site({"2025-11-29-huge.md": f"---\ntitle: Huge\n---\n{body}"})
    started = time.monotonic()
    result = build(site)
    assert time.monotonic() - started < 60
    assert [post.title for post in result.collection.posts] == ["Huge"]
    (entry,) = parse_feed(site.output / "feed.atom").entries
    assert len(entry.content[0].value.encode()) > 9_000_000


def test_100000_tags_are_refused_in_bounded_time(make_site: SiteFactory) -> None:
    tags = ", ".join(f"t{number}" for number in range(100_000))
    site = make_site({"2025-11-29-tags.md": f"---\ntitle: Tags\ntags: [{tags}]\n---\nx\n"})
    started = time.monotonic()
    (problem,) = collect(site, now=NOW).problems
    assert time.monotonic() - started < 30
    assert problem.line == 3
    assert f"`tags` has 100000 names; a post may have at most {MAX_NAMES}" in problem.message


def test_the_most_tags_a_post_may_have_make_their_feeds(make_site: SiteFactory) -> None:
    tags = ", ".join(f"t{number}" for number in range(MAX_NAMES))
    config = DEFAULT_CONFIG + '\n[feeds]\nby = ["tag"]\n'
    site = make_site({"2025-11-29-tags.md": f"---\ntitle: Tags\ntags: [{tags}]\n---\nx\n"}, config)
    build(site)
    assert len(list((site.output / "tag").glob("*.atom"))) == MAX_NAMES
    (entry,) = parse_feed(site.output / "tag" / "t99.atom").entries
    assert len(entry.tags) == MAX_NAMES


SCRIPT_URL_CONFIG = DEFAULT_CONFIG.replace(
    'author = "Test Author"', 'author = { name = "Site Author", uri = "javascript:alert(1)" }'
)
# Posts whose image or author's address is a script, inline data or not a URL at all.
SCRIPT_URL_POSTS: dict[str, str | bytes] = {
    "2025-11-29-script.md": '---\ntitle: Script\ndate: 2025-11-29\nimage: " JavaScript:alert(1)"\n'
    'author: {name: Mallory, uri: "data:text/html,<script>alert(1)</script>"}\n---\nx\n',
    "2025-11-28-data.md": "---\ntitle: Data\ndate: 2025-11-28\nimage:\n"
    "  path: data:image/svg+xml;base64,PHN2Zz4=\n  alt: A picture\n"
    'author:\n  name: Eve\n  uri: "java\\tscript:evil()"\n---\nx\n',
    "2025-11-27-broken.md": '---\ntitle: Broken\ndate: 2025-11-27\nimage: "http://[oops"\n---\nx\n',
    "2025-11-26-fine.md": "---\ntitle: Fine\ndate: 2025-11-26\nimage: /img/a.png\n"
    "author: {name: Alice, uri: /about/alice/}\n---\nx\n",
}


def test_script_and_data_urls_never_reach_the_feeds(make_site: SiteFactory) -> None:
    site = make_site(SCRIPT_URL_POSTS, SCRIPT_URL_CONFIG)
    result = build(site)
    posts = {post.title: post for post in result.collection.posts}
    assert [title for title in posts if posts[title].image] == ["Fine"]
    warned = {(w.path.name, w.line): w.message for w in result.collection.warnings}
    assert set(warned) == {
        ("feedwright.toml", None),
        ("2025-11-29-script.md", 4),
        ("2025-11-29-script.md", 5),
        ("2025-11-28-data.md", 4),
        ("2025-11-28-data.md", 7),
        ("2025-11-27-broken.md", 4),
    }
    assert all("not an http(s) URL" in message for message in warned.values())
    assert "`author`" in warned[("feedwright.toml", None)]
    for name in ("feed.atom", "feed.rss", "feed.json"):
        content = (site.output / name).read_bytes().lower()
        for scheme in (b"javascript", b"java\tscript", b"data:image", b"data:text", b"[oops"):
            assert scheme not in content, (name, scheme)
    atom = parse_feed(site.output / "feed.atom")
    assert "href" not in atom.feed.author_detail
    by_title = {entry.title: entry for entry in atom.entries}
    assert by_title["Fine"].media_thumbnail[0]["url"] == "https://blog.example.org/img/a.png"
    assert by_title["Fine"].author_detail.href == "https://blog.example.org/about/alice/"
    for title in ("Script", "Data", "Broken"):
        assert "media_thumbnail" not in by_title[title], title
        assert "href" not in by_title[title].get("author_detail", {}), title
    for entry in parse_feed(site.output / "feed.rss").entries:
        assert ("media_thumbnail" in entry) == (entry.title == "Fine"), entry.title
    items = {
        item["title"]: item
        for item in json.loads((site.output / "feed.json").read_bytes())["items"]
    }
    assert items["Fine"]["image"] == "https://blog.example.org/img/a.png"
    assert items["Fine"]["authors"] == [
        {"name": "Alice", "url": "https://blog.example.org/about/alice/"}
    ]
    assert items["Script"]["authors"] == [{"name": "Mallory"}]
    assert "image" not in items["Data"] and "image" not in items["Broken"]


# Raw control characters (not escapes) in front matter, read by PyYAML, by the fast reader
# of flat YAML and by tomllib: C0, DEL and C1 (NEL, which YAML takes for a line break).
RAW_CONTROL_POSTS: dict[str, str | bytes] = {
    "2025-11-29-yaml.md": '---\ntitle: "bell\x07 esc\x1b end"\ndate: 2025-11-29\n'
    "tags: [a\x85b, c]\nsummary: |\n  one\n  two\x9b three\n---\nBody.\n",
    "2025-11-28-flat.md": "---\ntitle: Flat\x7f one\ndate: 2025-11-28\n---\nBody.\n",
    "2025-11-27-toml.md": '+++\ntitle = "TOML\x0c one"\ndate = 2025-11-27\n+++\nBody.\n',
    "2025-11-26-nel.md": "---\ntitle: a\x85b\nc: d\n---\nBody.\n",
}


def test_raw_control_characters_are_left_out_with_a_warning_at_their_line(
    make_site: SiteFactory,
) -> None:
    site = make_site(RAW_CONTROL_POSTS)
    result = build(site)
    assert result.collection.problems == []
    posts = {post.source.name: post for post in result.collection.posts}
    assert [post.title for post in posts.values()] == ["bell esc end", "Flat one", "TOML one", "ab"]
    assert posts["2025-11-29-yaml.md"].tags == ("ab", "c")
    assert posts["2025-11-29-yaml.md"].front_excerpt == "one\ntwo three"
    warned = {(w.path.name, w.line): w.message for w in result.collection.warnings}
    left_out = "contains control characters ({}); they were left out"
    assert warned == {
        ("2025-11-29-yaml.md", 2): "`title` " + left_out.format("U+0007, U+001B"),
        ("2025-11-29-yaml.md", 4): "`tags` " + left_out.format("U+0085"),
        ("2025-11-29-yaml.md", 7): "`summary` " + left_out.format("U+009B"),
        ("2025-11-28-flat.md", 2): "`title` " + left_out.format("U+007F"),
        ("2025-11-27-toml.md", 2): "`title` " + left_out.format("U+000C"),
        ("2025-11-26-nel.md", 2): "`title` " + left_out.format("U+0085"),
    }
    for name in ("feed.atom", "feed.rss"):
        titles = [entry.title for entry in parse_feed(site.output / name).entries]
        assert titles == ["bell esc end", "Flat one", "TOML one", "ab"]
