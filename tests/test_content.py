"""Post content as the site's engine renders it: raw HTML, URLs, excerpts, typography and
kramdown's syntax on Jekyll sites (compared with what Jekyll 4.3 and jekyll-feed built from
the same small posts)."""

from __future__ import annotations

import json
import textwrap
import time
from pathlib import Path

import feedparser

from conftest import DEFAULT_CONFIG, SiteFactory, build, parse_feed, write_posts
from feedwright.posts.markdown import render_markdown, without_page_tags
from feedwright.posts.typography import jekyll_feed_title, smartify
from feedwright.posts.urls import absolute_url, absolutize_links
from feedwright.site.config import load_site
from feedwright.site.model import KRAMDOWN, Site

POST_URL = "https://blog.example.org/2024/01/01/media.html"


def jekyll_site(root: Path, posts: dict[str, str | bytes], config_yml: str = "") -> Site:
    """A Jekyll site (a ``_config.yml``, posts in ``_posts``), loaded."""
    root.mkdir()
    (root / "_config.yml").write_text(
        "title: Test Blog\nurl: https://blog.example.org\n" + textwrap.dedent(config_yml)
    )
    write_posts(root / "_posts", posts)
    return load_site(root)


def only_entry(site: Site) -> feedparser.FeedParserDict:
    """The one entry of a built site's Atom feed (its RSS feed parsed too, both bozo 0)."""
    build(site)
    parse_feed(site.output / "feed.rss")
    (entry,) = parse_feed(site.output / site.feeds.atom).entries
    return entry


def only_content(site: Site) -> str:
    """The HTML of the one post of a built site as feedwright wrote it (feedparser
    re-serialises what it reads), from the JSON Feed; both XML feeds checked by feedparser."""
    entry = only_entry(site)
    (item,) = json.loads((site.output / "feed.json").read_text(encoding="utf-8"))["items"]
    assert entry.content[0].value  # the XML feeds carry it too
    content: str = item["content_html"]
    return content


MEDIA_POST = """
    ---
    title: Media
    date: 2024-01-01
    ---
    <video controls><source src="clip.mp4" type="video/mp4"><track src="subs.vtt" kind="captions"></video>

    <picture><source srcset="/img/small.webp 1x, big.webp 2x"><img src="/a b.png" alt="a > b"></picture>

    <audio controls src="sound.mp3"></audio>
    """


def test_raw_media_html_stays_valid_with_absolute_urls(make_site: SiteFactory) -> None:
    site = make_site({"2024-01-01-media.md": MEDIA_POST})
    content = only_content(site)
    # No <source> or <track> holding what follows it: they are void elements.
    assert "</source>" not in content and "</track>" not in content
    assert (
        '<video controls><source src="https://blog.example.org/2024/01/01/clip.mp4"'
        ' type="video/mp4"><track src="https://blog.example.org/2024/01/01/subs.vtt"'
        ' kind="captions"></video>'
    ) in content
    assert (
        'srcset="https://blog.example.org/img/small.webp 1x,'
        ' https://blog.example.org/2024/01/01/big.webp 2x"'
    ) in content
    assert '2x"><img src="https://blog.example.org/a%20b.png" alt="a > b"></picture>' in content
    assert '<audio controls src="https://blog.example.org/2024/01/01/sound.mp3"></audio>' in content


def test_urls_are_percent_encoded_as_a_browser_would_never_twice() -> None:
    assert absolute_url("/images/my photo.jpg", POST_URL) == (
        "https://blog.example.org/images/my%20photo.jpg"
    )
    assert absolute_url("café.jpg", POST_URL) == (
        "https://blog.example.org/2024/01/01/caf%C3%A9.jpg"
    )
    assert absolute_url("/a b/ü?q=é f#part 2", POST_URL) == (
        "https://blog.example.org/a%20b/%C3%BC?q=%C3%A9%20f#part%202"
    )
    assert absolute_url("/a%20b.png", POST_URL) == "https://blog.example.org/a%20b.png"
    assert absolute_url("#fn:1", POST_URL) == POST_URL + "#fn:1"
    assert absolute_url("mailto:me@example.org", POST_URL) == "mailto:me@example.org"


