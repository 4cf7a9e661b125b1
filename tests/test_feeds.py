"""The feeds as feed readers see them: parsed with feedparser, checked field by field."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import feedparser
from lxml import etree

from conftest import NOW, SEED_FRONT_MATTER, SIMPLE_POSTS, SiteFactory, build, parse_feed
from feedwright.posts.collect import collect
from feedwright.site.model import Site

SEED_LIKE_POST = f"""
---
{SEED_FRONT_MATTER}---

新しいモデルの日本展開

いよいよ国内での提供が始まりました。これは単なる新機能の追加ではなく、開発者の環境が大きく変わる出来事です。

---END---

いよいよ国内での提供が始まりました。これは単なる新機能の追加ではなく、開発者の環境が大きく変わる出来事です。

**まとめ**

今後の動きにも注目していきたいと思います。

---END---
"""


def first_entries(site: Site) -> Iterator[tuple[str, feedparser.FeedParserDict]]:
    """The first entry of the Atom feed, then of the RSS feed, each with its feed's name."""
    for name in ("feed.atom", "feed.rss"):
        yield name, parse_feed(site.output / name).entries[0]


def test_atom_fields_match_the_posts(simple_site: Site) -> None:
    feed = parse_feed(simple_site.output / "feed.atom")
    assert feed.version == "atom10"
    assert feed.feed.title == "Test Blog"
    assert feed.feed.link == "https://blog.example.org/"
    assert feed.feed.id == "https://blog.example.org/feed.atom"
    assert feed.feed.language == "en"
    # The feed's updated time is its newest entry's, never the build time.
    assert feed.feed.updated == "2025-11-29T04:40:08+00:00"
    assert [entry.title for entry in feed.entries] == ["Second post", "First post"]
    second, first = feed.entries
    assert second.link == "https://blog.example.org/news/2025/11/29/second.html"
    assert second.id == second.link
    assert second.published == "2025-11-29T04:40:08+00:00"
    assert [tag.term for tag in second.tags] == ["News", "python", "feeds"]
    assert second.summary == "The second one."
    content = second.content[0].value
    assert "<strong>second</strong>" in content
    # Relative links resolve against the post, root-relative ones against the host.
    assert 'href="https://blog.example.org/news/2025/11/other.html"' in content
    assert 'src="https://blog.example.org/img/a.png"' in content
    assert first.summary == "The first paragraph is the excerpt."
    assert first.link == "https://blog.example.org/2025/10/01/first.html"
    assert feed.feed.author == "Test Author"


def test_rss_fields_match_the_posts(simple_site: Site) -> None:
    feed = parse_feed(simple_site.output / "feed.rss")
    assert feed.version == "rss20"
    assert feed.feed.link == "https://blog.example.org/"
    assert feed.feed.language == "en"
    raw = (simple_site.output / "feed.rss").read_text(encoding="utf-8")
    assert 'atom:link href="https://blog.example.org/feed.rss" rel="self"' in raw
    assert "<lastBuildDate>Sat, 29 Nov 2025 04:40:08 +0000</lastBuildDate>" in raw
    second = feed.entries[0]
    assert second.title == "Second post"
    assert second.id == "https://blog.example.org/news/2025/11/29/second.html"
    assert (
        '<guid isPermaLink="true">https://blog.example.org/news/2025/11/29/second.html</guid>'
        in raw
    )
    assert second.published == "Sat, 29 Nov 2025 04:40:08 +0000"
    assert second.summary == "The second one."
    assert "<strong>second</strong>" in second.content[0].value
    assert second.author == "Test Author"  # as dc:creator: RSS <author> must be an email


def test_a_summary_with_markup_characters_reads_as_written_in_every_feed(
    make_site: SiteFactory,
) -> None:
    """A summary is plain text: Atom says so (type="text") and JSON Feed's is text, but an
    RSS description is HTML to every reader, so its text is escaped as HTML first (a
    lone `&` or `<` was read as broken markup, and `&lt;` as a `<`)."""
    written = "Fish & chips for 5 < 6 people, written &lt;3"
    shown = "Fish & chips for 5 < 6 people, written <3"  # an entity is read as HTML
    site = make_site(
        {
            "2025-11-01-markup.md": f"""
                ---
                title: Markup
                date: 2025-11-01
                excerpt: "{written}"
                ---
                The body.
                """
        }
    )
    build(site)
    rss = etree.parse(str(site.output / "feed.rss"))
    assert rss.findtext("channel/item/description") == (
        "Fish &amp; chips for 5 &lt; 6 people, written &lt;3"
    )
    assert parse_feed(site.output / "feed.atom").entries[0].summary == shown
    document = json.loads((site.output / "feed.json").read_text(encoding="utf-8"))
    assert document["items"][0]["summary"] == shown


