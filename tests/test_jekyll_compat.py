"""What a Jekyll 4.3.1 build with jekyll-feed 0.17 gave for small sites made to find the
edges: which files of `_posts` are posts, their dates, ids and links, excerpts, the feed's
file name, and a feed with no entries."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from xml.etree import ElementTree

import feedparser

from conftest import NOW, build, write_posts
from feedwright.commands.posts import check_site
from feedwright.posts.collect import collect
from feedwright.site.config import load_site
from feedwright.site.model import Site

CONFIG_YML = "title: T\nurl: https://blog.example.org\n"


def _site(
    root: Path,
    files: Mapping[str, str | bytes],
    config_yml: str = CONFIG_YML,
    toml: str | None = None,
) -> Site:
    root.mkdir()
    (root / "_config.yml").write_text(config_yml)
    if toml is not None:
        (root / "feedwright.toml").write_text(toml)
    write_posts(root, dict(files))
    return load_site(root)


# Jekyll built the first three as posts and skipped the others without a word.
NAMES = {
    "_posts/2017-2-5-one-digit.md": "---\ntitle: One digit\n---\nx\n",
    "_posts/17-3-6-short-year.md": "---\ntitle: Short year\n---\nx\n",
    "_posts/archive/2015-01-01-in-a-folder.md": "---\ntitle: In a folder\n---\nx\n",
    "_posts/2013-03-19-dated-folder/inside.md": "---\ntitle: Inside\n---\nx\n",
    "_posts/undated.md": "---\ntitle: Undated\ndate: 2015-02-02\n---\nx\n",
    "_posts/notes.md": "Just notes, no front matter.\n",
    "_posts/2015-01-01.md": "---\ntitle: No title part\n---\nx\n",
}


def test_only_files_named_as_jekyll_posts_are_posts(tmp_path: Path) -> None:
    site = _site(tmp_path / "site", NAMES)
    collection = collect(site, now=NOW)
    assert collection.problems == []
    found = {post.title: (post.date.date().isoformat(), post.url) for post in collection.posts}
    assert found == {
        "One digit": ("2017-02-05", "https://blog.example.org/2017/02/05/one-digit.html"),
        "Short year": ("2017-03-06", "https://blog.example.org/2017/03/06/short-year.html"),
        "In a folder": ("2015-01-01", "https://blog.example.org/2015/01/01/in-a-folder.html"),
    }


def test_check_counts_the_other_files_of_posts_as_not_posts(tmp_path: Path) -> None:
    site = _site(tmp_path / "site", NAMES)
    collection = check_site(site)
    assert collection.problems == []
    assert len(collection.posts) == 3
    assert collection.ignored == 4


def test_drafts_need_no_date_in_their_names(tmp_path: Path) -> None:
    files = {"_drafts/a-draft.md": "---\ntitle: Draft\n---\nx\n"}
    site = _site(tmp_path / "site", files)
    assert [post.title for post in collect(site, now=NOW, drafts=True, future=True).posts] == [
        "Draft"
    ]


def test_front_matter_closed_by_yaml_document_end(tmp_path: Path) -> None:
    files = {"_posts/2014-03-03-dots.md": "---\ntitle: Dots\n...\nThe body.\n\nMore.\n"}
    site = _site(tmp_path / "site", files)
    result = build(site)
    assert result.collection.problems == []
    (post,) = result.collection.posts
    assert post.title == "Dots"
    entry = feedparser.parse((site.output / "feed.xml").read_bytes()).entries[0]
    assert "The body." in entry.content[0].value
    assert "..." not in entry.content[0].value


POST = {"_posts/2025-01-02-a-post.md": "---\ntitle: A post\n---\nx\n"}


def test_a_jekyll_sites_atom_feed_is_where_jekyll_feed_wrote_its_own(tmp_path: Path) -> None:
    site = _site(tmp_path / "site", POST)
    build(site)
    assert sorted(path.name for path in site.output.glob("feed.*")) == [
        "feed.json",
        "feed.rss",
        "feed.xml",
        "feed.xsl",
    ]
    feed = feedparser.parse((site.output / "feed.xml").read_bytes())
    assert feed.version == "atom10"
    self_links = [link.href for link in feed.feed.links if link.rel == "self"]
    assert self_links == ["https://blog.example.org/feed.xml"]


def test_feedwright_toml_still_names_the_atom_feed(tmp_path: Path) -> None:
    toml = '[feeds]\natom = "atom.xml"\n'
    site = _site(tmp_path / "site", POST, toml=toml)
    assert site.feeds.atom == "atom.xml"


def test_an_rss_feed_named_feed_xml_keeps_the_atom_feed_at_feed_atom(tmp_path: Path) -> None:
    site = _site(tmp_path / "site", POST, toml='[feeds]\nrss = "feed.xml"\n')
    assert (site.feeds.atom, site.feeds.rss) == ("feed.atom", "feed.xml")


def test_jekyll_feeds_path_still_wins(tmp_path: Path) -> None:
    site = _site(tmp_path / "site", POST, CONFIG_YML + "feed:\n  path: atom.xml\n")
    assert site.feeds.atom == "atom.xml"


# Ids and links as jekyll-feed wrote them for these file names and permalinks.
ODD_NAMES = {
    "_posts/2014-03-22-escape-+ %20[].md": "---\ntitle: Escapes\n---\nx\n",
    "_posts/2009-03-12-hash-#1.md": "---\ntitle: Hash\n---\nx\n",
    "_posts/2014-01-06-traversal.md": (
        "---\ntitle: Traversal\npermalink: /%2e%2e/%2e%2e/%2e%2e/baddie.html\n---\nx\n"
    ),
    "_posts/2014-01-07-up.md": "---\ntitle: Up\npermalink: /a/../../b/x.html\n---\nx\n",
}
ODD_IDS_AND_LINKS = {
    "Escapes": ("/2014/03/22/escape-+%20%20%5B%5D", "/2014/03/22/escape-+-20.html"),
    "Hash": ("/2009/03/12/hash-#1", "/2009/03/12/hash-1.html"),
    "Traversal": ("/traversal", "/baddie.html"),
    "Up": ("/a/b/up", "/a/b/x.html"),
}


def test_ids_and_links_of_odd_names_are_jekyll_feeds(tmp_path: Path) -> None:
    site = _site(tmp_path / "site", ODD_NAMES)
    result = build(site)
    assert result.collection.problems == []
    base = "https://blog.example.org"
    expected = {
        title: (base + id_, base + link) for title, (id_, link) in ODD_IDS_AND_LINKS.items()
    }
    assert {post.title: (post.id, post.url) for post in result.collection.posts} == expected
    feed = feedparser.parse((site.output / "feed.xml").read_bytes())
    assert feed.bozo == 0
    assert {entry.title: (entry.id, entry.link) for entry in feed.entries} == expected


def test_a_feed_with_no_entries_has_a_plausible_fixed_date(tmp_path: Path) -> None:
    site = _site(tmp_path / "site", {"_posts/notes.md": "Not a post.\n"})
    build(site)
    atom = (site.output / "feed.xml").read_bytes()
    rss = (site.output / "feed.rss").read_bytes()
    assert feedparser.parse(atom).feed.updated == "2000-01-01T00:00:00+00:00"
    # RSS has no date to give: lastBuildDate is optional, and left out.
    assert b"lastBuildDate" not in rss
    assert b"1970" not in atom + rss
    assert feedparser.parse(rss).bozo == 0
    build(site)
    assert (site.output / "feed.xml").read_bytes() == atom
    assert (site.output / "feed.rss").read_bytes() == rss


# jekyll-feed's <summary> for these posts: Jekyll's excerpt is the text before the first
# blank line ("\n\n", its excerpt_separator), whatever it is, rendered.
EXCERPTS: dict[str, str | bytes] = {
    "_posts/2014-01-10-heading.md": "---\ntitle: Heading\n---\n# Test\n\nSecond.\n",
    "_posts/2014-01-11-list.md": "---\ntitle: List\n---\n- one\n- two\n\nPara.\n",
    "_posts/2014-01-12-code.md": "---\ntitle: Code\n---\n    code line\n    more\n\nPara.\n",
    # Bytes: written as they are (text would be dedented, the spaces taken off).
    "_posts/2014-01-13-spaces.md": b"---\ntitle: Spaces\n---\nline one\n   \nline two\n\nPara.\n",
    "_posts/2014-01-14-ref.md": (
        "---\ntitle: Ref\n---\nSee [the docs][d] now.\n\nMore.\n\n[d]: https://example.org/docs\n"
    ),
    "_posts/2014-01-15-blank.md": "---\ntitle: Blank\n---\n\n\nFirst.\n\nSecond.\n",
    "_posts/2014-01-16-mixed.md": "---\ntitle: Mixed\n---\n## Intro *now*\nText after.\n\nNext.\n",
}
JEKYLL_SUMMARIES = {
    "Heading": "Test",
    "List": "one two",
    "Code": "code line more",
    "Spaces": "line one line two",
    "Ref": "See the docs now.",
    "Blank": "First.",
    "Mixed": "Intro now Text after.",
}


def _summaries(site: Site) -> dict[str, str]:
    build(site)
    feed = feedparser.parse((site.output / "feed.xml").read_bytes())
    return {entry.title: " ".join(entry.summary.split()) for entry in feed.entries}


def test_the_excerpt_is_the_text_before_the_first_blank_line(tmp_path: Path) -> None:
    assert _summaries(_site(tmp_path / "site", EXCERPTS)) == JEKYLL_SUMMARIES


def test_a_separator_the_post_lacks_makes_the_whole_post_the_excerpt(tmp_path: Path) -> None:
    config = CONFIG_YML + "excerpt_separator: <!--cut-->\n"
    files = {
        "_posts/2014-01-14-whole.md": "---\ntitle: Whole\n---\nOne.\n\nTwo.\n",
        "_posts/2014-01-15-cut.md": "---\ntitle: Cut\n---\nOne.\n\nTwo.\n<!--cut-->\nThree.\n",
    }
    assert _summaries(_site(tmp_path / "site", files, config)) == {
        "Whole": "One. Two.",
        "Cut": "One. Two.",
    }


def test_a_posts_own_excerpt_separator_wins(tmp_path: Path) -> None:
    front = "---\ntitle: Own\nexcerpt_separator: <!--cut-->\n---\n"
    files = {
        "_posts/2014-01-14-own.md": front + "One.\n\nTwo.\n",
        "_posts/2014-01-15-cut.md": front + "One.\n\nTwo.\n<!--cut-->\nThree.\n",
    }
    site = _site(tmp_path / "site", files)
    summaries = {post.source.name: post.excerpt for post in collect(site, now=NOW).posts}
    assert summaries == {"2014-01-14-own.md": "One. Two.", "2014-01-15-cut.md": "One. Two."}


def test_hugo_does_not_close_front_matter_with_dots(tmp_path: Path) -> None:
    root = tmp_path / "site"
    root.mkdir()
    (root / "hugo.toml").write_text('baseURL = "https://example.org/"\ntitle = "H"\n')
    write_posts(root, {"content/posts/a.md": "---\ntitle: Dots\ndate: 2024-01-02\n...\nBody.\n"})
    collection = collect(load_site(root), now=NOW)
    assert collection.posts == []
    [problem] = collection.problems
    assert "no closing `---` line" in str(problem)


def test_the_excerpt_is_taken_before_liquid_is_rendered(tmp_path: Path) -> None:
    # Jekyll cuts the excerpt from the text as written, closes the blocks left open in it,
    # then renders it by itself: jekyll-feed's summaries for these posts.
    files = {
        "_posts/2014-01-13-raw.md": (
            "---\ntitle: Raw\n---\n{% raw %}\nraw one\n\nraw two\n{% endraw %}\n\nText.\n"
        ),
        "_posts/2014-01-14-comment.md": (
            "---\ntitle: Comment\n---\n{% comment %}\nnote\n\nmore\n{% endcomment %}\n"
            "Visible.\n\nText.\n"
        ),
        "_posts/2014-01-15-strip.md": "---\ntitle: Strip\n---\nFirst.\n\n{%- assign x = 1 %}\nSecond.\n",
        "_posts/2014-01-16-var.md": "---\ntitle: Var\n---\nSite {{ site.title }} here.\n\nText.\n",
    }
    site = _site(tmp_path / "site", files)
    summaries = {post.title: post.excerpt for post in collect(site, now=NOW).posts}
    assert summaries == {"Raw": "raw one", "Comment": "", "Strip": "First.", "Var": "Site T here."}


def test_an_empty_excerpt_separator_breaks_nothing(tmp_path: Path) -> None:
    config = CONFIG_YML + 'excerpt_separator: ""\n'
    files = {"_posts/2014-01-13-a.md": "---\ntitle: A\n---\nOne {{ site.title }}.\n\nTwo.\n"}
    site = _site(tmp_path / "site", files, config)
    collection = collect(site, now=NOW)
    assert collection.problems == []
    assert [post.title for post in collection.posts] == ["A"]


# jekyll-feed writes `post.description | default: post.excerpt` as the summary: the
# description first, then the front matter's `excerpt`, which, given at all (even empty),
# replaces the excerpt Jekyll makes; `summary` is no key of Jekyll's. What Jekyll 4.3.1
# with jekyll-feed 0.17 wrote for these posts (None: no <summary> element).
SUMMARY_KEYS = {
    "_posts/2014-01-01-a.md": ("Empty", 'excerpt: ""\n'),
    "_posts/2014-01-02-b.md": ("Blank", 'excerpt: "  "\n'),
    "_posts/2014-01-03-c.md": ("Both", "description: Desc\nexcerpt: Exc\n"),
    "_posts/2014-01-04-d.md": ("Empty description", 'description: ""\nexcerpt: Exc\n'),
    "_posts/2014-01-05-e.md": ("Summary", "summary: Summ\n"),
    "_posts/2014-01-06-f.md": ("Null excerpt", "excerpt:\n"),
    "_posts/2014-01-07-g.md": ("Number", "excerpt: 42\n"),
}
JEKYLL_FEED_SUMMARIES = {
    "Empty": None,
    "Blank": None,
    "Both": "Desc",
    "Empty description": "Exc",
    "Summary": "Body one.",
    "Null excerpt": "Body one.",
    "Number": "42",
}


def test_the_summary_is_the_description_else_the_front_matter_excerpt(tmp_path: Path) -> None:
    files = {
        name: f"---\ntitle: {title}\n{front}---\nBody one.\n\nBody two.\n"
        for name, (title, front) in SUMMARY_KEYS.items()
    }
    site = _site(tmp_path / "site", files)
    build(site)
    atom = "{http://www.w3.org/2005/Atom}"
    root = ElementTree.parse(site.output / "feed.xml").getroot()
    summaries = {
        entry.findtext(f"{atom}title"): entry.findtext(f"{atom}summary")
        for entry in root.iter(f"{atom}entry")
    }
    assert summaries == JEKYLL_FEED_SUMMARIES


def test_a_front_matter_summary_is_its_text_as_written_not_markdown(tmp_path: Path) -> None:
    # jekyll-feed writes `description` (or the front matter's `excerpt`) with its tags
    # stripped and nothing else: no Markdown, no smart quotes. Its <summary> is HTML, so
    # `&amp;` reads as `&`; feedwright's is the text a reader shows.
    written = "We've *emph* `code` [l](http://x.org) a -- b & c &amp; d <b>bold</b>"
    files = {
        "_posts/2014-01-01-a.md": f"---\ntitle: Desc\ndescription: {written!r}\n---\nBody.\n",
        "_posts/2014-01-02-b.md": f"---\ntitle: Exc\nexcerpt: {written!r}\n---\nBody.\n",
    }
    site = _site(tmp_path / "site", files)
    shown = "We've *emph* `code` [l](http://x.org) a -- b & c & d bold"
    assert {post.title: post.excerpt for post in collect(site, now=NOW).posts} == {
        "Desc": shown,
        "Exc": shown,
    }


def test_a_post_of_crlf_lines_has_no_blank_line_to_end_its_excerpt(tmp_path: Path) -> None:
    # Jekyll looks for its separator, "\n\n", in the text as the file has it: a file of
    # CRLF lines (hyde's posts) has none, and its excerpt is the whole post. A separator of
    # the post's own is found, and so is "\n\n" where a file mixes its line ends. What
    # Jekyll 4.3.1 + jekyll-feed 0.17 wrote, whitespace collapsed.
    files: dict[str, str | bytes] = {
        "_posts/2014-01-01-a.md": b"---\r\ntitle: Whole\r\n---\r\nOne.\r\n\r\nTwo.\r\n",
        "_posts/2014-01-02-b.md": (
            b"---\r\ntitle: Own\r\nexcerpt_separator: <!--more-->\r\n---\r\n"
            b"One.\r\n\r\nTwo.\r\n<!--more-->\r\nThree.\r\n"
        ),
        "_posts/2014-01-03-c.md": b"---\r\ntitle: Mixed\r\n---\r\nOne.\n\nTwo.\r\n",
    }
    site = _site(tmp_path / "site", files)
    expected = {"Whole": "One. Two.", "Own": "One. Two.", "Mixed": "One."}
    assert _summaries(site) == expected
    # Read whole (as `check` and the parse workers read them) or header first, alike.
    assert {post.title: post.excerpt for post in collect(site, now=NOW).posts} == expected
