"""Read a post file into its front matter mapping and its Markdown body.

python-frontmatter's handlers find and split the front matter (``---`` YAML, Jekyll style,
or ``+++`` TOML, Hugo style). The mapping itself is parsed here so that every error can
name the line of the file it comes from.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from frontmatter.default_handlers import BaseHandler, YAMLHandler

from feedwright.errors import PostError
from feedwright.posts.files import read_post_bytes
from feedwright.posts.flat_yaml import read_flat_yaml

_YAML_FIX = (
    "fix the YAML syntax on that line (check quotes, colons and indentation; tabs are not allowed)"
)
# The split front matter text keeps the line break of the opening `---` line, so its first
# line (line 0 to YAML) is the file's line 1.
_FIRST_LINE = 1
# The line that closes front matter, YAML's or TOML's (see the handlers' FM_BOUNDARY).
_CLOSING_LINE = re.compile(r"(?:-{3,}|\+{3,})[ \t]*")
_TOML_FIX = "fix the TOML syntax on that line (strings need quotes, keys need `=`)"


class TOMLHandler(BaseHandler):
    """Hugo-style ``+++`` front matter; python-frontmatter's own needs the old ``toml`` package."""

    FM_BOUNDARY = re.compile(r"^\+{3,}\s*$", re.MULTILINE)
    START_DELIMITER = END_DELIMITER = "+++"

    def load(self, fm: str, **kwargs: object) -> Any:
        return tomllib.loads(fm)


_HANDLERS: tuple[tuple[str, BaseHandler], ...] = (("YAML", YAMLHandler()), ("TOML", TOMLHandler()))


_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _FrontMatterLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """PyYAML's safe loader, but dates stay strings so feedwright reads them all one way."""


_FrontMatterLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", _FrontMatterLoader.construct_yaml_str
)


@dataclass(frozen=True)
class SourceFile:
    """A post file split into its parts; ``key_lines`` maps each front matter key to its line."""

    path: Path
    metadata: dict[str, Any]
    key_lines: dict[str, int]
    body: str
    body_line: int
    # Where the body starts in the decoded text (see ``decode_post``), so that a post read
    # as far as its front matter can have its body cut off later without a second parse.
    body_offset: int = 0
    # True when no front matter value can hold a control character: the flat reader, which
    # read it, takes none (and no escapes that would make one).
    clean: bool = False


def decode_post(data: bytes, path: Path) -> str:
    """Decode a post's bytes as UTF-8 (a BOM is allowed) with CRLF and CR turned into LF."""
    if not data.strip():
        raise PostError(path, "the file is empty", "add front matter with a title and a date")
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise PostError(path, "the file contains NUL bytes", "save it as UTF-8 text", line)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise PostError(
            path,
            f"not valid UTF-8 (byte 0x{data[error.start]:02x})",
            "save the file as UTF-8",
            line,
        ) from error
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str, path: Path) -> SourceFile:
    """Split decoded post text into a SourceFile; raise PostError on malformed front matter."""
    for kind, handler in _HANDLERS:
        if not handler.detect(text):
            continue
        try:
            front, body = handler.split(text)
        except ValueError as error:
            delimiter = handler.START_DELIMITER
            raise PostError(
                path,
                f"the {kind} front matter that starts here has no closing `{delimiter}` line",
                f"add a line with just `{delimiter}` after the last front matter key",
                1,
            ) from error
        body_offset = len(text) - len(body)
        body_line = text.count("\n", 0, body_offset) + 1
        if kind == "TOML":
            metadata, key_lines = _load_toml(front, path)
            return SourceFile(path, metadata, key_lines, body, body_line, body_offset)
        # Most front matter is flat `key: value` lines, which flat_yaml reads 4 times as
        # fast; it reads them as PyYAML does, and leaves everything else to PyYAML.
        flat = read_flat_yaml(front, _FIRST_LINE)
        if flat is not None:
            return SourceFile(path, *flat, body, body_line, body_offset, clean=True)
        return SourceFile(path, *load_yaml_with_pyyaml(front, path), body, body_line, body_offset)
    return SourceFile(path, {}, {}, text, 1, clean=True)


def whole_source(data: bytes, path: Path) -> SourceFile:
    """The bytes of a whole post file, decoded and split into front matter and body."""
    return split_front_matter(decode_post(data, path), path)


def head_source(head: bytes, path: Path) -> SourceFile:
    """The front matter in the head of a post file (see ``files.read_head``); or the whole
    file's, when it goes on past the head (or the head has a fault to report in full)."""
    try:
        source = split_front_matter(decode_post(head, path), path)
    except PostError:
        return whole_source(read_post_bytes(path), path)
    if not source.body.strip():
        # The closing line takes the blank lines after it with it: cut off at the head's
        # end, it may have stopped short of them, and the body would start elsewhere
        # than in the whole file. (A post with no body at all is read again: it is short.)
        return whole_source(read_post_bytes(path), path)
    return source


