"""Compare feedwright's feeds with the ones real sites' own engines build.

Each site listed in sites.toml (a public repository, already checked out on this machine,
never committed) is copied to a work folder, given its small documented build overlay,
built by its engine (Jekyll with jekyll-feed, or Hugo) and by feedwright (with no
feedwright.toml), and the two feeds are compared entry by entry: id, link, title, published
and updated dates, categories, whether a summary is present and its text (but for
whitespace, and feedwright's cut to its excerpt_length); with --validator, the W3C
Feed Validator's messages for both feeds too. Output: a Markdown table (one row a site) and,
per site, a Markdown file listing every differing entry field. See compat/README.md.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
ATOM = "{http://www.w3.org/2005/Atom}"
# Feeds are compared on all the posts both engines write, not only the newest 10 or 20.
FEED_LIMIT = 100_000
BUILD_TIMEOUT_SECONDS = 1800
FIELDS = ("id", "link", "title", "published", "updated", "categories", "summary", "summary_text")
ELLIPSIS = "\u2026"


@dataclass(frozen=True)
class Site:
    """One site of sites.toml: where its source is and how to build it."""

    name: str
    engine: str  # "jekyll" or "hugo"
    repo: str
    commit: str
    path: str = ""  # the site's folder inside the repository
    overlay: dict[str, Any] = field(default_factory=dict)  # merged into _config.yml
    remove_plugins: tuple[str, ...] = ()
    engine_args: tuple[str, ...] = ()
    remove_files: tuple[str, ...] = ()  # deleted from the copy before both builds
    # Text replaced in the copy before both builds: {file, old, new} (a Hugo site's
    # `baseURL = "/"`, which no feed can use; Hugo's configuration has no overlay here).
    edits: tuple[dict[str, str], ...] = ()
    # A Hugo theme extracted from a fetched mirror: {name, repo, commit, exclude = [paths]}.
    theme: dict[str, Any] = field(default_factory=dict)
    # npm packages the site's assets import (installed once under WORK/npm, linked as
    # node_modules; not the site's whole package.json, whose tools would fetch binaries).
    npm_packages: tuple[str, ...] = ()
    feed: str = ""  # the engine's feed, relative to its output, when not the default one
    # Quote _config.yml values such as `:title`, which Debian's Jekyll reads as Ruby symbols.
    quote_symbols: bool = False
    notes: str = ""


@dataclass(frozen=True)
class Entry:
    """The compared fields of one feed entry, as text ('' when the feed has none)."""

    id: str
    link: str
    title: str
    published: str
    updated: str
    categories: str
    summary: str  # "yes" or "no"
    summary_text: str = ""  # the summary as a reader shows it, whitespace collapsed

    def value(self, name: str) -> str:
        """The field called NAME."""
        text: str = getattr(self, name)
        return text

    def same(self, name: str, other: Entry) -> bool:
        """Whether the field NAME is the same in OTHER, feedwright's entry.

        Summaries are compared without their whitespace (an engine's HTML has it where
        tags were); feedwright's cut to its `excerpt_length` with an ellipsis is the same
        when the engine's starts with it.
        """
        mine, theirs = self.value(name), other.value(name)
        if name != "summary_text":
            return mine == theirs
        mine, theirs = "".join(mine.split()), "".join(theirs.split())
        if theirs.endswith(ELLIPSIS) and not mine.endswith(ELLIPSIS):
            return mine.startswith(theirs[: -len(ELLIPSIS)])
        return mine == theirs


@dataclass(frozen=True)
class Feed:
    """A parsed feed: its format, self URL and entries."""

    path: Path
    format: str  # "atom" or "rss"
    self_url: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Build:
    """The outcome of one build: did it succeed, in how long, and what it printed."""

    ok: bool
    seconds: float
    output: str


@dataclass(frozen=True)
class Result:
    """Everything the table row and the diff file of one site need."""

    site: Site
    posts: int
    engine_build: Build
    feedwright_build: Build
    engine_feed: Feed | None = None
    feedwright_feed: Feed | None = None
    pairs: tuple[tuple[Entry, Entry], ...] = ()
    only_engine: tuple[Entry, ...] = ()
    only_feedwright: tuple[Entry, ...] = ()
    validation: dict[str, list[dict[str, str]]] | None = None
    problem: str = ""
    # feedwright failed as is and built with --skip-invalid: what it compares is that build.
    skipped_invalid: bool = False
    language: str = ""  # set on the comparison of a Hugo site's feed of one more language
    languages: tuple[Result, ...] = ()  # those comparisons, on the site's main result


# ---------------------------------------------------------------- sites and overlays


def load_sites(path: Path) -> list[Site]:
    """Read the [[site]] tables of sites.toml."""
    with path.open("rb") as file:
        data = tomllib.load(file)
    sites = []
    for table in data["site"]:
        sites.append(
            Site(
                name=table["name"],
                engine=table["engine"],
                repo=table["repo"],
                commit=table["commit"],
                path=table.get("path", ""),
                overlay=table.get("overlay", {}),
                remove_plugins=tuple(table.get("remove_plugins", ())),
                engine_args=tuple(table.get("engine_args", ())),
                remove_files=tuple(table.get("remove_files", ())),
                edits=tuple(table.get("edits", ())),
                theme=table.get("theme", {}),
                quote_symbols=table.get("quote_symbols", False),
                npm_packages=tuple(table.get("npm_packages", ())),
                feed=table.get("feed", ""),
                notes=table.get("notes", ""),
            )
        )
    return sites


def extract(mirrors: Path, repo: str, commit: str, target: Path, exclude: Sequence[str]) -> None:
    """Write REPO's tree at COMMIT (from its fetched mirror) into TARGET, less EXCLUDE."""
    git_dir = mirrors / repo.replace("/", "+") / "repo"
    if not git_dir.is_dir():
        raise FileNotFoundError(f"no mirror of {repo} at {git_dir}: fetch github:{repo} first")
    target.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "--git-dir", str(git_dir), "archive", commit],
        check=True,
        capture_output=True,
    )
    excluded = [f"--exclude={path}" for path in exclude]
    tar = ["tar", "-x", "-C", str(target), *excluded]
    subprocess.run(tar, input=archive.stdout, check=True)


