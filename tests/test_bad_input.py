"""Every kind of bad post gives `path:line: what — how to fix`, and a failed build writes nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import (
    DEFAULT_CONFIG,
    NOW,
    SIMPLE_POSTS,
    SiteFactory,
    build,
    runner,
    snapshot,
    write_posts,
)
from feedwright.cli import app
from feedwright.errors import InvalidPostsError
from feedwright.posts.collect import collect
from feedwright.posts.files import MAX_POST_BYTES
from feedwright.site.config import load_site
from feedwright.site.model import Site
from feedwright.speed import Speed

GOOD = "---\ntitle: Good\ndate: 2025-01-01\n---\nFine.\n"

# (file content, expected line, words the message must contain), one case a line: the
# formatter is off for the table, as it would split the long ones.
# fmt: off
BAD_POSTS: dict[str, tuple[str | bytes, int | None, str]] = {
    "unclosed-quote": ('---\ntitle: "Broken\ndate: 2025-01-01\n---\nx\n', 2, "invalid YAML front matter"),
    "tab-indent": ("---\ntitle: T\ntags:\n\t- a\n---\nx\n", 4, "invalid YAML front matter"),
    "no-closing": ("---\ntitle: T\ndate: 2025-01-01\n\nBody without end\n", 1, "no closing `---` line"),
    "list-front-matter": ("---\n- a\n- b\n---\nx\n", 2, "not a mapping"),
    "scalar-front-matter": ("---\njust text\n---\nx\n", 2, "not a mapping"),
    "alias": ("---\ntitle: &t T\nsubtitle: *t\n---\nx\n", 3, "aliases"),
    "alias-bomb": ("---\ntitle: T\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n---\nx\n", 4, "aliases"),
    "title-list": ("---\ntitle: [a, b]\n---\nx\n", 2, "`title` must be text"),
    "bad-date": ("---\ntitle: T\ndate: yesterday\n---\nx\n", 3, "`date` is not a valid date"),
    "feb-30": ("---\ntitle: T\ndate: 2025-02-30\n---\nx\n", 3, "day is out of range"),
    "zero-date": ("---\ntitle: T\ndate: 0000-00-00\n---\nx\n", 3, "`date` is not a valid date"),
    "year-99999": ("---\ntitle: T\ndate: 99999-01-01\n---\nx\n", 3, "`date` is not a valid date"),
    "date-list": ("---\ntitle: T\ndate: [2025-01-01, 2025-01-02]\n---\nx\n", 3, "is not a date"),
    "year-1-east": ("---\ntitle: T\ndate: 0001-01-01 00:00:00 +1400\n---\nx\n", 3, "out of range"),
    "year-9999-west": ("---\ntitle: T\ndate: 2025-01-01\nupdated: 9999-12-31 23:59:59 -1200\n---\nx\n", 4, "out of range"),
    "bad-offset": ("---\ntitle: T\ndate: 2025-01-01 10:00 +25:00\n---\nx\n", 3, "out of range"),
    "bad-updated": ("---\ntitle: T\ndate: 2025-01-01\nlastmod: soon\n---\nx\n", 4, "`lastmod`"),
    "bad-tags": ("---\ntitle: T\ndate: 2025-01-01\ntags: {a: 1}\n---\nx\n", 4, "`tags` must be a list"),
    "bad-lang": ("---\ntitle: T\ndate: 2025-01-01\nlang: 日本語\n---\nx\n", 4, "not a language tag"),
    "line-separator": ('---\ntitle: "a\u2028b"\ndate: 2025-01-01\nbad: x: y\n---\nx\n', 4, "invalid YAML front matter"),
    "non-character": ("---\ntitle: T\nsub: |\n  a\n  b\uffff\n---\nx\n", 5, "U+FFFF is not allowed"),
    "non-character-and-star": ("---\ntitle: T *\nsub: b\uffff\n---\nx\n", 3, "U+FFFF is not allowed"),
    "toml-error": ('+++\ntitle = "T"\ndate = nope\n+++\nx\n', 3, "invalid TOML front matter"),
    "toml-unclosed-string": ('+++\ntitle = "T\ndate = 2025-01-01\n+++\nx\n', 2, "invalid TOML front matter"),
    "toml-unclosed-literal": ("+++\ntitle = 'T\ndate = 2025-01-01\n+++\nx\n", 2, "never closed"),
    "toml-unclosed-multiline": ('+++\ntitle = "T"\nsummary = """One\n\nTwo.\ndate = 2025-01-01\n+++\nx\n', 3, "never closed"),
    "toml-unclosed-array": ('+++\ntitle = "T"\ndate = 2025-01-01\ntags = ["a",\n  "b"\n+++\nx\n', 4, "never closed"),
    "shift-jis": ("---\ntitle: 日本語\n---\n".encode("shift_jis"), 2, "not valid UTF-8"),
    "latin-1": ("---\ntitle: café\n---\n".encode("latin-1"), 2, "not valid UTF-8"),
    "empty": (b"", None, "the file is empty"),
    "nul-bytes": (b"\x00" * 64, 1, "NUL bytes"),
}
# fmt: on


