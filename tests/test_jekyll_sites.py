"""Sites as Jekyll 4.3 reads them: what a Jekyll build of the same small site gave."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import NOW, build, write_posts
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


def _jekyll_site(root: Path, feedwright_toml: str | None = None) -> None:
    root.mkdir()
    (root / "_config.yml").write_text("title: Test Blog\nurl: https://blog.example.org\n")
    if feedwright_toml is not None:
        (root / "feedwright.toml").write_text(feedwright_toml)
    write_posts(root, dict(FILES))


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
