"""Read a post file into its front matter mapping and its Markdown body.

python-frontmatter's handlers find and split the front matter (``---`` YAML, Jekyll style,
or ``+++`` TOML, Hugo style). The mapping itself is parsed here so that every error can
name the line of the file it comes from.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml
from frontmatter.default_handlers import BaseHandler, YAMLHandler

from feedwright.errors import PostError, Problem
from feedwright.posts.dates import YamlTimestamp
from feedwright.posts.files import read_post_bytes
from feedwright.posts.flat_yaml import read_flat_yaml

_YAML_FIX = (
    "fix the YAML syntax on that line (check quotes, colons and indentation; tabs are not allowed)"
)
# The split front matter text keeps the line break of the opening `---` line, so its first
# line (line 0 to YAML) is the file's line 1.
_FIRST_LINE = 1
# The line that closes front matter, YAML's (`...` too) or TOML's (see the handlers'
# FM_BOUNDARY).
_CLOSING_LINE = re.compile(r"(?:-{3,}|\+{3,}|\.{3})[ \t]*")
_TOML_FIX = "fix the TOML syntax on that line (strings need quotes, keys need `=`)"
# Control characters other than tab and line ends: C0, DEL and C1 (NEL included). XML
# forbids most of them and they break mail headers. (Format characters such as
# right-to-left marks and joiners are not controls: they are kept.)
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class TOMLHandler(BaseHandler):
    """Hugo-style ``+++`` front matter; python-frontmatter's own needs the old ``toml`` package."""

    FM_BOUNDARY = re.compile(r"^\+{3,}\s*$", re.MULTILINE)
    START_DELIMITER = END_DELIMITER = "+++"

    def load(self, fm: str, **kwargs: object) -> Any:
        return tomllib.loads(fm)


class JekyllYAMLHandler(YAMLHandler):
    """``---`` YAML front matter, which may also close with ``...`` (YAML's document end),
    as Jekyll's front matter pattern allows."""

    FM_BOUNDARY = re.compile(r"^(?:-{3,}|\.{3})\s*$", re.MULTILINE)
    _OPENING = re.compile(r"^-{3,}\s*$", re.MULTILINE)

    def detect(self, text: str) -> bool:
        return self._OPENING.match(text) is not None


_HANDLERS: tuple[tuple[str, BaseHandler], ...] = (
    ("YAML", JekyllYAMLHandler()),
    ("TOML", TOMLHandler()),
)
# Hugo closes YAML front matter with `---` only (a `...` line leaves it unclosed).
_HUGO_HANDLERS: tuple[tuple[str, BaseHandler], ...] = (
    ("YAML", YAMLHandler()),
    ("TOML", TOMLHandler()),
)


_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _FrontMatterLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """PyYAML's safe loader, but dates stay text (marked as timestamps, see
    ``dates.YamlTimestamp``) so that feedwright reads them all one way."""


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> YamlTimestamp:
    return YamlTimestamp(loader.construct_scalar(node))


_FrontMatterLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


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
    # The warnings of the split: raw control characters left out of the front matter.
    warnings: tuple[Problem, ...] = ()
    # Every line of the file ends with CRLF (see ``crlf_lines``).
    crlf: bool = False


@dataclass(frozen=True)
class NotText(Problem):
    """The problem of a file that is no UTF-8 text (NUL bytes, other encodings): on a
    Jekyll site, a file of ``_posts`` that no converter takes is then no post at all (a
    picture with a post's name), which ``collect`` leaves out with a warning."""


def _not_text(path: Path, message: str, hint: str, line: int) -> PostError:
    """The PostError of a file that is no UTF-8 text, its problem a NotText."""
    error = PostError(path, message, hint, line)
    error.problem = NotText(path, message, hint, line)
    return error


def crlf_lines(data: bytes) -> bool:
    """True when every line of a file ends with CRLF: its decoded text has LF alone (see
    ``decode_post``), but Jekyll looks for an excerpt separator such as "\\n\\n" in the
    text as the file has it, where a file of CRLF lines has none."""
    return b"\r\n" in data and data.count(b"\n") == data.count(b"\r\n")