@pytest.mark.parametrize("name", sorted(BAD_POSTS))
def test_bad_post_message(make_site: SiteFactory, name: str) -> None:
    content, line, words = BAD_POSTS[name]
    # No date in the file name, so a post without `date` is invalid for the right reason.
    site = make_site({"good.md": GOOD, f"{name}.md": content})
    collection = collect(site, now=NOW, drafts=True, future=True)
    assert [post.title for post in collection.posts] == ["Good"]
    [problem] = collection.problems
    assert problem.path == site.root / "_posts" / f"{name}.md"
    assert problem.line == line
    assert words in problem.message
    assert problem.hint, "every problem says how to fix it"
    where = f"{problem.path}:{line}" if line else f"{problem.path}"
    assert str(problem).startswith(f"{where}: {problem.message} — ")
    assert "\n" not in str(problem) and "(," not in problem.message, "one line, whole words"


# A key written twice, which Jekyll builds keeping the last value (checked with Jekyll 4.3):
# (file content, the value read, the lines the warning names). These were errors before.
# fmt: off
REPEATED_KEYS: dict[str, tuple[str, object, tuple[int, int]]] = {
    "top-level": ("---\ntitle: A\ndate: 2025-01-01\ntitle: B\n---\nx\n", "B", (2, 4)),
    "in-flow-mapping": ("---\ntitle: T\nauthor: {name: a, name: b}\n---\nx\n", "b", (3, 3)),
    "in-block-mapping": ("---\ntitle: T\nauthor:\n  name: a\n  email: a@example.org\n  name: b\n---\nx\n", "b", (4, 6)),
    "in-a-list": ("---\ntitle: T\nlinks:\n  - {href: a, rel: x}\n  - href: b\n    href: c\n---\nx\n", "c", (5, 6)),
}
# fmt: on


@pytest.mark.parametrize("name", sorted(REPEATED_KEYS))
def test_a_key_written_twice_keeps_the_last_value_with_a_warning(
    make_site: SiteFactory, name: str
) -> None:
    content, value, (first, last) = REPEATED_KEYS[name]
    site = make_site({f"2025-01-02-{name}.md": content})
    collection = collect(site, now=NOW)
    assert collection.problems == []
    [post] = collection.posts
    read = {
        "top-level": post.title,
        "in-flow-mapping": post.author and post.author.name,
        "in-block-mapping": post.author and post.author.name,
        "in-a-list": post.extra.get("links", [{}, {}])[1].get("href"),
    }[name]
    assert read == value
    [warning] = post.warnings
    assert warning.path == site.root / "_posts" / f"2025-01-02-{name}.md"
    assert warning.line == last
    assert f"appears twice, on lines {first} and {last}" in warning.message