def test_html_and_markdown_urls_with_spaces_are_encoded(make_site: SiteFactory) -> None:
    post = """
        ---
        title: Spaces
        date: 2024-01-01
        ---
        <img src="/a b.png"> ![photo](</images/my photo.jpg>) [page](<ü ber.html>)
        <a href="/x?a=1&amp;b=2">query</a>
        """
    site = make_site({"2024-01-01-media.md": post})
    content = only_content(site)
    assert '<img src="https://blog.example.org/a%20b.png">' in content
    assert 'src="https://blog.example.org/images/my%20photo.jpg"' in content
    assert 'href="https://blog.example.org/2024/01/01/%C3%BC%20ber.html"' in content
    assert 'href="https://blog.example.org/x?a=1&amp;b=2"' in content


def test_comments_and_scripts_are_left_alone(make_site: SiteFactory) -> None:
    post = """
        ---
        title: Comments
        date: 2024-01-01
        ---
        <!-- <img src="draft.png"> -->
        <div style="background: url('bg image.png')">x</div>
        """
    site = make_site({"2024-01-01-media.md": post})
    content = only_content(site)
    assert '<!-- <img src="draft.png"> -->' in content
    assert "url('https://blog.example.org/2024/01/01/bg%20image.png')" in content


# Titles and what jekyll-feed 1 (Jekyll 4.3.1, kramdown 2.4) wrote for them.
SMARTIFIED = {
    'It\'s the \'90s -- "quoted" ("x") ... and --- dash': (
        "It’s the ’90s – “quoted” (“x”) … and — dash"
    ),
    "Edge 'quotes' [\"brack\"] 'tis rock'n'roll 5'10\" x--y 1990's": (
        "Edge ‘quotes’ [“brack”] ‘tis rock’n’roll 5’10” x–y 1990’s"
    ),
    "\"Hello,\" she said. 'Yes.'": "“Hello,” she said. ‘Yes.’",
    "Say \"'hi'\"": "Say “‘hi’”",
    '"*bold*" word': "“*bold*” word",
    "a << b >> c <<d>> \\<< e": "a «\u00a0b\u00a0» c «d» << e",
    "x...y....z": "x…y….z",
    "a---b--c-d": "a—b–c-d",
    'quote after dash -"x"': "quote after dash -“x”",
    "1'2\" and 3''": "1’2” and 3’’",
    "'": "’",
    "x '": "x ‘",
    '"x"?': "“x”?",
    'back\\"slash"': "back\\“slash”",
    "it’s already curly": "it’s already curly",
}


def test_smartify_is_kramdowns() -> None:
    assert {title: smartify(title) for title in SMARTIFIED} == SMARTIFIED


def test_titles_as_jekyll_feed_shows_them() -> None:
    # What Jekyll 4.3.1 and jekyll-feed wrote, as a feed reader shows it.
    assert jekyll_feed_title('a <em>"x"</em> b') == "a “x” b"
    assert jekyll_feed_title('a "<em>x</em>" b') == "a “x” b"
    assert jekyll_feed_title('&amp; "x"') == "& “x”"
    assert jekyll_feed_title('5 < 6 > 4 "q"') == "5 < 6 > 4 “q”"
    assert jekyll_feed_title("Fish &lt;3 <!-- draft --> chips") == "Fish <3 chips"


def test_titles_are_smartified_on_jekyll_sites_only(tmp_path: Path, make_site: SiteFactory) -> None:
    post: dict[str, str | bytes] = {
        "2024-01-01-quotes.md": "---\ntitle: \"It's -- 'quoted'...\"\n---\nBody.\n"
    }
    jekyll = jekyll_site(tmp_path / "jekyll", post)
    assert only_entry(jekyll).title == "It’s – ‘quoted’…"
    assert only_entry(make_site(post)).title == "It's -- 'quoted'..."


