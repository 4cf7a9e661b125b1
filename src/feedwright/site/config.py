"""Load a Site from ``feedwright.toml``, falling back to a Jekyll ``_config.yml`` or a Hugo
``hugo.toml`` (``config.toml``, ``config/_default/``…)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from feedwright.errors import ConfigError, Problem
from feedwright.site.addresses import control_character, parse_address
from feedwright.site.config_files import read_config_file
from feedwright.site.hugo import (
    hugo_config_file,
    hugo_feed_values,
    hugo_settings,
    hugo_site_values,
    read_hugo_config,
)
from feedwright.site.jekyll import (
    JEKYLL_EXCERPT_SEPARATOR,
    JEKYLL_FEED_FILE,
    JekyllConfig,
    jekyll_config_files,
    jekyll_feed_values,
    jekyll_site_values,
    markdown_ext_warnings,
    markdown_suffixes,
    read_authors,
    read_defaults,
    read_entry_lists,
    read_jekyll_configs,
    ruby_true,
)
from feedwright.site.model import (
    DEFAULT_ACCENT,
    DEFAULT_SUBJECT,
    DIGEST_COLUMN_WIDTH,
    DIGEST_CONTENTS,
    DIGEST_LAYOUTS,
    PREVIEW_FILES,
    SMTP_SECURITY,
    STYLESHEET_FILE,
    Author,
    DigestSettings,
    FeedSettings,
    Logo,
    Site,
    SmtpSettings,
    group_feed_suffix,
    site_timezone,
)
from feedwright.site.subject import check_subject_template
from feedwright.site.values import (
    WEB_URL_HINT,
    normalise_lang,
    not_a_web_url,
    parse_author,
    with_web_uri,
)

CONFIG_NAME = "feedwright.toml"

_SITE_KEYS = {
    "title", "url", "baseurl", "description", "author", "lang", "timezone", "permalink",
    "posts", "output", "excerpt_separator", "excerpt_length", "jekyll_config",
}  # fmt: skip
_FEED_KEYS = {
    "limit", "summary_only", "by", "stylesheet", "atom", "rss", "json", "id_scheme",
    "max_content_mb",
}  # fmt: skip
_DIGEST_KEYS = {
    "subject", "from", "reply_to", "unsubscribe_url", "unsubscribe_mailto", "max_posts",
    "excerpt_length", "templates", "preview", "logo", "layout", "content", "accent", "address",
    "archive",
}  # fmt: skip
_SMTP_KEYS = {
    "host",
    "port",
    "security",
    "username",
    "timeout",
    "ca_file",
    "connections",
    "per_second",
    "per_hour",
    "pipelining",
}
# More sessions than this gain nothing on one machine and look like abuse to a relay.
MAX_SMTP_CONNECTIONS = 32
_TABLES = {
    "site": _SITE_KEYS,
    "feeds": _FEED_KEYS,
    "digest": _DIGEST_KEYS,
    "smtp": _SMTP_KEYS,
    "recipients": {"to", "file"},
    "state": {"path"},
}
_DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
_FEED_GROUPS = {"category", "tag"}
_ID_SCHEMES = {"jekyll", "url", "tag"}


def _check_keys(path: Path, data: Mapping[str, Any]) -> None:
    """Unknown tables and keys are errors, so a typo never silently does nothing."""
    for table, value in data.items():
        if table not in _TABLES or not isinstance(value, Mapping):
            raise ConfigError(path, f"unknown table [{table}]", _suggest(table, _TABLES.keys()))
        if table == "smtp" and "password" in value:
            raise ConfigError(
                path,
                "a password in the configuration file is not accepted",
                "remove it and set the environment variable FEEDWRIGHT_SMTP_PASSWORD instead",
            )
        for key in value:
            if key not in _TABLES[table]:
                raise ConfigError(
                    path, f"unknown key `{key}` in [{table}]", _suggest(key, _TABLES[table])
                )


def _suggest(word: str, choices: Any) -> str:
    import difflib

    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f"did you mean `{close[0]}`?" if close else f"known names: {', '.join(sorted(choices))}"


def _author(value: Any, path: Path, site_url: str) -> tuple[Author | None, list[Problem]]:
    """The site's author, and a warning when its uri, not a web address, was left out (as
    from a post's author: a feed takes only http(s) URLs)."""
    try:
        author = parse_author(value)
    except ValueError as error:
        raise ConfigError(path, str(error), 'write author = "Jane Doe"') from error
    if author is None:
        return None, []
    if author.email:
        _check_address(path, "site", "author.email", author.email)
    author, left_out = with_web_uri(author, site_url + "/")
    if left_out is None:
        return author, []
    return author, [Problem(path, not_a_web_url("the uri of `author`", left_out), WEB_URL_HINT)]


