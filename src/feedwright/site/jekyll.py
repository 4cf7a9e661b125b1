"""A Jekyll site's ``_config.yml``: the keys feedwright takes from it when its own
configuration does not set them."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from feedwright.errors import ConfigError, Problem
from feedwright.site.config_files import read_config_file
from feedwright.site.model import FrontMatterDefault
from feedwright.site.values import parse_author

JEKYLL_CONFIG = "_config.yml"
# The files Jekyll reads its configuration from when it is given none: the first that exists.
JEKYLL_CONFIGS = (JEKYLL_CONFIG, "_config.yaml", "_config.toml")
# Jekyll's excerpt_separator when the site sets none: a post's excerpt is its first block.
JEKYLL_EXCERPT_SEPARATOR = "\n\n"
# Where jekyll-feed writes its feed (its `feed.path` default): a Jekyll site's Atom feed.
JEKYLL_FEED_FILE = "feed.xml"
# The data files Jekyll reads ``site.data.authors`` from, which jekyll-feed looks authors up in.
AUTHORS_DATA = ("_data/authors.yml", "_data/authors.yaml")
# The keys of ``_config.yml`` that mean the same as in feedwright's [site] table.
JEKYLL_SITE_KEYS = (
    "title", "description", "url", "baseurl", "author", "lang", "timezone", "permalink",
    "excerpt_separator",
)  # fmt: skip


# The endings of the files Jekyll renders as Markdown when ``markdown_ext`` is not set.
JEKYLL_MARKDOWN_EXT = "markdown,mkdown,mkdn,mkd,md"


def markdown_suffixes(jekyll: dict[str, Any]) -> tuple[str, ...]:
    """The file endings Jekyll renders as Markdown: ``markdown_ext`` (``"md,markdown"``,
    compared as lower case, as Jekyll does), each with a dot before it. Split at the commas
    alone, as Jekyll splits it: ``"md, txt"`` is ``.md`` and ``. txt``, which no file's
    ending is (see ``markdown_ext_warnings``). A value that is not text is ignored, as
    Jekyll fails on it."""
    value = jekyll.get("markdown_ext")
    text = value if isinstance(value, str) and value.strip() else JEKYLL_MARKDOWN_EXT
    return tuple(dict.fromkeys(f".{name.lower()}" for name in text.split(",") if name))


def markdown_ext_warnings(path: Path, jekyll: dict[str, Any]) -> list[Problem]:
    """A warning when ``markdown_ext`` has spaces around its commas: Jekyll 4.3.1 keeps
    them, so ``"md, txt"`` makes no ``.txt`` file Markdown (it is built as written), which
    is not what was meant."""
    value = jekyll.get("markdown_ext")
    if not isinstance(value, str):
        return []
    spaced = [name for name in value.split(",") if name and name != name.strip()]
    if not spaced:
        return []
    tidy = ",".join(name.strip() for name in value.split(",") if name.strip())
    return [
        Problem(
            path,
            f"`markdown_ext` {value!r} has spaces around its commas, which Jekyll keeps: "
            + ", ".join(repr(name) for name in spaced)
            + (" is an ending" if len(spaced) == 1 else " are endings")
            + " no file has",
            f"write `markdown_ext: {tidy}`",
        )
    ]


@dataclass(frozen=True)
class JekyllConfig:
    """A Jekyll site's configuration: its files, in order, merged as Jekyll merges them
    (later files win, mappings merged key by key), and the file each top-level key's value
    came from, for the messages about it."""

    files: tuple[Path, ...] = ()
    values: dict[str, Any] = field(default_factory=dict)
    origins: dict[str, Path] = field(default_factory=dict)

    def origin(self, key: str) -> Path | None:
        """The file that set ``key`` (the last one, when several did); else the last file;
        None when there is none."""
        return self.origins.get(key, self.files[-1] if self.files else None)


def jekyll_config_files(root: Path) -> tuple[Path, ...]:
    """The configuration file Jekyll reads when given none: the first of ``_config.yml``,
    ``_config.yaml`` and ``_config.toml`` in ``root`` that exists; none when none does."""
    return next(((root / name,) for name in JEKYLL_CONFIGS if (root / name).is_file()), ())


def read_jekyll_configs(files: Sequence[Path]) -> JekyllConfig:
    """The configuration of ``files``, read and merged in order, as ``jekyll build
    --config a.yml,b.toml`` reads them; ConfigError naming the file that is missing or
    unreadable."""
    values: dict[str, Any] = {}
    origins: dict[str, Path] = {}
    for path in files:
        if not path.is_file():
            raise ConfigError(
                path, "the Jekyll configuration file does not exist", "check its name and folder"
            )
        data = read_jekyll_config(path)
        values = deep_merge(values, data)
        origins.update(dict.fromkeys(map(str, data), path))
    return JekyllConfig(tuple(files), values, origins)


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with the values of ``override``, mappings merged key by key at every level
    (Jekyll's ``Utils.deep_merge_hashes``: for its configuration files and its front
    matter defaults); neither is changed."""
    merged = dict(base)
    for key, value in override.items():
        below = merged.get(key)
        if isinstance(value, Mapping) and isinstance(below, Mapping):
            merged[key] = deep_merge(below, value)
        else:
            merged[key] = value
    return merged