def check_out(site: Site, sites_dir: Path, mirrors: Path) -> Path:
    """Return the site's checkout at its commit, extracted from its fetched mirror if needed."""
    checkout = sites_dir / f"{site.name}@{site.commit[:12]}"
    if not checkout.is_dir():
        extract(mirrors, site.repo, site.commit, checkout, ())
    return checkout


def top_level_blocks(text: str) -> dict[str, tuple[int, int]]:
    """Map each top-level key of a YAML file to its line range [start, end)."""
    lines = text.splitlines()
    blocks: dict[str, tuple[int, int]] = {}
    key = ""
    start = 0
    for number, line in enumerate(lines):
        match = re.match(r"([A-Za-z_][\w-]*)\s*:", line)
        if match:
            if key:
                blocks[key] = (start, number)
            key, start = match.group(1), number
    if key:
        blocks[key] = (start, len(lines))
    return blocks


# A plain value that starts with ':' (`permalink: :title`): upstream Jekyll's safe_yaml reads
# it as text, Debian's Jekyll (Psych.safe_load) as a Ruby symbol, which it refuses.
SYMBOL_VALUE = re.compile(r"^(\s*(?:- )?[\w-]+:[ \t]+)(:[^\s'\"#][^#\n]*?)[ \t]*$", re.MULTILINE)


class QuotingDumper(yaml.SafeDumper):
    """Quotes strings that start with ':', which Debian's Jekyll would read as Ruby symbols."""


def represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    """A string, single-quoted when it starts with ':'."""
    style = "'" if text.startswith(":") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


QuotingDumper.add_representer(str, represent_text)


def merge(base: Any, overlay: Any) -> Any:
    """Overlay's values win; mappings are merged key by key."""
    if isinstance(base, dict) and isinstance(overlay, dict):
        merged = dict(base)
        for key, value in overlay.items():
            merged[key] = merge(base.get(key), value)
        return merged
    return overlay


def jekyll_overlay(site: Site, config: dict[str, Any]) -> dict[str, Any]:
    """The keys the harness sets in _config.yml: the site's overlay, jekyll-feed, no limit."""
    plugins = [str(name) for name in config.get("plugins") or config.get("gems") or []]
    plugins = [name for name in plugins if name not in site.remove_plugins]
    plugins += [name for name in site.overlay.get("plugins", []) if name not in plugins]
    if "jekyll-feed" not in plugins:
        plugins.append("jekyll-feed")
    overlay = {key: value for key, value in site.overlay.items() if key != "plugins"}
    overlay["plugins"] = plugins
    if "gems" in config:
        overlay["gems"] = plugins
    # The site's overlay may set a lower limit (a site too big for all posts in one feed).
    overlay["feed"] = merge({"posts_limit": FEED_LIMIT}, overlay.get("feed") or {})
    return overlay