def _typed(path: Path, table: str, key: str, value: Any, kind: type | tuple[type, ...]) -> Any:
    if (isinstance(value, bool) and kind is int) or not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ConfigError(path, f"`{key}` in [{table}] must be {names}, not {value!r}")
    return value


def load_site(
    root: Path,
    config: Path | None = None,
    *,
    output: Path | None = None,
    jekyll_configs: Sequence[Path] | None = None,
) -> Site:
    """Read the site configuration of the folder ``root``.

    Values come from ``config`` (default ``root/feedwright.toml``), then from the site's
    Jekyll configuration, else from a Hugo configuration, then from defaults. The Jekyll
    configuration is read from ``jekyll_configs`` (the CLI's ``--jekyll-config``) when
    given, else from the files ``jekyll_config`` in [site] names, else from the first of
    ``_config.yml``, ``_config.yaml`` and ``_config.toml`` in ``root``, as Jekyll reads it.
    ``output`` (the CLI's ``--output``) overrides the configured output folder. Raises
    ConfigError for anything unusable, naming the file the value came from.
    """
    if not root.is_dir():
        raise ConfigError(
            root, "the site folder does not exist", "pass the folder that holds your posts"
        )
    config_path = config or root / CONFIG_NAME
    data: dict[str, Any] = {}
    if config_path.exists():
        data = read_config_file(config_path)
        _check_keys(config_path, data)
    elif config is not None:
        raise ConfigError(config, "the configuration file does not exist")
    site_table: dict[str, Any] = dict(data.get("site", {}))
    jekyll_site = read_jekyll_configs(
        _jekyll_config_files(root, config_path, site_table, jekyll_configs)
    )
    jekyll = jekyll_site.values
    for key, value in jekyll_site_values(jekyll).items():
        site_table.setdefault(key, value)
    is_jekyll = bool(jekyll_site.files)
    # The engine is decided here, once: a Jekyll configuration makes a Jekyll site, whatever
    # else.
    hugo_path = None if is_jekyll else hugo_config_file(root)
    engine = "jekyll" if is_jekyll else "hugo" if hugo_path else ""
    hugo = read_hugo_config(root) if hugo_path else {}
    for key, value in hugo_site_values(hugo).items():
        site_table.setdefault(key, value)
    origin = _Origins(config_path, frozenset(data.get("site", {})), jekyll_site, hugo_path)
    # Checked in this order, so that of several mistakes the first one named stays the same.
    # A url of feedwright.toml stands in for a Hugo site's baseURL, whatever that is.
    from_hugo = hugo_path if "url" not in data.get("site", {}) else None
    title, url, warnings = _title_and_url(origin, site_table, engine, from_hugo)
    timezone = _timezone(origin("timezone"), str(site_table.get("timezone", "UTC")))
    lang = _lang(origin("lang"), str(site_table.get("lang", "en")))
    jekyll_feeds, feed_warnings = jekyll_feed_values(origin("feed"), jekyll)
    # A Jekyll site's ids are jekyll-feed's unless [feeds] says otherwise.
    id_scheme = "jekyll" if is_jekyll else FeedSettings.id_scheme
    hugo_feeds = hugo_feed_values(hugo) if hugo_path else {}
    feeds_table = data.get("feeds", {})
    feeds = _feed_settings(
        config_path,
        {
            "id_scheme": id_scheme,
            **(_jekyll_feed_name(feeds_table) if is_jekyll else {}),
            **jekyll_feeds,
            **hugo_feeds,
            **feeds_table,
        },
    )
    excerpt_length = _typed(
        config_path, "site", "excerpt_length", site_table.get("excerpt_length", 200), int
    )
    output_dir = Path(str(site_table.get("output", "out")))
    author, author_warnings = _author(site_table.get("author"), origin("author"), url)
    defaults, default_warnings = read_defaults(origin("defaults"), jekyll)
    authors, authors_warnings = read_authors(root) if is_jekyll else ({}, [])
    exclude, include, list_warnings = read_entry_lists(origin, jekyll)
    site = Site(
        root=root,
        title=title,
        url=url,
        description=str(site_table.get("description") or ""),
        author=author,
        lang=lang,
        lang_set="lang" in site_table,
        timezone=timezone,
        permalink=_typed(
            origin("permalink"),
            "site",
            "permalink",
            site_table.get("permalink", "date"),
            str,
        ),
        posts=_typed(config_path, "site", "posts", site_table.get("posts", ""), str),
        output=output_dir if output_dir.is_absolute() else root / output_dir,
        excerpt_separator=str(
            site_table.get(
                "excerpt_separator", JEKYLL_EXCERPT_SEPARATOR if is_jekyll else "<!--more-->"
            )
        ),
        excerpt_length=excerpt_length,
        markdown_suffixes=markdown_suffixes(jekyll) if is_jekyll else (".md", ".markdown"),
        feeds=feeds,
        digest=_digest_settings(
            config_path, root, data.get("digest", {}), excerpt_length, (url, title)
        ),
        smtp=_smtp_settings(config_path, root, data.get("smtp", {})),
        recipients=_recipient_list(config_path, data.get("recipients", {})),
        recipients_file=_site_path(config_path, root, "recipients", "file", data),
        state_file=_site_path(config_path, root, "state", "path", data),
        config_path=config_path if config_path.exists() else None,
        jekyll_configs=jekyll_site.files,
        # Jekyll's show_drafts and future, or Hugo's buildDrafts and buildFuture.
        show_drafts=ruby_true(jekyll.get("show_drafts")) or hugo.get("builddrafts") is True,
        future=ruby_true(jekyll.get("future")) or hugo.get("buildfuture") is True,
        exclude=exclude,
        include=include,
        defaults=defaults,
        authors=authors,
        warnings=tuple(
            warnings
            + feed_warnings
            + author_warnings
            + default_warnings
            + authors_warnings
            + list_warnings
            + markdown_ext_warnings(origin("markdown_ext"), jekyll)
        ),
        engine=engine,
        hugo=(
            hugo_settings(hugo_path, hugo, title, lang, str(site_table.get("description") or ""))
            if hugo_path
            else None
        ),
    )
    if site.excerpt_length < 10:
        raise ConfigError(config_path, "`excerpt_length` must be at least 10")
    check_output_names(site)
    return replace(site, output=output) if output is not None else site


