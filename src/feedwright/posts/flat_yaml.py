"""A fast reader for the flat YAML that nearly all front matter is.

Most posts' front matter is a few ``key: value`` lines: plain or quoted text, numbers, a
date, a ``[flow, list]`` or a block list (``- item`` lines) of such values. PyYAML spends
about 80 µs building and resolving the nodes of each one, which was most of a cold build
of a big site. This module reads exactly that flat shape, line by line, and gives up
(returns None) on anything else, so that PyYAML reads it and reports its errors: nesting,
escapes, multi-line values, anchors, tags, comments after a value, unusual characters,
repeated keys, mistakes.

Whatever it accepts, it must read as PyYAML does. Plain values are typed by PyYAML's own
resolver and constructors (``42`` is an int, ``yes`` a bool, ``~`` None), and the property
tests compare both readers on generated front matter.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import yaml

from feedwright.posts.dates import YamlTimestamp

# Front matter with any of these is left to PyYAML: tabs, controls, NEL and the Unicode line
# separators (YAML 1.1 takes them as line breaks), surrogates, a BOM and non-characters.
_UNUSUAL_CHARACTER = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]"
)
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
# A plain value starting with one of these is YAML syntax (or an error), not text.
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_SINGLE_QUOTED = re.compile(r"'((?:[^']|'')*)'")
_DOUBLE_QUOTED = re.compile(r'"([^"\\]*)"')
# One item of a flow list and the comma or bracket after it: quoted, or plain text
# without the characters that have a meaning in a flow list.
_FLOW_ITEM = re.compile(
    r""" *(?:"([^"\\]*)"|'((?:[^']|'')*)'|([^\s"',\[\]{}#:&*!|>%@`?-][^,\[\]{}#:]*?)) *(,|\]\Z)"""
)
_TEXT_TAG = "tag:yaml.org,2002:str"
_DATE_TAG = "tag:yaml.org,2002:timestamp"
_SCALAR_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("bool", "int", "float", "null")}


class _NotFlat(Exception):
    """The text is not the flat shape this module reads: PyYAML must read it."""


# PyYAML's own resolver and constructors type the plain values.
_TYPER = yaml.SafeLoader("")
_resolve: Callable[[type[yaml.Node], str, tuple[bool, bool]], str] = _TYPER.resolve


def read_flat_yaml(text: str, first_line: int) -> tuple[dict[str, Any], dict[str, int]] | None:
    """The mapping and each key's line (counting from ``first_line``) of flat YAML front
    matter, or None when ``text`` has any other shape and PyYAML must read it."""
    if _UNUSUAL_CHARACTER.search(text):
        return None
    data: dict[str, Any] = {}
    key_lines: dict[str, int] = {}
    lines = text.split("\n")
    index = 0
    try:
        while index < len(lines):
            line = lines[index]
            line_number = first_line + index
            index += 1
            if not line.strip() or line.startswith("#"):
                continue
            key, colon, rest = line.partition(":")
            if not colon or key in key_lines or not _is_text_key(key):
                raise _NotFlat  # not a key, or a repeated one (PyYAML says where)
            if rest and rest[0] != " ":
                raise _NotFlat  # "key:value" is one plain value in YAML, not a pair
            key_lines[key] = line_number
            value = rest.strip(" ")
            if value:
                data[key] = _value(value)
            else:
                data[key], index = _block_list(lines, index)
    except _NotFlat:
        return None
    return (data, key_lines) if data else None


@functools.lru_cache(maxsize=1_024)
def _is_text_key(key: str) -> bool:
    """Whether ``key`` is a plain key that YAML reads as text (``yes`` and ``null`` are not)."""
    return _KEY.fullmatch(key) is not None and _plain_value(key) == key


def _value(text: str) -> Any:
    """A value written on one line, without the spaces around it."""
    first = text[0]
    if first == '"':
        return _whole(_DOUBLE_QUOTED, text).group(1)
    if first == "'":
        return _whole(_SINGLE_QUOTED, text).group(1).replace("''", "'")
    if first == "[":
        return _flow_list(text)
    if first in _INDICATORS or ": " in text or " #" in text or text.endswith(":"):
        raise _NotFlat
    return _plain_value(text)


@functools.lru_cache(maxsize=4_096)
def _plain_value(text: str) -> Any:
    """A plain (unquoted) value, typed as PyYAML types it (text, a number, a bool or None:
    nothing mutable). Cached: values like ``layout: post`` come back in post after post."""
    tag = _resolve(yaml.ScalarNode, text, (True, False))
    if tag == _TEXT_TAG:
        return text
    if tag == _DATE_TAG:
        return YamlTimestamp(text)  # the front matter loader leaves dates as marked text
    if tag not in _SCALAR_TAGS:
        raise _NotFlat  # "<<" and "=" have their own meaning (or error) in PyYAML
    try:
        return _TYPER.yaml_constructors[tag](_TYPER, yaml.ScalarNode(tag, text))
    except Exception as error:  # PyYAML fails on it too, and says where
        raise _NotFlat from error


def _whole(pattern: re.Pattern[str], text: str) -> re.Match[str]:
    match = pattern.fullmatch(text)
    if match is None:
        raise _NotFlat
    return match


def _flow_list(text: str) -> list[Any]:
    """``[a, "b", 'c']`` on one line."""
    if text == "[]":
        return []
    items: list[Any] = []
    position = 1
    while position < len(text):
        match = _FLOW_ITEM.match(text, position)
        if match is None:
            raise _NotFlat
        double, single, plain, _ = match.groups()
        if double is not None:
            items.append(double)
        elif single is not None:
            items.append(single.replace("''", "'"))
        else:
            items.append(_plain_value(plain))
        position = match.end()
    if not text.endswith("]"):
        raise _NotFlat  # "[a," (the last item ended with a comma)
    return items


def _block_list(lines: list[str], index: int) -> tuple[list[Any] | None, int]:
    """The ``- item`` lines from ``index`` on, which follow a key with no value on its line
    (None when there are none, as in YAML), and the index of the line after them."""
    items: list[Any] = []
    indent = -1
    while index < len(lines):
        line = lines[index]
        item = line.lstrip(" ")
        if not item.startswith("- "):
            if line[:1] in (" ", "-"):
                raise _NotFlat  # a nested or multi-line value, an empty item…
            break
        if indent not in (-1, len(line) - len(item)):
            raise _NotFlat  # items not lined up
        indent = len(line) - len(item)
        value = item[2:].strip(" ")
        if not value:
            raise _NotFlat
        items.append(_value(value))
        index += 1
    return (items if indent != -1 else None), index