def test_no_date_anywhere(make_site: SiteFactory) -> None:
    site = make_site({"undated.md": "---\ntitle: T\n---\nx\n"})
    [problem] = collect(site, now=NOW).problems
    assert "has no date" in problem.message and "2025-11-29-title.md" in problem.hint


def test_accepted_oddities(make_site: SiteFactory) -> None:
    posts: dict[str, str | bytes] = {
        "2025-01-01-bom.md": "\ufeff---\ntitle: BOM\n---\nx\n".encode(),
        "2025-01-02-crlf.md": b"---\r\ntitle: CRLF\r\ndate: 2025-01-02\r\n---\r\nLine one\r\n\r\nTwo\r\n",
        "2025-01-03-numeric-title.md": "---\ntitle: 2025\n---\nx\n",
        "2025-01-04-unicode-key.md": "---\ntitle: K\nカテゴリ: 追加\n---\nx\n",
    }
    site = make_site(posts)
    collection = collect(site, now=NOW)
    assert collection.problems == []
    by_title = {post.title: post for post in collection.posts}
    assert set(by_title) == {"BOM", "CRLF", "2025", "K"}
    assert by_title["CRLF"].excerpt == "Line one"
    assert by_title["K"].extra == {"カテゴリ": "追加"}


def test_a_date_out_of_range_in_the_site_time_zone_is_reported(make_site: SiteFactory) -> None:
    # Dates without an offset, and file names' dates, are taken in the site's time zone.
    config = '[site]\ntitle = "T"\nurl = "https://b.example.org"\ntimezone = "Pacific/Kiritimati"\n'
    posts = {
        "2025-01-01-ok.md": GOOD,
        "early.md": "---\ntitle: Early\ndate: 0001-01-01\n---\nx\n",
        "0001-01-01-named.md": "---\ntitle: Named\n---\nx\n",
    }
    site = make_site(posts, config)
    collection = collect(site, now=NOW)
    assert [post.title for post in collection.posts] == ["Good"]
    messages = {
        problem.path.name: (problem.line, problem.message) for problem in collection.problems
    }
    assert messages["early.md"][0] == 3 and "out of range" in messages["early.md"][1]
    assert messages["0001-01-01-named.md"] == (1, "the post has no date")


# A file name that is not UTF-8 (bytes as Linux keeps them, as Python shows them).
NOT_UTF8_NAME = os.fsdecode(b"2025-01-02-\xff.md")


@pytest.mark.parametrize(
    "speed",
    [Speed(), Speed.off(), Speed(cache=False, workers=2, parallel_from=2)],
    ids=["shortcuts", "off", "workers"],
)
def test_a_file_name_that_is_not_utf8_is_an_invalid_post(
    make_site: SiteFactory, speed: Speed
) -> None:
    site = make_site({"2025-01-01-ok.md": GOOD, NOT_UTF8_NAME: GOOD})
    with pytest.raises(InvalidPostsError) as caught:
        build(site, speed=speed)
    [problem] = caught.value.problems
    assert problem.path == site.root / "_posts" / NOT_UTF8_NAME
    assert problem.message == "the file name is not valid UTF-8 (byte 0xff)"
    assert str(problem) == (
        f"{site.root / '_posts'}/2025-01-02-\\xff.md: {problem.message} — {problem.hint}"
    )
    for _ in range(2):  # the second time, from the cache and the build record
        result = build(site, skip_invalid=True, speed=speed)
        if not result.up_to_date:
            assert [post.title for post in result.collection.posts] == ["Good"]
    assert (site.output / "feed.atom").is_file()


def test_duplicate_urls_are_reported(make_site: SiteFactory) -> None:
    posts = {
        "2025-01-01-a.md": "---\ntitle: A\npermalink: /same/\n---\nx\n",
        "2025-01-02-b.md": "---\ntitle: B\npermalink: /same/\n---\ny\n",
    }
    site = make_site(posts)
    [problem] = collect(site, now=NOW).problems
    assert problem.path.name == "2025-01-02-b.md" and "same id" in problem.message


