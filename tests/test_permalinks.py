"""Post URLs checked against what Jekyll 4.3.1 itself printed for the same posts."""

from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedwright.posts.permalinks import escape_permalink, normalize_url_path, post_path

UTC = UTC
JA = "%E6%97%A5%E6%9C%AC%E8%AA%9E%E3%81%AE%E8%A8%98%E4%BA%8B"  # 日本語の記事
INVEST = "%E6%8A%95%E8%B3%87%E5%88%86%E6%9E%90"  # 投資分析

# (file slug, front matter slug, categories, date in the site's zone)
POSTS = {
    "a": ("hello-world", None, ("Tech", "Web Dev"), datetime(2025, 11, 29, 4, 40, 8, tzinfo=UTC)),
    "b": ("日本語の記事", None, ("投資分析",), datetime(2024, 2, 5, tzinfo=UTC)),
    "c": ("My Mixed_Case.Post", None, ("news", "updates"), datetime(2023, 1, 7, tzinfo=UTC)),
    "d": ("no-cats", None, (), datetime(2023, 1, 1, 4, 30, tzinfo=UTC)),
    "e": ("sluggy", "Custom Slug!", ("Single",), datetime(2021, 3, 4, tzinfo=UTC)),
}

JEKYLL_OUTPUT = {
    "date": {
        "a": "/tech/web%20dev/2025/11/29/hello-world.html",
        "b": f"/{INVEST}/2024/02/05/{JA}.html",
        "c": "/news/updates/2023/01/07/My-Mixed_Case.Post.html",
        "d": "/2023/01/01/no-cats.html",
        "e": "/single/2021/03/04/Custom-Slug!.html",
    },
    "pretty": {
        "a": "/tech/web%20dev/2025/11/29/hello-world/",
        "b": f"/{INVEST}/2024/02/05/{JA}/",
        "d": "/2023/01/01/no-cats/",
        "e": "/single/2021/03/04/Custom-Slug!/",
    },
    "ordinal": {
        "a": "/tech/web%20dev/2025/333/hello-world.html",
        "b": f"/{INVEST}/2024/036/{JA}.html",
        "d": "/2023/001/no-cats.html",
    },
    "none": {
        "a": "/tech/web%20dev/hello-world.html",
        "d": "/no-cats.html",
        "e": "/single/Custom-Slug!.html",
    },
    "/blog/:slug.html": {
        "a": "/blog/hello-world.html",
        "b": f"/blog/{JA}.html",
        "c": "/blog/my-mixed-case-post.html",
        "e": "/blog/custom-slug.html",
    },
    "/:categories/:title": {"c": "/news/updates/My-Mixed_Case.Post", "d": "/no-cats"},
    "/:year/:i_month/:i_day/:short_year/:y_day/:title:output_ext": {
        "a": "/2025/11/29/25/333/hello-world.html",
        "b": f"/2024/2/5/24/036/{JA}.html",
        "d": "/2023/1/1/23/001/no-cats.html",
    },
}

CASES = [(style, key, url) for style, urls in JEKYLL_OUTPUT.items() for key, url in urls.items()]


@pytest.mark.parametrize(("style", "key", "expected"), CASES)
def test_matches_jekyll(style: str, key: str, expected: str) -> None:
    file_slug, slug, categories, date = POSTS[key]
    path = post_path(style, date=date, categories=categories, file_slug=file_slug, slug=slug)
    assert path == expected


def test_the_day_is_taken_in_the_site_time_zone() -> None:
    # 2022-12-31 23:30 -05:00 is 2023-01-01 in UTC; Jekyll puts it under 2023/01/01.
    written = datetime(2022, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    path = post_path("date", date=written.astimezone(UTC), categories=(), file_slug="x", slug=None)
    assert path == "/2023/01/01/x.html"


def test_front_matter_permalink_is_percent_encoded() -> None:
    assert escape_permalink("/記事/one/") == "/%E8%A8%98%E4%BA%8B/one/"
    assert escape_permalink("about.html") == "/about.html"


def test_dot_segments_cannot_climb() -> None:
    path = post_path(
        "/:categories/:title/", date=POSTS["a"][3], categories=("..",), file_slug="x", slug=None
    )
    assert ".." not in path


@pytest.mark.parametrize(
    ("path", "normal"),
    [
        # Escapes of NFKC text in capitals, as quote() writes them: left as they are.
        ("/%E6%97%A5%E8%A8%98/2022/06/08/post.html", "/%E6%97%A5%E8%A8%98/2022/06/08/post.html"),
        # Escapes in small letters are written again in capitals.
        ("/%e6%97%a5%e8%a8%98/post.html", "/%E6%97%A5%E8%A8%98/post.html"),
        # A full-width letter is not NFKC: it becomes its plain letter.
        ("/%EF%BC%A1/post.html", "/A/post.html"),
        # An escaped ASCII letter is decoded; bytes that are no UTF-8 stay escaped.
        ("/%41b/%FF.html", "/Ab/%FF.html"),
        ("/a/%E6%97%A5/../b.html", "/a/b.html"),
    ],
)
def test_url_paths_are_normalized_as_jekyll_feed_writes_them(path: str, normal: str) -> None:
    assert normalize_url_path(path) == normal


@given(st.lists(st.text(max_size=8), min_size=1, max_size=4))
def test_paths_left_as_they_are_are_those_normalization_would_write(
    segments: list[str],
) -> None:
    # A dot segment at the end makes normalization work through every segment: it must
    # give what the path alone gave (with the slash the dot segment leaves).
    path = "".join("/" + quote(segment, safe="") for segment in segments)
    assert normalize_url_path(path + "/.") == normalize_url_path(path) + "/"