def apply_jekyll_overlay(site: Site, source: Path) -> dict[str, Any]:
    """Rewrite the overlaid top-level keys of SOURCE/_config.yml; return the merged config.

    Only the overlaid keys' blocks are replaced, so the rest of the file stays byte for byte
    as the site wrote it, and feedwright reads the same text Jekyll reads.
    """
    config_path = source / "_config.yml"
    text = config_path.read_text(encoding="utf-8") if config_path.exists() else ""
    if site.quote_symbols:
        text = SYMBOL_VALUE.sub(r"\1'\2'", text)
    config = yaml.safe_load(text) or {}
    overlay = jekyll_overlay(site, config)
    lines = text.splitlines()
    blocks = top_level_blocks(text)
    dropped = {n for key in overlay if key in blocks for n in range(*blocks[key])}
    kept = [line for number, line in enumerate(lines) if number not in dropped]
    merged = {key: merge(config.get(key), value) for key, value in overlay.items()}
    appended = yaml.dump(merged, Dumper=QuotingDumper, allow_unicode=True, sort_keys=False)
    config_path.write_text("\n".join(kept) + "\n# compat overlay\n" + appended, encoding="utf-8")
    result: dict[str, Any] = merge(config, merged)
    return result


def prepare(site: Site, checkout: Path, work: Path, mirrors: Path) -> Path:
    """Copy the site into WORK/src, remove what the site asks, and apply its overlay."""
    source = work / "src"
    if source.exists():
        shutil.rmtree(source)
    shutil.copytree(checkout / site.path, source, symlinks=True)
    for name in (*site.remove_files, "feedwright.toml"):
        target = source / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    for edit in site.edits:
        apply_edit(source / edit["file"], edit["old"], edit["new"])
    if site.engine == "jekyll":
        apply_jekyll_overlay(site, source)
    else:
        make_missing_themes(source, site.theme, mirrors)
    if site.npm_packages:
        (source / "node_modules").symlink_to(install_npm_packages(site, work / "npm"))
    return source


def apply_edit(path: Path, old: str, new: str) -> None:
    """Replace OLD by NEW in the file at PATH; OLD must be there (a pinned site's text)."""
    text = path.read_text(encoding="utf-8")
    if old not in text:
        raise ValueError(f"{path}: {old!r} is not in the file — update the site's `edits`")
    path.write_text(text.replace(old, new), encoding="utf-8")


def install_npm_packages(site: Site, folder: Path) -> Path:
    """Install the site's npm packages (scripts off) into FOLDER; return its node_modules."""
    modules = folder / "node_modules"
    if not modules.is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "package.json").write_text('{"private": true}\n', encoding="utf-8")
        command = ["npm", "install", "--no-save", "--ignore-scripts", "--no-audit", "--no-fund"]
        subprocess.run([*command, *site.npm_packages], cwd=folder, check=True)
    return modules


def hugo_config_text(source: Path) -> str:
    """The text of a Hugo site's configuration files (hugo/config .toml/.yaml, config/_default)."""
    names = [f"{stem}.{ext}" for stem in ("hugo", "config") for ext in ("toml", "yaml", "yml")]
    files = [source / name for name in names] + sorted((source / "config").glob("_default/*"))
    return "\n".join(path.read_text(encoding="utf-8") for path in files if path.is_file())


def make_missing_themes(source: Path, theme: dict[str, Any], mirrors: Path) -> None:
    """Put the site's THEME in its themes folder; give any other missing theme an empty folder.

    Theme repositories are git submodules, absent from a checkout; with an empty theme
    Hugo builds the site with its embedded templates, the RSS one included.
    """
    text = hugo_config_text(source)
    match = re.search(r"""^\s*themesDir\s*[:=]\s*["']?([^"'\n]+)""", text, re.MULTILINE)
    themes_dir = source / (match.group(1).strip() if match else "themes")
    if theme:
        target = themes_dir / theme["name"]
        if target.exists():
            shutil.rmtree(target)
        extract(mirrors, theme["repo"], theme["commit"], target, theme.get("exclude", ()))
    names = re.findall(r"""^\s*theme\s*[:=]\s*\[?\s*["']([^"'\n]+)["']""", text, re.M)
    # Hugo modules (TOML) imported without a go.mod are looked for in the themes folder too.
    names += re.findall(r"""\[\[module\.imports\]\]\s*\n\s*path\s*=\s*["']([^"'\n]+)["']""", text)
    for theme_name in names:
        folder = themes_dir / theme_name
        if not folder.exists():
            folder.mkdir(parents=True)


