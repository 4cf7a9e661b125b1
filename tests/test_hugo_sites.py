"""Hugo sites, read as Hugo reads them, with no feedwright.toml: the URLs, dates and
languages below are what Hugo 0.111 built for the same small sites (its public/index.xml)."""

from __future__ import annotations

import calendar
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import NOW, build, parse_feed, runner, snapshot, write_posts
from feedwright.cli import app
from feedwright.errors import ConfigError
from feedwright.posts.collect import collect
from feedwright.posts.hugo import _sanitized, make_path
from feedwright.site.config import load_site
from feedwright.speed import Speed

Files = dict[str, str | bytes]


def _site(root: Path, files: Files) -> Path:
    write_posts(root, files)
    return root


def _links(root: Path, feed: str = "out/index.xml") -> list[str]:
    return [entry.link for entry in parse_feed(root / feed).entries]


# A site configured by hugo.toml: its posts section has the most pages, so it is the main
# section; `about.md` (no section) and `_index.md` (a list page) are no posts.
TOML_SITE: Files = {
    "hugo.toml": """
        baseURL = "https://example.org/"
        title = "Hugo Blog"
        languageCode = "en-us"
        [params]
        description = "Notes from a test"
        author = "Ann Author"
        [services.rss]
        limit = 2
        """,
    "content/_index.md": "---\ntitle: Home\n---\n",
    "content/about.md": "---\ntitle: About\ndate: 2024-01-01\n---\nA page.\n",
    "content/posts/_index.md": "---\ntitle: Posts\ndate: 2024-05-01\n---\n",
    "content/posts/first-post.md": "---\ntitle: First\ndate: 2024-01-02T10:00:00Z\n---\nOne.\n",
    "content/posts/Second Post.md": "+++\ntitle = 'Second'\ndate = 2024-01-03\n+++\nTwo.\n",
    "content/posts/third.markdown": "---\ntitle: Third\ndate: 2024-01-04\n---\nThree.\n",
    "content/notes/only.md": "---\ntitle: A note\ndate: 2024-01-05\n---\nNote.\n",
}


def test_a_toml_site_builds_without_feedwright_toml(tmp_path: Path) -> None:
    root = _site(tmp_path / "site", TOML_SITE)
    site = load_site(root)
    assert (site.engine, site.title, site.lang) == ("hugo", "Hugo Blog", "en-US")
    assert site.description == "Notes from a test"
    assert site.author is not None and site.author.name == "Ann Author"
    result = build(site)
    assert result.collection.problems == []
    assert sorted(post.title for post in result.collection.posts) == ["First", "Second", "Third"]
    # Hugo's RSS is index.xml: feedwright's RSS takes its place; `limit` is services.rss.limit.
    feed = parse_feed(root / "out/index.xml")
    assert feed.feed.title == "Hugo Blog"
    assert _links(root) == [
        "https://example.org/posts/third/",
        "https://example.org/posts/second-post/",
    ]
    assert [entry.id for entry in feed.entries] == _links(root)
    assert (root / "out/feed.atom").is_file() and (root / "out/feed.json").is_file()
    assert not (root / "out/feed.rss").exists()


def test_the_main_sections_of_params_are_the_posts(tmp_path: Path) -> None:
    files = dict(TOML_SITE)
    files["hugo.toml"] = 'baseURL = "https://example.org/"\ntitle = "T"\n'
    files["config/_default/params.toml"] = 'mainSections = ["notes"]\n'
    root = _site(tmp_path / "site", files)
    posts = collect(load_site(root), now=NOW).posts
    assert [post.url for post in posts] == ["https://example.org/notes/only/"]


# A site configured by config/_default/ in YAML: its keys in any case, its params and
# languages in files of their own.
YAML_SITE: Files = {
    "config/_default/hugo.yaml": "BaseURL: https://example.org/\nTitle: Yaml Site\n"
    "TimeZone: Asia/Tokyo\nLanguageCode: ja\n",
    "config/_default/params.yaml": "Description: From params\nmainsections: [blog]\n",
    "content/blog/hello.md": "---\ntitle: Hello\nDate: 2024-03-01T09:00:00\n---\nBody.\n",
}