@dataclass(frozen=True)
class _Setting:
    """A key of the configuration, for the messages that name it."""

    key: str
    table: str

    def __str__(self) -> str:
        return f"`{self.key}` in [{self.table}]"


def _settings_file(site: Site) -> Path:
    """The file a site's settings come from: feedwright.toml, else the (last) Jekyll
    configuration file, else the Hugo configuration."""
    if site.config_path or site.jekyll_configs:
        return site.config_path or site.jekyll_configs[-1]
    return hugo_config_file(site.root) or site.root


@dataclass(frozen=True)
class _Origins:
    """Which file each [site] value came from, for the messages about it: feedwright.toml
    when its [site] sets the key, else the Jekyll configuration file that set it, else
    the file where it belongs (feedwright.toml if there is one, else the last Jekyll
    configuration file, else the Hugo one)."""

    config_path: Path
    site_keys: frozenset[str]
    jekyll: JekyllConfig
    hugo_path: Path | None = None

    def __call__(self, key: str) -> Path:
        if key in self.site_keys:
            return self.config_path
        if key in self.jekyll.origins:
            return self.jekyll.origins[key]
        if self.config_path.exists():
            return self.config_path
        return self.jekyll.origin(key) or self.hugo_path or self.config_path


def _jekyll_config_files(
    root: Path, config_path: Path, site_table: Mapping[str, Any], given: Sequence[Path] | None
) -> tuple[Path, ...]:
    """The Jekyll configuration files to read: ``given`` (the command line's), else those
    of ``jekyll_config`` in [site] (relative to the site folder), else Jekyll's default."""
    if given:
        return tuple(given)
    names = site_table.get("jekyll_config")
    if names is None:
        return jekyll_config_files(root)
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
        raise ConfigError(
            config_path,
            f"`jekyll_config` in [site] must be a file name or a list of them, not {names!r}",
            'write jekyll_config = ["_config.yml", "_config_dev.yml"]',
        )
    return tuple(Path(name) if Path(name).is_absolute() else root / name for name in names)