def body_at(data: bytes, path: Path, offset: int) -> str:
    """The body of a post file whose front matter was split off before: its decoded text
    from ``offset`` (a SourceFile's ``body_offset``), or, when the file has changed since
    and the front matter no longer ends there, the body of the file split again."""
    text = decode_post(data, path)
    # Where front matter ends, its closing line (and blank lines) stands just before, and
    # the body starts with a line break (or the file ends).
    ends_there = offset <= len(text) and text[offset : offset + 1] in ("", "\n")
    if ends_there and _CLOSING_LINE.fullmatch(text[:offset].rstrip().rsplit("\n", 1)[-1]):
        return text[offset:]
    return split_front_matter(text, path).body


def load_yaml_with_pyyaml(front: str, path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    """YAML front matter's mapping and each key's line, read by PyYAML; PostError (with
    the line) when it is not valid YAML or not a mapping."""
    if "*" in front:  # only then can there be an alias; the event scan costs a second parse
        _reject_aliases(front, path)
    loader = _FrontMatterLoader(front)
    try:
        node = loader.get_single_node()
        if node is None:
            return {}, {}
        if not isinstance(node, yaml.MappingNode):
            raise PostError(
                path,
                "the front matter is not a mapping of keys to values",
                "write it as `key: value` lines, such as `title: My post`",
                _FIRST_LINE + node.start_mark.line,
            )
        key_lines = _key_lines(node, path)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        raise _yaml_error(error, front, path) from error
    except (yaml.YAMLError, TypeError, ValueError) as error:
        raise PostError(path, f"invalid YAML front matter: {error}", _YAML_FIX) from error
    finally:
        loader.dispose()
    return {str(key): value for key, value in data.items()}, key_lines


def _yaml_error(error: yaml.MarkedYAMLError, front: str, path: Path) -> PostError:
    problem = error.problem or error.context or "invalid YAML"
    mark = error.problem_mark or error.context_mark
    line = _FIRST_LINE + mark.line if mark else None
    # An unclosed quote or bracket is only noticed at the end of the input: point at the
    # line where it was opened (the context) or, failing that, the last line of text.
    end = len(front.rstrip())
    if mark is not None and mark.index >= end:
        if error.context:
            problem = f"{problem} ({error.context})"
        context = error.context_mark
        opened = context.line if context is not None and context.index < end else None
        line = _FIRST_LINE + (opened if opened is not None else front[:end].count("\n"))
    return PostError(path, f"invalid YAML front matter: {problem}", _YAML_FIX, line)


def _reject_aliases(front: str, path: Path) -> None:
    """Refuse YAML aliases, before anything is built from them.

    An alias makes several values share one node, so a small "billion laughs" document
    grows into gigabytes as soon as its values are walked or copied.
    """
    try:
        for event in yaml.parse(front, Loader=_FrontMatterLoader):
            if isinstance(event, yaml.AliasEvent):
                raise PostError(
                    path,
                    "YAML aliases (*name) are not supported in front matter",
                    "write the value out in full",
                    _FIRST_LINE + event.start_mark.line if event.start_mark else None,
                )
    except yaml.MarkedYAMLError as error:
        raise _yaml_error(error, front, path) from error


def _key_lines(root: yaml.MappingNode, path: Path) -> dict[str, int]:
    """The line of each top-level key; a key given twice is an error (YAML keeps the last)."""
    key_lines: dict[str, int] = {}
    for key_node, _ in root.value:
        key = str(key_node.value)
        line = _FIRST_LINE + key_node.start_mark.line
        if key in key_lines:
            raise PostError(
                path,
                f"the key {key!r} appears twice (first on line {key_lines[key]})",
                "keep one of them",
                line,
            )
        key_lines[key] = line
    return key_lines


_TOML_LINE = re.compile(r"at line (\d+)")


def _load_toml(front: str, path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    try:
        data = tomllib.loads(front)
    except tomllib.TOMLDecodeError as error:
        match = _TOML_LINE.search(str(error))
        line = _FIRST_LINE + int(match.group(1)) - 1 if match else None  # TOML counts from 1
        message = _TOML_LINE.sub("", str(error)).strip(" ()")
        raise PostError(path, f"invalid TOML front matter: {message}", _TOML_FIX, line) from error
    key_lines: dict[str, int] = {}
    for number, text in enumerate(front.split("\n"), start=_FIRST_LINE):
        match = re.match(r"\s*[\"']?([A-Za-z0-9_-]+)[\"']?\s*=", text)
        if match and match.group(1) in data:
            key_lines.setdefault(match.group(1), number)
    return data, key_lines