def test_json_feed(simple_site: Site) -> None:
    document = json.loads((simple_site.output / "feed.json").read_text(encoding="utf-8"))
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert document["feed_url"] == "https://blog.example.org/feed.json"
    assert [item["title"] for item in document["items"]] == ["Second post", "First post"]
    item = document["items"][0]
    assert item["date_published"] == "2025-11-29T04:40:08+00:00"
    assert item["tags"] == ["News", "python", "feeds"]
    assert item["summary"] == "The second one."
    assert "<strong>second</strong>" in item["content_html"]


def test_seed_like_japanese_post(make_site: SiteFactory) -> None:
    config = """
    [site]
    title = "日本語ブログ"
    url = "https://ja.example.org"
    lang = "ja_JP"
    """
    site = make_site({"2025-11-29-model.md": SEED_LIKE_POST}, config)
    result = build(site)
    feed = parse_feed(site.output / "feed.atom")
    entry = feed.entries[0]
    assert entry.title == "「新しいモデルの日本展開"
    assert entry.summary == "新しいモデルの日本展開について詳しく見ていきます。"
    assert entry.author == "テスト編集部"
    assert [tag.term for tag in entry.tags] == ["技術分析", "AI", "最新ニュース", "技術動向"]
    assert entry.published == "2025-11-29T04:40:08+00:00"
    assert (
        entry.link
        == "https://ja.example.org/%E6%8A%80%E8%A1%93%E5%88%86%E6%9E%90/2025/11/29/model.html"
    )
    content = entry.content[0].value
    assert "---END---" not in content
    assert "<strong>まとめ</strong>" in content
    assert feed.feed.language == "ja-JP"  # ja_JP is not a valid xml:lang
    # The leftovers are reported, with their lines, as warnings.
    messages = [(warning.line, warning.message) for warning in result.collection.warnings]
    assert messages == [
        (16, "stray `---END---` line left out of the content"),
        (18, "this paragraph repeats the one on line 14"),
        (24, "stray `---END---` line left out of the content"),
    ]
    assert (parse_feed(site.output / "feed.rss").entries[0].title) == "「新しいモデルの日本展開"


def test_entry_id_is_stable_when_title_and_body_change(make_site: SiteFactory) -> None:
    post = '---\ntitle: "{title}"\ndate: 2025-01-02\n---\n{body}\n'
    site = make_site({"2025-01-02-stable.md": post.format(title="One", body="First body")})
    build(site)
    before = parse_feed(site.output / "feed.atom").entries[0].id
    site = make_site({"2025-01-02-stable.md": post.format(title="Renamed", body="New body")})
    build(site)
    after = parse_feed(site.output / "feed.atom").entries[0]
    assert after.title == "Renamed"
    assert after.id == before


def test_id_front_matter_and_tag_scheme(make_site: SiteFactory) -> None:
    posts = {
        "2025-01-02-a.md": "---\ntitle: A\nid: urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427\n---\nx\n",
        "2025-01-03-b.md": "---\ntitle: B\n---\ny\n",
    }
    config = '[site]\ntitle = "T"\nurl = "https://blog.example.org"\n[feeds]\nid_scheme = "tag"\n'
    site = make_site(posts, config)
    build(site)
    ids = [entry.id for entry in parse_feed(site.output / "feed.atom").entries]
    assert ids == [
        "tag:blog.example.org,2025-01-03:b",
        "urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427",
    ]


def test_control_characters_and_cdata_end(make_site: SiteFactory) -> None:
    post = '---\ntitle: "Bell\\a and \\x0b tab ]]> end"\ndate: 2025-01-02\n---\nText \x0c with ]]> inside <b>b</b>.\n'
    site = make_site({"2025-01-02-ctl.md": post})
    build(site)
    for name, entry in first_entries(site):
        assert entry.title == "Bell and tab ]]> end"  # one line, spaces collapsed
        assert "]]&gt;" in entry.content[0].value
        etree.fromstring((site.output / name).read_bytes())  # strict XML parser accepts it