def _jekyll_feed_name(feeds_table: Mapping[str, Any]) -> dict[str, Any]:
    """A Jekyll site's Atom feed is where jekyll-feed writes its own, ``feed.xml``, so that
    its subscribers keep theirs; unless [feeds] gives that name to the RSS or JSON feed."""
    if JEKYLL_FEED_FILE in (feeds_table.get("rss"), feeds_table.get("json")):
        return {}
    return {"atom": JEKYLL_FEED_FILE}


def check_output_names(site: Site) -> None:
    """ConfigError when two of the files a build writes would have one name, so that one
    would overwrite the other: two feeds, a feed and the stylesheet or a file of the digest
    preview, or, with feeds per category and tag, two feeds' extensions. Names that differ
    only in case count as one: they are one file on macOS and Windows."""
    feeds = site.feeds
    names = [(_Setting(key, "feeds"), getattr(feeds, key)) for key in ("atom", "rss", "json")]
    others = list(names)
    if feeds.stylesheet:
        others.append((_Setting("stylesheet", "feeds"), STYLESHEET_FILE))
    if site.digest.preview:
        others.extend((_Setting("preview", "digest"), name) for name in PREVIEW_FILES)
    clash = _first_clash(others)
    if clash is not None:
        first, second, name = clash
        raise ConfigError(
            _settings_file(site),
            f"{_both(first, second)} name the file {name!r}: one would overwrite the other",
            f"give `{first.key}` a file name of its own",
        )
    clash = _first_clash([(key, group_feed_suffix(name)) for key, name in names])
    if clash is not None and feeds.by:
        first, second, suffix = clash
        raise ConfigError(
            _settings_file(site),
            f"{_both(first, second)} end in {suffix}: their feeds per category and tag "
            f"(such as tag/NAME{suffix}) would overwrite each other",
            f"give `{second.key}` another extension",
        )


def _first_clash(
    settings: list[tuple[_Setting, str]],
) -> tuple[_Setting, _Setting, str] | None:
    """The first two settings with one file name (in any case), and the name; None when
    every name differs."""
    seen: dict[str, _Setting] = {}
    for setting, name in settings:
        first = seen.setdefault(name.casefold(), setting)
        if first != setting:
            return first, setting, name
    return None


def _both(first: _Setting, second: _Setting) -> str:
    """ "`atom` and `rss` in [feeds] both", or with two tables, each with its own."""
    if first.table == second.table:
        return f"`{first.key}` and `{second.key}` in [{first.table}] both"
    return f"{first} and {second} both"


def _title_and_url(
    origin: _Origins, site_table: Mapping[str, Any], engine: str, hugo_path: Path | None
) -> tuple[str, str, list[Problem]]:
    """The site's title and URL, and the warning when the title fell back to the address.

    A Jekyll or Hugo site builds with no title (jekyll-feed, and Hugo, then write a feed
    without one, and readers show its address instead), so there the address stands in
    for it. ``hugo_path``: a Hugo site's configuration file, which its errors name.
    """
    title = site_table.get("title")
    url = site_table.get("url")
    url_source = origin("url")
    jekyll_file = origin.jekyll.files[-1] if origin.jekyll.files else None
    if hugo_path is not None:
        _check_base_url(hugo_path, url)
    if engine and (title is None or (isinstance(title, str) and not title.strip())):
        url = _site_url(url_source, url, site_table.get("baseurl"), jekyll_file)
        address = urlsplit(url)
        fallback = address.netloc + address.path
        source = origin("title")
        warning = Problem(
            source,
            f"the site has no title (nor name); its feeds are titled {fallback!r}, as feed "
            "readers show jekyll-feed's feed with no title",
            f"add `title: My blog` to {source.name}",
        )
        if engine == "hugo":
            warning = Problem(
                source,
                f"the site has no title; its feeds are titled {fallback!r}, as feed readers "
                "show Hugo's feed with no title",
                'add title = "My blog" to the site configuration',
            )
        return fallback, url, [warning]
    title = _title(origin("title"), title)
    return (
        title,
        _site_url(url_source, url, site_table.get("baseurl"), jekyll_file),
        [],
    )


