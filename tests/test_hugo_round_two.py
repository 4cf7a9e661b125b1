"""What real Hugo sites showed after the first round: content mounts, the RSS file's name,
the site's params, nested list pages between builds, dates Hugo cannot read and posts with
none. The expected values are what Hugo 0.111 built for the same small sites."""

from __future__ import annotations

from pathlib import Path

from conftest import NOW, build, parse_feed, write_posts
from feedwright.posts.collect import collect
from feedwright.site.config import load_site
from feedwright.speed import Speed

Files = dict[str, str | bytes]


def _site(root: Path, files: Files) -> Path:
    write_posts(root, files)
    return root


def _links(path: Path) -> list[str]:
    return [entry.link for entry in parse_feed(path).entries]


# Content mounted from src/content (Hugo then ignores content/), and an RSS named feed.xml.
MOUNTED: Files = {
    "hugo.yaml": """
        baseURL: https://example.org/
        title: Mounted
        outputFormats:
          RSS:
            mediatype: application/rss
            baseName: feed
        module:
          mounts:
            - source: src/content
              target: content
            - source: src/layouts
              target: layouts
        """,
    "src/content/posts/one.md": "---\ntitle: One\ndate: 2024-01-02\n---\nOne.\n",
    "src/content/posts/two.md": "---\ntitle: Two\ndate: 2024-01-03\n---\nTwo.\n",
    "content/posts/ignored.md": "---\ntitle: Ignored\ndate: 2024-01-04\n---\nNot read.\n",
}


def test_content_mounts_and_the_rss_base_name(tmp_path: Path) -> None:
    root = _site(tmp_path / "site", MOUNTED)
    result = build(load_site(root))
    assert result.collection.problems == []
    assert _links(root / "out/feed.xml") == [
        "https://example.org/posts/two/",
        "https://example.org/posts/one/",
    ]
    assert b'href="https://example.org/feed.xml" rel="self"' in (root / "out/feed.xml").read_bytes()
    assert not (root / "out/index.xml").exists()


# Mounts in config/_default/module.toml: one per language, and one below the content.
MOUNTED_LANGUAGES: Files = {
    "hugo.toml": """
        baseURL = "https://example.org/"
        title = "T"
        [languages.en]
        weight = 1
        [languages.fr]
        weight = 2
        [params]
        mainSections = ["posts", "extra"]
        [outputFormats.RSS]
        baseName = "feed"
        """,
    "config/_default/module.toml": """
        [[mounts]]
        source = "blog-en"
        target = "content"
        [[mounts]]
        source = "blog-fr"
        target = "content"
        lang = "fr"
        [[mounts]]
        source = "notes"
        target = "content/extra/notes"
        """,
    "blog-en/posts/en.md": "---\ntitle: En\ndate: 2024-01-02\n---\nx\n",
    "blog-en/posts/two.fr.md": "---\ntitle: Fr2\ndate: 2024-01-04\n---\nx\n",
    "blog-fr/posts/fr.md": "---\ntitle: Fr\ndate: 2024-01-03\n---\nx\n",
    "notes/n.md": "---\ntitle: Note\ndate: 2024-01-05\n---\nx\n",
    "content/posts/i.md": "---\ntitle: Ignored\ndate: 2024-01-05\n---\nx\n",
}


def test_mounts_per_language_and_below_the_content(tmp_path: Path) -> None:
    root = _site(tmp_path / "site", MOUNTED_LANGUAGES)
    result = build(load_site(root))
    assert result.collection.problems == []
    assert _links(root / "out/feed.xml") == [
        "https://example.org/extra/notes/n/",
        "https://example.org/posts/en/",
    ]
    assert _links(root / "out/fr/feed.xml") == [
        "https://example.org/fr/posts/two/",
        "https://example.org/fr/posts/fr/",
    ]


PARAMS: Files = {
    "hugo.toml": """
        baseURL = "https://example.org/"
        title = "T"
        [params]
        Owner = "Site Owner"
        [params.Social]
        Handle = "@site"
        """,
    "content/posts/p.md": "---\ntitle: P\ndate: 2024-01-02\nowner: Page Owner\n---\n"
    '{{< param owner >}} / {{< param "social.handle" >}} / {{< param "Social.Handle" >}}\n',
    "content/posts/q.md": "---\ntitle: Q\ndate: 2024-01-01\n---\n{{< param Owner >}}\n",
}


def test_the_param_shortcode_reads_the_site_params(tmp_path: Path) -> None:
    root = _site(tmp_path / "site", PARAMS)
    result = build(load_site(root))
    assert result.collection.warnings == []
    entries = parse_feed(root / "out/index.xml").entries
    assert "Page Owner / @site / @site" in entries[0].description
    assert "Site Owner" in entries[1].description