def read_jekyll_config(path: Path) -> dict[str, Any]:
    """The mapping of a Jekyll configuration file, YAML or TOML as its extension says
    (empty when it holds anything else); ConfigError, with the line, when it is not
    valid."""
    if path.suffix.lower() not in (".yml", ".yaml", ".toml"):
        raise ConfigError(
            path,
            "Jekyll reads no configuration from such a file",
            "use a .yml, .yaml or .toml file, as Jekyll does",
        )
    return read_config_file(path)


def jekyll_site_values(jekyll: dict[str, Any]) -> dict[str, Any]:
    """The values of ``JEKYLL_SITE_KEYS`` that ``_config.yml`` sets (null and empty ones
    count as unset), with the site's ``name`` as its title when it has no ``title``, as
    jekyll-feed takes it (``site.title | default: site.name``)."""
    values = {key: jekyll[key] for key in JEKYLL_SITE_KEYS if jekyll.get(key) not in (None, "")}
    if "title" not in values and jekyll.get("name") not in (None, "", False):
        values["title"] = jekyll["name"]
    # The posts collection's own permalink wins over the site's, as in Jekyll.
    collections = jekyll.get("collections")
    posts = collections.get("posts") if isinstance(collections, dict) else None
    permalink = posts.get("permalink") if isinstance(posts, dict) else None
    if isinstance(permalink, str) and permalink.strip():
        values["permalink"] = permalink
    return values


# Jekyll's old names of the scope types, which it still accepts.
_OLD_TYPES = {"post": "posts", "page": "pages", "draft": "drafts"}


def read_defaults(
    path: Path, jekyll: dict[str, Any]
) -> tuple[tuple[FrontMatterDefault, ...], list[Problem]]:
    """The front matter defaults of ``_config.yml`` (its ``defaults:`` list), and a warning
    for each entry Jekyll leaves out (no ``values`` mapping, or an odd ``scope``)."""
    entries = jekyll.get("defaults")
    if not isinstance(entries, list):
        return (), []
    defaults: list[FrontMatterDefault] = []
    warnings: list[Problem] = []
    # Ruby's YAML reads a timestamp with no offset as UTC (see ``_as_ruby_reads``); a TOML
    # configuration's local times are left as they are, in the site's time zone.
    yaml = path.suffix.lower() != ".toml"
    for number, entry in enumerate(entries, start=1):
        default = _default(entry, yaml)
        if default is None:
            warnings.append(
                Problem(
                    path,
                    f"entry {number} of `defaults` is left out: it needs a `values` mapping "
                    "and a `scope` with a text `path` and `type`",
                    "write `- scope: {path: _posts, type: posts}` then `values: {layout: post}`",
                )
            )
            continue
        defaults.append(default)
        day = default.values.get("date")
        if isinstance(day, date) and not isinstance(day, datetime):
            warnings.append(
                Problem(
                    path,
                    f"`date` {day.isoformat()} of entry {number} of `defaults` has no time: "
                    "`jekyll build` stops on it (Jekyll 4.3 reads a default date as text "
                    "with a time); feedwright takes it at midnight in the site's time zone",
                    f"write `date: {day.isoformat()} 00:00:00 +0000` (with your offset)",
                )
            )
    return tuple(defaults), warnings