def test_a_yaml_config_folder_with_keys_in_any_case(tmp_path: Path) -> None:
    root = _site(tmp_path / "site", YAML_SITE)
    site = load_site(root)
    assert (site.title, site.url, site.timezone, site.lang) == (
        "Yaml Site",
        "https://example.org",
        "Asia/Tokyo",
        "ja",
    )
    assert site.description == "From params"
    (post,) = collect(site, now=NOW).posts
    # No offset: the date is read in the site's timeZone.
    assert post.date.isoformat() == "2024-03-01T09:00:00+09:00"
    assert post.url == "https://example.org/blog/hello/"


def test_the_site_file_wins_over_the_config_folder(tmp_path: Path) -> None:
    files = dict(YAML_SITE)
    files["hugo.toml"] = 'title = "Root Title"\n'
    site = load_site(_site(tmp_path / "site", files))
    assert (site.title, site.url) == ("Root Title", "https://example.org")


def test_feedwright_toml_still_wins(tmp_path: Path) -> None:
    files = dict(TOML_SITE)
    files["feedwright.toml"] = '[site]\ntitle = "Own Title"\n[feeds]\nrss = "feed.rss"\n'
    root = _site(tmp_path / "site", files)
    site = load_site(root)
    assert (site.title, site.feeds.rss, site.feeds.limit) == ("Own Title", "feed.rss", 2)
    build(site)
    assert parse_feed(root / "out/feed.rss").feed.title == "Own Title"


def test_a_relative_base_url_names_the_file_and_the_key(tmp_path: Path) -> None:
    root = _site(tmp_path / "site", {"hugo.toml": 'baseURL = "/"\ntitle = "T"\n'})
    with pytest.raises(ConfigError, match=r"hugo.toml: `baseURL` '/' is not an absolute"):
        load_site(root)
    (root / "feedwright.toml").write_text('[site]\nurl = "https://example.org/"\n')
    assert load_site(root).url == "https://example.org"


def test_a_missing_base_url_names_the_file_and_the_key(tmp_path: Path) -> None:
    root = _site(tmp_path / "site", {"config.toml": 'title = "T"\n'})
    with pytest.raises(ConfigError) as raised:
        load_site(root)
    message = str(raised.value)
    assert "config.toml" in message and "`baseURL`" in message
    assert 'add baseURL = "https://example.org/" to config.toml' in message


# Bundles: a leaf bundle is the post named after its folder (its other files are its
# resources); a headless bundle and a list page are no posts.
BUNDLES: Files = {
    "hugo.toml": 'baseURL = "https://example.org/"\ntitle = "T"\n',
    "content/posts/_index.md": "---\ntitle: All posts\ndate: 2024-02-01\n---\n",
    "content/posts/my-trip/index.md": "---\ntitle: Trip\ndate: 2024-01-02\n---\nA trip.\n",
    "content/posts/my-trip/notes.md": "---\ntitle: Resource\ndate: 2024-01-02\n---\nx\n",
    "content/posts/other/index.md": "---\ntitle: Other\ndate: 2024-01-03\n---\nx\n",
    "content/posts/hidden/index.md": "---\ntitle: Hidden\ndate: 2024-01-04\n"
    "headless: true\n---\nx\n",
    "content/posts/2024/_index.md": "---\ntitle: The year\n---\n",
    "content/posts/2024/nested/index.md": "---\ntitle: Nested\ndate: 2024-01-05\n---\nx\n",
    "content/posts/plain.html": "---\ntitle: Plain\ndate: 2024-01-06\n---\n<p>x</p>\n",
    "content/posts/json.md": '{\n  "title": "Json",\n  "date": "2024-01-07"\n}\nBody.\n',
    "content/posts/blank.md": "\n\n---\ntitle: Blank first\ndate: 2024-01-08\n---\nBody.\n",
}


@pytest.mark.parametrize(
    "speed", [Speed(), Speed.off(), Speed(cache=False, workers=2, parallel_from=2)]
)
def test_bundles_and_list_pages(tmp_path: Path, speed: Speed) -> None:
    root = _site(tmp_path / "site", BUNDLES)
    result = build(load_site(root), speed=speed)
    assert result.collection.problems == []
    assert _links(root) == [
        "https://example.org/posts/blank/",
        "https://example.org/posts/json/",
        "https://example.org/posts/plain/",
        "https://example.org/posts/2024/nested/",
        "https://example.org/posts/other/",
        "https://example.org/posts/my-trip/",
    ]
    titles = [entry.title for entry in parse_feed(root / "out/index.xml").entries]
    assert "Resource" not in titles and "Hidden" not in titles
    json_post = next(post for post in result.collection.posts if post.title == "Json")
    assert json_post.slug == "json"