def _check_base_url(hugo_path: Path, url: object) -> None:
    """ConfigError, naming a Hugo site's file and its key, when its ``baseURL`` is missing
    or not an absolute http(s) URL (``baseURL = "/"``, as for a local preview)."""
    hint = f'add baseURL = "https://example.org/" to {hugo_path.name}'
    if url is None or url == "":
        raise ConfigError(
            hugo_path, "the site has no `baseURL`: feeds need the public address of the site", hint
        )
    address = urlsplit(url) if isinstance(url, str) else None
    if address is None or address.scheme not in ("http", "https") or not address.netloc:
        raise ConfigError(
            hugo_path,
            f"`baseURL` {url!r} is not an absolute http(s) URL: feeds need the public address "
            "of the site",
            f"{hint}, or url under [site] in {CONFIG_NAME}",
        )


def _title(source: Path, title: object) -> str:
    """The site's title: required, on one line."""
    if not isinstance(title, str) or not title.strip():
        raise ConfigError(
            source, "the site has no title", f'add title = "My blog" under [site] in {CONFIG_NAME}'
        )
    if control_character(title) is not None:
        raise ConfigError(
            source,
            f"the site title {title!r} contains a control character (a newline, a tab…)",
            "write the title on one line, with plain spaces",
        )
    return title.strip()


def _site_url(source: Path, url: object, baseurl: object, jekyll_site: Path | None) -> str:
    """The site's public address, an absolute http(s) URL, with ``baseurl`` appended
    (``jekyll_site``: the site's last Jekyll configuration file, if it has one)."""
    if url is None or url == "":
        raise ConfigError(
            source,
            "the site has no `url`: feeds need the public address of the site",
            f"add `url: https://example.org` to {jekyll_site.name}"
            if jekyll_site
            else f'add url = "https://example.org" under [site] in {CONFIG_NAME}',
        )
    if (
        not isinstance(url, str)
        or urlsplit(url).scheme not in ("http", "https")
        or not urlsplit(url).netloc
    ):
        raise ConfigError(
            source,
            f"the site url {url!r} is not an absolute http(s) URL",
            f'add url = "https://example.org" under [site] in {CONFIG_NAME}',
        )
    path = str(baseurl or "").strip("/")
    return url.rstrip("/") + ("/" + path if path else "")


def _timezone(source: Path, name: str) -> str:
    """The name of the site's time zone, checked."""
    try:
        site_timezone(name)
    except ValueError as error:
        raise ConfigError(
            source, str(error), 'use an IANA name such as "Asia/Tokyo" or "UTC"'
        ) from error
    return name


def _lang(source: Path, value: str) -> str:
    """The site's language as a BCP 47 tag (``ja_JP`` is taken as ``ja-JP``)."""
    lang = normalise_lang(value)
    if lang is None:
        raise ConfigError(
            source, f"`lang` {value!r} is not a language tag", 'write lang = "ja" or "en-US"'
        )
    return lang