def test_an_html_post_and_jekylls_markdown_extensions(tmp_path: Path) -> None:
    posts: dict[str, str | bytes] = {
        "2024-01-01-raw.html": (
            '---\ntitle: Raw\n---\n<p>An *html* post, "as is".</p>\n\nSecond *block*.\n'
        ),
        "2024-01-02-short.mkd": "---\ntitle: Short\n---\nA *mkd* post.\n",
        "2024-01-03-text.txt": "---\ntitle: Text\n---\nNot Markdown to Jekyll.\n",
    }
    site = jekyll_site(tmp_path / "site", posts)
    build(site)
    feed = parse_feed(site.output / site.feeds.atom)
    # A .txt post is no Markdown to Jekyll, which builds it as written (see
    # test_jekyll_extensions).
    assert [entry.title for entry in feed.entries] == ["Text", "Short", "Raw"]
    items = json.loads((site.output / "feed.json").read_text(encoding="utf-8"))["items"]
    assert items[0]["content_html"] == "Not Markdown to Jekyll.\n"
    assert items[1]["content_html"] == "<p>A <em>mkd</em> post.</p>\n"
    # Jekyll builds an HTML post as it is, and its excerpt is its first block's text.
    assert items[2]["content_html"] == ('<p>An *html* post, "as is".</p>\n\nSecond *block*.\n')
    assert items[2]["summary"] == 'An *html* post, "as is".'


def test_markdown_ext_of_config_yml_says_which_files_are_markdown(tmp_path: Path) -> None:
    posts: dict[str, str | bytes] = {
        "2024-01-02-short.mkd": "---\ntitle: Short\n---\nA *mkd* post.\n",
        "2024-01-03-text.TXT": "---\ntitle: Text\n---\nNow *Markdown*.\n",
    }
    site = jekyll_site(tmp_path / "site", posts, "markdown_ext: 'md,txt'\n")
    build(site)
    items = json.loads((site.output / "feed.json").read_text(encoding="utf-8"))["items"]
    # .mkd is not Markdown there: built as written, at a URL that keeps its ending.
    assert [(item["url"], item["content_html"]) for item in items] == [
        ("https://blog.example.org/2024/01/03/text.html", "<p>Now <em>Markdown</em>.</p>\n"),
        ("https://blog.example.org/2024/01/02/short.mkd", "A *mkd* post.\n"),
    ]


def test_html_files_are_posts_only_in_jekylls_posts_folders(tmp_path: Path) -> None:
    root = tmp_path / "site"
    write_posts(root / "posts", {"2024-01-01-page.html": "---\ntitle: Page\n---\n<p>x</p>\n"})
    (root / "feedwright.toml").write_text(DEFAULT_CONFIG)
    site = load_site(root)
    build(site)
    assert parse_feed(site.output / site.feeds.atom).entries == []


EXCERPTS = {
    # The first block is Jekyll's excerpt, raw HTML too (jekyll-feed's <summary>).
    '<div class="note">\nA note with *emph*.\n</div>\n\nSecond paragraph.\n': (
        "A note with *emph*."
    ),
    '<p align="center"><img src="/logo.png"></p>\nText right after the image.\n\nNext.\n': (
        "Text right after the image."
    ),
    # Elsewhere than on a Jekyll site, a block with no text gives way to the next.
    '<p align="center"><img src="/logo.png"></p>\n\nSecond paragraph.\n': "Second paragraph.",
    "# A heading\n\nThe first paragraph[^1].\n\n[^1]: A note.\n": "The first paragraph.",
}


def test_the_excerpt_is_the_first_paragraph_or_html_block(make_site: SiteFactory) -> None:
    posts: dict[str, str | bytes] = {
        f"2024-01-0{number + 1}-post.md": f"---\ntitle: Post {number}\n---\n{body}"
        for number, body in enumerate(EXCERPTS)
    }
    site = make_site(posts)
    build(site)
    items = json.loads((site.output / "feed.json").read_text(encoding="utf-8"))["items"]
    assert [item.get("summary") for item in reversed(items)] == list(EXCERPTS.values())
    parse_feed(site.output / site.feeds.atom)


