"""A Hugo site's configuration: the keys feedwright takes from it when its own
configuration does not set them.

Hugo reads ``hugo.toml|yaml|json`` (else ``config.toml|yaml|json``) in the site folder,
merged over the files of ``config/_default/``, and its keys are case-insensitive: every
key is lowercased here, as Hugo does, so ``baseURL``, ``baseurl`` and ``BaseURL`` are one.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from feedwright.errors import ConfigError
from feedwright.site.config_files import read_config_file
from feedwright.site.model import GOLDMARK, ContentMount, HugoSettings, Language, MarkdownFlavour
from feedwright.site.values import normalise_lang

# The site's own configuration file, in Hugo's order: the first one found is read.
HUGO_CONFIG_NAMES = tuple(
    f"{stem}.{suffix}" for stem in ("hugo", "config") for suffix in ("toml", "yaml", "yml", "json")
)
# The folder whose files Hugo merges under the site's configuration file.
CONFIG_FOLDER = "config/_default"
_SUFFIXES = (".toml", ".yaml", ".yml", ".json")
# The files of the config folder that hold the root of the configuration; any other file
# holds the key it is named after (params.toml holds [params]).
_ROOT_STEMS = ("hugo", "config")


def hugo_config_file(root: Path) -> Path | None:
    """The configuration file of a Hugo site in ``root`` (in the site folder, else in
    ``config/_default/``), or the config folder when that holds only other files; None
    when ``root`` is no Hugo site."""
    for name in HUGO_CONFIG_NAMES:
        if (root / name).is_file():
            return root / name
    folder = root / CONFIG_FOLDER
    if not folder.is_dir():
        return None
    for name in HUGO_CONFIG_NAMES:
        if (folder / name).is_file():
            return folder / name
    return folder if any(_config_files(folder)) else None


def _config_files(folder: Path) -> list[Path]:
    """The configuration files of ``config/_default/``, in name order."""
    return sorted(path for path in folder.iterdir() if path.suffix in _SUFFIXES and path.is_file())


def read_hugo_config(root: Path) -> dict[str, Any]:
    """A Hugo site's configuration, merged as Hugo merges it and with every key lowercased:
    the files of ``config/_default/`` (``params.toml`` as ``[params]``, ``menus.en.toml``
    as ``[languages.en.menus]``), then the site folder's own file over them."""
    merged: dict[str, Any] = {}
    folder = root / CONFIG_FOLDER
    if folder.is_dir():
        for path in _config_files(folder):
            stem = path.stem.lower()
            data = _read(path)
            if stem in _ROOT_STEMS:
                merged = _merge(merged, data)
            elif "." in stem:
                key, language = stem.split(".", 1)
                merged = _merge(merged, {"languages": {language: {key: data}}})
            else:
                merged = _merge(merged, {stem: data})
    own = next((root / name for name in HUGO_CONFIG_NAMES if (root / name).is_file()), None)
    if own is not None:
        merged = _merge(merged, _read(own))
    return merged


