"""A build reads only the front matter of most posts, and the body of those it shows: the
outputs are the same bytes as when every post is read whole."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import pytest

from conftest import (
    DEFAULT_CONFIG,
    NOW,
    SIMPLE_POSTS,
    SiteFactory,
    build,
    parse_feed,
    write_posts,
)
from feedwright.commands.build import BuildOptions, render_site
from feedwright.commands.digest import DigestOptions, digest_site
from feedwright.errors import InvalidPostsError
from feedwright.posts import collect as collect_module
from feedwright.posts import files
from feedwright.posts.collect import collect
from feedwright.posts.files import HEAD_BYTES
from feedwright.site.config import load_site
from feedwright.speed import Speed
from feedwright.speed.header_cache import cache_path, load_cache

# Two parse workers share the work from the second post on, with no cache.
TWO_WORKERS = Speed(cache=False, workers=2, parallel_from=2)
CONFIG = DEFAULT_CONFIG + '\n[feeds]\nlimit = 4\nby = ["tag"]\n[digest]\nmax_posts = 3\n'


def big_posts(count: int) -> dict[str, str | bytes]:
    """Posts longer than HEAD_BYTES, some with an excerpt key, some with a stray marker."""
    posts: dict[str, str | bytes] = {}
    paragraph = "段落の文章です。" * 60 + "\n\n"
    for number in range(count):
        excerpt = f'excerpt: "要約 {number}"\n' if number % 2 else ""
        marker = "---END---\n\n" if number % 3 == 0 else ""
        body = paragraph * (HEAD_BYTES // len(paragraph.encode()) + 2) + marker
        posts[f"2025-{1 + number % 12:02d}-{1 + number:02d}-post-{number}.md"] = (
            f"---\ntitle: 記事 {number}\ntags: [t{number % 4}]\n{excerpt}---\n"
            f"最初の段落 {number}。\n\n{body}"
        )
    return posts


def test_lazy_and_whole_reads_give_the_same_bytes(
    make_site: SiteFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site(big_posts(24), CONFIG)
    lazy = render_site(site, BuildOptions(now=NOW, speed=Speed(cache=False)))
    assert any(not post.has_body for post in lazy.collection.posts), "some bodies unread"
    monkeypatch.setattr(files, "HEAD_BYTES", 10**9)  # every post read whole
    whole = render_site(site, BuildOptions(now=NOW, speed=Speed(cache=False)))
    assert {f.path: f.content for f in lazy.files} == {f.path: f.content for f in whole.files}
    # The stray-marker warnings of the posts that were shown are reported either way.
    shown = {warning.path for warning in lazy.collection.warnings}
    assert shown and shown <= {warning.path for warning in whole.collection.warnings}


def test_an_old_body_is_not_read_by_build_but_check_reads_it(make_site: SiteFactory) -> None:
    site = make_site(big_posts(24), CONFIG)  # each tag feed shows 4 of its 6 posts
    old = next(iter(sorted((site.root / "_posts").glob("2025-01-01-*.md"))))
    old.write_bytes(old.read_bytes() + b"\xff broken byte far after the front matter\n")
    assert build(site).collection.problems == []  # not shown, so not read
    (problem,) = collect(site, now=NOW).problems  # what `feedwright check` does
    assert problem.path == old and "not valid UTF-8" in problem.message


def test_a_shown_body_that_cannot_be_read_is_an_error(make_site: SiteFactory) -> None:
    site = make_site(big_posts(2), CONFIG)
    newest = sorted((site.root / "_posts").glob("*.md"))[-1]
    newest.write_bytes(newest.read_bytes() + b"\xff\n")
    result = render_site(site, BuildOptions(now=NOW, skip_invalid=True))
    assert [problem.path for problem in result.collection.problems] == [newest]
    assert newest not in {post.source for post in result.collection.posts}


# Front matter that goes on past HEAD_BYTES (the whole file is read for it), and a body
# with a warning of its own: the newest post, so that its body is read and shown.
LONG_FRONT_MATTER = {
    "2026-01-01-long.md": '---\ntitle: 長い\nnote: "'
    + "注" * HEAD_BYTES
    + '"\n---\n本文\n\n---END---\n'
}


def test_cached_and_uncached_builds_give_the_same_bytes(make_site: SiteFactory) -> None:
    site = make_site({**big_posts(24), **SIMPLE_POSTS, **LONG_FRONT_MATTER}, CONFIG)
    uncached = render_site(site, BuildOptions(now=NOW, speed=Speed(cache=False)))
    assert not cache_path(site).exists()
    filling = render_site(site, BuildOptions(now=NOW))
    cached = render_site(site, BuildOptions(now=NOW))
    assert len(load_cache(site).entries) == 27
    # Each warning once, the long post's body warning included.
    assert [w.path.name for w in uncached.collection.warnings].count("2026-01-01-long.md") == 1
    for result in (filling, cached):
        assert {f.path: f.content for f in result.files} == {
            f.path: f.content for f in uncached.files
        }
        assert result.collection.warnings == uncached.collection.warnings


def test_a_build_that_fails_still_keeps_what_it_parsed(make_site: SiteFactory) -> None:
    site = make_site({**big_posts(6), "bad.md": "---\ntitle: [\n---\n"}, CONFIG)
    with pytest.raises(InvalidPostsError):
        build(site)
    assert len(load_cache(site).entries) == 6  # the next build parses only bad.md again


def test_a_build_interrupted_while_reading_leaves_the_cache_as_it_was(
    make_site: SiteFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site(big_posts(6), CONFIG)
    build(site)
    before = cache_path(site).read_bytes()
    # Three posts saved again: found in the cache no more, they are parsed.
    for path in sorted((site.root / "_posts").glob("*.md"))[:3]:
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    read_head = files.read_head
    heads: list[Path] = []

    def interrupted(path: Path) -> bytes:
        heads.append(path)
        if len(heads) == 2:
            raise KeyboardInterrupt  # Ctrl-C, while the second of them is read
        return read_head(path)

    monkeypatch.setattr(collect_module, "read_head", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build(site)
    # Not the three entries found unchanged: the posts not reached are not gone.
    assert cache_path(site).read_bytes() == before
    assert len(load_cache(site).entries) == 6


def test_a_changed_post_or_config_is_parsed_again(make_site: SiteFactory) -> None:
    site = make_site(big_posts(6), CONFIG)
    build(site)
    newest = sorted((site.root / "_posts").glob("*.md"))[-1]
    newest.write_text(newest.read_text(encoding="utf-8").replace("記事", "新しい記事", 1))
    build(site)
    assert parse_feed(site.output / "feed.atom").entries[0].title.startswith("新しい記事")
    # Another site URL: every cached URL is stale, so the cache is not used.
    (site.root / "feedwright.toml").write_text(
        CONFIG.replace("blog.example.org", "new.example.org")
    )
    moved = load_site(site.root)
    build(moved)
    assert parse_feed(moved.output / "feed.atom").entries[0].link.startswith("https://new.")


def test_a_damaged_cache_is_ignored(make_site: SiteFactory) -> None:
    site = make_site(big_posts(6), CONFIG)
    expected = {f.path: f.content for f in render_site(site, BuildOptions(now=NOW)).files}
    header, first, *rest = cache_path(site).read_text(encoding="utf-8").splitlines()
    name, key, fields = json.loads(first)
    damaged_versions = {
        "not JSON": "{not json",
        "another configuration": '{"fingerprint": "0"}\n' + "\n".join([first, *rest]),
        "a line cut short": "\n".join([header, first[:40], *rest]),
        "a blank line": "\n".join([header, first, "", *rest]),
        "two entries on a line": "\n".join([header, first + "," + rest[0], *rest[1:]]),
        "a field of the wrong type": "\n".join(
            [header, json.dumps([name, key, [*fields[:1], 12345, *fields[2:]]]), *rest]
        ),
        "a field missing": "\n".join([header, json.dumps([name, key, fields[1:]]), *rest]),
    }
    for what, damaged in damaged_versions.items():
        cache_path(site).write_text(damaged, encoding="utf-8")
        result = render_site(site, BuildOptions(now=NOW))
        assert {f.path: f.content for f in result.files} == expected, what


def test_the_cache_writes_unchanged_entries_back_as_they_were_read(
    make_site: SiteFactory,
) -> None:
    site = make_site(big_posts(6), CONFIG)
    render_site(site, BuildOptions(now=NOW))
    header, first, *rest = cache_path(site).read_text(encoding="utf-8").splitlines()
    spaced = first.replace(",", ", ")  # the same entry, written another way
    cache_path(site).write_text("\n".join([header, spaced, *rest]) + "\n", encoding="utf-8")
    old_format = cache_path(site).with_name("posts-cache.json")
    old_format.write_text("{}", encoding="utf-8")
    write_posts(site.root / "_posts", {"2025-12-31-new.md": "---\ntitle: New\n---\nx\n"})
    render_site(site, BuildOptions(now=NOW))
    lines = cache_path(site).read_text(encoding="utf-8").splitlines()
    assert lines[0] == header and spaced in lines and set(rest) < set(lines)
    assert len(lines) == 2 + 6  # the header, the six posts and the new one
    assert not old_format.exists()


def test_parsing_in_several_processes_gives_the_same_result(
    make_site: SiteFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site({**big_posts(24), **SIMPLE_POSTS, "bad.md": "---\ntitle: [\n---\n"}, CONFIG)
    alone = render_site(site, BuildOptions(now=NOW, speed=Speed.off(), skip_invalid=True))
    fork = os.fork
    forks: list[int] = []

    def counted_fork() -> int:
        forks.append(1)
        return fork()

    monkeypatch.setattr(os, "fork", counted_fork)
    shared = render_site(site, BuildOptions(now=NOW, speed=TWO_WORKERS, skip_invalid=True))
    assert len(forks) == 2, "the posts were parsed by two worker processes"
    assert {f.path: f.content for f in shared.files} == {f.path: f.content for f in alone.files}
    assert shared.collection.problems == alone.collection.problems
    assert [p.path.name for p in shared.collection.problems] == ["bad.md"]


@pytest.mark.parametrize("forks_allowed", [0, 1])
def test_without_worker_processes_to_be_had_the_posts_are_parsed_here(
    make_site: SiteFactory, monkeypatch: pytest.MonkeyPatch, forks_allowed: int
) -> None:
    """At a limit on processes, no worker (or only the first) can be forked: the build
    parses in its own process, and leaves no worker behind waiting for work."""
    site = make_site({**big_posts(24), **SIMPLE_POSTS}, CONFIG)
    alone = render_site(site, BuildOptions(now=NOW, speed=Speed.off()))
    fork = os.fork
    forks: list[int] = []

    def limited_fork() -> int:
        forks.append(1)
        if len(forks) > forks_allowed:
            raise BlockingIOError(11, "Resource temporarily unavailable")  # fork's EAGAIN
        return fork()

    monkeypatch.setattr(os, "fork", limited_fork)
    try:
        limited = render_site(site, BuildOptions(now=NOW, speed=TWO_WORKERS))
        assert multiprocessing.active_children() == [], "no worker is left waiting"
    finally:
        for child in multiprocessing.active_children():
            child.terminate()
    assert len(forks) == forks_allowed + 1
    assert {f.path: f.content for f in limited.files} == {f.path: f.content for f in alone.files}


def test_each_warning_is_reported_once_cached_or_not(make_site: SiteFactory) -> None:
    small = '---\ntitle: "Bell\\a"\ndate: 2025-11-01\n---\nText.\n\n---END---\n'
    big = small.replace("Bell", "Big") + "\n" + "段落です。\n\n" * (HEAD_BYTES // 10)
    site = make_site({"2025-11-01-small.md": small, "2025-11-02-big.md": big}, CONFIG)
    expected = sorted((w.path.name, w.line, w.message) for w in collect(site, now=NOW).warnings)
    assert len(expected) == 4  # a control character and a stray marker in each
    for _ in range(2):  # filling the cache, then from it
        result = render_site(site, BuildOptions(now=NOW))
        assert (
            sorted((w.path.name, w.line, w.message) for w in result.collection.warnings) == expected
        )
        for post in result.collection.posts:
            assert len(post.warnings) == len(set(post.warnings)) == 2


def test_a_post_edited_after_its_header_was_read_gets_its_new_body(
    make_site: SiteFactory,
) -> None:
    # `send --wait` reads the headers, then waits for the lock, maybe for long, and only
    # then reads the bodies: the front matter may have changed length meanwhile.
    site = make_site({"2025-01-01-p.md": "---\ntitle: Helo\ndate: 2025-01-01\n---\nHello.\n"})
    headers = collect(site, now=NOW, bodies=False).posts
    post = site.root / "_posts" / "2025-01-01-p.md"
    for front_matter in ("title: Hello, a typo fixed\ndate: 2025-01-01\nauthor: A", "title: H"):
        post.write_text(f"---\n{front_matter}\n---\nHello, again.\n", encoding="utf-8")
        bodies, problems = collect_module.load_bodies(site, headers)
        assert problems == []
        assert bodies[post].body.strip() == "Hello, again."


def test_front_matter_that_closes_where_the_head_is_cut_gives_the_same_excerpt(
    make_site: SiteFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The closing line of the front matter is the head's last, and blank lines follow it
    # in the file: with Jekyll's "\n\n" separator, the excerpt is the first paragraph.
    start, end = "---\ntitle: Long\ndate: 2025-01-01\nnote: ", "\n---\n"
    text = start + "x" * (HEAD_BYTES - len(start) - len(end)) + end
    assert len(text.encode()) == HEAD_BYTES
    config = DEFAULT_CONFIG.replace('lang = "en"', 'lang = "en"\nexcerpt_separator = "\\n\\n"')
    site = make_site({"2025-01-01-long.md": text + "\n\n\nFirst paragraph.\n\nSecond.\n"}, config)
    lazy = render_site(site, BuildOptions(now=NOW, speed=Speed(cache=False)))
    monkeypatch.setattr(files, "HEAD_BYTES", 10**9)  # the post read whole
    whole = render_site(site, BuildOptions(now=NOW, speed=Speed(cache=False)))
    assert {f.path: f.content for f in lazy.files} == {f.path: f.content for f in whole.files}
    [post] = lazy.collection.posts
    assert post.excerpt == "First paragraph."


def test_a_digest_leaves_out_a_post_whose_body_cannot_be_read(make_site: SiteFactory) -> None:
    site = make_site(big_posts(4), CONFIG)
    newest = sorted((site.root / "_posts").glob("*.md"))[-1]
    newest.write_bytes(newest.read_bytes() + b"\xff\n")
    result = digest_site(site, DigestOptions(last=2, skip_invalid=True, now=NOW))
    assert [problem.path for problem in result.collection.problems] == [newest]
    assert newest not in {post.source for post in result.collection.posts}
    assert len(result.posts) == 1 and all(post.has_body for post in result.posts)
    shown = {post.source for post in result.posts}
    assert all(post.has_body for post in result.collection.posts if post.source in shown)
    with pytest.raises(InvalidPostsError):
        digest_site(site, DigestOptions(last=2, now=NOW))
