"""Reading a configuration file, TOML, YAML or JSON by its name's ending, into a mapping:
feedwright's own, Jekyll's and Hugo's all go through here, so that each error names the
file, the line where there is one, and what to do."""

from __future__ import annotations

import functools
import json
import tomllib
from pathlib import Path
from typing import Any

from feedwright.errors import ConfigError


def read_config_file(path: Path) -> dict[str, Any]:
    """The mapping a ``.toml``, ``.json`` or YAML file holds (empty when it holds
    anything else, or nothing); ConfigError when it cannot be read or parsed."""
    data = read_structured_file(path)
    return data if isinstance(data, dict) else {}


def read_structured_file(path: Path) -> object:
    """Whatever a ``.toml``, ``.json`` or YAML file holds (a Jekyll data file may hold a
    list); ConfigError when it cannot be read or parsed."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else error
        raise ConfigError(path, f"cannot read: {reason}") from error
    suffix = path.suffix.lower()
    try:
        if suffix == ".toml":
            return _toml(path, text)
        if suffix == ".json":
            return _json(path, text)
        return _yaml(path, text)
    except RecursionError:
        raise ConfigError(
            path, "it is nested too deeply to be read", "nest it less deeply"
        ) from None


def _toml(path: Path, text: str) -> object:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(path, f"invalid TOML: {error}", "fix the syntax at that place") from error


def _json(path: Path, text: str) -> object:
    try:
        return json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as error:
        raise ConfigError(
            path, f"invalid JSON: {error.msg}", "fix the syntax on that line", error.lineno
        ) from error


def _yaml(path: Path, text: str) -> object:
    # Imported here: a build that finds nothing changed reads the configuration and little
    # else, so its imports are the start-up time of every cron run.
    import yaml

    try:
        # A SafeLoader (see _lenient_loader): no Python objects.
        return yaml.load(text, Loader=_lenient_loader())
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else None
        raise ConfigError(
            path, f"invalid YAML: {error.problem}", "fix the syntax on that line", line
        ) from error
    except yaml.YAMLError as error:
        raise ConfigError(path, f"invalid YAML: {error}") from error


@functools.cache
def _lenient_loader() -> type[Any]:
    """PyYAML's safe loader, but for a scalar that looks like a timestamp and is no date
    (``2024-13-40``), which is text, as Ruby's YAML (and so Jekyll) reads it: PyYAML stops
    with a ValueError."""
    import yaml

    class Lenient(yaml.SafeLoader):
        """The safe loader with lenient timestamps."""

    def timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
        try:
            return loader.construct_yaml_timestamp(node)
        except ValueError:
            return loader.construct_scalar(node)

    Lenient.add_constructor("tag:yaml.org,2002:timestamp", timestamp)
    return Lenient