def decode_post(data: bytes, path: Path) -> str:
    """Decode a post's bytes as UTF-8 (a BOM is allowed) with CRLF and CR turned into LF."""
    if not data.strip():
        raise PostError(path, "the file is empty", "add front matter with a title and a date")
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise _not_text(path, "the file contains NUL bytes", "save it as UTF-8 text", line)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise _not_text(
            path,
            f"not valid UTF-8 (byte 0x{data[error.start]:02x})",
            "save the file as UTF-8",
            line,
        ) from error
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str, path: Path, hugo: bool = False) -> SourceFile:
    """Split decoded post text into a SourceFile; raise PostError on malformed front matter.

    Raw control characters are left out of the front matter before it is parsed, with a
    warning for each line that had some. With ``hugo``, as Hugo reads content: blank
    lines may come before the front matter, which may also be a JSON object.
    """
    if hugo:
        return _split_hugo(text, path)
    return _split_by(_HANDLERS, text, path)


def _split_by(handlers: tuple[tuple[str, BaseHandler], ...], text: str, path: Path) -> SourceFile:
    """``text`` split by the first of ``handlers`` that finds front matter at its start;
    all of it the body when none does."""
    for kind, handler in handlers:
        if handler.detect(text):
            return _split(kind, handler, text, path)
    return SourceFile(path, {}, {}, text, 1, clean=True)


def _split_hugo(text: str, path: Path) -> SourceFile:
    """``split_front_matter`` as Hugo splits content: front matter may follow blank lines
    (and spaces), and may be a JSON object (``{`` … ``}``) as well as YAML or TOML."""
    start = len(text) - len(text.lstrip())
    rest = text[start:]
    if rest.startswith("{"):
        source = _split_json(rest, path)
    elif start and any(handler.detect(rest) for _, handler in _HUGO_HANDLERS):
        source = _split_by(_HUGO_HANDLERS, rest, path)
    else:
        return _split_by(_HUGO_HANDLERS, text, path)
    return _moved(source, text[:start]) if start else source


def _moved(source: SourceFile, before: str) -> SourceFile:
    """``source``, split from a text that followed ``before``, with its lines and offset
    those of the whole text."""
    lines = before.count("\n")

    def moved(line: int | None) -> int | None:
        return line + lines if line is not None else None

    return replace(
        source,
        key_lines={key: line + lines for key, line in source.key_lines.items()},
        body_line=source.body_line + lines,
        body_offset=source.body_offset + len(before),
        warnings=tuple(replace(warning, line=moved(warning.line)) for warning in source.warnings),
    )


# A JSON front matter key at the start of a line, for its line number.
_JSON_KEY = re.compile(r'^\s*"((?:[^"\\]|\\.)*)"\s*:', re.MULTILINE)


def _split_json(text: str, path: Path) -> SourceFile:
    """Hugo's JSON front matter: the JSON object that starts the text; the body is what
    follows its closing brace (and the rest of that line)."""
    try:
        data, end = json.JSONDecoder().raw_decode(text)
    except json.JSONDecodeError as error:
        raise PostError(
            path,
            f"invalid JSON front matter: {error.msg}",
            "fix the JSON syntax on that line (keys and strings need double quotes)",
            error.lineno,
        ) from error
    if not isinstance(data, dict):
        raise PostError(path, "the front matter is not a JSON object", 'write {"title": "…"}', 1)
    line_end = text.find("\n", end)
    body_offset = len(text) if line_end < 0 else line_end + 1
    key_lines: dict[str, int] = {}
    for match in _JSON_KEY.finditer(text, 0, end):
        key_lines.setdefault(match.group(1), text.count("\n", 0, match.start()) + 1)
    return SourceFile(
        path,
        {str(key): value for key, value in data.items()},
        key_lines,
        text[body_offset:],
        text.count("\n", 0, body_offset) + 1,
        body_offset,
    )


def _split(kind: str, handler: BaseHandler, text: str, path: Path) -> SourceFile:
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
    # Most front matter is flat `key: value` lines, which flat_yaml reads 4 times as fast;
    # it reads them as PyYAML does, and leaves everything else to PyYAML, control
    # characters included: what it reads has none to leave out.
    flat = read_flat_yaml(front, _FIRST_LINE) if kind == "YAML" else None
    if flat is not None:
        return SourceFile(path, *flat, body, body_line, body_offset, clean=True)
    front, controls = _without_controls(front)
    metadata, key_lines, clean, repeats = _parse(kind, front, path, flat_again=bool(controls))
    warnings = tuple(
        control_warning(path, _key_at(line, key_lines), characters, line)
        for line, characters in controls.items()
    )
    return SourceFile(
        path, metadata, key_lines, body, body_line, body_offset, clean, warnings + repeats
    )