def _feed_settings(path: Path, table: Mapping[str, Any]) -> FeedSettings:
    defaults = FeedSettings()
    by = table.get("by", [])
    if isinstance(by, str):
        by = [part.strip() for part in by.split(",") if part.strip()]
    by = parse_groups(by, path)
    limit = _typed(path, "feeds", "limit", table.get("limit", defaults.limit), int)
    if limit < 1:
        raise ConfigError(path, "`limit` in [feeds] must be at least 1")
    id_scheme = _typed(path, "feeds", "id_scheme", table.get("id_scheme", defaults.id_scheme), str)
    if id_scheme not in _ID_SCHEMES:
        raise ConfigError(
            path, f"`id_scheme` must be one of {sorted(_ID_SCHEMES)}, not {id_scheme!r}"
        )
    max_content_mb = _typed(
        path, "feeds", "max_content_mb", table.get("max_content_mb", defaults.max_content_mb),
        (int, float),
    )  # fmt: skip
    if not max_content_mb > 0:
        raise ConfigError(
            path, f"`max_content_mb` in [feeds] must be more than 0, not {max_content_mb!r}"
        )
    names = {}
    for key in ("atom", "rss", "json"):
        name = _typed(path, "feeds", key, table.get(key, getattr(defaults, key)), str)
        if not name or "/" in name or "\\" in name or name.startswith("."):
            raise ConfigError(path, f"`{key}` in [feeds] must be a plain file name, not {name!r}")
        names[key] = name
    return FeedSettings(
        limit=limit,
        summary_only=_typed(path, "feeds", "summary_only", table.get("summary_only", False), bool),
        by=by,
        stylesheet=_typed(path, "feeds", "stylesheet", table.get("stylesheet", True), bool),
        id_scheme=id_scheme,
        max_content_mb=max_content_mb,
        **names,
    )


def _optional_text(path: Path, table: str, key: str, values: Mapping[str, Any]) -> str | None:
    value = values.get(key)
    if value is None:
        return None
    text = _typed(path, table, key, value, str).strip()
    return text or None


def _site_path(
    path: Path, root: Path, table: str, key: str, data: Mapping[str, Any]
) -> Path | None:
    """A path from the config; relative paths are relative to the site folder."""
    text = _optional_text(path, table, key, data.get(table, {}))
    if text is None:
        return None
    return Path(text) if Path(text).is_absolute() else root / text


def _check_address(path: Path, table: str, key: str, text: str) -> str:
    try:
        parse_address(text)
    except ValueError as error:
        raise ConfigError(
            path, f"`{key}` in [{table}]: {error}", 'write "Name <name@example.org>"'
        ) from error
    return text


def _digest_settings(
    path: Path,
    root: Path,
    table: Mapping[str, Any],
    site_excerpt_length: int,
    site_url_and_title: tuple[str, str],
) -> DigestSettings:
    subject = _typed(path, "digest", "subject", table.get("subject", DEFAULT_SUBJECT), str)
    try:
        check_subject_template(subject)
    except ValueError as error:
        raise ConfigError(path, f"`subject` in [digest]: {error}") from error
    sender = _optional_text(path, "digest", "from", table)
    reply_to = _optional_text(path, "digest", "reply_to", table)
    unsubscribe_url = _optional_text(path, "digest", "unsubscribe_url", table)
    if unsubscribe_url is not None:
        _check_unsubscribe_url(path, unsubscribe_url)
    mailto = _optional_text(path, "digest", "unsubscribe_mailto", table)
    max_posts = _typed(path, "digest", "max_posts", table.get("max_posts", 10), int)
    excerpt_length = _typed(
        path, "digest", "excerpt_length", table.get("excerpt_length", site_excerpt_length), int
    )
    if max_posts < 1 or excerpt_length < 10:
        raise ConfigError(
            path, "`max_posts` in [digest] must be at least 1 and `excerpt_length` at least 10"
        )
    return DigestSettings(
        subject=subject,
        sender=_check_address(path, "digest", "from", sender) if sender else None,
        reply_to=_check_address(path, "digest", "reply_to", reply_to) if reply_to else None,
        unsubscribe_url=unsubscribe_url,
        unsubscribe_mailto=(
            _check_address(path, "digest", "unsubscribe_mailto", mailto) if mailto else None
        ),
        max_posts=max_posts,
        excerpt_length=excerpt_length,
        templates=_site_path(path, root, "digest", "templates", {"digest": table}),
        preview=_typed(path, "digest", "preview", table.get("preview", True), bool),
        logo=_logo(path, table.get("logo"), *site_url_and_title),
        layout=_choice(path, "layout", table.get("layout", "featured"), DIGEST_LAYOUTS),
        content=_choice(path, "content", table.get("content", "excerpt"), DIGEST_CONTENTS),
        accent=_accent(path, table.get("accent", DEFAULT_ACCENT)),
        address=_postal_address(path, table.get("address")),
        archive=_typed(path, "digest", "archive", table.get("archive", False), bool),
    )


