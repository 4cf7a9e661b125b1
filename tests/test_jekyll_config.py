"""The keys of a Jekyll site's ``_config.yml`` that jekyll-feed reads, read as it reads them
(checked against Jekyll 4.3 with jekyll-feed 0.17 on small sites of the same shape)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import NOW, build, parse_feed, write_posts
from feedwright.errors import ConfigError
from feedwright.posts.collect import collect
from feedwright.site.config import load_site


def _jekyll_site(root: Path, config: str) -> Path:
    (root / "_config.yml").write_text(config, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    "config",
    ["url: https://j.example.org\nname: Named Site\n",
     'url: https://j.example.org\ntitle: ""\nname: Named Site\n',
     "url: https://j.example.org\ntitle:\nname: Named Site\n"],
)  # fmt: skip
def test_jekyll_name_is_the_title_when_there_is_no_title(tmp_path: Path, config: str) -> None:
    site = load_site(_jekyll_site(tmp_path, config))
    assert (site.title, site.warnings) == ("Named Site", ())


def test_jekyll_title_wins_over_name_and_feedwright_toml_over_both(tmp_path: Path) -> None:
    _jekyll_site(tmp_path, "url: https://j.example.org\ntitle: Titled\nname: Named\n")
    assert load_site(tmp_path).title == "Titled"
    (tmp_path / "feedwright.toml").write_text('[site]\ntitle = "Own"\n', encoding="utf-8")
    assert load_site(tmp_path).title == "Own"


def test_jekyll_site_without_title_or_name_is_titled_by_its_address(tmp_path: Path) -> None:
    # jekyll-feed writes such a feed with no <title>: readers show its address instead.
    site = load_site(_jekyll_site(tmp_path, "url: https://j.example.org\nbaseurl: /blog\n"))
    assert site.title == "j.example.org/blog"
    [warning] = site.warnings
    assert warning.path == tmp_path / "_config.yml"
    assert "the site has no title (nor name)" in str(warning)
    assert "add `title: My blog` to _config.yml" in str(warning)


@pytest.mark.parametrize(
    ("config", "toml"),
    [("title: T\n", None), ("title: T\nurl:\n", None), ('title: T\nurl: ""\n', None),
     ("", '[site]\ntitle = "T"\n')],
)  # fmt: skip
def test_jekyll_site_without_url_is_one_clear_error(
    tmp_path: Path, config: str, toml: str | None
) -> None:
    _jekyll_site(tmp_path, config)
    if toml is not None:
        (tmp_path / "feedwright.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_site(tmp_path)
    message = str(caught.value)
    assert "the site has no `url`" in message and "None" not in message
    assert "add `url: https://example.org` to _config.yml" in message


FEED_POSTS = {
    "2024-01-02-first.md": "---\ntitle: First\nauthor: cfgkey\n---\nOne.\n",
    "2024-01-03-second.md": "---\ntitle: Second\nauthor: datakey\n---\nTwo.\n",
    "2024-01-04-third.md": "---\ntitle: Third\nauthors: [datakey, cfgkey]\n---\nThree.\n",
}
FEED_CONFIG = """\
title: T
url: https://example.org
feed:
  path: /atom.xml
  posts_limit: 2
  excerpt_only: true
"""
AUTHORS = "datakey:\n  name: Data Person\n  email: data@example.org\n  uri: /me\n"


def test_jekyll_feed_block_and_data_authors_as_jekyll_feed_reads_them(tmp_path: Path) -> None:
    # Jekyll 4.3 with jekyll-feed 0.17 on this site wrote atom.xml with Third and Second,
    # each by Data Person (email and uri), and no content.
    root = _jekyll_site(tmp_path, FEED_CONFIG)
    (root / "_data").mkdir()
    (root / "_data" / "authors.yml").write_text(AUTHORS, encoding="utf-8")
    write_posts(root / "_posts", dict(FEED_POSTS))
    site = load_site(root)
    assert (site.feeds.atom, site.feeds.limit, site.feeds.summary_only) == ("atom.xml", 2, True)
    build(site)
    feed = parse_feed(root / "out" / "atom.xml")
    assert [entry.title for entry in feed.entries] == ["Third", "Second"]
    for entry in feed.entries:
        assert (entry.author_detail.name, entry.author_detail.email) == (
            "Data Person", "data@example.org",
        )  # fmt: skip
        assert entry.author_detail.href == "https://example.org/me"
        assert "content" not in entry
    # A key that is not in _data/authors.yml is the name itself, as in jekyll-feed.
    [first] = [post for post in collect(site, now=NOW).posts if post.title == "First"]
    assert first.author is not None and first.author.name == "cfgkey"


def test_feedwright_toml_wins_over_the_feed_block(tmp_path: Path) -> None:
    _jekyll_site(tmp_path, FEED_CONFIG)
    (tmp_path / "feedwright.toml").write_text(
        '[feeds]\natom = "own.atom"\nlimit = 5\nsummary_only = false\n', encoding="utf-8"
    )
    site = load_site(tmp_path)
    assert (site.feeds.atom, site.feeds.limit, site.feeds.summary_only) == ("own.atom", 5, False)


@pytest.mark.parametrize(
    ("block", "expected", "warned"),
    [
        ("feed:\n  path: feeds/atom.xml\n", ("feed.xml", 20, False), "`feed.path`"),
        ("feed:\n  posts_limit: many\n", ("feed.xml", 20, False), "`feed.posts_limit`"),
        # Liquid's `default` takes false and empty text as unset, any other text as set.
        ('feed:\n  excerpt_only: ""\n', ("feed.xml", 20, False), None),
        ('feed:\n  excerpt_only: "no"\n', ("feed.xml", 20, True), None),
    ],
)
def test_feed_block_values_jekyll_feed_cannot_use_are_left_out(
    tmp_path: Path, block: str, expected: tuple[str, int, bool], warned: str | None
) -> None:
    site = load_site(_jekyll_site(tmp_path, "title: T\nurl: https://example.org\n" + block))
    assert (site.feeds.atom, site.feeds.limit, site.feeds.summary_only) == expected
    messages = [str(warning) for warning in site.warnings]
    if warned is None:
        assert messages == []
    else:
        [message] = messages
        assert warned in message


def test_an_author_in_data_that_is_not_one_is_left_out_with_a_warning(tmp_path: Path) -> None:
    root = _jekyll_site(tmp_path, "title: T\nurl: https://example.org\n")
    (root / "_data").mkdir()
    (root / "_data" / "authors.yml").write_text("good: Jane\nbad: [1, 2]\n", encoding="utf-8")
    site = load_site(root)
    assert dict(site.authors) == {"good": "Jane"}
    [warning] = site.warnings
    assert "author `bad` is left out" in str(warning)


def test_a_bad_permalink_in_config_yml_names_that_file(tmp_path: Path) -> None:
    (tmp_path / "_config.yml").write_text("title: T\nurl: https://x.org\npermalink: 5\n")
    with pytest.raises(ConfigError) as raised:
        load_site(tmp_path)
    assert raised.value.problem.path == tmp_path / "_config.yml"
    assert "`permalink`" in str(raised.value)


def test_a_feed_path_that_clashes_names_config_yml(tmp_path: Path) -> None:
    (tmp_path / "_config.yml").write_text(
        "title: T\nurl: https://x.org\nfeed:\n  path: feed.json\n"
    )
    with pytest.raises(ConfigError) as raised:
        load_site(tmp_path)
    assert raised.value.problem.path == tmp_path / "_config.yml"
    assert "'feed.json'" in str(raised.value)
