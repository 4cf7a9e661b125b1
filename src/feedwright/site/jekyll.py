"""A Jekyll site's ``_config.yml``: the keys feedwright takes from it when its own
configuration does not set them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from feedwright.errors import ConfigError

JEKYLL_CONFIG = "_config.yml"
# The keys of ``_config.yml`` that mean the same as in feedwright's [site] table.
JEKYLL_SITE_KEYS = (
    "title", "description", "url", "baseurl", "author", "lang", "timezone", "permalink",
    "excerpt_separator",
)  # fmt: skip


def read_jekyll_config(path: Path) -> dict[str, Any]:
    """The mapping of a Jekyll ``_config.yml`` (empty when it holds anything else);
    ConfigError, with the line, when it is not valid YAML."""
    # Imported here: a build that finds nothing changed reads the
    # configuration and little else, so its imports are the start-up time of every cron run.
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else None
        raise ConfigError(
            path, f"invalid YAML: {error.problem}", "fix the syntax on that line", line
        ) from error
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ConfigError(path, f"cannot read: {error}") from error
    return data if isinstance(data, dict) else {}


def jekyll_site_values(jekyll: dict[str, Any]) -> dict[str, Any]:
    """The values of ``JEKYLL_SITE_KEYS`` that ``_config.yml`` sets (null and empty ones
    count as unset), with the site's ``name`` as its title when it has no ``title``, as
    jekyll-feed takes it (``site.title | default: site.name``)."""
    values = {key: jekyll[key] for key in JEKYLL_SITE_KEYS if jekyll.get(key) not in (None, "")}
    if "title" not in values and jekyll.get("name") not in (None, "", False):
        values["title"] = jekyll["name"]
    return values