def test_the_body_of_a_post_after_blank_lines_and_of_json_front_matter(tmp_path: Path) -> None:
    root = _site(tmp_path / "site", BUNDLES)
    build(load_site(root))
    items = parse_feed(root / "out/index.xml").entries
    contents = {entry.title: entry.content[0].value for entry in items if "content" in entry}
    assert contents["Blank first"] == "<p>Body.</p>"
    assert contents["Json"] == "<p>Body.</p>"


# Permalinks: every token Hugo knows, in the old form and in [permalinks.page].
PERMALINKS: Files = {
    "hugo.toml": """
        baseURL = "https://example.org/"
        title = "T"
        [permalinks]
        posts = "/:year/:month/:day/:weekday/:weekdayname/:yearday/:monthname/:section/:sections/:title/:slug/:filename/"
        """,
    "content/posts/a/b/File_Name.md": "---\ntitle: 'Héllo Wörld & Co: 2'\n"
    "date: 2024-03-05T10:00:00Z\n---\nb\n",
    "content/posts/x.md": "---\ntitle: Sl\nslug: Café Ok\ndate: 2024-03-06\n---\nb\n",
    "content/posts/bund/index.md": "---\ntitle: Bu\ndate: 2024-03-07\n---\nb\n",
}


def test_permalink_tokens(tmp_path: Path) -> None:
    root = _site(tmp_path / "site", PERMALINKS)
    build(load_site(root))
    assert _links(root) == [
        "https://example.org/2024/03/07/4/thursday/67/march/posts/posts/bu/bu/bund/",
        "https://example.org/2024/03/06/3/wednesday/66/march/posts/posts/sl/caf%C3%A9-ok/x/",
        "https://example.org/2024/03/05/2/tuesday/65/march/posts/posts/h%C3%A9llo-w%C3%B6rld-co-2"
        "/h%C3%A9llo-w%C3%B6rld-co-2/file_name/",
    ]


def test_the_newer_permalinks_page_form_and_nested_sections(tmp_path: Path) -> None:
    files: Files = {
        "hugo.toml": 'baseURL = "https://example.org/"\ntitle = "T"\n'
        '[permalinks.page]\nposts = "/:sections/:slugorfilename/"\n',
        "content/posts/travel/_index.md": "---\ntitle: Travel\n---\n",
        "content/posts/travel/Kyoto.md": "---\ntitle: K\ndate: 2024-01-01\n---\nx\n",
        "content/posts/loose/Nara.md": "---\ntitle: N\nslug: deer\ndate: 2024-01-02\n---\nx\n",
    }
    root = _site(tmp_path / "site", files)
    build(load_site(root))
    # `travel` has an _index.md: a section; `loose` has none: only a folder.
    assert _links(root) == [
        "https://example.org/posts/deer/",
        "https://example.org/posts/travel/kyoto/",
    ]


UGLY: Files = {
    "hugo.toml": 'baseURL = "https://example.org/"\ntitle = "T"\nuglyURLs = true\n'
    "disablePathToLower = true\n",
    "content/posts/Abc.md": "---\ntitle: A\ndate: 2024-01-06\nslug: Big Slug\n---\nb\n",
    "content/posts/Bcd.md": "---\ntitle: B\ndate: 2024-01-07\n---\nb\n",
    "content/posts/bb/index.md": "---\ntitle: C\ndate: 2024-01-07\n---\nb\n",
}


def test_ugly_urls_and_paths_not_lowered(tmp_path: Path) -> None:
    root = _site(tmp_path / "site", UGLY)
    build(load_site(root))
    assert _links(root) == [
        "https://example.org/posts/Bcd.html",
        "https://example.org/posts/bb.html",
        "https://example.org/posts/Big-Slug.html",
    ]


def test_a_base_url_with_a_path_and_a_url_of_the_front_matter(tmp_path: Path) -> None:
    files: Files = {
        "hugo.toml": 'baseURL = "https://example.org/blog/"\ntitle = "T"\n',
        "content/posts/a.md": "---\ntitle: A\ndate: 2024-01-01\n---\nx\n",
        "content/posts/b.md": "---\ntitle: B\ndate: 2024-01-02\nurl: /custom/Path/\n---\nx\n",
    }
    root = _site(tmp_path / "site", files)
    build(load_site(root))
    assert _links(root) == [
        "https://example.org/blog/custom/Path/",
        "https://example.org/blog/posts/a/",
    ]
    feed = parse_feed(root / "out/index.xml").feed
    assert feed.link == "https://example.org/blog/"