def _choice(path: Path, key: str, value: object, choices: tuple[str, ...]) -> str:
    """A [digest] value that must be one of a few words."""
    if value not in choices:
        raise ConfigError(
            path,
            f"`{key}` in [digest] must be one of {', '.join(map(repr, choices))}, not {value!r}",
        )
    return str(value)


_HEX_COLOUR = re.compile(r"#(?:[0-9A-Fa-f]{3}){1,2}")


def _accent(path: Path, value: object) -> str:
    """The accent colour as ``#rrggbb`` (``#abc`` is taken as ``#aabbcc``): a hex colour
    only, since it goes into CSS and into the attributes Outlook reads."""
    if not isinstance(value, str) or not _HEX_COLOUR.fullmatch(value):
        raise ConfigError(
            path,
            f"`accent` in [digest] must be a hex colour, not {value!r}",
            'write accent = "#1d4ed8"',
        )
    digits = value[1:]
    if len(digits) == 3:
        digits = "".join(digit * 2 for digit in digits)
    return "#" + digits.lower()


def _postal_address(path: Path, value: object) -> str | None:
    """The sender's postal address: lines of text (a newline or `\n` between them)."""
    if value is None:
        return None
    text = _typed(path, "digest", "address", value, str)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    if any(control_character(line) is not None for line in lines):
        raise ConfigError(
            path,
            "`address` in [digest] contains a control character",
            "write its lines with plain spaces, a newline between them",
        )
    return "\n".join(line for line in lines if line) or None


_LOGO_EXAMPLE = 'write logo = { url = "/img/logo.png", width = 160, height = 40, alt = "My blog" }'


