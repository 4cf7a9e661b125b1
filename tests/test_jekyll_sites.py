"""Sites as Jekyll 4.3 reads them: what a Jekyll build of the same small site gave."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from conftest import NOW, build, write_posts
from feedwright.errors import ConfigError, InvalidPostsError
from feedwright.posts.collect import collect
from feedwright.site.config import load_site
from feedwright.speed import Speed

# A multilingual site: no `_posts` at the root, one in each language's folder. Jekyll 4.3
# built these posts at the URLs below, with the folders above `_posts` as the first
# categories (then the front matter's), and left out the other files.
FILES = {
    "en/news/_posts/2020-02-06-en-post.md": "---\ntitle: En\n---\nx\n",
    "ja/_posts/2020-02-07-ja-post.md": "---\ntitle: Ja\ncategories: [x, ja]\n---\nx\n",
    "en/news/_posts/archive/2020-02-05-older.md": "---\ntitle: Older\n---\nx\n",
    "README.md": "# Not a post\n",
    "en/about.md": "---\ntitle: About\ndate: 2020-02-01\n---\nA page, not a post.\n",
    "_includes/_posts/2020-02-01-hidden.md": "---\ntitle: Hidden\n---\nx\n",
    "node_modules/pkg/_posts/2020-02-01-dependency.md": "---\ntitle: Dependency\n---\nx\n",
}
EXPECTED = {
    "Ja": ("https://blog.example.org/ja/x/2020/02/07/ja-post.html", ("ja", "x")),
    "En": ("https://blog.example.org/en/news/2020/02/06/en-post.html", ("en", "news")),
    "Older": ("https://blog.example.org/en/news/2020/02/05/older.html", ("en", "news")),
}


def _jekyll_site(
    root: Path,
    feedwright_toml: str | None = None,
    files: Mapping[str, str | bytes] = FILES,
    config_yml: str = "title: Test Blog\nurl: https://blog.example.org\n",
) -> None:
    root.mkdir()
    (root / "_config.yml").write_text(config_yml)
    if feedwright_toml is not None:
        (root / "feedwright.toml").write_text(feedwright_toml)
    write_posts(root, dict(files))


# The same posts are found however they are read: from the cache, plainly, by workers.
SPEEDS = {
    "shortcuts": Speed(),
    "off": Speed.off(),
    "workers": Speed(cache=False, workers=2, parallel_from=2),
}


@pytest.mark.parametrize("speed", sorted(SPEEDS))
def test_every_posts_folder_of_a_jekyll_site_with_its_folders_as_categories(
    tmp_path: Path, speed: str
) -> None:
    _jekyll_site(tmp_path / "site")
    site = load_site(tmp_path / "site")
    result = build(site, speed=SPEEDS[speed])
    assert result.collection.problems == []
    found = {post.title: (post.url, post.categories) for post in result.collection.posts}
    assert found == EXPECTED
    feed = (site.output / "feed.atom").read_text()
    assert all(url in feed for url, _ in EXPECTED.values())


def test_a_configured_posts_folder_still_wins(tmp_path: Path) -> None:
    config = '[site]\ntitle = "T"\nurl = "https://blog.example.org"\nposts = "en/news/_posts"\n'
    _jekyll_site(tmp_path / "site", config)
    collection = collect(load_site(tmp_path / "site"), now=NOW)
    assert collection.problems == []
    found = {post.title: (post.url, post.categories) for post in collection.posts}
    assert found == {
        "En": ("https://blog.example.org/2020/02/06/en-post.html", ()),
        "Older": ("https://blog.example.org/2020/02/05/older.html", ()),
    }


# Entry ids as jekyll-feed writes them (`post.id | absolute_url`): Jekyll 4.3 with
# jekyll-feed 0.17 built this site and wrote these ids. The id is the folder of the URL
# joined with the slug (the front matter's, else the file name's), not the URL itself.
ID_POSTS = {
    "_posts/2025-02-12-plain-post.md": "---\ntitle: Plain\n---\nx\n",
    "_posts/2025-02-13-pretty-one.md": "---\ntitle: Pretty\npermalink: /:year/:title/\n---\nx\n",
    "_posts/2025-02-14-with-permalink.md": "---\ntitle: Fixed\npermalink: /notes/fixed/\n---\nx\n",
    "_posts/2025-02-15-file-name.md": "---\ntitle: Slugged\nslug: Other Slug\n---\nx\n",
    "_posts/2025-02-16-page-file.md": "---\ntitle: Html\npermalink: /archive/thing.html\n---\nx\n",
    "_posts/2025-02-17-dots...md": "---\ntitle: Dots\n---\nx\n",  # slug: "dots"
    "_posts/2025-02-18-café.md": "---\ntitle: Unicode\n---\nx\n",
    "_posts/2025-02-19-cat-post.md": "---\ntitle: Cats\ncategories: [Alpha, beta]\n---\nx\n",
    "_posts/2025-02-20-root.md": "---\ntitle: Root\npermalink: /\n---\nx\n",
    "_posts/2025-02-21-own-id.md": "---\ntitle: Own\nid: urn:example:own\n---\nx\n",
}
BASE = "https://blog.example.org/blog"
JEKYLL_FEED_IDS = {
    "Plain": BASE + "/2025/02/12/plain-post",
    "Pretty": BASE + "/2025/pretty-one",
    "Fixed": BASE + "/notes/with-permalink",
    "Slugged": BASE + "/2025/02/15/Other%20Slug",
    "Html": BASE + "/archive/page-file",
    "Dots": BASE + "/2025/02/17/dots",
    "Unicode": BASE + "/2025/02/18/caf%C3%A9",
    "Cats": BASE + "/alpha/beta/2025/02/19/cat-post",
    "Root": BASE + "/root",
    # An `id` in the front matter still wins (Jekyll itself ignores it).
    "Own": "urn:example:own",
}
# And the links it wrote for them, which stay the URLs.
JEKYLL_FEED_LINKS = {
    "Plain": BASE + "/2025/02/12/plain-post.html",
    "Pretty": BASE + "/2025/pretty-one/",
    "Fixed": BASE + "/notes/fixed/",
    "Slugged": BASE + "/2025/02/15/Other-Slug.html",
    "Html": BASE + "/archive/thing.html",
    "Dots": BASE + "/2025/02/17/dots.html",
    "Unicode": BASE + "/2025/02/18/caf%C3%A9.html",
    "Cats": BASE + "/alpha/beta/2025/02/19/cat-post.html",
    "Root": BASE + "/",
    "Own": BASE + "/2025/02/21/own-id.html",
}


def _id_site(root: Path, feedwright_toml: str | None = None) -> None:
    config = "title: T\nurl: https://blog.example.org\nbaseurl: /blog\n"
    _jekyll_site(root, feedwright_toml, ID_POSTS, config)


def test_entry_ids_on_a_jekyll_site_are_jekyll_feeds(tmp_path: Path) -> None:
    _id_site(tmp_path / "site")
    site = load_site(tmp_path / "site")
    result = build(site)
    assert result.collection.problems == []
    assert {post.title: post.id for post in result.collection.posts} == JEKYLL_FEED_IDS
    assert {post.title: post.url for post in result.collection.posts} == JEKYLL_FEED_LINKS
    feed = (site.output / "feed.atom").read_text()
    assert f"<id>{BASE}/2025/02/12/plain-post</id>" in feed


def test_a_pretty_site_permalink_gives_the_id_without_the_slash(tmp_path: Path) -> None:
    root = tmp_path / "site"
    root.mkdir()
    (root / "_config.yml").write_text("url: https://blog.example.org\npermalink: pretty\n")
    write_posts(root / "_posts", {"2025-03-01-first-walk.md": "---\ntitle: A\n---\nx\n"})
    collection = collect(load_site(root), now=NOW)
    [post] = collection.posts
    assert post.url == "https://blog.example.org/2025/03/01/first-walk/"
    assert post.id == "https://blog.example.org/2025/03/01/first-walk"


@pytest.mark.parametrize("scheme", ["url", "tag"])
def test_id_scheme_still_selects_the_url_or_a_tag_on_a_jekyll_site(
    tmp_path: Path, scheme: str
) -> None:
    _id_site(tmp_path / "site", f'[feeds]\nid_scheme = "{scheme}"\n')
    collection = collect(load_site(tmp_path / "site"), now=NOW)
    ids = {post.title: post.id for post in collection.posts}
    urls = {post.title: post.url for post in collection.posts}
    if scheme == "url":
        assert ids == {**urls, "Own": "urn:example:own"}
    else:
        assert ids["Plain"] == "tag:blog.example.org,2025-02-12:plain-post"


def test_a_site_without_config_yml_keeps_the_url_as_id(tmp_path: Path) -> None:
    root = tmp_path / "site"
    root.mkdir()
    (root / "feedwright.toml").write_text('[site]\ntitle = "T"\nurl = "https://b.example.org"\n')
    write_posts(root / "_posts", {"2025-03-01-walk.md": "---\ntitle: A\n---\nx\n"})
    [post] = collect(load_site(root), now=NOW).posts
    assert post.id == post.url == "https://b.example.org/2025/03/01/walk.html"


def test_two_posts_that_jekyll_feed_gives_one_id_are_both_built(tmp_path: Path) -> None:
    # Permalinks of their own right under the site's root, and one file name's slug: Jekyll
    # builds both, and jekyll-feed gives both the id /year-in-review.
    posts = {
        f"_posts/{year}-12-31-year-in-review.md": (
            f"---\ntitle: Review {year}\npermalink: /{year}-review/\n---\nThe year {year}.\n"
        )
        for year in (2019, 2020)
    }
    _jekyll_site(tmp_path / "site", files=posts)
    result = build(load_site(tmp_path / "site"))
    assert result.collection.problems == []
    ids = {post.title: post.id for post in result.collection.posts}
    assert ids == {
        "Review 2019": "https://blog.example.org/year-in-review",
        "Review 2020": "https://blog.example.org/2020-review/",
    }
    [warning] = [w for w in result.collection.warnings if "jekyll-feed would give" in w.message]
    assert warning.path.name == "2020-12-31-year-in-review.md"
    assert "2019-12-31-year-in-review.md" in warning.message


def test_two_posts_with_one_id_in_their_front_matter_are_still_an_error(tmp_path: Path) -> None:
    posts = {
        f"_posts/2020-01-0{day}-p{day}.md": f"---\ntitle: P{day}\nid: same\n---\nText.\n"
        for day in (1, 2)
    }
    _jekyll_site(tmp_path / "site", files=posts)
    with pytest.raises(InvalidPostsError) as raised:
        build(load_site(tmp_path / "site"))
    [problem] = raised.value.problems
    assert problem.path.name == "2020-01-02-p2.md"
    assert "has the same id as" in problem.message and "(same)" in problem.message


# `exclude` and `include` of _config.yml, as Jekyll 4.3 applies them: a pattern is a glob
# over the path from the site's root (`*` crosses folders) or a prefix of it (`priv` is
# `private` too); a folder outside the posts folders that is excluded is not entered, and an
# included one is, even one whose name starts with `_`; inside a posts folder each file's
# path is matched (so `*/old` leaves `_posts/old/` alone), and a file whose name is included
# is read even where its path is excluded. Jekyll built exactly these.
FILTER_CONFIG = """title: T
url: https://blog.example.org
exclude: [priv, "*/old", "_posts/sub/deep", "*.markdown", "a/b", 7]
include: [_hidden, "2024-01-09-kept.markdown"]
"""
FILTER_FILES = {
    path: f"---\ntitle: {title}\n---\nx\n"
    for path, title in (
        ("_posts/2024-01-01-top.md", "top"),
        ("_posts/old/2024-01-02-old.md", "old"),
        ("_posts/sub/deep/2024-01-03-deep.md", "deep"),
        ("_posts/sub/2024-01-04-sub.md", "sub"),
        ("private/_posts/2024-01-05-private.md", "private"),
        ("priv/_posts/2024-01-06-priv.md", "priv"),
        ("keep/_posts/2024-01-07-keep.markdown", "keep"),
        ("_hidden/_posts/2024-01-08-hidden.md", "hidden"),
        ("_posts/2024-01-09-kept.markdown", "kept"),
        ("a/b/_posts/2024-01-10-ab.md", "ab"),
        ("a/_posts/2024-01-11-a.md", "a"),
    )
}


@pytest.mark.parametrize("speed", sorted(SPEEDS))
def test_exclude_and_include_of_config_yml_as_jekyll_applies_them(
    tmp_path: Path, speed: str
) -> None:
    _jekyll_site(tmp_path / "site", files=FILTER_FILES, config_yml=FILTER_CONFIG)
    site = load_site(tmp_path / "site")
    result = build(site, speed=SPEEDS[speed])
    assert result.collection.problems == []
    assert {post.title: post.url for post in result.collection.posts} == {
        "top": "https://blog.example.org/2024/01/01/top.html",
        "old": "https://blog.example.org/2024/01/02/old.html",
        "sub": "https://blog.example.org/2024/01/04/sub.html",
        "hidden": "https://blog.example.org/_hidden/2024/01/08/hidden.html",
        "kept": "https://blog.example.org/2024/01/09/kept.html",
        "a": "https://blog.example.org/a/2024/01/11/a.html",
    }
    [warning] = [w for w in result.collection.warnings if "exclude" in w.message]
    assert warning.path == site.root / "_config.yml"
    assert "7" in warning.message


def test_an_exclude_that_is_not_a_list_is_an_error_naming_the_file(tmp_path: Path) -> None:
    _jekyll_site(tmp_path / "site", config_yml=FILTER_CONFIG.replace("exclude: [", "exclude: x #"))
    with pytest.raises(ConfigError) as raised:
        load_site(tmp_path / "site")
    assert raised.value.problem.path == tmp_path / "site" / "_config.yml"
    assert "`exclude` must be a list" in str(raised.value)