DATES: Files = {
    "hugo.toml": 'baseURL = "https://example.org/"\ntitle = "T"\ntimeZone = "America/New_York"\n',
    "content/posts/shown.md": "---\ntitle: Shown\ndate: 2025-06-01T08:00:00\n"
    "lastmod: 2025-07-01\n---\nx\n",
    "content/posts/draft.md": "---\ntitle: Draft\ndate: 2025-01-01\ndraft: true\n---\nx\n",
    "content/posts/later.md": "---\ntitle: Later\ndate: 2025-01-01\n"
    "publishDate: 2026-02-01\n---\nx\n",
    "content/posts/expired.md": "---\ntitle: Expired\ndate: 2025-01-01\n"
    "expiryDate: 2025-12-01\n---\nx\n",
    "content/posts/expiring.md": "---\ntitle: Expiring\ndate: 2025-01-02\n"
    "ExpiryDate: 2026-03-01\n---\nx\n",
    "content/posts/pubdate.md": "---\ntitle: Pubdate only\npubdate: 2025-02-01\n---\nx\n",
}


def test_publish_date_expiry_date_and_drafts(tmp_path: Path) -> None:
    collection = collect(load_site(_site(tmp_path / "site", DATES)), now=NOW)
    assert collection.problems == []
    assert [post.title for post in collection.posts] == ["Shown", "Pubdate only", "Expiring"]
    assert (collection.drafts, collection.future, collection.expired) == (1, 1, 1)
    shown = collection.posts[0]
    assert shown.date.isoformat() == "2025-06-01T08:00:00-04:00"
    assert shown.updated is not None and shown.updated.isoformat() == "2025-07-01T00:00:00-04:00"
    # The outputs change by the clock alone when the future post is published (before the
    # next one expires).
    assert collection.next_due is not None and collection.next_due.isoformat().startswith(
        "2026-02-01"
    )
    later = collect(load_site(tmp_path / "site"), now=NOW.replace(year=2026, month=2, day=2))
    assert "Later" in [post.title for post in later.posts]
    gone = collect(load_site(tmp_path / "site"), now=NOW.replace(year=2026, month=4))
    assert "Expiring" not in [post.title for post in gone.posts]


# Two languages: French by file name (post.fr.md) in the shared content folder, German in
# its own content folder; English is the default.
LANGUAGES: Files = {
    "hugo.toml": """
        baseURL = "https://example.org/"
        title = "Site"
        languageCode = "en-us"
        defaultContentLanguage = "en"
        [languages.en]
        weight = 1
        title = "In English"
        contentDir = "content/en"
        [languages.fr]
        weight = 2
        title = "En français"
        languageCode = "fr-fr"
        contentDir = "content/en"
        [languages.de]
        weight = 3
        contentDir = "content/de"
        [languages.de.params]
        description = "Auf Deutsch"
        """,
    "content/en/posts/hello.md": "---\ntitle: Hello\ndate: 2024-01-02\n---\nHi.\n",
    "content/en/posts/hello.fr.md": "---\ntitle: Bonjour\ndate: 2024-01-02\n---\nSalut.\n",
    "content/en/posts/other.md": "---\ntitle: Other\ndate: 2024-01-03\n---\nx\n",
    "content/de/posts/hallo.md": "---\ntitle: Hallo\ndate: 2024-01-04\n---\nx\n",
}


def test_each_language_has_its_own_feeds(tmp_path: Path) -> None:
    root = _site(tmp_path / "site", LANGUAGES)
    result = build(load_site(root))
    assert result.collection.problems == []
    assert _links(root) == [
        "https://example.org/posts/other/",
        "https://example.org/posts/hello/",
    ]
    assert _links(root, "out/fr/index.xml") == ["https://example.org/fr/posts/hello/"]
    assert _links(root, "out/de/index.xml") == ["https://example.org/de/posts/hallo/"]
    french = parse_feed(root / "out/fr/index.xml").feed
    assert (french.title, french.language, french.link) == (
        "En français",
        "fr-FR",
        "https://example.org/fr/",
    )
    german = parse_feed(root / "out/de/feed.atom").feed
    # A language without its own title and languageCode takes the site's, as in Hugo.
    assert (german.title, german.subtitle, german.language) == ("Site", "Auf Deutsch", "en-US")
    main = parse_feed(root / "out/feed.atom").feed
    assert (main.title, main.language) == ("In English", "en-US")
    langs = {post.title: post.lang for post in result.collection.posts}
    assert langs == {"Hello": "en-US", "Bonjour": "fr-FR", "Other": "en-US", "Hallo": "en-US"}