def test_a_jekyll_excerpt_is_the_first_block_even_without_text(tmp_path: Path) -> None:
    post = '---\ntitle: Logo\n---\n<p align="center"><img src="/logo.png"></p>\n\nSecond.\n'
    site = jekyll_site(tmp_path / "site", {"2024-01-01-logo.md": post})
    build(site)
    (item,) = json.loads((site.output / "feed.json").read_text(encoding="utf-8"))["items"]
    assert "summary" not in item  # jekyll-feed's <summary> is empty too


def test_footnotes_on_every_site(make_site: SiteFactory) -> None:
    post = "---\ntitle: Notes\n---\nA claim.[^source]\n\n[^source]: Where it comes from.\n"
    content = only_content(make_site({"2024-01-01-notes.md": post}))
    assert "[^source]" not in content
    assert '<a href="https://blog.example.org/2024/01/01/notes.html#fn1" id="fnref1">' in content
    assert '<li id="fn1" class="footnote-item"><p>Where it comes from.' in content


KRAMDOWN_POST = """\
---
title: Kramdown
---
{::options parse_block_html="false" /}
He said "it's *fine*" -- `code "x"` \\"escaped\\" **"bold"**...
{: .lead}

* TOC
{:toc}

## Heading *one* {#first}

## Second "One"
{: .no_toc}

{::comment}
Not for readers.
{:/comment}

Term
: Its definition

![a b](/images/my photo.jpg "T") [page](/a b.html) [x](/y.html){:target="_blank"} {:.kept}

HTML and ==this== stay.[^src]

*[HTML]: Hyper Text Markup Language
[^src]: The source.
"""
# What Jekyll 4.3.1 (kramdown 2.4, GFM input) wrote for it, but for the URLs (absolute and
# encoded in a feed) and the spacing between blocks.
KRAMDOWN_HTML = """\
<p class="lead">He said “it’s <em>fine</em>” – <code>code &quot;x&quot;</code> &quot;escaped&quot; <strong>“bold”</strong>…</p>
<ul id="markdown-toc">
<li><a href="https://blog.example.org/2024/01/01/kramdown.html#first" id="markdown-toc-first">Heading one</a>
</li>
</ul>
<h2 id="first">Heading <em>one</em></h2>
<h2 class="no_toc" id="second-one">Second “One”</h2>
<dl>
<dt>Term</dt>
<dd>Its definition</dd>
</dl>
<p><img src="https://blog.example.org/images/my%20photo.jpg" alt="a b" title="T" /> <a href="https://blog.example.org/a%20b.html">page</a> <a href="https://blog.example.org/y.html" target="_blank">x</a> {:.kept}</p>
<p><abbr title="Hyper Text Markup Language">HTML</abbr> and ==this== stay.<sup id="fnref:src" role="doc-noteref"><a href="https://blog.example.org/2024/01/01/kramdown.html#fn:src" class="footnote" rel="footnote">1</a></sup></p>
<div class="footnotes" role="doc-endnotes">
<ol>
<li id="fn:src" role="doc-endnote"><p>The source. <a href="https://blog.example.org/2024/01/01/kramdown.html#fnref:src" class="reversefootnote" role="doc-backlink">↩</a></p>
</li>
</ol>
</div>
"""


def test_kramdown_syntax_on_jekyll_sites(tmp_path: Path) -> None:
    site = jekyll_site(tmp_path / "site", {"2024-01-01-kramdown.md": KRAMDOWN_POST})
    assert only_content(site) == KRAMDOWN_HTML
    assert only_entry(site).summary == 'He said “it’s fine” – code "x" "escaped" “bold”…'


def test_kramdown_syntax_stays_text_on_other_sites(make_site: SiteFactory) -> None:
    content = only_content(make_site({"2024-01-01-kramdown.md": KRAMDOWN_POST}))
    assert "{: .lead}" in content and "{::comment}" in content
    assert "it's" in content and "--" in content


