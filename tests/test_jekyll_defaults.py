"""Permalinks and other values set where Jekyll sites set them: front matter defaults
(``defaults:``) and the posts collection's ``permalink``. Each expected value is what
Jekyll 4.3 with jekyll-feed built from a site of the same shape."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import NOW, build, parse_feed, write_posts
from feedwright.posts.collect import collect
from feedwright.posts.model import Post
from feedwright.site.config import load_site
from feedwright.site.model import Site

POSTS = {
    "2024-01-02-plain.md": "---\ntitle: Plain\n---\nhi\n",
    "walks/2024-01-03-hill.md": "---\ntitle: Hill\nauthor: me\n---\nhi\n",
    "notes/2024-01-04-own.md": "---\ntitle: Own\npermalink: /own/:year/:title.html\n---\nhi\n",
    "walks/far/2024-01-05-coast.md": "---\ntitle: Coast\n---\nhi\n",
}

CONFIG = """\
url: https://example.org
collections:
  posts:
    permalink: /all/:year/:title/
defaults:
  - scope: {path: ""}
    values: {author: everyone, image: /img/all.png}
  - scope: {path: "_posts/walks", type: posts}
    values: {permalink: /walks/:title/, author: walker}
  - scope: {type: posts}
    values: {layout: post, author: typed}
  - scope: {path: "_posts/walks/far"}
    values: {image: /img/far.png}
"""


def _site(root: Path, config: str, posts: dict[str, str | bytes]) -> Site:
    root.mkdir(exist_ok=True)
    (root / "_config.yml").write_text(config, encoding="utf-8")
    write_posts(root / "_posts", posts)
    return load_site(root)


def _posts(site: Site) -> dict[str, Post]:
    collection = collect(site, now=NOW)
    assert collection.problems == []
    return {post.title: post for post in collection.posts}


def test_defaults_and_collection_permalink_apply_as_in_jekyll(tmp_path: Path) -> None:
    posts = _posts(_site(tmp_path / "site", CONFIG, dict(POSTS)))
    seen = {
        title: (post.url, post.author and post.author.name, post.image and post.image.url)
        for title, post in posts.items()
    }
    assert seen == {
        # The collection's permalink; the `type` scope wins over the empty path's.
        "Plain": ("https://example.org/all/2024/plain/", "typed", "https://example.org/img/all.png"),
        # The front matter wins over every default.
        "Hill": ("https://example.org/walks/hill/", "me", "https://example.org/img/all.png"),
        # A front matter permalink's placeholders are filled in too.
        "Own": ("https://example.org/own/2024/own.html", "typed", "https://example.org/img/all.png"),
        # The longest path wins, key by key: the image of walks/far, the author of walks.
        "Coast": ("https://example.org/walks/coast/", "walker", "https://example.org/img/far.png"),
    }  # fmt: skip
    assert {post.extra.get("layout") for post in posts.values()} == {"post"}


def test_scope_paths_are_compared_as_jekyll_compares_them(tmp_path: Path) -> None:
    # A leading slash never matches; a path matches as the start of the text; a glob matches
    # the folders it names; the old type name `post` is `posts`.
    config = """\
url: https://example.org
defaults:
  - scope: {path: "/_posts/walks"}
    values: {permalink: /slash/:title/}
  - scope: {path: "_posts/wa"}
    values: {author: prefix}
  - scope: {path: "_posts/*/far"}
    values: {image: /img/glob.png}
  - scope: {path: "_posts", type: post}
    values: {permalink: /old-type/:title/}
"""
    posts = _posts(_site(tmp_path / "site", config, dict(POSTS)))
    assert posts["Hill"].url == "https://example.org/old-type/hill/"
    assert posts["Own"].url == "https://example.org/own/2024/own.html"
    assert posts["Coast"].author is not None and posts["Coast"].author.name == "prefix"
    assert posts["Coast"].image is not None
    assert posts["Coast"].image.url == "https://example.org/img/glob.png"
    assert posts["Plain"].author is None and posts["Plain"].image is None


def test_mappings_merge_key_by_key_and_a_type_scope_wins_a_tie(tmp_path: Path) -> None:
    config = """\
url: https://example.org
defaults:
  - scope: {path: _posts, type: posts}
    values: {image: {path: /img/typed.png, alt: Typed}}
  - scope: {path: _posts}
    values: {image: {path: /img/untyped.png}}