def test_the_digest_shows_the_default_language_only(tmp_path: Path) -> None:
    root = _site(tmp_path / "site", LANGUAGES)
    build(load_site(root))
    text = (root / "out/digest.txt").read_text()
    assert "Hello" in text and "Other" in text
    assert "Bonjour" not in text and "Hallo" not in text


def test_the_default_language_in_its_own_folder(tmp_path: Path) -> None:
    files = dict(LANGUAGES)
    files["hugo.toml"] = str(files["hugo.toml"]).replace(
        'defaultContentLanguage = "en"',
        'defaultContentLanguage = "en"\ndefaultContentLanguageInSubdir = true',
    )
    root = _site(tmp_path / "site", files)
    build(load_site(root))
    assert _links(root, "out/en/index.xml") == [
        "https://example.org/en/posts/other/",
        "https://example.org/en/posts/hello/",
    ]
    assert not (root / "out/index.xml").exists()


def test_a_shortcut_build_gives_the_same_bytes(tmp_path: Path) -> None:
    outputs = []
    speeds = {
        "plain": Speed.off(),
        "cached": Speed(),
        "parallel": Speed(workers=2, parallel_from=2, render_ahead_from=1),
    }
    for name, speed in speeds.items():
        root = _site(tmp_path / name, LANGUAGES)
        build(load_site(root), speed=speed)
        # A post changed: the second build reads the others from the cache.
        (root / "content/de/posts/hallo.md").write_text(
            "---\ntitle: Hallo!\ndate: 2024-01-04\n---\nx\n"
        )
        assert not build(load_site(root), speed=speed).up_to_date
        outputs.append(snapshot(root / "out"))
    assert outputs[0] == outputs[1] == outputs[2]
    assert b"Hallo!" in outputs[0]["de/index.xml"]


def test_an_unknown_default_language_is_an_error(tmp_path: Path) -> None:
    files: Files = {
        "hugo.toml": 'baseURL = "https://example.org/"\ntitle = "T"\n'
        'defaultContentLanguage = "es"\n[languages.en]\nweight = 1\n',
    }
    with pytest.raises(ConfigError, match="`defaultContentLanguage` 'es'"):
        load_site(_site(tmp_path / "site", files))


def test_check_and_build_count_expired_and_headless_pages(tmp_path: Path) -> None:
    files = dict(DATES)
    files["content/posts/unlisted.md"] = (
        "---\ntitle: Unlisted\ndate: 2025-01-01\n_build:\n  list: never\n---\nx\n"
    )
    root = _site(tmp_path / "site", files)
    # The clock is the real one here: the expired post stays expired.
    checked = runner.invoke(app, ["check", str(root)])
    assert "7 files: 6 valid (" in checked.stdout and "1 not posts" in checked.stdout
    built = runner.invoke(app, ["build", str(root)])
    assert "expired posts left out" in built.stdout


def test_a_json_config_with_the_old_rss_limit_and_no_title(tmp_path: Path) -> None:
    files: Files = {
        "config.json": '{"baseURL": "https://example.org/", "rssLimit": 1}',
        "content/posts/a.md": "---\ntitle: A\ndate: 2024-01-01\nsummary: The summary\n"
        "description: A description\n---\nBody.\n",
        "content/posts/b.md": "---\ntitle: B\ndate: 2024-01-02\n---\nBody.\n",
    }
    root = _site(tmp_path / "site", files)
    site = load_site(root)
    assert (site.title, site.feeds.limit) == ("example.org", 1)
    assert "the site has no title" in site.warnings[0].message
    posts = collect(site, now=NOW).posts
    assert posts[1].front_excerpt == "The summary"