def _logo(path: Path, value: object, site_url: str, site_title: str) -> Logo | None:
    """The masthead image: its URL made absolute against the site's, an http(s) URL; its
    width and height (an email image always has both, so that nothing moves as it loads,
    and Outlook needs the width); its alt text (default: the site title)."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ConfigError(path, f"`logo` in [digest] must be a table, not {value!r}", _LOGO_EXAMPLE)
    unknown = sorted(set(value) - {"url", "width", "height", "alt"})
    if unknown:
        raise ConfigError(path, f"unknown key `{unknown[0]}` in `logo` in [digest]", _LOGO_EXAMPLE)
    url = urljoin(site_url + "/", str(_typed(path, "digest", "logo.url", value.get("url"), str)))
    if urlsplit(url).scheme not in ("http", "https") or control_character(url) is not None:
        raise ConfigError(path, f"`logo.url` in [digest] {url!r} is not an http(s) URL")
    sizes = []
    for key in ("width", "height"):
        size = _typed(path, "digest", f"logo.{key}", value.get(key), int)
        if not 0 < size <= DIGEST_COLUMN_WIDTH:
            raise ConfigError(
                path,
                f"`logo.{key}` in [digest] must be 1–{DIGEST_COLUMN_WIDTH} pixels, not {size}",
                "give the size the email shows it at (the image itself may be twice as big)",
            )
        sizes.append(size)
    alt = _typed(path, "digest", "logo.alt", value.get("alt", site_title), str)
    return Logo(url=url, width=sizes[0], height=sizes[1], alt=" ".join(alt.split()))


def _check_unsubscribe_url(path: Path, url: str) -> None:
    """The URL goes into the List-Unsubscribe header between < and >, so it must be a plain
    https URL: no spaces, no control characters, nothing that ends or splits the header."""
    example = 'write unsubscribe_url = "https://example.org/unsubscribe?email={email}"'
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc:
        raise ConfigError(path, f"`unsubscribe_url` {url!r} is not an https URL", example)
    unsafe = sorted({char for char in url if char in ' <>",\\' or control_character(char)})
    if unsafe:
        raise ConfigError(
            path,
            f"`unsubscribe_url` {url!r} contains {' '.join(map(repr, unsafe))}",
            "percent-encode them (a space is %20, a comma %2C)",
        )


# A host name (ASCII letters, digits, dots, hyphens) or an IPv4 or IPv6 address.
_HOST = re.compile(r"[A-Za-z0-9.-]+|[0-9A-Fa-f:.]+")


def _smtp_settings(path: Path, root: Path, table: Mapping[str, Any]) -> SmtpSettings:
    security = _typed(path, "smtp", "security", table.get("security", "starttls"), str)
    if security not in SMTP_SECURITY:
        raise ConfigError(
            path,
            f"`security` in [smtp] must be one of {', '.join(SMTP_SECURITY)}, not {security!r}",
        )
    port = _typed(path, "smtp", "port", table.get("port", _DEFAULT_PORTS[security]), int)
    timeout = _typed(path, "smtp", "timeout", table.get("timeout", 60), (int, float))
    if not 0 < port < 65536 or timeout <= 0:
        raise ConfigError(path, "`port` in [smtp] must be 1–65535 and `timeout` positive")
    host = _typed(path, "smtp", "host", table.get("host", "localhost"), str).strip()
    if not _HOST.fullmatch(host):
        raise ConfigError(
            path,
            f"`host` in [smtp] {host!r} is not a host name",
            'write host = "smtp.example.org" (an international name in its xn-- form)',
        )
    per_second, per_hour = _smtp_limits(path, table)
    return SmtpSettings(
        host=host,
        port=port,
        security=security,
        username=_optional_text(path, "smtp", "username", table),
        timeout=float(timeout),
        ca_file=_site_path(path, root, "smtp", "ca_file", {"smtp": table}),
        connections=_smtp_connections(path, table),
        per_second=per_second,
        per_hour=per_hour,
        pipelining=_typed(path, "smtp", "pipelining", table.get("pipelining", True), bool),
    )


def _smtp_connections(path: Path, table: Mapping[str, Any]) -> int:
    """``connections`` in [smtp]: how many sessions send at once."""
    connections: int = _typed(path, "smtp", "connections", table.get("connections", 4), int)
    if not 1 <= connections <= MAX_SMTP_CONNECTIONS:
        raise ConfigError(
            path,
            f"`connections` in [smtp] must be 1–{MAX_SMTP_CONNECTIONS}, not {connections}",
            "most relays allow a few sessions at once; 4 is the default",
        )
    return connections


def _smtp_limits(path: Path, table: Mapping[str, Any]) -> tuple[float | None, int | None]:
    """``per_second`` and ``per_hour`` in [smtp]: the relay's limits, None when unset."""
    per_second = table.get("per_second")
    if per_second is not None:
        per_second = float(_typed(path, "smtp", "per_second", per_second, (int, float)))
    per_hour = table.get("per_hour")
    if per_hour is not None:
        per_hour = _typed(path, "smtp", "per_hour", per_hour, int)
    if (per_second is not None and per_second <= 0) or (per_hour is not None and per_hour < 1):
        raise ConfigError(
            path,
            "`per_second` and `per_hour` in [smtp] must be positive",
            "write your relay's limits (per_second = 14, per_hour = 50000), or leave them out",
        )
    return per_second, per_hour


def _recipient_list(path: Path, table: Mapping[str, Any]) -> tuple[str, ...]:
    values = table.get("to", [])
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list):
        raise ConfigError(path, "`to` in [recipients] must be a list of addresses")
    return tuple(_check_address(path, "recipients", "to", str(value)) for value in values)


def with_feed_groups(site: Site, values: Any) -> Site:
    """``site`` with feeds per category and/or tag as ``values`` says (see
    ``parse_groups``; the command line's ``--by``), its file names checked again."""
    site = replace(site, feeds=replace(site.feeds, by=parse_groups(values)))
    check_output_names(site)
    return site


def parse_groups(values: Any, path: Path | None = None) -> tuple[str, ...]:
    """Check a list of per-group feed kinds (``category``, ``tag``; plurals accepted)."""
    if not isinstance(values, list | tuple):
        raise ConfigError(path, '`by` must be a list such as ["category", "tag"]')
    groups = []
    for value in values:
        name = str(value).strip().lower().removesuffix("s").replace("categorie", "category")
        if name not in _FEED_GROUPS:
            raise ConfigError(
                path, f"cannot make feeds by {value!r}", 'use "category" and/or "tag"'
            )
        groups.append(name)
    return tuple(dict.fromkeys(groups))