def test_limit_summary_only_and_order_ties(make_site: SiteFactory) -> None:
    posts = {f"2025-03-0{n}-p{n}.md": f"---\ntitle: P{n}\n---\nBody {n}\n" for n in range(1, 6)}
    posts["2025-03-05-a-tie.md"] = "---\ntitle: Tie\n---\nSame date as P5\n"
    config = '[site]\ntitle = "T"\nurl = "https://b.example.org"\n[feeds]\nlimit = 3\nsummary_only = true\n'
    site = make_site(posts, config)
    build(site)
    feed = parse_feed(site.output / "feed.atom")
    # Same date: ordered by path, so the order never depends on the file system.
    assert [entry.title for entry in feed.entries] == ["Tie", "P5", "P4"]
    assert all("content" not in entry for entry in feed.entries)
    assert feed.entries[1].summary == "Body 5"


def test_posts_of_one_date_are_in_the_order_of_their_names_as_strings(
    make_site: SiteFactory,
) -> None:
    # As Jekyll orders them. `-` sorts before `/`: by their parts (as Paths compare),
    # `2025` would come before `2025-x.md`.
    post = "---\ntitle: {}\ndate: 2025-03-05 09:00:00 +0900\n{}---\nx\n"
    site = make_site({"2025-x.md": post.format("X", ""), "2025/y.md": post.format("Y", "")})
    build(site)
    assert [entry.title for entry in parse_feed(site.output / "feed.atom").entries] == ["X", "Y"]
    # The later of two posts with one id is the one reported.
    same = "permalink: /same/\n"
    site = make_site({"2025-x.md": post.format("X", same), "2025/y.md": post.format("Y", same)})
    [problem] = collect(site, now=NOW).problems
    assert problem.path == site.root / "_posts" / "2025" / "y.md"


def test_drafts_and_future_posts_are_left_out(make_site: SiteFactory) -> None:
    posts = {
        "2025-01-01-live.md": "---\ntitle: Live\n---\nx\n",
        "2025-01-02-draft.md": "---\ntitle: Draft\ndraft: true\n---\nx\n",
        "2025-01-03-unpublished.md": "---\ntitle: Unpublished\npublished: false\n---\nx\n",
        "2099-01-01-future.md": "---\ntitle: Future\n---\nx\n",
    }
    site = make_site(posts)
    result = build(site)
    assert [e.title for e in parse_feed(site.output / "feed.atom").entries] == ["Live"]
    assert (result.collection.drafts, result.collection.future) == (2, 1)
    build(site, drafts=True, future=True)
    titles = [e.title for e in parse_feed(site.output / "feed.atom").entries]
    assert titles == ["Future", "Unpublished", "Draft", "Live"]


def test_image_becomes_thumbnail_and_enclosure(make_site: SiteFactory) -> None:
    post = "---\ntitle: Pic\ndate: 2025-01-02\nimage: /images/photo.jpg\n---\nx\n"
    site = make_site({"2025-01-02-pic.md": post})
    build(site)
    for _, entry in first_entries(site):
        assert entry.media_thumbnail[0]["url"] == "https://blog.example.org/images/photo.jpg"
        enclosures = [link for link in entry.links if link.rel == "enclosure"]
        assert [(e.href, e.type) for e in enclosures] == [
            ("https://blog.example.org/images/photo.jpg", "image/jpeg")
        ]
        alternates = [link.href for link in entry.links if link.rel == "alternate"]
        assert alternates == ["https://blog.example.org/2025/01/02/pic.html"]


def test_per_tag_and_category_feeds_have_safe_names(make_site: SiteFactory) -> None:
    post = '---\ntitle: Tags\ndate: 2025-01-02\ncategories: ["日記"]\ntags: ["../../etc", "a/b", "CON", ".", "!!!", "C++", "C#", "京都"]\n---\nx\n'
    config = (
        '[site]\ntitle = "T"\nurl = "https://b.example.org"\n[feeds]\nby = ["category", "tag"]\n'
    )
    site = make_site({"2025-01-02-tags.md": post}, config)
    result = build(site)
    out = site.output.resolve()
    for path in result.report.written:
        assert path.resolve().is_relative_to(out)
    names = sorted(p.name for p in (site.output / "tag").glob("*.atom"))
    assert len(names) == 8  # every tag has its own feed, none overwrote another
    assert "con-.atom" in names and "京都.atom" in names and "etc.atom" in names
    feed = parse_feed(site.output / "category" / "日記.atom")
    assert feed.feed.title == "T — Category: 日記"
    self_links = [link.href for link in feed.feed.links if link.rel == "self"]
    assert self_links == ["https://b.example.org/category/%E6%97%A5%E8%A8%98.atom"]
    rss = (site.output / "category" / "日記.rss").read_text(encoding="utf-8")
    assert '<?xml-stylesheet href="../feed.xsl" type="text/xsl"?>' in rss