NESTED: Files = {
    "hugo.toml": """
        baseURL = "https://example.org/"
        title = "T"
        [permalinks]
        posts = "/:sections/:filename/"
        """,
    "content/posts/2024/a.md": "---\ntitle: A\ndate: 2024-01-02\n---\nx\n",
    "content/posts/2024/b.md": "---\ntitle: B\ndate: 2024-01-03\n---\nx\n",
}


def test_a_new_nested_list_page_is_seen_by_the_next_build(tmp_path: Path) -> None:
    speeds = {
        "plain": Speed.off(),
        "fast": Speed(),
        "parallel": Speed(workers=2, parallel_from=2, render_ahead_from=1),
    }
    for name, speed in speeds.items():
        root = _site(tmp_path / name, NESTED)
        build(load_site(root), speed=speed)
        assert _links(root / "out/index.xml")[0] == "https://example.org/posts/b/"
        (root / "content/posts/2024/_index.md").write_text("---\ntitle: 2024\n---\n")
        assert not build(load_site(root), speed=speed).up_to_date
        assert _links(root / "out/index.xml") == [
            "https://example.org/posts/2024/b/",
            "https://example.org/posts/2024/a/",
        ]
        (root / "content/posts/2024/_index.md").unlink()
        assert not build(load_site(root), speed=speed).up_to_date
        assert _links(root / "out/index.xml")[0] == "https://example.org/posts/b/"


DATES: Files = {
    "hugo.toml": 'baseURL = "https://example.org/"\ntitle = "T"\n'
    '[permalinks]\nposts = "/:year/:month/:slug/"\n',
    "content/posts/a.md": "---\ntitle: A\ndate: 2024-01-02\n---\nx\n",
    # Hugo cannot read these: it goes on to the next date key, then dates the post 0001-01-01.
    "content/posts/ruby.md": '---\ntitle: Ruby\ndate: "Jan 5, 2020"\n---\nx\n',
    "content/posts/later.md": '---\ntitle: Later\ndate: "2020-01-05 10:00"\n'
    "lastmod: 2021-03-03\n---\nx\n",
    "content/posts/none.md": "---\ntitle: None\n---\nx\n",
    # Hugo reads these.
    "content/posts/rfc.md": '---\ntitle: Rfc\ndate: "Sun, 05 Jan 2020 10:00:00 +0900"\n---\nx\n',
    "content/posts/zone.md": '---\ntitle: Zone\ndate: "2020-01-04 10:00:00 +0900 JST"\n---\nx\n',
}


def test_dates_hugo_cannot_read_and_posts_without_one(tmp_path: Path) -> None:
    root = _site(tmp_path / "site", DATES)
    result = build(load_site(root))
    assert result.collection.problems == []
    feed = parse_feed(root / "out/index.xml")
    assert [entry.title for entry in feed.entries] == ["A", "Later", "Rfc", "Zone", "None", "Ruby"]
    text = (root / "out/index.xml").read_text()
    assert text.count("<pubDate>Mon, 01 Jan 0001 00:00:00 +0000</pubDate>") == 2
    assert "<pubDate>Wed, 03 Mar 2021 00:00:00 +0000</pubDate>" in text
    assert feed.entries[4].link == "https://example.org/1/01/none/"
    warnings = {(w.path.name, w.line): w.message for w in result.collection.warnings}
    assert "Hugo" in warnings[("ruby.md", 3)] and "Jekyll" not in warnings[("ruby.md", 3)]
    assert "Hugo" in warnings[("later.md", 3)]
    assert "0001-01-01" in warnings[("none.md", 1)]
    assert len(warnings) == 3


def test_a_date_jekyll_reads_loosely_is_read_so_on_jekyll_sites_only(tmp_path: Path) -> None:
    files: Files = {
        "hugo.toml": 'baseURL = "https://example.org/"\ntitle = "T"\n',
        "content/posts/a.md": '---\ntitle: A\ndate: "2023-01-29 18:30:22 2023 -0800"\n---\nx\n',
    }
    posts = collect(load_site(_site(tmp_path / "site", files)), now=NOW).posts
    assert posts[0].date.year == 1


def test_build_drafts_and_build_future_of_the_config(tmp_path: Path) -> None:
    files: Files = {
        "hugo.toml": 'baseURL = "https://example.org/"\ntitle = "T"\n'
        "buildDrafts = true\nbuildFuture = true\n",
        "content/posts/a.md": "---\ntitle: A\ndate: 2024-01-02\n---\nx\n",
        "content/posts/draft.md": "---\ntitle: Draft\ndate: 2024-01-03\ndraft: true\n---\nx\n",
        "content/posts/later.md": "---\ntitle: Later\ndate: 2099-01-01\n---\nx\n",
    }
    root = _site(tmp_path / "site", files)
    build(load_site(root))
    titles = [entry.title for entry in parse_feed(root / "out/index.xml").entries]
    assert titles == ["Later", "Draft", "A"]
    # The command line still wins, as Hugo's --buildDrafts=false does.
    build(load_site(root), drafts=False, future=False)
    assert [entry.title for entry in parse_feed(root / "out/index.xml").entries] == ["A"]