"""
    posts = {"2024-01-02-plain.md": "---\ntitle: Plain\nimage: {alt: Own}\n---\nhi\n"}
    [post] = _posts(_site(tmp_path / "site", config, dict(posts))).values()
    assert post.image is not None
    assert (post.image.url, post.image.alt) == ("https://example.org/img/typed.png", "Own")


def test_a_permalink_that_is_a_preset_name_is_a_path_in_front_matter(tmp_path: Path) -> None:
    posts = {"2024-01-02-plain.md": "---\ntitle: Plain\npermalink: pretty\n---\nhi\n"}
    [post] = _posts(_site(tmp_path / "site", "url: https://example.org\n", dict(posts))).values()
    assert post.url == "https://example.org/pretty"


@pytest.mark.parametrize(
    "entry",
    ["- values: 3", "- scope: _posts\n  values: {author: x}", "- scope: {type: 3}\n  values: {}"],
)
def test_a_default_jekyll_cannot_use_is_left_out_with_a_warning(tmp_path: Path, entry: str) -> None:
    site = _site(tmp_path / "site", f"title: T\nurl: https://example.org\ndefaults:\n{entry}\n", {})
    assert site.defaults == ()
    [warning] = site.warnings
    assert "entry 1 of `defaults` is left out" in str(warning)


def test_feedwright_toml_permalink_wins_over_the_collection_permalink(tmp_path: Path) -> None:
    root = tmp_path / "site"
    root.mkdir()
    (root / "feedwright.toml").write_text('[site]\npermalink = "none"\n', encoding="utf-8")
    site = _site(root, CONFIG, {"2024-01-02-plain.md": POSTS["2024-01-02-plain.md"]})
    assert _posts(site)["Plain"].url == "https://example.org/plain.html"


def test_a_changed_default_changes_the_cached_build(tmp_path: Path) -> None:
    root = tmp_path / "site"
    site = _site(root, CONFIG, dict(POSTS))
    build(site)
    (root / "_config.yml").write_text(CONFIG.replace("/walks/:title/", "/moved/:title/"))
    build(load_site(root))
    links = {entry.title: entry.link for entry in parse_feed(root / "out/feed.xml").entries}
    assert links["Hill"] == "https://example.org/moved/hill/"


DATED_DEFAULTS = """\
url: https://example.org
timezone: Asia/Tokyo
defaults:
  - scope: {path: "_posts/bare"}
    values: {date: 2020-01-01 20:00:00}
  - scope: {path: "_posts/quoted"}
    values: {date: "2020-01-01 20:00:00"}
  - scope: {path: "_posts/offset"}
    values: {date: 2020-01-01 20:00:00 +0200}
  - scope: {path: "_posts/updated"}
    values: {last_modified_at: 2020-01-01 20:00:00}
  - scope: {path: "_posts/day"}
    values: {last_modified_at: 2020-01-01}
"""


def test_a_default_date_is_read_as_jekyll_reads_it(tmp_path: Path) -> None:
    # What Jekyll 4.3.1 and jekyll-feed built from this site: Ruby's YAML reads a timestamp
    # with no offset as UTC, in `defaults` as in front matter (20:00 UTC is 05:00 the next
    # day in Tokyo, and the URL has that day); quoted, it is read in the site's time zone.
    posts: dict[str, str | bytes] = {
        f"{name}/2019-06-01-{name}.md": f"---\ntitle: {name}\n---\nhi\n"
        for name in ("bare", "quoted", "offset", "updated", "day")
    }
    seen = {
        title: (post.url, post.date.isoformat(), post.updated and post.updated.isoformat())
        for title, post in _posts(_site(tmp_path / "site", DATED_DEFAULTS, posts)).items()
    }
    assert seen == {
        "bare": ("https://example.org/2020/01/02/bare.html", "2020-01-01T20:00:00+00:00", None),
        "quoted": ("https://example.org/2020/01/01/quoted.html", "2020-01-01T20:00:00+09:00", None),
        "offset": ("https://example.org/2020/01/02/offset.html", "2020-01-01T20:00:00+02:00", None),
        "updated": (
            "https://example.org/2019/06/01/updated.html",
            "2019-06-01T00:00:00+09:00",
            "2020-01-01T20:00:00+00:00",
        ),
        "day": (
            "https://example.org/2019/06/01/day.html",
            "2019-06-01T00:00:00+09:00",
            "2020-01-01T00:00:00+09:00",
        ),
    }  # fmt: skip


def test_a_default_date_with_no_time_is_used_with_a_warning(tmp_path: Path) -> None:
    # Jekyll 4.3.1 stops on it ("no implicit conversion of Date into String"): it reads a
    # default `date` with Time.parse, which takes text, not the Date Ruby's YAML makes.
    config = "title: T\nurl: https://example.org\ndefaults:\n  - values: {date: 2020-01-01}\n"
    site = _site(tmp_path / "site", config, {"2019-06-01-day.md": "---\ntitle: Day\n---\nhi\n"})
    [warning] = site.warnings
    assert warning.path.name == "_config.yml"
    assert "`date` 2020-01-01 of entry 1 of `defaults` has no time" in warning.message
    assert "jekyll build" in warning.message and "2020-01-01 00:00:00" in warning.hint
    assert _posts(site)["Day"].date.isoformat() == "2020-01-01T00:00:00+00:00"