def _as_ruby_reads(value: object) -> Any:
    """``value`` (from a YAML file, and the mappings and lists in it) with each timestamp
    that has no offset (PyYAML makes it a naive datetime) in UTC: Ruby's YAML, and so
    Jekyll, reads ``date: 2020-01-01 20:00:00`` in ``defaults`` as 20:00 UTC, whatever
    the site's ``timezone`` (which then only says in which zone the URL's day is)."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, dict):
        return {key: _as_ruby_reads(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_ruby_reads(item) for item in value]
    return value


def _default(entry: object, yaml: bool = True) -> FrontMatterDefault | None:
    """One entry of ``defaults:``, or None when it is not one Jekyll can use; from a YAML
    file (``yaml``), its timestamps as Ruby reads them."""
    if not isinstance(entry, dict) or not isinstance(entry.get("values"), dict):
        return None
    scope = entry.get("scope", {})
    if not isinstance(scope, dict):
        return None
    scope_path = scope.get("path", "")
    scope_type = scope.get("type")
    if scope_path is None:
        scope_path = ""
    if not isinstance(scope_path, str) or not isinstance(scope_type, str | None):
        return None
    if scope_type is not None:
        scope_type = _OLD_TYPES.get(scope_type, scope_type)
    values = _as_ruby_reads(entry["values"]) if yaml else entry["values"]
    return FrontMatterDefault(path=scope_path, type=scope_type, values=values)


def jekyll_feed_values(path: Path, jekyll: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """The [feeds] values that jekyll-feed's ``feed:`` block sets: ``path`` (the Atom feed's
    file name), ``posts_limit`` and ``excerpt_only``; a warning for each one left out."""
    block = jekyll.get("feed")
    if not isinstance(block, dict):
        return {}, []
    values: dict[str, Any] = {}
    warnings: list[Problem] = []
    name = block.get("path")
    if isinstance(name, str) and _plain_name(name.lstrip("/")):
        values["atom"] = name.lstrip("/")
    elif name is not None:
        warnings.append(
            Problem(
                path,
                f"`feed.path` {name!r} is left out: feedwright writes its feeds in the output "
                "folder, under a plain file name",
                "write `path: feed.xml`, or set atom under [feeds] in feedwright.toml",
            )
        )
    limit = block.get("posts_limit")
    if isinstance(limit, int) and not isinstance(limit, bool) and limit >= 1:
        values["limit"] = limit
    elif limit is not None:
        warnings.append(
            Problem(path, f"`feed.posts_limit` {limit!r} is left out", "write `posts_limit: 10`")
        )
    if "excerpt_only" in block:
        values["summary_only"] = _liquid_true(block["excerpt_only"])
    return values, warnings


def read_entry_lists(
    origin: Callable[[str], Path], jekyll: dict[str, Any]
) -> tuple[tuple[str, ...], tuple[str, ...], list[Problem]]:
    """The ``exclude`` and ``include`` patterns of the Jekyll configuration; ConfigError
    when one is not a list (Jekyll refuses it too), a warning for each entry that is not
    text (Jekyll ignores it). ``origin`` gives the file that set a key."""
    lists: list[tuple[str, ...]] = []
    warnings: list[Problem] = []
    for key in ("exclude", "include"):
        path = origin(key)  # the file that set it
        values = jekyll.get(key)
        if values is None:
            lists.append(())
            continue
        if not isinstance(values, list):
            raise ConfigError(
                path,
                f"`{key}` must be a list, as Jekyll requires, not {values!r}",
                f"write `{key}: [drafts-old, notes/]`",
            )
        lists.append(tuple(value for value in values if isinstance(value, str)))
        warnings.extend(
            Problem(
                path,
                f"{value!r} in `{key}` is left out: a pattern is text, as Jekyll reads it",
                f'quote it: `{key}: ["{value}"]`',
            )
            for value in values
            if not isinstance(value, str)
        )
    return lists[0], lists[1], warnings


def ruby_true(value: object) -> bool:
    """Whether Jekyll (Ruby) takes a configuration value as true: anything but nothing
    and false."""
    return value is not None and value is not False


def _plain_name(name: str) -> bool:
    """True for a file name with no folder in it, as [feeds] takes."""
    return bool(name) and "/" not in name and "\\" not in name and not name.startswith(".")


def _liquid_true(value: object) -> bool:
    """Whether jekyll-feed's ``… | default: …`` takes ``value`` as set: anything but
    nothing, false, and empty text, lists and mappings."""
    if value is None or value is False:
        return False
    return not (isinstance(value, str | list | dict) and not value)


def read_authors(root: Path) -> tuple[dict[str, object], list[Problem]]:
    """The authors by key of ``_data/authors.yml`` (jekyll-feed's ``site.data.authors``),
    and a warning for each entry that is not a name or a mapping with a ``name``."""
    path = next((root / name for name in AUTHORS_DATA if (root / name).is_file()), None)
    if path is None:
        return {}, []
    authors: dict[str, object] = {}
    warnings: list[Problem] = []
    for key, value in read_jekyll_config(path).items():
        try:
            parse_author(value)
        except ValueError as error:
            hint = "write `KEY: {name: Jane Doe, email: jane@example.org}`"
            warnings.append(Problem(path, f"author `{key}` is left out: {error}", hint))
        else:
            authors[str(key)] = value
    return authors, warnings