def test_invalid_post_stops_the_build_and_keeps_old_outputs(
    make_site: SiteFactory, simple_site: Site
) -> None:
    before = snapshot(simple_site.output)
    broken = make_site(
        {
            **SIMPLE_POSTS,
            "2025-12-01-new.md": "---\ntitle: New\n---\nx\n",
            "bad.md": "---\ntitle: [\n---\n",
        }
    )
    with pytest.raises(InvalidPostsError) as caught:
        build(broken)
    assert [p.path.name for p in caught.value.problems] == ["bad.md"]
    assert snapshot(simple_site.output) == before


def test_skip_invalid_builds_from_the_valid_posts(make_site: SiteFactory) -> None:
    site = make_site({**SIMPLE_POSTS, "bad.md": "---\ntitle: [\n---\n"})
    result = build(site, skip_invalid=True)
    assert [p.path.name for p in result.collection.problems] == ["bad.md"]
    assert len(result.collection.posts) == 2
    assert (site.output / "feed.atom").is_file()


def test_symlink_loop_and_unreadable_file(make_site: SiteFactory) -> None:
    site = make_site({"2025-01-01-ok.md": GOOD})
    posts = site.root / "_posts"
    (posts / "loop.md").symlink_to(posts / "loop.md")
    (posts / "dirloop").symlink_to(posts)  # a folder that contains itself: not followed
    collection = collect(site, now=NOW)
    assert [post.title for post in collection.posts] == ["Good"]
    [problem] = collection.problems
    assert problem.path.name == "loop.md" and "cannot read the file" in problem.message


def test_pipes_devices_and_huge_files_are_refused_without_reading(make_site: SiteFactory) -> None:
    site = make_site({"2025-01-01-ok.md": GOOD})
    posts = site.root / "_posts"
    os.mkfifo(posts / "pipe.md")  # reading it would wait forever for a writer
    (posts / "zero.md").symlink_to("/dev/zero")  # outside the site: left out, never read
    with (posts / "huge.md").open("wb") as handle:  # sparse: no real disk used
        handle.write(GOOD.encode())
        handle.truncate(MAX_POST_BYTES + 1)
    collection = collect(site, now=NOW)
    assert [post.title for post in collection.posts] == ["Good"]
    messages = {problem.path.name: problem.message for problem in collection.problems}
    assert messages == {
        "huge.md": f"the file is larger than {MAX_POST_BYTES // 1_000_000} MB",
        "pipe.md": "not a regular file (a pipe, a device or a socket)",
    }


def test_an_unreadable_post_is_named_with_its_reason(make_site: SiteFactory) -> None:
    site = make_site({"2025-01-01-ok.md": GOOD, "2025-01-02-secret.md": GOOD})
    secret = site.root / "_posts" / "2025-01-02-secret.md"
    secret.chmod(0o000)
    command = [sys.executable, "-m", "feedwright", "check", str(site.root)]
    if os.geteuid() == 0:
        # Root reads any file; without the two capabilities that allow it, it cannot.
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: cannot make a file unreadable")
        drop = "-dac_override,-dac_read_search"
        command = ["setpriv", f"--bounding-set={drop}", f"--inh-caps={drop}", *command]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert f"{secret}: cannot read the file: Permission denied — check that it" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_date_jekyll_reads_sloppily_is_built_with_a_warning(make_site: SiteFactory) -> None:
    # Jekyll 4.3 builds this post at 18:30:22 in the site's time zone (Ruby's Time.parse
    # ignores what follows the time).
    sloppy = "---\ntitle: Sloppy\ndate: 2023-01-29 18:30:22 2023 -0800\n---\nx\n"
    neat = "---\ntitle: Neat\ndate: Jan 5, 2020\n---\nx\n"
    site = make_site({"sloppy.md": sloppy, "neat.md": neat})
    collection = collect(site, now=NOW)
    assert collection.problems == []
    by_title = {post.title: post for post in collection.posts}
    assert by_title["Sloppy"].date.isoformat() == "2023-01-29T18:30:22+00:00"
    assert by_title["Neat"].date.isoformat() == "2020-01-05T00:00:00+00:00"
    assert by_title["Neat"].warnings == ()
    [warning] = by_title["Sloppy"].warnings
    assert (warning.path.name, warning.line) == ("sloppy.md", 3)
    assert "'2023 -0800' was ignored" in warning.message and warning.hint