# ---------------------------------------------------------------- builds


def run(command: Sequence[str], env: dict[str, str], cwd: Path | None = None) -> Build:
    """Run COMMAND (in CWD), returning whether it succeeded, its time and its output."""
    started = time.monotonic()
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            errors="replace",
            env=env,
            cwd=cwd,
            timeout=BUILD_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Build(False, time.monotonic() - started, f"timed out: {' '.join(command)}")
    output = done.stdout + done.stderr
    return Build(done.returncode == 0, time.monotonic() - started, output)


# The engines build offline: what a site would fetch (Hugo's tweet and video shortcodes ask
# their sites for the embed) goes to a closed port here, and Hugo's embeds that fetch are off.
OFFLINE = {
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "http_proxy": "http://127.0.0.1:9",
    "https_proxy": "http://127.0.0.1:9",
    "HUGO_PRIVACY_TWITTER_DISABLE": "true",
    "HUGO_PRIVACY_X_DISABLE": "true",
    "HUGO_PRIVACY_VIMEO_DISABLE": "true",
    "HUGO_PRIVACY_INSTAGRAM_DISABLE": "true",
    # Jekyll run beside a site's Gemfile would ask Bundler for the gems it pins: only
    # Debian's gems are here.
    "JEKYLL_NO_BUNDLER_REQUIRE": "true",
}


def build_with_engine(site: Site, source: Path, output: Path) -> Build:
    """Build the site with Jekyll or Hugo into OUTPUT, offline."""
    if output.exists():
        shutil.rmtree(output)
    if site.engine == "jekyll":
        command = ["jekyll", "build", "-s", str(source), "-d", str(output)]
    else:
        command = ["hugo", "-s", str(source), "-d", str(output)]
    # In the site's folder: Hugo runs npx there, which finds the site's node_modules.
    return run([*command, *site.engine_args], dict(os.environ, **OFFLINE), source)


def build_with_feedwright(python: str, src: Path, source: Path, output: Path, *flags: str) -> Build:
    """Build the site's feeds with feedwright (sources from SRC) into OUTPUT."""
    if output.exists():
        shutil.rmtree(output)
    env = dict(os.environ, PYTHONPATH=str(src))
    command = [python, "-m", "feedwright", "-v", "build", str(source), "--output", str(output)]
    return run([*command, *flags], env)


def count_posts(site: Site, source: Path) -> int:
    """The number of post files: Markdown in _posts folders (Jekyll) or content folders (Hugo)."""
    if site.engine == "jekyll":
        files: Iterable[Path] = (
            path
            for path in source.rglob("*")
            if "_posts" in path.relative_to(source).parts[:-1] and not path.name.startswith(".")
        )
    else:
        # Any content folder: a site may mount another (src/content), themes' are left out.
        files = (
            path
            for path in source.rglob("*")
            # content/, or content.en/ as a language's contentDir
            if any(part.split(".")[0] == "content" for part in path.relative_to(source).parts[:-1])
            and not {"themes", "node_modules"} & set(path.relative_to(source).parts)
        )
    suffixes = {".md", ".markdown", ".html"}
    return sum(1 for path in files if path.is_file() and path.suffix in suffixes)


# ---------------------------------------------------------------- reading feeds


def instant(text: str | None, parse: Callable[[str], datetime]) -> str:
    """A date as a UTC ISO instant, so that two ways to write one moment compare equal."""
    if not text or not text.strip():
        return ""
    try:
        moment = parse(text.strip())
    except (ValueError, TypeError):
        return f"unreadable: {text.strip()}"
    if moment.tzinfo is None:
        return moment.isoformat() + " (no zone)"
    return moment.astimezone(UTC).isoformat()


# A tag, as a browser reads one: `<` then a letter (`{{< x >}}` in a summary is text).
HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")


def atom_text(element: ElementTree.Element | None) -> str:
    """An Atom text construct as plain text: html-typed ones unescaped once more."""
    if element is None:
        return ""
    text = "".join(element.itertext())
    if element.get("type") == "html":
        text = html.unescape(HTML_TAG.sub("", text))
    return " ".join(text.split())


def html_text(text: str) -> str:
    """The text of an HTML fragment, its tags removed and its references unescaped."""
    return " ".join(html.unescape(HTML_TAG.sub(" ", text)).split())


