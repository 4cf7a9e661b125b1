"""Which engine builds a site, for what feedwright does as that engine does (kramdown's
syntax and typography on a Jekyll site). One place, so that how it is told can change."""

from __future__ import annotations

import functools
from pathlib import Path

from feedwright.site.jekyll import JEKYLL_CONFIG
from feedwright.site.model import Site


def is_jekyll_site(site: Site) -> bool:
    """Whether Jekyll builds the site: it has a ``_config.yml`` in its folder."""
    return _has_jekyll_config(site.root)


@functools.lru_cache(maxsize=64)
def _has_jekyll_config(root: Path) -> bool:
    # Asked for every post: the file system is asked once a site.
    return (root / JEKYLL_CONFIG).is_file()