def _parse(
    kind: str, front: str, path: Path, flat_again: bool
) -> tuple[dict[str, Any], dict[str, int], bool, tuple[Problem, ...]]:
    """The mapping of front matter, each key's line, whether no value can hold a control
    character (see SourceFile.clean), and the warnings of keys written twice.
    ``flat_again``: YAML that was not flat before its control characters were left out
    may be now."""
    if kind == "TOML":
        return *_load_toml(front, path), False, ()
    flat = read_flat_yaml(front, _FIRST_LINE) if flat_again else None
    if flat is not None:
        return *flat, True, ()
    metadata, key_lines, repeats = yaml_front_matter(front, path)
    return metadata, key_lines, False, repeats


def _without_controls(front: str) -> tuple[str, dict[int, set[str]]]:
    """``front`` without raw control characters, and those removed from each of its lines.

    YAML refuses them, with an error that names no line, or takes NEL (U+0085) for a line
    break, which moves every line after it; and no feed or mail header can hold them.
    Nearly all front matter has none, and then this is one regex search.
    """
    if CONTROL_CHARACTERS.search(front) is None:
        return front, {}
    removed: dict[int, set[str]] = {}
    for number, line in enumerate(front.split("\n"), start=_FIRST_LINE):
        found = CONTROL_CHARACTERS.findall(line)
        if found:
            removed[number] = set(found)
    return CONTROL_CHARACTERS.sub("", front), removed


def _key_at(line: int, key_lines: dict[str, int]) -> str | None:
    """The top-level key whose value ``line`` is part of (the last that starts on it or
    before), or None."""
    before = [(start, key) for key, start in key_lines.items() if start <= line]
    return max(before)[1] if before else None


def control_warning(
    path: Path, key: str | None, characters: Iterable[str], line: int | None
) -> Problem:
    """The warning that the control ``characters`` were left out of ``key``'s value (or of
    the front matter, with no key)."""
    codes = ", ".join(f"U+{ord(character):04X}" for character in sorted(set(characters)))
    where = f"`{key}`" if key is not None else "the front matter"
    return Problem(
        path,
        f"{where} contains control characters ({codes}); they were left out",
        "remove them from the front matter",
        line,
    )


def whole_source(data: bytes, path: Path, hugo: bool = False) -> SourceFile:
    """The bytes of a whole post file, decoded and split into front matter and body
    (``hugo``: as Hugo splits them, see ``split_front_matter``)."""
    source = split_front_matter(decode_post(data, path), path, hugo)
    return replace(source, crlf=True) if crlf_lines(data) else source


def head_source(head: bytes, path: Path, hugo: bool = False) -> SourceFile:
    """The front matter in the head of a post file (see ``files.read_head``); or the whole
    file's, when it goes on past the head (or the head has a fault to report in full)."""
    try:
        source = split_front_matter(decode_post(head, path), path, hugo)
    except PostError:
        return whole_source(read_post_bytes(path), path, hugo)
    if not source.body.strip():
        # The closing line takes the blank lines after it with it: cut off at the head's
        # end, it may have stopped short of them, and the body would start elsewhere
        # than in the whole file. (A post with no body at all is read again: it is short.)
        return whole_source(read_post_bytes(path), path, hugo)
    return source


def body_at(data: bytes, path: Path, offset: int, hugo: bool = False) -> str:
    """The body of a post file whose front matter was split off before: its decoded text
    from ``offset`` (a SourceFile's ``body_offset``), or, when the file has changed since
    and the front matter no longer ends there, the body of the file split again."""
    text = decode_post(data, path)
    # Where front matter ends, its closing line (and blank lines) stands just before, and
    # the body starts with a line break (or the file ends).
    ends_there = offset <= len(text) and text[offset : offset + 1] in ("", "\n")
    last_line = text[:offset].rstrip().rsplit("\n", 1)[-1]
    if ends_there and (_CLOSING_LINE.fullmatch(last_line) or (hugo and last_line.endswith("}"))):
        return text[offset:]
    return split_front_matter(text, path, hugo).body


