"""Posts of a Jekyll site in files with no converter (``.text``, ``.Rmd``, ``.textile``
without its plugin…): Jekyll 4.3.1 reads every file of ``_posts`` named
``YYYY-MM-DD-title.EXT`` as a post, front matter or not, and builds the ones no converter
takes as they are written. Each expected value is what Jekyll 4.3.1 and jekyll-feed built
from a site of the same shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import NOW, build, parse_feed, write_posts
from feedwright.posts.collect import collect
from feedwright.site.config import load_site
from feedwright.site.model import Site
from feedwright.speed import Speed

POSTS: dict[str, str | bytes] = {
    "2020-01-02-text-post.text": (
        '---\ntitle: Text post\n---\nHello *world* & <b>bold</b> "quotes"\n\nsecond para\n'
    ),
    "2020-01-03-rmd-post.Rmd": "---\ntitle: Rmd post\n---\n# Head\n\nsome `code` & stuff\n",
    "2020-01-04-tex.textile": "---\ntitle: Textile\n---\nh1. Heading\n\n*strong* <i>x</i>\n",
    # No front matter: a post all the same, titled from its name.
    "2020-01-05-nofm.text": "no front matter here\n",
    # The extension as written is the URL's; the last one only.
    "2020-01-07-up.TXT": "---\ntitle: Up\n---\nUPPER\n",
    "2020-01-09-two.tar.gz": "---\ntitle: Two dots\n---\nTWO\n",
    "2020-01-10-h.htm": "---\ntitle: htm\n---\n<p>H</p>\n",
    "2020-01-11-lq.text": "---\ntitle: Liquid\n---\n{{ page.title }} here\n",
    # Not posts: no extension, a backup, YAML (Jekyll reads it as data, with no content),
    # Sass (Jekyll compiles it to CSS, which feedwright cannot).
    "2020-01-08-noext": "---\ntitle: noext\n---\nNOEXT\n",
    "2020-01-12-b.md~": "---\ntitle: backup\n---\nbak\n",
    "2020-01-13-y.yml": "---\ntitle: yaml\n---\n{{ page.title }}\n",
    "2020-01-14-s.scss": "---\ntitle: scss\n---\na { b: c }\n",
}


def _site(root: Path, posts: dict[str, str | bytes], config_yml: str = "") -> Site:
    root.mkdir()
    (root / "_config.yml").write_text(f"title: T\nurl: https://example.org\n{config_yml}")
    write_posts(root, posts)
    return load_site(root)


def test_posts_with_no_converter_are_built_as_written(tmp_path: Path) -> None:
    site = _site(tmp_path / "site", {f"_posts/{name}": text for name, text in POSTS.items()})
    build(site)
    feed = parse_feed(site.output / "feed.xml")
    assert [(entry.title, entry.link, entry.id) for entry in feed.entries] == [
        ("Liquid", "https://example.org/2020/01/11/lq.text", "https://example.org/2020/01/11/lq"),
        ("htm", "https://example.org/2020/01/10/h.htm", "https://example.org/2020/01/10/h"),
        ("Two dots", "https://example.org/2020/01/09/two.tar.gz", "https://example.org/2020/01/09/two.tar"),
        ("Up", "https://example.org/2020/01/07/up.TXT", "https://example.org/2020/01/07/up"),
        ("Nofm", "https://example.org/2020/01/05/nofm.text", "https://example.org/2020/01/05/nofm"),
        ("Textile", "https://example.org/2020/01/04/tex.textile", "https://example.org/2020/01/04/tex"),
        ("Rmd post", "https://example.org/2020/01/03/rmd-post.Rmd", "https://example.org/2020/01/03/rmd-post"),
        ("Text post", "https://example.org/2020/01/02/text-post.text", "https://example.org/2020/01/02/text-post"),
    ]  # fmt: skip
    items = json.loads((site.output / "feed.json").read_text(encoding="utf-8"))["items"]
    seen = {item["title"]: (item["content_html"].strip(), item["summary"]) for item in items}
    # jekyll-feed's <content> (stripped, as it writes it) and <summary>: the text as it is,
    # raw HTML and all, and the first block's text.
    assert seen["Text post"] == (
        'Hello *world* & <b>bold</b> "quotes"\n\nsecond para',
        'Hello *world* & bold "quotes"',
    )
    assert seen["Rmd post"] == ("# Head\n\nsome `code` & stuff", "# Head")
    assert seen["Textile"] == ("h1. Heading\n\n*strong* <i>x</i>", "h1. Heading")
    assert seen["Nofm"] == ("no front matter here", "no front matter here")
    assert seen["htm"] == ("<p>H</p>", "H")
    assert seen["Liquid"] == ("Liquid here", "Liquid here")


def test_a_post_with_no_converter_is_built_with_a_warning(tmp_path: Path) -> None:
    site = _site(tmp_path / "site", {f"_posts/{name}": text for name, text in POSTS.items()})
    collection = collect(site, now=NOW)
    assert collection.problems == []
    # The YAML and Sass files, counted as not posts (those without an extension and the
    # backups are not even looked at, as Jekyll skips them).
    assert collection.ignored == 2
    warned = {
        warning.path.name: (warning.line, warning.message, warning.hint)
        for warning in collection.warnings
        if "converts" in warning.message
    }
    # An .htm post is HTML, as it is meant to be; the others are most likely not.
    assert sorted(warned) == [
        "2020-01-02-text-post.text", "2020-01-03-rmd-post.Rmd", "2020-01-04-tex.textile",
        "2020-01-05-nofm.text", "2020-01-07-up.TXT", "2020-01-09-two.tar.gz",
        "2020-01-11-lq.text",
    ]  # fmt: skip
    line, message, hint = warned["2020-01-04-tex.textile"]
    assert line == 1
    assert message == (
        "no converter of Jekyll's own converts `.textile` files: the post's text is its "
        "content as written, unconverted (HTML to feed readers), as Jekyll builds it "
        "without a plugin for `.textile`"
    )
    assert (
        hint == "rename it to .md to have it read as Markdown, or add `textile` to `markdown_ext`"
    )


def test_markdown_ext_decides_which_endings_are_converted(tmp_path: Path) -> None:
    # With `markdown_ext: md`, a .markdown post is not Markdown to Jekyll: built as written.
    posts: dict[str, str | bytes] = {
        "_posts/2020-01-02-a.markdown": "---\ntitle: A\n---\n*a*\n",
        "_posts/2020-01-03-b.md": "---\ntitle: B\n---\n*b*\n",
    }
    site = _site(tmp_path / "site", posts, "markdown_ext: md\n")
    build(site)
    items = json.loads((site.output / "feed.json").read_text(encoding="utf-8"))["items"]
    assert [(item["url"], item["content_html"].strip()) for item in items] == [
        ("https://example.org/2020/01/03/b.html", "<p><em>b</em></p>"),
        ("https://example.org/2020/01/02/a.markdown", "*a*"),
    ]


def test_other_permalinks_folders_and_drafts(tmp_path: Path) -> None:
    posts: dict[str, str | bytes] = {
        "_posts/2020-01-02-text-post.text": "---\ntitle: Text post\n---\nx\n",
        "_posts/2020-01-12-p.text": "---\ntitle: Own\npermalink: /x/:title.php\n---\nphp\n",
        "news/_posts/2020-01-13-n.Rmd": "---\ntitle: Nested\n---\nnested\n",
        "_posts/2020-01-14-c.coffee": "---\ntitle: Coffee\n---\n{{ page.title }}\n",
        "_drafts/dr.text": "---\ntitle: Draft\ndate: 2020-01-15\n---\ndraft text\n",
        "_drafts/noext": "---\ntitle: Not a draft\n---\nx\n",
    }
    site = _site(tmp_path / "site", posts, "permalink: pretty\n")
    collection = collect(site, now=NOW, drafts=True)
    assert collection.problems == []
    seen = {post.title: (post.url, post.body.strip()) for post in collection.posts}
    assert seen == {
        "Text post": ("https://example.org/2020/01/02/text-post/", "x"),
        "Own": ("https://example.org/x/p.php", "php"),
        "Nested": ("https://example.org/news/2020/01/13/n/", "nested"),
        # Jekyll renders no Liquid in a CoffeeScript file.
        "Coffee": ("https://example.org/2020/01/14/c/", "{{ page.title }}"),
        "Draft": ("https://example.org/2020/01/15/dr/", "draft text"),
    }


def test_a_site_without_a_jekyll_configuration_reads_markdown_and_html_alone(
    tmp_path: Path,
) -> None:
    root = tmp_path / "site"
    root.mkdir()
    (root / "feedwright.toml").write_text("[site]\ntitle = 'T'\nurl = 'https://example.org'\n")
    write_posts(root / "_posts", {"2020-01-02-a.text": "---\ntitle: A\n---\na\n"})
    assert collect(load_site(root), now=NOW).posts == []


def test_markdown_ext_is_split_at_its_commas_alone(tmp_path: Path) -> None:
    # Jekyll 4.3.1 reads `markdown_ext: 'md, txt'` as the endings ".md" and ". txt": the
    # space stays, no file ends so, and a .TXT post is built as written; `md,txt` makes it
    # Markdown (whatever its case).
    posts: dict[str, str | bytes] = {"_posts/2024-01-03-text.TXT": "---\ntitle: T\n---\n*a*\n"}
    spaced = _site(tmp_path / "spaced", posts, "markdown_ext: 'md, txt'\n")
    [warning] = spaced.warnings
    assert warning.path.name == "_config.yml"
    assert warning.message == (
        "`markdown_ext` 'md, txt' has spaces around its commas, which Jekyll keeps: "
        "' txt' is an ending no file has"
    )
    assert warning.hint == "write `markdown_ext: md,txt`"
    [post] = collect(spaced, now=NOW).posts
    assert post.url == "https://example.org/2024/01/03/text.TXT"
    plain = _site(tmp_path / "plain", posts, "markdown_ext: 'md,txt'\n")
    assert plain.warnings == ()
    [post] = collect(plain, now=NOW).posts
    assert post.url == "https://example.org/2024/01/03/text.html"


@pytest.mark.parametrize("workers", [False, True])
def test_a_file_that_is_no_text_is_left_out_with_a_warning(tmp_path: Path, workers: bool) -> None:
    # Jekyll 4.3.1 says "Error: could not read file …: invalid byte sequence in UTF-8" and
    # builds the rest of the site: a picture with a post's name is no post.
    posts: dict[str, str | bytes] = {
        "_posts/2020-01-01-photo.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe",
        "_posts/2020-01-02-latin1.text": b"---\ntitle: L\n---\ncaf\xe9\n",
        "_posts/2020-01-03-a.md": "---\ntitle: A\n---\na\n",
    }
    site = _site(tmp_path / "site", posts)
    # Read here, or by worker processes (its problem comes back from another process).
    speed = Speed(cache=False, workers=2, parallel_from=2) if workers else Speed.off()
    result = build(site, speed=speed)
    assert [post.title for post in result.collection.posts] == ["A"]
    assert result.collection.ignored == 2
    warned = {
        warning.path.name: (warning.line, warning.message, warning.hint)
        for warning in result.collection.warnings
        if "no text" in warning.message
    }
    assert warned == {
        "2020-01-01-photo.png": (
            None,
            "the file contains NUL bytes: it is left out, as it is no text (a picture, a PDF?)",
            "move it out of `_posts`: Jekyll cannot read it either",
        ),
        "2020-01-02-latin1.text": (
            None,
            "not valid UTF-8 (byte 0xe9): it is left out, as it is no text (a picture, a PDF?)",
            "move it out of `_posts`: Jekyll cannot read it either",
        ),
    }