def atom_entry(entry: ElementTree.Element) -> Entry:
    """The compared fields of an Atom entry."""
    links = [
        link.get("href", "")
        for link in entry.findall(f"{ATOM}link")
        if link.get("rel", "alternate") == "alternate"
    ]
    terms = sorted({c.get("term", "") for c in entry.findall(f"{ATOM}category")})
    summary = entry.find(f"{ATOM}summary")
    return Entry(
        id=(entry.findtext(f"{ATOM}id") or "").strip(),
        link=links[0] if links else "",
        title=atom_text(entry.find(f"{ATOM}title")),
        published=instant(entry.findtext(f"{ATOM}published"), datetime.fromisoformat),
        updated=instant(entry.findtext(f"{ATOM}updated"), datetime.fromisoformat),
        categories=", ".join(terms),
        summary="yes" if summary is not None and atom_text(summary) else "no",
        summary_text=atom_text(summary),
    )


def rss_item(item: ElementTree.Element) -> Entry:
    """The compared fields of an RSS item (updated: an atom:updated if the item has one)."""
    terms = sorted({(c.text or "").strip() for c in item.findall("category")})
    description = item.findtext("description") or ""
    return Entry(
        id=(item.findtext("guid") or "").strip(),
        link=(item.findtext("link") or "").strip(),
        title=" ".join(html.unescape(item.findtext("title") or "").split()),
        published=instant(item.findtext("pubDate"), parsedate_to_datetime),
        updated=instant(item.findtext(f"{ATOM}updated"), datetime.fromisoformat),
        categories=", ".join(terms),
        summary="yes" if description.strip() else "no",
        summary_text=html_text(description),
    )


def read_feed(path: Path) -> Feed:
    """Parse an Atom or RSS 2.0 file."""
    root = ElementTree.parse(path).getroot()
    if root.tag == f"{ATOM}feed":
        selfs = [link.get("href", "") for link in root.findall(f"{ATOM}link[@rel='self']")]
        entries = tuple(atom_entry(entry) for entry in root.findall(f"{ATOM}entry"))
        return Feed(path, "atom", selfs[0] if selfs else "", entries)
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        raise ValueError(f"{path}: neither Atom nor RSS 2.0 (root <{root.tag}>)")
    selfs = [link.get("href", "") for link in channel.findall(f"{ATOM}link[@rel='self']")]
    items = tuple(rss_item(item) for item in channel.findall("item"))
    return Feed(path, "rss", selfs[0] if selfs else "", items)


def engine_feed_path(site: Site, source: Path, output: Path) -> Path:
    """Where the engine wrote the site's main feed."""
    if site.feed:
        return output / site.feed
    if site.engine == "jekyll":
        config = yaml.safe_load((source / "_config.yml").read_text(encoding="utf-8")) or {}
        feed = config.get("feed") or {}
        return output / str(feed.get("path") or "feed.xml").lstrip("/")
    return output / "index.xml"


def feedwright_feed_path(output: Path, wanted: str) -> Path | None:
    """The feed of format WANTED among the files feedwright wrote at the top of OUTPUT."""
    for path in sorted(output.iterdir()) if output.is_dir() else []:
        if path.suffix in {".json", ".xsl", ".html", ".txt", ".eml"} or not path.is_file():
            continue
        try:
            if read_feed(path).format == wanted:
                return path
        except (ElementTree.ParseError, ValueError):
            continue
    return None


# ---------------------------------------------------------------- comparing


def pair_entries(
    engine: Sequence[Entry], feedwright: Sequence[Entry]
) -> tuple[list[tuple[Entry, Entry]], list[Entry], list[Entry]]:
    """Match entries by id, then the rest by link, then by title."""
    pairs: list[tuple[Entry, Entry]] = []
    left, right = list(engine), list(feedwright)
    for key in ("id", "link", "title"):
        index: dict[str, Entry] = {}
        for entry in right:
            index.setdefault(entry.value(key), entry)
        unmatched = []
        for entry in left:
            other = index.pop(entry.value(key), None) if entry.value(key) else None
            if other is None:
                unmatched.append(entry)
            else:
                pairs.append((entry, other))
                right.remove(other)
        left = unmatched
    return pairs, left, right