# Posts Jekyll 4.3 builds (checked with a Jekyll build): the post is built, with a warning
# at the line. (file name, content, warning line, words of the warning)
# fmt: off
BUILT_WITH_A_WARNING: dict[str, tuple[str, str, int, str]] = {
    "no-title": ("2025-01-02-no-title-here.md", "---\ndate: 2025-01-02\n---\nx\n", 1, "titled 'No Title Here' from its file name"),
    "null-title": ("2025-01-02-null_title-\u00c4B.md", "---\ntitle:\n---\nx\n", 2, "titled 'Null_title \u00c4b' from its file name"),
    "empty-title": ("2025-01-02-empty.md", '---\ntitle: "  "\n---\nx\n', 2, "titled 'Empty' from its file name"),
    "author-list": ("2025-01-02-authors.md", "---\ntitle: T\nauthor: [a, b]\n---\nx\n", 3, "`author` must be a name or a mapping"),
    "image-number": ("2025-01-02-image.md", "---\ntitle: T\nimage: 123\n---\nx\n", 3, "`image` must be a path or URL, not int 123; it is ignored"),
    "draft-maybe": ("2025-01-02-draft.md", "---\ntitle: T\ndraft: maybe\n---\nx\n", 3, "`draft` must be true or false, not 'maybe'; it is ignored"),
    "published-maybe": ("2025-01-02-published.md", "---\ntitle: T\npublished: maybe\n---\nx\n", 3, "`published` must be true or false"),
}
# fmt: on


@pytest.mark.parametrize("name", sorted(BUILT_WITH_A_WARNING))
def test_what_jekyll_builds_is_built_with_a_warning(make_site: SiteFactory, name: str) -> None:
    file_name, content, line, words = BUILT_WITH_A_WARNING[name]
    site = make_site({file_name: content})
    collection = collect(site, now=NOW)
    assert collection.problems == []
    [post] = collection.posts
    [warning] = post.warnings
    assert (warning.path.name, warning.line) == (file_name, line)
    assert words in warning.message and warning.hint
    # The odd value is ignored: no author of its own (the site's is shown), no image, no draft.
    assert post.author is None and post.image is None and not post.draft


def test_skip_invalid_leaves_out_the_later_of_two_posts_with_one_id(
    make_site: SiteFactory,
) -> None:
    posts = {
        "2025-01-01-a.md": "---\ntitle: A\npermalink: /same/\n---\nx\n",
        "2025-01-02-b.md": "---\ntitle: B\npermalink: /same/\n---\ny\n",
        "2025-01-03-c.md": "---\ntitle: C\n---\nz\n",
    }
    site = make_site(posts)
    result = build(site, skip_invalid=True)
    assert [problem.path.name for problem in result.collection.problems] == ["2025-01-02-b.md"]
    items = json.loads((site.output / "feed.json").read_text(encoding="utf-8"))["items"]
    assert sorted(item["title"] for item in items) == ["A", "C"]
    assert len({item["id"] for item in items}) == len(items)


def test_check_counts_add_up(tmp_path: Path) -> None:
    # The site folder is its own posts folder: a README without front matter is no post.
    (tmp_path / "feedwright.toml").write_text(DEFAULT_CONFIG)
    write_posts(
        tmp_path,
        {
            "README.md": "# About this blog\n",
            "2025-01-01-a.md": "---\ntitle: A\npermalink: /same/\n---\nx\n",
            "2025-01-02-b.md": "---\ntitle: B\npermalink: /same/\n---\ny\n",
            "2025-01-03-bad.md": "---\ntitle: [\n---\n",
            "2025-01-04-ok.md": "---\ntitle: OK\n---\nfine\n",
        },
    )
    checked = runner.invoke(app, ["check", str(tmp_path)])
    assert checked.exit_code == 1
    assert checked.stdout.startswith("5 files: 2 valid, 2 invalid, 1 not posts,")