def _merge(base: Mapping[str, Any], other: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``other``'s keys over it; two mappings are merged key by key."""
    merged = dict(base)
    for key, value in other.items():
        old = merged.get(key)
        merged[key] = (
            _merge(old, value) if isinstance(old, dict) and isinstance(value, dict) else value
        )
    return merged


def _lowercased(value: Any) -> Any:
    """``value`` with the keys of every mapping in it lowercased, as Hugo reads them."""
    if isinstance(value, dict):
        return {str(key).lower(): _lowercased(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_lowercased(item) for item in value]
    return value


def _read(path: Path) -> dict[str, Any]:
    """One configuration file's mapping, its keys lowercased; ConfigError when it does not
    parse."""
    return {str(key).lower(): _lowercased(value) for key, value in read_config_file(path).items()}


def hugo_site_values(config: Mapping[str, Any]) -> dict[str, Any]:
    """The [site] values a Hugo configuration sets: ``title``, ``baseURL`` as ``url``,
    ``timeZone``, ``params.description`` and ``params.author`` (where Hugo themes read
    them; the old top-level ``author`` too), and ``languageCode``. The default language's
    own values (under ``[languages.en]``) win over the site's, as in Hugo."""
    config = _default_language_view(config)
    params = _table(config, "params")
    values = {
        "title": config.get("title"),
        "url": config.get("baseurl"),
        "timezone": config.get("timezone"),
        "description": params.get("description"),
        "author": _author_value(params.get("author", config.get("author"))),
        "lang": config.get("languagecode") or config.get("defaultcontentlanguage"),
    }
    return {key: value for key, value in values.items() if value not in (None, "")}


def _default_language_view(config: Mapping[str, Any]) -> dict[str, Any]:
    """The configuration as the default language sees it: its ``[languages.KEY]`` table
    (and that table's params) over the site's."""
    default = str(config.get("defaultcontentlanguage") or "en").lower()
    own = _table(_table(config, "languages"), default)
    return _merge(dict(config), {key: value for key, value in own.items() if key != "weight"})


def _author_value(value: object) -> object:
    """A theme's ``params.author``: a name or a mapping with ``name``; anything else (a
    list of authors, say) is no site author."""
    if isinstance(value, str) or (isinstance(value, Mapping) and "name" in value):
        return value
    return None


def hugo_feed_values(config: Mapping[str, Any]) -> dict[str, Any]:
    """The [feeds] values of a Hugo site: its RSS file is where Hugo writes its own, so its
    readers keep working: ``index.xml``, or the ``baseName`` of ``[outputFormats.RSS]``
    (``feed`` gives ``feed.xml``); and ``services.rss.limit`` (or the old ``rssLimit``) is
    ``limit`` when it is a positive number (Hugo's -1 is "all")."""
    base_name = _table(_table(config, "outputformats"), "rss").get("basename")
    rss = f"{base_name}.xml" if isinstance(base_name, str) and base_name.strip() else "index.xml"
    values: dict[str, Any] = {"rss": rss, "id_scheme": "url"}
    limit = _table(_table(config, "services"), "rss").get("limit", config.get("rsslimit"))
    if isinstance(limit, int) and not isinstance(limit, bool) and limit >= 1:
        values["limit"] = limit
    return values


def _table(config: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = config.get(key)
    return value if isinstance(value, Mapping) else {}


def hugo_settings(
    path: Path, config: Mapping[str, Any], title: str, lang: str, description: str
) -> HugoSettings:
    """A Hugo site's content settings; ``title``, ``lang`` and ``description`` are the
    site's: the default language's, and those of a language without its own. ConfigError
    when ``defaultContentLanguage`` names no configured language."""
    params = _table(config, "params")
    main = params.get("mainsections")
    if isinstance(main, str):
        main = [main]
    return HugoSettings(
        permalinks=_permalinks(config),
        ugly_urls=config.get("uglyurls") is True,
        path_to_lower=config.get("disablepathtolower") is not True,
        main_sections=tuple(str(name) for name in main) if isinstance(main, list) else None,
        languages=_languages(path, config, Language("", title, lang, description)),
        markdown=_markdown_flavour(config),
        summary_length=_summary_length(config),
        front_matter_dates=_front_matter_dates(config),
    )


def _markdown_flavour(config: Mapping[str, Any]) -> MarkdownFlavour:
    """How Hugo renders the site's Markdown: ``[markup.goldmark]``'s ``renderer.unsafe``
    (default false: raw HTML omitted), ``extensions.typographer`` and
    ``parser.autoHeadingID`` (default true)."""
    goldmark = _table(_table(config, "markup"), "goldmark")
    unsafe = _table(goldmark, "renderer").get("unsafe")
    typographer = _table(goldmark, "extensions").get("typographer")
    heading_ids = _table(goldmark, "parser").get("autoheadingid")
    return MarkdownFlavour(
        goldmark=True,
        heading_ids=heading_ids if isinstance(heading_ids, bool) else GOLDMARK.heading_ids,
        raw_html=unsafe if isinstance(unsafe, bool) else GOLDMARK.raw_html,
        typographer=typographer if isinstance(typographer, bool) else GOLDMARK.typographer,
    )


def _summary_length(config: Mapping[str, Any]) -> int:
    """``summaryLength``: the words of a summary Hugo makes (default 70)."""
    length = config.get("summarylength")
    return length if isinstance(length, int) and not isinstance(length, bool) else 70


# Hugo's default source of each date (`:default` in [frontmatter]) and the keys each key
# stands for too (Hugo 0.111's config/pagemeta).
_DEFAULT_DATE_SOURCES = {
    "date": ("date", "publishdate", "lastmod"),
    "lastmod": (":git", "lastmod", "date", "publishdate"),
    "publishdate": ("publishdate", "date"),
    "expirydate": ("expirydate",),
}
_DATE_KEY_ALIASES = {
    "publishdate": ("pubdate", "published"),
    "lastmod": ("modified",),
    "expirydate": ("unpublishdate",),
}


def _front_matter_dates(config: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """``[frontmatter]``: the sources of each date it sets, in order, lowercased (as Hugo
    reads them), ``:default`` replaced by Hugo's own and each key followed by its aliases
    (``publishdate``: ``pubdate``, ``published``)."""
    table = _table(config, "frontmatter")
    dates: dict[str, tuple[str, ...]] = {}
    for name, default in _DEFAULT_DATE_SOURCES.items():
        given = table.get(name)
        if isinstance(given, str):
            given = [given]
        if not isinstance(given, list):
            continue
        sources = [str(item).lower() for item in given]
        expanded = [one for item in sources for one in (default if item == ":default" else [item])]
        aliased = [one for item in expanded for one in (item, *_DATE_KEY_ALIASES.get(item, ()))]
        dates[name] = tuple(dict.fromkeys(aliased))
    return dates


def _permalinks(config: Mapping[str, Any]) -> dict[str, str]:
    """Section name -> pattern: ``[permalinks]``'s plain entries, and Hugo's newer
    ``[permalinks.page]`` over them."""
    table = _table(config, "permalinks")
    patterns = {key: value for key, value in table.items() if isinstance(value, str)}
    page = table.get("page")
    if isinstance(page, Mapping):
        patterns.update((key, value) for key, value in page.items() if isinstance(value, str))
    return {key.strip("/"): value for key, value in patterns.items()}


def _languages(path: Path, config: Mapping[str, Any], site: Language) -> tuple[Language, ...]:
    """The site's languages, the default first and the others by weight (then key);
    ``site`` holds the site's title, language tag and description, the default
    language's, which the others take when they have none of their own."""
    default = str(config.get("defaultcontentlanguage") or "en").lower()
    in_subdir = config.get("defaultcontentlanguageinsubdir") is True
    content_dir = str(config.get("contentdir") or "content").strip("/")
    mounts = _content_mounts(config)
    params = _table(config, "params")
    disabled = {str(key).lower() for key in config.get("disablelanguages") or []}
    tables = {
        str(key).lower(): value
        for key, value in _table(config, "languages").items()
        if isinstance(value, Mapping)
        and value.get("disabled") is not True
        and str(key).lower() not in disabled
    }
    if tables and default not in tables:
        raise ConfigError(
            path,
            f"`defaultContentLanguage` {default!r} is not one of the [languages] "
            f"({', '.join(sorted(tables))})",
            "add it under [languages], or set defaultContentLanguage to one of them",
        )
    tables.setdefault(default, {})
    ordered = sorted(tables, key=lambda key: (key != default, _weight(tables[key]), key))
    languages = [
        Language(
            key=default,
            title=site.title,
            lang=site.lang,
            description=site.description,
            mounts=_language_mounts(mounts, default, True, tables[default], content_dir),
            folder=default if in_subdir else "",
            params=_merge(params, _table(tables[default], "params")),
        )
    ]
    # Hugo's other languages fall back on the site's own values, not the default language's.
    fallback = Language(
        "",
        str(config.get("title") or site.title),
        str(normalise_lang(str(config.get("languagecode") or "")) or site.lang),
        site.description,
    )
    for key in ordered[1:]:
        table = tables[key]
        description = _table(table, "params").get("description") or table.get("description")
        languages.append(
            Language(
                key=key,
                title=str(table.get("title") or fallback.title),
                lang=_language_tag(path, key, table, fallback.lang),
                description=str(description or fallback.description),
                mounts=_language_mounts(mounts, key, False, table, content_dir),
                folder=key,
                params=_merge(params, _table(table, "params")),
            )
        )
    return tuple(languages)


def _content_mounts(config: Mapping[str, Any]) -> list[tuple[ContentMount, str | None]]:
    """The content mounts of ``[module]`` (``[[module.mounts]]`` whose target is
    ``content`` or a folder in it), each with its ``lang`` (None: any language)."""
    mounts = []
    for mount in _table(config, "module").get("mounts") or []:
        if not isinstance(mount, Mapping):
            continue
        source = str(mount.get("source") or "").strip("/")
        target = str(mount.get("target") or "").strip("/")
        if not source or not (target == "content" or target.startswith("content/")):
            continue
        lang = mount.get("lang")
        mounts.append(
            (
                ContentMount(source, target[len("content") :].strip("/")),
                str(lang).lower() if lang else None,
            )
        )
    return mounts


def _language_mounts(
    mounts: list[tuple[ContentMount, str | None]],
    key: str,
    default: bool,
    table: Mapping[str, Any],
    content_dir: str,
) -> tuple[ContentMount, ...]:
    """A language's content folders. As in Hugo, content mounts replace ``contentDir``: a
    language has those with its ``lang`` and, for the default language, those with none
    (a file in one of them is in the language its name ends in, else the default one).
    Without any, its content is in its own ``contentDir``, else the site's."""
    if mounts:
        return tuple(mount for mount, lang in mounts if lang == key or (lang is None and default))
    return (ContentMount(str(table.get("contentdir") or content_dir).strip("/")),)


def _weight(table: Mapping[str, Any]) -> int:
    weight = table.get("weight", 0)
    return weight if isinstance(weight, int) and not isinstance(weight, bool) else 0


def _language_tag(path: Path, key: str, table: Mapping[str, Any], site_lang: str) -> str:
    """A language's BCP 47 tag: its ``languageCode``, else the site's (as Hugo's feed of a
    language without one shows)."""
    text = table.get("languagecode") or site_lang
    tag = normalise_lang(str(text))
    if tag is None:
        raise ConfigError(
            path,
            f"the language code {text!r} of the language {key!r} is not a language tag",
            'write languageCode = "fr" or "pt-BR"',
        )
    return tag