def compare(site: Site, engine_feed: Feed, feedwright_feed: Feed, result: Result) -> Result:
    """Pair the two feeds' entries into RESULT."""
    pairs, only_engine, only_feedwright = pair_entries(engine_feed.entries, feedwright_feed.entries)
    return replace(
        result,
        engine_feed=engine_feed,
        feedwright_feed=feedwright_feed,
        pairs=tuple(pairs),
        only_engine=tuple(only_engine),
        only_feedwright=tuple(only_feedwright),
    )


def equal_count(result: Result, name: str) -> str:
    """'equal/compared' for one field, or 'n/a' when the engine's feed never has it."""
    if not result.pairs:
        return "–"
    if not any(engine.value(name) for engine, _ in result.pairs) and name in {
        "updated",
        "categories",
    }:
        return "n/a"
    equal = sum(1 for engine, ours in result.pairs if engine.same(name, ours))
    return f"{equal}/{len(result.pairs)}"


# ---------------------------------------------------------------- validation


def validate(
    validator: Path, python: str, feeds: Sequence[Feed]
) -> dict[str, list[dict[str, str]]]:
    """The W3C Feed Validator's messages for each feed, keyed by its file's path."""
    arguments: list[str] = []
    for feed in feeds:
        arguments += [str(feed.path), feed.self_url or f"https://invalid.example/{feed.path.name}"]
    done = subprocess.run(
        [python, str(HERE / "validate_feeds.py"), str(validator), *arguments],
        capture_output=True,
        text=True,
        check=False,
        timeout=BUILD_TIMEOUT_SECONDS,
    )
    if done.returncode != 0:
        failure = [{"level": "error", "kind": "ValidatorFailed", "text": done.stderr[-500:]}]
        return {str(feed.path): failure for feed in feeds}
    report: dict[str, list[dict[str, str]]] = json.loads(done.stdout)
    return report


def summarize_messages(messages: list[dict[str, str]] | None) -> str:
    """'2 errors, 1 warning: KindA, KindB' for a table cell."""
    if messages is None:
        return "–"
    if not messages:
        return "valid, no warnings"
    errors = sum(1 for message in messages if message["level"] == "error")
    warnings = len(messages) - errors
    kinds = sorted({message["kind"] for message in messages})
    return f"{errors} E, {warnings} W: {', '.join(kinds)}"


# ---------------------------------------------------------------- one site


@dataclass(frozen=True)
class Options:
    """The command line's settings."""

    sites_dir: Path
    mirrors: Path
    work: Path
    report_dir: Path
    python: str
    feedwright_src: dict[str, Path]
    validator: Path | None
    validator_python: str


def check_site(site: Site, options: Options) -> Result:
    """Build one site both ways and compare its feeds."""
    work = options.work / site.name
    checkout = check_out(site, options.sites_dir, options.mirrors)
    source = prepare(site, checkout, work, options.mirrors)
    posts = count_posts(site, source)
    engine_build = build_with_engine(site, source, work / "engine")
    src = options.feedwright_src[site.engine]
    feedwright_build = build_with_feedwright(options.python, src, source, work / "feedwright")
    result = Result(site, posts, engine_build, feedwright_build)
    if not feedwright_build.ok:
        # Still compare the posts feedwright can read; the table says it needed the flag.
        retry = build_with_feedwright(
            options.python, src, source, work / "feedwright", "--skip-invalid"
        )
        if retry.ok:
            output = feedwright_build.output + "\n--- again with --skip-invalid:\n" + retry.output
            result = replace(
                result, skipped_invalid=True, feedwright_build=Build(False, retry.seconds, output)
            )
    if not engine_build.ok:
        return replace(result, problem="the engine's build failed")
    engine_path = engine_feed_path(site, source, work / "engine")
    if not engine_path.is_file():
        return replace(result, problem=f"the engine wrote no feed at {engine_path}")
    engine_feed = read_feed(engine_path)
    if not (result.feedwright_build.ok or result.skipped_invalid):
        return replace(result, engine_feed=engine_feed, problem="feedwright's build failed")
    ours = feedwright_feed_path(work / "feedwright", engine_feed.format)
    if ours is None:
        problem = f"feedwright wrote no {engine_feed.format} feed"
        return replace(result, engine_feed=engine_feed, problem=problem)
    result = validated(compare(site, engine_feed, read_feed(ours), result), options)
    return replace(result, languages=tuple(compare_languages(result, work)))


def validated(result: Result, options: Options) -> Result:
    """RESULT with the validator's messages for its two feeds, when there is a validator."""
    if options.validator is None or result.engine_feed is None or result.feedwright_feed is None:
        return result
    feeds = [result.engine_feed, result.feedwright_feed]
    return replace(result, validation=validate(options.validator, options.validator_python, feeds))


