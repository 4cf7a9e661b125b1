"""The fast reader of flat front matter reads what it accepts exactly as PyYAML does, and
leaves everything else (errors included) to PyYAML."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from conftest import SEED_FRONT_MATTER
from feedwright.errors import PostError
from feedwright.posts.dates import YamlTimestamp
from feedwright.posts.flat_yaml import read_flat_yaml
from feedwright.posts.front_matter import load_yaml_with_pyyaml

PATH = Path("post.md")

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _texts(value: Any) -> Iterator[str]:
    """Every string in ``value``, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(key)
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def typed(value: Any) -> Any:
    """``value`` with every scalar's type made part of it: 1, 1.0 and True differ, and a
    NaN equals a NaN."""
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [typed(item) for item in value]
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    return (type(value).__name__, value)


def test_seed_shaped_front_matter_is_read_with_its_types_and_lines() -> None:
    flat = read_flat_yaml(SEED_FRONT_MATTER, 1)
    assert flat is not None
    data, lines = flat
    assert data["title"] == "「新しいモデルの日本展開"
    assert data["date"] == "2025-11-29 04:40:08 +0000"
    assert data["tags"] == ["AI", "最新ニュース", "技術動向"]
    assert typed(data["reading_time"]) == ("int", 8)
    assert lines == {key: number for number, key in enumerate(data, start=1)}
    assert typed(flat) == typed(load_yaml_with_pyyaml(SEED_FRONT_MATTER, PATH))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: yes\nb: ~\nc: 0x1F\nd: 1_000\ne: .inf\nf: 2025-11-29\n",
         {"a": True, "b": None, "c": 31, "d": 1000, "e": math.inf,
          "f": YamlTimestamp("2025-11-29")}),
        ("tags:\n  - 京都\n  - 'it''s'\n  - \"C#\"\nnext: 1\n", {"tags": ["京都", "it's", "C#"], "next": 1}),
        ("tags:\n- a\n- b\n", {"tags": ["a", "b"]}),
        ("empty:\nnone: []\n", {"empty": None, "none": []}),
        ("# a comment\n\ntitle: C# and F#   \n", {"title": "C# and F#"}),
        ("title: 「京都の秋」、朝の散歩 [part 1\n", {"title": "「京都の秋」、朝の散歩 [part 1"}),
    ],
)  # fmt: skip
def test_flat_values(text: str, expected: dict[str, Any]) -> None:
    flat = read_flat_yaml(text, 1)
    assert flat is not None
    assert typed(flat[0]) == typed(expected)
    assert typed(flat) == typed(load_yaml_with_pyyaml(text, PATH))


@pytest.mark.parametrize(
    "text",
    [
        "author:\n  name: Jane\n",  # nesting
        'title: "a \\" b"\n',  # an escape
        "title: two\n  lines\n",  # a multi-line value
        "title: &a x\nother: *a\n",  # an anchor and an alias
        "title: !!str 1\n",  # a tag
        "title: x # a comment\n",
        "title: x\ntitle: y\n",  # a repeated key: PyYAML's reader reports the line
        "title:\tx\n",  # a tab
        "title:x\n",
        "yes: x\n",  # a key that is not text
        "title: a: b\n",  # an error
        'title: "open\n',  # an error
        "tags: [a, [b]]\n",
        "tags:\n  - a\n   - b\n",
        "title: x\u2028y\n",  # a line separator, a line break to YAML 1.1
        "title: bell\x07\n",  # a control character (parse_header relies on it: clean)
        "title: x\x85y\n",  # NEL
        "",
        "# only a comment\n",
    ],
)
def test_anything_else_is_left_to_pyyaml(text: str) -> None:
    assert read_flat_yaml(text, 1) is None


# Pieces that mean something to YAML, or look as if they might.
_PIECES = [
    "yes", "No", "on", "OFF", "true", "null", "~", "Null", "12", "-3", "+4", "0x1F", "0o17",
    "017", "0b101", "1_000", "3.5", "1e3", "6.02e+23", ".inf", "-.INF", ".NaN", "1:30",
    "190:20:30", "2025-11-29", "2025-11-29 04:40:08 +0000", "2025-11-29T04:40:08Z", "<<",
    "=", "a", "京都", "it's", "C#", " #", "# ", ": ", ":", "-", "- ", "?", "*", "&", "!",
    "|", ">", "%", "@", "`", "'", '"', "''", "\\", " ", "  ", ",", "[", "]", "{", "}",
    "\U0001f600",
]  # fmt: skip
# Characters the fast reader leaves to PyYAML wherever they are: rarer, or little else is read.
_UNUSUAL = ["\t", "\u2028", "\x85", "\ufeff", "\x07"]

# Values as people write them, without YAML syntax.
_SYNTAX = {" #", "# ", ": ", ":", "-", "- ", "?", "*", "&", "!", "|", ">", "%", "@", "`", "'", '"',
           "''", "\\", ",", "[", "]", "{", "}", "<<", "="}  # fmt: skip
_TAME = [piece for piece in _PIECES if piece.strip() and piece not in _SYNTAX]
_KEYS = st.sampled_from(
    ["title", "date", "tags", "a-b", "_x", "Title_2"] * 4 + ["yes", "null", "1", "a b", "", "<<"]
)
_ODD_LINES = ["", "# note", "  ", "---", "...", "title: again", "  indented: x", "- item"]


def _front_matters(pieces: list[str], odd_lines: int) -> st.SearchStrategy[str]:
    """Front matter of key lines, each key once, their values made of ``pieces``, with up to
    ``odd_lines`` other lines among them."""
    text = st.lists(st.sampled_from(pieces), max_size=4).map("".join)
    item = st.one_of(text, text.map(lambda text: f'"{text}"'), text.map(lambda text: f"'{text}'"))
    inline = st.one_of(
        item,
        st.lists(item, max_size=4).map(lambda items: "[" + ", ".join(items) + "]"),
        st.lists(item, max_size=4).map(lambda items: "[" + ",".join(items) + "]"),
    )
    block = st.tuples(st.lists(item, min_size=1, max_size=3), st.sampled_from(["", "  "])).map(
        lambda parts: "".join(f"\n{parts[1]}- {item}" for item in parts[0])
    )
    entries = st.dictionaries(
        _KEYS, st.one_of(inline.map(lambda value: f" {value}"), block), min_size=1, max_size=6
    )
    odd = st.lists(
        st.tuples(st.integers(0, 6), st.one_of(st.sampled_from(_ODD_LINES), text)),
        max_size=odd_lines,
    )

    def join(parts: tuple[dict[str, str], list[tuple[int, str]]]) -> str:
        lines = [f"{key}:{entry}" for key, entry in parts[0].items()]
        for position, line in parts[1]:
            lines.insert(position, line)
        return "\n".join(lines)

    return st.tuples(entries, odd).map(join)


@given(st.one_of(_front_matters(_PIECES * 10 + _UNUSUAL, 1), _front_matters([*_TAME, " "], 0)))
def test_whatever_is_read_fast_is_what_pyyaml_reads(text: str) -> None:
    flat = read_flat_yaml(text, 1)
    event("read fast" if flat is not None else "left to PyYAML")
    if flat is None:
        return
    # What the fast reader reads holds no control character: parsing a post relies on it.
    assert not any(CONTROL.search(text) for text in _texts(flat[0]))
    try:
        slow = load_yaml_with_pyyaml(text, PATH)
    except PostError as error:
        raise AssertionError(f"read fast, but PyYAML refuses it: {error}") from error
    assert typed(flat) == typed(slow)