def test_an_unclosed_comment_or_script_runs_to_the_end_as_in_a_browser() -> None:
    for fragment in ('<!-- <img src="a.png">', '<script>x = "<img src=a.png>"'):
        assert absolutize_links(fragment * 2, POST_URL) == fragment * 2


def test_a_spaced_link_is_read_within_its_line_and_parentheses() -> None:
    html = render_markdown("[a](b (c) d) [e](f\ng)", flavour=KRAMDOWN)
    assert html == '<p><a href="b%20(c)%20d">a</a> [e](f\ng)</p>\n'


def test_a_span_attribute_list_may_run_over_lines() -> None:
    # kramdown reads `{: …}` after a span up to its `}`, line breaks and all (ruby-lang.org's
    # 2003-05-14 news post); what Jekyll 4.3.1 wrote for this text (but the classes Rouge
    # gives code).
    text = (
        '![c](http://x.org/c.gif){:\n.icon width="70"}Text after.\n\n'
        '[l](/u){: .k\n  title="t"} and `code`{:\n#cid} end.\n'
    )
    assert render_markdown(text, flavour=KRAMDOWN) == (
        '<p><img src="http://x.org/c.gif" alt="c" class="icon" width="70" />Text after.</p>\n'
        '<p><a href="/u" class="k" title="t">l</a> and <code id="cid">code</code> end.</p>\n'
    )


def test_media_stays_valid_where_a_script_is_left_out(make_site: SiteFactory) -> None:
    post = (
        "---\ntitle: Media\n---\n"
        '<video controls><source src="clip.mp4" type="video/mp4"></video>\n\n'
        "Text <script>alert(1)</script>after.\n"
    )
    content = only_content(make_site({"2024-01-01-media.md": post}))
    assert "<script" not in content and "</source>" not in content
    assert (
        '<video controls><source src="https://blog.example.org/2024/01/01/clip.mp4"'
        ' type="video/mp4"></video>'
    ) in content


def test_html_that_never_closes_its_tags_takes_linear_time() -> None:
    # Each `<` that no `>` closes is given up at the next `<` (was 12 s for 8,000).
    started = time.monotonic()
    for fragment in ("<a x ", "<script x ", '<a href="x', "<!-- x "):
        html = "<div>\n" + fragment * 40_000
        assert absolutize_links(html, POST_URL).startswith("<div>")
        without_page_tags(html)
        smartify(html)
    assert time.monotonic() - started < 10


def test_the_digest_renders_a_post_as_the_feeds_do(tmp_path: Path) -> None:
    posts: dict[str, str | bytes] = {
        "2024-01-01-kramdown.md": "---\ntitle: K\n---\nIt's *here*.\n{: .lead}\n",
        "2024-01-02-raw.html": "---\ntitle: Raw\n---\n<p>An *html* post.</p>\n",
    }
    root = tmp_path / "site"
    jekyll_site(root, posts)
    (root / "feedwright.toml").write_text('[digest]\ncontent = "full"\n')
    site = load_site(root)
    build(site)
    digest = (site.output / "digest.html").read_text(encoding="utf-8")
    assert "It’s" in digest and "{: .lead}" not in digest
    assert "An *html* post." in digest


def test_an_attribute_list_after_emphasis_gives_it_attributes() -> None:
    # What Jekyll 4.3.1 (kramdown) wrote for this paragraph: right after emphasis or
    # strong emphasis, `{: …}` is their attributes; after a space it is text.
    text = '*em*{: .k} and **strong**{:#sid title="t"} and *sp* {: .no} and _u_{: .u}x.\n'
    assert render_markdown(text, flavour=KRAMDOWN) == (
        '<p><em class="k">em</em> and <strong id="sid" title="t">strong</strong> and'
        ' <em>sp</em> {: .no} and <em class="u">u</em>x.</p>\n'
    )