def compare_languages(result: Result, work: Path) -> list[Result]:
    """A Hugo site's other languages: LANG/index.xml of both outputs compared (no validation)."""
    if result.site.engine != "hugo":
        return []
    comparisons = []
    for ours in sorted((work / "feedwright").glob("*/index.xml")):
        engine = work / "engine" / ours.parent.name / "index.xml"
        if engine.is_file():
            language = replace(result, language=ours.parent.name, languages=(), validation=None)
            comparisons.append(compare(result.site, read_feed(engine), read_feed(ours), language))
    return comparisons


# ---------------------------------------------------------------- reports


def validation_cell(result: Result, feed: Feed | None) -> str:
    """The validator's summary for FEED, or '–' when not validated."""
    if result.validation is None or feed is None:
        return "–"
    return summarize_messages(result.validation.get(str(feed.path)))


def feedwright_cell(result: Result) -> str:
    """Whether feedwright built the site: yes, no, or only with --skip-invalid."""
    if result.feedwright_build.ok:
        return "yes"
    return "**no** (yes with --skip-invalid)" if result.skipped_invalid else "**no**"


def table_row(result: Result) -> str:
    """One Markdown table row for a site."""
    engine_entries = len(result.engine_feed.entries) if result.engine_feed else 0
    ours_entries = len(result.feedwright_feed.entries) if result.feedwright_feed else 0
    cells = [
        f"{result.site.name} [{result.language}]" if result.language else result.site.name,
        result.site.engine,
        str(result.posts),
        "yes" if result.engine_build.ok else "**no**",
        feedwright_cell(result),
        f"{engine_entries} / {ours_entries} / {len(result.pairs)}",
        *(equal_count(result, name) for name in FIELDS),
        validation_cell(result, result.engine_feed),
        validation_cell(result, result.feedwright_feed),
    ]
    return "| " + " | ".join(cells) + " |"