def test_stylesheet_on_by_default_and_can_be_turned_off(make_site: SiteFactory) -> None:
    site = make_site(SIMPLE_POSTS)
    build(site)
    assert (site.output / "feed.xsl").is_file()
    assert (
        b'<?xml-stylesheet href="feed.xsl" type="text/xsl"?>'
        in (site.output / "feed.atom").read_bytes()
    )
    transform = etree.XSLT(etree.parse(str(site.output / "feed.xsl")))
    for name in ("feed.atom", "feed.rss"):
        page = str(transform(etree.parse(str(site.output / name))))
        assert (
            "Second post" in page and "https://blog.example.org/news/2025/11/29/second.html" in page
        )
    config = '[site]\ntitle = "T"\nurl = "https://b.example.org"\n[feeds]\nstylesheet = false\n'
    site = make_site(SIMPLE_POSTS, config)
    (site.output / "feed.xsl").unlink()
    build(site)
    assert not (site.output / "feed.xsl").exists()
    assert b"xml-stylesheet" not in (site.output / "feed.atom").read_bytes()


def test_updated_field_and_empty_site(make_site: SiteFactory) -> None:
    post = "---\ntitle: U\ndate: 2025-01-02\nlast_modified_at: 2025-02-03 10:00:00 +0900\n---\nx\n"
    site = make_site({"2025-01-02-u.md": post})
    build(site)
    entry = parse_feed(site.output / "feed.atom").entries[0]
    assert entry.updated == "2025-02-03T10:00:00+09:00"
    assert entry.published.startswith("2025-01-02T00:00:00")
    empty = make_site({})
    for path in empty.root.joinpath("_posts").glob("*"):
        path.unlink()
    build(empty)
    feed = parse_feed(empty.output / "feed.atom")
    assert feed.entries == [] and feed.feed.updated == "2000-01-01T00:00:00+00:00"
    assert datetime.fromisoformat(feed.feed.updated) < datetime.now(UTC)


def test_tags_with_long_names_get_feed_files_whose_names_fit(make_site: SiteFactory) -> None:
    # 90 letters of four bytes each (NFKC keeps them): 360 bytes, where a file name may
    # have 255. The last two share their first 361 bytes.
    long = "𠀀" * 90
    tags = [long, "x" * 300, long + "a", long + "b"]
    config = '[site]\ntitle = "T"\nurl = "https://b.example.org"\n[feeds]\nby = ["tag"]\n'
    post = f"---\ntitle: Long\ndate: 2025-01-02\ntags: {json.dumps(tags, ensure_ascii=False)}\n---\nx\n"
    site = make_site({"2025-01-02-long.md": post}, config)
    build(site)
    names = sorted(path.name for path in (site.output / "tag").iterdir())
    assert len(names) == 3 * len(tags)  # an Atom, RSS and JSON feed for each tag
    assert max(len(name.encode()) for name in names) <= 255
    titles = {parse_feed(path).feed.title for path in (site.output / "tag").glob("*.atom")}
    assert titles == {f"T — Tag: {tag}" for tag in tags}
    assert any(name.startswith("x" * 200) for name in names)  # cut by bytes, not at 80


def test_a_json_feed_item_with_no_body_carries_text_not_empty_html(
    make_site: SiteFactory,
) -> None:
    # JSON Feed 1.1: "content_html and content_text are each optional strings — but one or
    # both must be present". With no body there is no HTML: the item carries text.
    posts: dict[str, str | bytes] = {
        "2025-03-01-empty.md": "---\ntitle: Empty\n---\n",
        "2025-03-02-summed.md": "---\ntitle: Summed\nexcerpt: Only a summary.\n---\n\n",
    }
    site = make_site(posts)
    build(site)
    document = json.loads((site.output / "feed.json").read_text(encoding="utf-8"))
    items = {item["title"]: item for item in document["items"]}
    assert "content_html" not in items["Empty"] and items["Empty"]["content_text"] == ""
    assert "content_html" not in items["Summed"]
    assert items["Summed"]["content_text"] == "Only a summary."
