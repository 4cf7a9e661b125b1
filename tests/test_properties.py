"""Property tests: whatever the front matter and body, a post gives feeds that parse and a
digest that parses, or a project error with a message; never another exception.

Examples are derandomized in CI (the same ones every run, see conftest); run with
HYPOTHESIS_PROFILE=explore to look further.
"""

from __future__ import annotations

import email
import json
import re
import tempfile
from datetime import UTC, date, datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import feedparser
import yaml
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from conftest import DEFAULT_CONFIG
from feedwright.commands.build import BuildOptions, render_site
from feedwright.errors import FeedwrightError, InvalidPostsError
from feedwright.site.config import load_site

# Characters XML 1.0 forbids (surrogates cannot reach a file at all).
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

zones = st.integers(-23 * 60, 23 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),
    st.dates(),
    st.datetimes(timezones=st.one_of(st.none(), zones)),
)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
# Any value in any key: most such posts are refused, with a message.
KNOWN_KEYS = ["title", "date", "tags", "categories", "excerpt", "author", "image", "draft",
              "lang", "permalink", "slug", "id", "updated", "description"]  # fmt: skip
wild_front_matters = st.fixed_dictionaries(
    {"title": st.one_of(st.text(min_size=1), values)},
    optional={key: values for key in KNOWN_KEYS[1:]},
)

# Each known key with a value of the right shape but any content: most such posts are
# accepted, so the feeds and the digest meet every kind of text.
moments = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1), timezones=zones
).map(lambda moment: moment.strftime("%Y-%m-%d %H:%M:%S %z"))
names = st.lists(st.text(max_size=20), max_size=5)
plausible_front_matters = st.fixed_dictionaries(
    {
        "title": st.text(min_size=1),
        "date": st.one_of(moments, st.dates(min_value=date(1970, 1, 2))),
    },
    optional={
        "tags": names,
        "categories": names,
        "excerpt": st.text(),
        "author": st.one_of(
            st.text(), st.fixed_dictionaries({"name": st.text(), "email": st.text()})
        ),
        "image": st.one_of(st.text(), st.fixed_dictionaries({"path": st.text(), "alt": st.text()})),
        "lang": st.sampled_from(["ja", "en-US", "ar", "zh-Hant-TW"]),
        "permalink": st.text(),
        "slug": st.text(),
        "id": st.text(),
        "updated": moments,
        "description": st.text(),
    },
).flatmap(
    lambda known: st.dictionaries(st.text(max_size=10), values, max_size=3).map(
        lambda extra: {**extra, **known}
    )
)


def post_file(front_matter: dict[str, Any], body: str) -> bytes:
    """A Jekyll-style post: YAML front matter as PyYAML writes it, then the body."""
    header = yaml.safe_dump(front_matter, allow_unicode=True, sort_keys=False)
    return f"---\n{header}---\n{body}".encode("utf-8", "surrogatepass")


def render(content: bytes) -> tuple[Path, dict[str, bytes] | None, list[str]]:
    """Render a one-post site in memory: the post's path, the files (None when the post was
    refused) and the messages of the problems."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "_posts").mkdir()
        (root / "feedwright.toml").write_text(DEFAULT_CONFIG, encoding="utf-8")
        path = root / "_posts" / "2025-11-29-post.md"
        path.write_bytes(content)
        site = load_site(root)
        options = BuildOptions(drafts=True, future=True, now=datetime(2026, 1, 1, tzinfo=UTC))
        try:
            result = render_site(site, options)
        except InvalidPostsError as error:
            for problem in error.problems:
                assert problem.path == path and problem.message and problem.hint
            return path, None, [str(problem) for problem in error.problems]
        except FeedwrightError as error:
            return path, None, [str(error)]
        return path, {file.path: file.content for file in result.files}, []


def check_outputs(files: dict[str, bytes]) -> None:
    """Each feed parses strictly and with feedparser; the digest parses as a message."""
    for name in ("feed.atom", "feed.rss"):
        etree.fromstring(files[name])
        parsed = feedparser.parse(files[name])
        assert parsed.bozo == 0, parsed.get("bozo_exception")
        assert len(parsed.entries) == 1
    (item,) = json.loads(files["feed.json"])["items"]
    assert item["title"]
    message = email.message_from_bytes(files["digest.eml"], policy=policy.default)
    assert isinstance(message, EmailMessage) and not message.defects
    assert message.get_body(("html",)) is not None and message.get_body(("plain",)) is not None
    assert str(message["Subject"]).strip()


@given(st.one_of(wild_front_matters, plausible_front_matters), st.text(max_size=200))
def test_any_front_matter_gives_parseable_outputs_or_a_project_error(
    front_matter: dict[str, Any], body: str
) -> None:
    _, files, problems = render(post_file(front_matter, body))
    if files is None:
        assert problems
    else:
        check_outputs(files)


@given(st.text())
def test_any_body_reaches_the_feeds_without_forbidden_characters(body: str) -> None:
    _, files, problems = render(post_file({"title": "Body", "date": "2025-11-29"}, body))
    if files is None:
        # The only body a post may not have: one with NUL bytes (not a text file).
        assert "\x00" in body and "NUL bytes" in problems[0]
        return
    check_outputs(files)
    for name in ("feed.atom", "feed.rss", "feed.json"):
        text = files[name].decode("utf-8")
        assert not XML_FORBIDDEN.search(json.loads(text)["items"][0].get("content_html", "")
                                        if name == "feed.json" else text)  # fmt: skip