def load_yaml_with_pyyaml(front: str, path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    """YAML front matter's mapping and each key's line, read by PyYAML; PostError (with
    the line) when it is not valid YAML or not a mapping. A key written twice keeps its
    last value (see ``yaml_front_matter`` for the warning)."""
    metadata, key_lines, _ = yaml_front_matter(front, path)
    return metadata, key_lines


def yaml_front_matter(
    front: str, path: Path
) -> tuple[dict[str, Any], dict[str, int], tuple[Problem, ...]]:
    """YAML front matter's mapping, each key's line, and a warning for each key written
    twice in one mapping, read by PyYAML; PostError (with the line) when it is not valid
    YAML or not a mapping."""
    loader = _FrontMatterLoader(front)
    try:
        return _load_yaml(loader, front, path)
    except yaml.MarkedYAMLError as error:
        raise _yaml_error(error, front, path) from error
    except yaml.reader.ReaderError as error:  # a character YAML does not take, such as U+FFFF
        raise PostError(
            path,
            f"invalid YAML front matter: the character U+{error.character:04X} is not allowed",
            "remove it",
            _FIRST_LINE + front.count("\n", 0, error.position),
        ) from error
    except (yaml.YAMLError, TypeError, ValueError) as error:
        raise PostError(path, f"invalid YAML front matter: {error}", _YAML_FIX) from error
    finally:
        loader.dispose()


def _load_yaml(
    loader: _FrontMatterLoader, front: str, path: Path
) -> tuple[dict[str, Any], dict[str, int], tuple[Problem, ...]]:
    if "*" in front:  # only then can there be an alias; the event scan costs a second parse
        _reject_aliases(front, path)
    node = loader.get_single_node()
    if node is None:
        return {}, {}, ()
    if not isinstance(node, yaml.MappingNode):
        raise PostError(
            path,
            "the front matter is not a mapping of keys to values",
            "write it as `key: value` lines, such as `title: My post`",
            _file_line(front, node.start_mark.index),
        )
    key_lines, repeats = _key_lines(node, front, path)
    repeats.extend(_repeated_keys_inside(node, front, path))
    data = loader.construct_document(node)
    return {str(key): value for key, value in data.items()}, key_lines, tuple(repeats)


def _file_line(front: str, index: int) -> int:
    """The line of the file at a place PyYAML marks in ``front`` (its ``mark.index``).

    Counted in the text, not taken from ``mark.line``: YAML 1.1 also takes NEL, U+2028 and
    U+2029 for line breaks, which they are not in the file, so every line after one of them
    would be off.
    """
    return _FIRST_LINE + front.count("\n", 0, index)


def _yaml_error(error: yaml.MarkedYAMLError, front: str, path: Path) -> PostError:
    problem = error.problem or error.context or "invalid YAML"
    mark = error.problem_mark or error.context_mark
    line = _file_line(front, mark.index) if mark else None
    # An unclosed quote or bracket is only noticed at the end of the input: point at the
    # line where it was opened (the context) or, failing that, the last line of text.
    end = len(front.rstrip())
    if mark is not None and mark.index >= end:
        if error.context:
            problem = f"{problem} ({error.context})"
        opened = error.context_mark
        if opened is not None and opened.index < end:
            line = _file_line(front, opened.index)
        else:
            line = _FIRST_LINE + front.count("\n", 0, end)
    return PostError(path, f"invalid YAML front matter: {problem}", _YAML_FIX, line)


def _reject_aliases(front: str, path: Path) -> None:
    """Refuse YAML aliases, before anything is built from them.

    An alias makes several values share one node, so a small "billion laughs" document
    grows into gigabytes as soon as its values are walked or copied.
    """
    for event in yaml.parse(front, Loader=_FrontMatterLoader):
        if isinstance(event, yaml.AliasEvent):
            raise PostError(
                path,
                "YAML aliases (*name) are not supported in front matter",
                "write the value out in full",
                _file_line(front, event.start_mark.index) if event.start_mark else None,
            )


def _key_lines(
    root: yaml.MappingNode, front: str, path: Path
) -> tuple[dict[str, int], list[Problem]]:
    """The line of each top-level key, and a warning for each key given twice: its last
    line, whose value YAML keeps (and Jekyll, which builds such a post)."""
    key_lines: dict[str, int] = {}
    repeats: list[Problem] = []
    # The keys come in the order of the text: each line count goes on from the last one.
    line, counted = _FIRST_LINE, 0
    for key_node, _ in root.value:
        key = str(key_node.value)
        line += front.count("\n", counted, key_node.start_mark.index)
        counted = key_node.start_mark.index
        if key in key_lines:
            repeats.append(_repeated_key(path, key, key_lines[key], line))
        key_lines[key] = line
    return key_lines, repeats


def _repeated_keys_inside(root: yaml.MappingNode, front: str, path: Path) -> list[Problem]:
    """A warning for each key given twice in a mapping inside the front matter (``author:
    {name: a, name: b}``), as at the top: YAML keeps the last one without a word."""
    repeats: list[Problem] = []
    # The lists and mappings in the front matter (scalars hold no key).
    nodes = [value for _, value in root.value if isinstance(value, yaml.CollectionNode)]
    while nodes:  # a loop, not recursion: hostile front matter may nest thousands deep
        node = nodes.pop()
        if isinstance(node, yaml.MappingNode):
            repeats.extend(_repeats(node, front, path))
            children = [value for _, value in node.value]
        else:
            children = node.value
        nodes.extend(child for child in children if isinstance(child, yaml.CollectionNode))
    return repeats


def _repeats(mapping: yaml.MappingNode, front: str, path: Path) -> list[Problem]:
    # A key is its tag and text: `1` (an int) and `"1"` (text) are two keys.
    seen: dict[tuple[str, str], yaml.Node] = {}
    repeats: list[Problem] = []
    for key_node, _ in mapping.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue
        first = seen.setdefault((key_node.tag, key_node.value), key_node)
        if first is not key_node:
            first_line = _file_line(front, first.start_mark.index)
            line = _file_line(front, key_node.start_mark.index)
            repeats.append(_repeated_key(path, key_node.value, first_line, line))
            seen[key_node.tag, key_node.value] = key_node  # a third one names this line
    return repeats


@dataclass(frozen=True)
class RepeatedKey(Problem):
    """The warning about a key written twice: its message says which value is used, and
    ``parse`` adds which engine reads it so too (the split does not know the site)."""


def _repeated_key(path: Path, key: str, first_line: int, line: int) -> Problem:
    return RepeatedKey(
        path,
        f"the key {key!r} appears twice, on lines {first_line} and {line}: "
        f"the value on line {line} is used",
        "delete the one you do not mean",
        line,
    )


# Where tomllib says an error is: "(at line 3, column 7)" or "(at end of document)".
_TOML_PLACE = re.compile(r" \((?:at line (\d+), column \d+|at end of document)\)$")
# How far back from the end of TOML front matter to look for where a string, array or table
# that is never closed starts: each line looked at parses the lines before it again.
_TOML_LOOKBACK_LINES = 200
_TOML_LOOKBACK_CHARACTERS = 50_000


def _load_toml(front: str, path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    try:
        data = tomllib.loads(front)
    except tomllib.TOMLDecodeError as error:
        raise _toml_error(error, front, path) from error
    key_lines: dict[str, int] = {}
    for number, text in enumerate(front.split("\n"), start=_FIRST_LINE):
        match = re.match(r"\s*[\"']?([A-Za-z0-9_-]+)[\"']?\s*=", text)
        if match and match.group(1) in data:
            key_lines.setdefault(match.group(1), number)
    return data, key_lines


def _toml_error(error: tomllib.TOMLDecodeError, front: str, path: Path) -> PostError:
    """The PostError of TOML front matter that does not parse, at its line: where tomllib
    noticed the error or, when it ran into the end (a string, array or table that is never
    closed), where that starts."""
    message = str(error)
    place = _TOML_PLACE.search(message)
    if place is None:
        return PostError(path, f"invalid TOML front matter: {message}", _TOML_FIX)
    message = message[: place.start()]
    if place.group(1) is not None:
        line: int | None = _FIRST_LINE + int(place.group(1)) - 1  # TOML counts from 1
    else:
        line = _unclosed_from(front)
        message += " (what starts on this line is never closed)" if line else ""
    return PostError(path, f"invalid TOML front matter: {message}", _TOML_FIX, line)


def _unclosed_from(front: str) -> int | None:
    """The line where what runs to the end of TOML front matter starts: the line after the
    last lines that parse on their own. Looked for near the end of small front matter
    only (None elsewhere), as each line looked at is a parse."""
    if len(front) > _TOML_LOOKBACK_CHARACTERS:
        return None
    lines = front.split("\n")
    last = len(lines) - 1  # all of the lines do not parse
    for count in range(last, max(last - _TOML_LOOKBACK_LINES, 0) - 1, -1):
        try:
            tomllib.loads("\n".join(lines[:count]))
        except tomllib.TOMLDecodeError:
            continue
        return _FIRST_LINE + count
    return None
