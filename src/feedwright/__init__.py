"""feedwright: Markdown blog posts in, Atom/RSS/JSON feeds and an email digest out.

The library's public API is re-exported here::

    import feedwright

    site = feedwright.load_site(Path("my-blog"))
    result = feedwright.build_site(site, feedwright.BuildOptions())

Each stage has its folder, in the order the data flows: ``site`` (the Site) → ``posts``
(the Posts) → ``feeds`` | ``mail`` → ``writer`` (disk) or SMTP; ``commands`` run the
stages in order, ``speed`` holds the shortcuts a build takes, and ``cli`` sits on top.
See ARCHITECTURE.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

# Where each public name lives. They are imported when first used, not here: every run of
# the command line imports this package, and a build that finds nothing changed must not
# pay for the feed and mail libraries.
_PUBLIC = {
    "BuildOptions": "feedwright.commands.build",
    "BuildResult": "feedwright.commands.build",
    "build_site": "feedwright.commands.build",
    "render_site": "feedwright.commands.build",
    "RenderResult": "feedwright.commands.build",
    "DigestOptions": "feedwright.commands.digest",
    "DigestResult": "feedwright.commands.digest",
    "digest_site": "feedwright.commands.digest",
    "SendOptions": "feedwright.commands.send",
    "SendResult": "feedwright.commands.send",
    "send_site": "feedwright.commands.send",
    "check_site": "feedwright.commands.posts",
    "list_site": "feedwright.commands.posts",
    "Collection": "feedwright.posts.collect",
    "collect": "feedwright.posts.collect",
    "Post": "feedwright.posts.model",
    "Site": "feedwright.site.model",
    "load_site": "feedwright.site.config",
    "Speed": "feedwright.speed",
    "FeedwrightError": "feedwright.errors",
    "Problem": "feedwright.errors",
}

__all__ = [
    "BuildOptions",
    "BuildResult",
    "Collection",
    "DigestOptions",
    "DigestResult",
    "FeedwrightError",
    "Post",
    "Problem",
    "RenderResult",
    "SendOptions",
    "SendResult",
    "Site",
    "Speed",
    "__version__",
    "build_site",
    "check_site",
    "collect",
    "digest_site",
    "list_site",
    "load_site",
    "render_site",
    "send_site",
]

if TYPE_CHECKING:
    from feedwright.commands.build import (
        BuildOptions,
        BuildResult,
        RenderResult,
        build_site,
        render_site,
    )
    from feedwright.commands.digest import DigestOptions, DigestResult, digest_site
    from feedwright.commands.posts import check_site, list_site
    from feedwright.commands.send import SendOptions, SendResult, send_site
    from feedwright.errors import FeedwrightError, Problem
    from feedwright.posts.collect import Collection, collect
    from feedwright.posts.model import Post
    from feedwright.site.config import load_site
    from feedwright.site.model import Site
    from feedwright.speed import Speed


def __getattr__(name: str) -> Any:
    """A public name, imported from its module on first use (PEP 562)."""
    if name not in _PUBLIC:
        raise AttributeError(f"module 'feedwright' has no attribute {name!r}")
    return getattr(importlib.import_module(_PUBLIC[name]), name)