# Loosely written front matter, as the warnings of each kind of site name it: a date with
# text Ruby ignores and one with a zone it does not know (both built by Jekyll 4.3.1, each
# with the time in the site's time zone), a key written twice (the last value kept, by
# Jekyll and by Hugo 0.111.3 alike) and no title.
LOOSE = {
    "2023-01-29-ignored.md": "---\ntitle: I\ndate: 2023-01-29 18:30:22 2023 -0800\n---\nx\n",
    "2023-01-30-zone.md": "---\ntitle: Z\ndate: 2023-01-30 18:30:22 XYZ\n---\nx\n",
    "2023-01-31-twice.md": "---\ntitle: A\ntitle: B\ndate: 2023-01-31\n---\nx\n",
    "2023-02-01-untitled.md": "---\ndate: 2023-02-01\n---\nx\n",
}


def _loose_warnings(root: Path, posts_folder: str, config: tuple[str, str]) -> dict[str, str]:
    """The warning of each post of LOOSE, by its file's name, on a site of this kind."""
    root.mkdir()
    (root / config[0]).write_text(config[1], encoding="utf-8")
    write_posts(root / posts_folder, dict(LOOSE))
    collection = collect(load_site(root), now=NOW)
    assert collection.problems == []
    return {warning.path.name: warning.message for warning in collection.warnings}


def test_the_warnings_about_loose_front_matter_name_the_engine_that_reads_it(
    tmp_path: Path,
) -> None:
    site = (
        "title: T\nurl: https://example.org\n",
        "[site]\ntitle = 'T'\nurl = 'https://example.org'\n",
    )
    jekyll = _loose_warnings(tmp_path / "jekyll", "_posts", ("_config.yml", site[0]))
    assert jekyll == {
        "2023-01-29-ignored.md": "`date` is read as 2023-01-29 18:30:22+00:00, as Jekyll "
        "reads it: '2023 -0800' was ignored",
        "2023-01-30-zone.md": "`date` is read as 2023-01-30 18:30:22+00:00, as Jekyll reads "
        "it: the zone 'XYZ' is unknown, so the time is taken in the site's time zone",
        "2023-01-31-twice.md": "the key 'title' appears twice, on lines 2 and 3: the value on "
        "line 3 is used, as Jekyll does",
        "2023-02-01-untitled.md": "the post has no title: it is titled 'Untitled' from its "
        "file name, as Jekyll does",
    }
    plain = _loose_warnings(tmp_path / "plain", "posts", ("feedwright.toml", site[1]))
    assert plain == {
        "2023-01-29-ignored.md": "feedwright reads `date` as 2023-01-29 18:30:22+00:00: "
        "'2023 -0800' was ignored",
        "2023-01-30-zone.md": "feedwright reads `date` as 2023-01-30 18:30:22+00:00: the zone "
        "'XYZ' is unknown, so the time is taken in the site's time zone",
        "2023-01-31-twice.md": "the key 'title' appears twice, on lines 2 and 3: the value on "
        "line 3 is used",
        "2023-02-01-untitled.md": "the post has no title: it is titled 'Untitled' from its "
        "file name",
    }
    hugo = _loose_warnings(
        tmp_path / "hugo",
        "content/posts",
        ("hugo.toml", "title = 'T'\nbaseURL = 'https://example.org/'\n"),
    )
    # Hugo reads neither date (its own warning says so), and keeps the last `title` too.
    assert "as Hugo does" in hugo["2023-01-31-twice.md"]
    assert "is not a date Hugo reads" in hugo["2023-01-30-zone.md"]
    assert not [message for message in hugo.values() if "Jekyll" in message]