def test_a_second_build_finds_nothing_changed(tmp_path: Path) -> None:
    root = _site(tmp_path / "site", LANGUAGES)
    build(load_site(root))
    assert build(load_site(root)).up_to_date
    (root / "content/en/posts/hello.fr.md").write_text(
        "---\ntitle: Bonjour encore\ndate: 2024-01-02\n---\nSalut.\n"
    )
    again = build(load_site(root))
    assert not again.up_to_date
    assert [entry.title for entry in parse_feed(root / "out/fr/index.xml").entries] == [
        "Bonjour encore"
    ]


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("Héllo Wörld & Co: 2", "héllo-wörld-co-2"),
        ("  My  Post\t", "my-post"),
        ("a - b", "a---b"),
        ("C# and C++ / 100%", "c#-and-c++-/-100"),
        ("50%20off", "50%20off"),
        ("日本語 の タイトル", "日本語-の-タイトル"),
    ],
)
def test_paths_are_made_as_hugo_makes_them(text: str, path: str) -> None:
    assert make_path(text) == path


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_the_quick_way_for_ascii_makes_the_same_paths(text: str) -> None:
    assert make_path(text, lower=False) == _sanitized(text)


def test_a_site_given_as_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _site(tmp_path / "site", LANGUAGES)
    monkeypatch.chdir(root)
    posts = collect(load_site(Path(".")), now=NOW).posts
    assert {post.title: post.url for post in posts} == {
        "Hallo": "https://example.org/de/posts/hallo/",
        "Other": "https://example.org/posts/other/",
        "Bonjour": "https://example.org/fr/posts/hello/",
        "Hello": "https://example.org/posts/hello/",
    }


# `[frontmatter]`: where Hugo takes each date from. `:filename` dates a post by the start
# of its file name (in the site's zone) and gives it the rest as its slug unless the front
# matter has one; `:default` is Hugo's own order of date keys; `:fileModTime` the file's
# modification time (dennislee.xyz's configuration).
FRONT_MATTER_DATES: Files = {
    "hugo.toml": """
        baseURL = "https://example.org/"
        title = "H"
        timeZone = "Asia/Tokyo"
        [params]
        mainSections = ["blog", "posts"]
        [frontMatter]
        Date = [":filename", ":DEFAULT", ":fileModTime"]
        [permalinks]
        blog = "/:year/:slug/"
        """,
    "content/blog/2020-06-12-first-post.md": "---\ntitle: First post\n---\nA.\n",
    "content/blog/2020-07-07-debloat.md": "---\ntitle: One weird trick\n---\nB.\n",
    "content/blog/2020-07-08-with-slug.md": (
        "---\ntitle: With slug\nslug: own-slug\ndate: 2021-01-01\n---\nC.\n"
    ),
    "content/blog/undated-name.md": "---\ntitle: Undated name\ndate: 2019-05-05\n---\nD.\n",
    "content/blog/no-date.md": "---\ntitle: No date\n---\nE.\n",
    "content/posts/2020-01-01-plain.md": "---\ntitle: Plain\n---\nF.\n",
    "content/posts/2020-01-02_under_score.md": "---\ntitle: Under\n---\nG.\n",
}


def test_front_matter_dates_as_configured(tmp_path: Path) -> None:
    root = _site(tmp_path / "site", FRONT_MATTER_DATES)
    modified = datetime(2018, 3, 4, 5, 6, 7, tzinfo=UTC).timestamp()
    os.utime(root / "content/blog/no-date.md", (modified, modified))
    build(load_site(root))
    feed = parse_feed(root / "out/index.xml")
    # Hugo 0.111.3's index.xml for this site: link and pubDate (here in UTC).
    assert [
        (
            entry.link,
            datetime.fromtimestamp(calendar.timegm(entry.published_parsed), UTC).isoformat(),
        )
        for entry in feed.entries
    ] == [
        ("https://example.org/2020/own-slug/", "2020-07-07T15:00:00+00:00"),
        ("https://example.org/2020/debloat/", "2020-07-06T15:00:00+00:00"),
        ("https://example.org/2020/first-post/", "2020-06-11T15:00:00+00:00"),
        ("https://example.org/posts/under_score/", "2020-01-01T15:00:00+00:00"),
        ("https://example.org/posts/plain/", "2019-12-31T15:00:00+00:00"),
        ("https://example.org/2019/undated-name/", "2019-05-04T15:00:00+00:00"),
        ("https://example.org/2018/no-date/", "2018-03-04T05:06:07+00:00"),
    ]