TABLE_HEAD = (
    "| site | engine | posts | built by engine | built by feedwright "
    "| entries engine / feedwright / compared | ids | links | titles | published | updated "
    "| categories | summary present | summary text | validator: engine | validator: feedwright |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def table(results: Sequence[Result], validated: bool) -> str:
    """The Markdown table of all sites, with a line on what the columns mean."""
    rows = [row for result in results for row in (result, *result.languages)]
    lines = [TABLE_HEAD, *(table_row(result) for result in rows)]
    note = (
        "Fields: equal/compared over the entries both feeds have (matched by id, else link, "
        "else title); n/a: the engine's feed has no such field. Summary text: equal but for "
        "whitespace, or feedwright's cut short (…) where the engine's goes on. A row "
        "`site [LANG]` compares a Hugo site's LANG/index.xml (not validated). Validator: "
        "errors (E) and warnings (W) of the W3C Feed Validator, with the message kinds."
    )
    if not validated:
        note += " The validator was not found: its columns are left empty (see --validator)."
    return "\n".join(lines) + "\n\n" + note + "\n"


def diff_lines(result: Result) -> list[str]:
    """Every differing field of every compared entry, and the entries only one feed has."""
    lines = []
    for engine, ours in result.pairs:
        differing = [name for name in FIELDS if not engine.same(name, ours)]
        if differing:
            lines.append(f"\n### {engine.link or engine.id}\n")
            for name in differing:
                lines.append(f"- **{name}**: engine `{engine.value(name)}`")
                lines.append(f"  feedwright `{ours.value(name)}`")
    for title, entries in (
        ("Only in the engine's feed", result.only_engine),
        ("Only in feedwright's feed", result.only_feedwright),
    ):
        if entries:
            lines.append(f"\n## {title} ({len(entries)})\n")
            lines += [f"- {entry.id} — {entry.link} — {entry.title}" for entry in entries]
    return lines


def build_section(name: str, build: Build) -> list[str]:
    """How a build went, with the end of its output."""
    # A Ruby traceback's "from …" lines hide the message above them.
    lines = [line for line in build.output.splitlines() if not line.strip().startswith("from /")]
    tail = "\n".join(lines[-40:])
    verdict = "succeeded" if build.ok else "FAILED"
    return [f"\n## {name} build: {verdict} in {build.seconds:.1f} s\n", "```", tail, "```"]


def site_report(result: Result) -> str:
    """The per-site Markdown file: builds, feeds, differing fields, validator messages."""
    site = result.site
    lines = [
        f"# {site.name} ({site.engine})\n",
        f"- repository: {site.repo} at {site.commit}, folder `{site.path or '.'}`",
        f"- overlay: {json.dumps(site.overlay, ensure_ascii=False) or '{}'}; "
        f"plugins removed: {', '.join(site.remove_plugins) or 'none'}; "
        f"files removed: {', '.join(site.remove_files) or 'none'}",
        f"- notes: {site.notes or '–'}",
        f"- posts: {result.posts}; problem: {result.problem or 'none'}",
    ]
    for label, feed in (("engine", result.engine_feed), ("feedwright", result.feedwright_feed)):
        if feed is not None:
            lines.append(f"- {label} feed: {feed.path} ({feed.format}, self {feed.self_url})")
    lines.append(f"\n## Differing entry fields ({len(result.pairs)} entries compared)")
    lines += diff_lines(result)
    for label, feed in (("engine", result.engine_feed), ("feedwright", result.feedwright_feed)):
        if result.validation is not None and feed is not None:
            lines.append(f"\n## Validator: {label}\n")
            messages = result.validation.get(str(feed.path), [])
            lines += [f"- {m['level']} {m['kind']}: {m['text']}" for m in messages] or ["- none"]
    for language in result.languages:
        lines.append(f"\n## Language {language.language}: {len(language.pairs)} entries compared")
        lines += [line.replace("\n## ", "\n### ") for line in diff_lines(language)]
    lines += build_section("Engine", result.engine_build)
    lines += build_section("feedwright", result.feedwright_build)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- command line


def provenance(options: Options) -> str:
    """Which feedwright (folder and commit) and which engines built the feeds."""
    lines = []
    for engine, src in options.feedwright_src.items():
        done = subprocess.run(
            ["git", "-C", str(src), "log", "-1", "--format=%h %cI"],
            capture_output=True,
            text=True,
            check=False,
        )
        lines.append(f"feedwright for {engine} sites: {src} at {done.stdout.strip() or '?'}")
    for command in (["jekyll", "--version"], ["hugo", "version"]):
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        lines.append(done.stdout.strip().splitlines()[0] if done.stdout.strip() else "?")
    return "\n" + "\n".join(f"- {line}" for line in lines) + "\n"


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    """The command line: which sites, where things are, where reports go."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="sites to check (default: all)")
    parser.add_argument("--sites", type=Path, default=HERE / "sites.toml")
    parser.add_argument("--sites-dir", type=Path, default=Path("/tmp/compat/sites"))
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--work", type=Path, default=Path("/tmp/compat/work"))
    parser.add_argument("--report-dir", type=Path, default=Path("/tmp/compat/report"))
    parser.add_argument("--python", default=sys.executable, help="Python that runs feedwright")
    parser.add_argument("--feedwright-src", type=Path, default=HERE.parent / "src")
    parser.add_argument(
        "--feedwright-src-hugo",
        type=Path,
        help="feedwright sources for Hugo sites (default: --feedwright-src)",
    )
    parser.add_argument("--validator", type=Path, default=Path("/tmp/feedvalidator"))
    parser.add_argument("--validator-python", default="/tmp/fv-venv/bin/python")
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    """Check the chosen sites; print the table and write it and the per-site files."""
    arguments = parse_arguments(argv)
    validator: Path | None = arguments.validator
    if validator is None or not (validator / "src" / "feedvalidator").is_dir():
        print(f"no validator at {validator}: skipping the validation columns", file=sys.stderr)
        validator = None
    options = Options(
        sites_dir=arguments.sites_dir,
        mirrors=arguments.mirrors,
        work=arguments.work,
        report_dir=arguments.report_dir,
        python=arguments.python,
        feedwright_src={
            "jekyll": arguments.feedwright_src,
            "hugo": arguments.feedwright_src_hugo or arguments.feedwright_src,
        },
        validator=validator,
        validator_python=arguments.validator_python,
    )
    sites = [
        s for s in load_sites(arguments.sites) if not arguments.names or s.name in arguments.names
    ]
    options.report_dir.mkdir(parents=True, exist_ok=True)
    results = []
    for site in sites:
        print(f"checking {site.name} ({site.engine})…", file=sys.stderr)
        result = check_site(site, options)
        (options.report_dir / f"{site.name}.md").write_text(site_report(result), encoding="utf-8")
        results.append(result)
    output = table(results, validator is not None) + provenance(options)
    (options.report_dir / "table.md").write_text(output, encoding="utf-8")
    print(output)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
