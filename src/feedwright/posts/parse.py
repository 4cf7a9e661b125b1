"""Check a post's front matter and turn it into a Post with every value normalised."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from feedwright.errors import PostError, Problem
from feedwright.posts.dates import (
    HUGO_ZERO_DATE,
    DateError,
    date_from_filename,
    read_date,
    read_hugo_date,
)
from feedwright.posts.defaults import with_defaults
from feedwright.posts.files import (
    built_as_written,
    folder_categories,
    is_draft_file,
    is_html_post,
    output_suffix,
)
from feedwright.posts.front_matter import (
    CONTROL_CHARACTERS,
    RepeatedKey,
    SourceFile,
    control_warning,
)
from feedwright.posts.hugo import HugoPage, filename_date, hugo_url_path
from feedwright.posts.model import Image, Post
from feedwright.posts.permalinks import document_id, post_path
from feedwright.site.model import Author, Site
from feedwright.site.values import (
    WEB_URL_HINT,
    normalise_lang,
    not_a_web_url,
    parse_author,
    web_url,
    with_web_uri,
)

if TYPE_CHECKING:
    from feedwright.posts.links import PostLinks

# The most categories, and the most tags, one post may have.
MAX_NAMES = 100

# Keys feedwright reads itself; everything else stays in Post.extra for templates.
_KNOWN_KEYS = {
    "title", "date", "updated", "last_modified_at", "lastmod", "author", "categories",
    "category", "tags", "tag", "excerpt", "description", "summary", "image", "permalink",
    "slug", "draft", "published", "lang", "id",
}  # fmt: skip
_UPDATED_KEYS = ("updated", "last_modified_at", "lastmod")
_EXCERPT_KEYS = ("excerpt", "description", "summary")
_DATE_PREFIX = re.compile(r"^\d{2,4}-\d{1,2}-\d{1,2}-")
# Lines such as "---END---" left behind by editors and generators; never meant to be shown.
_STRAY_MARKER = re.compile(r"^[ \t]*-{3,}[ \t]*END[ \t]*-{3,}[ \t]*$", re.IGNORECASE | re.MULTILINE)
_MIN_REPEATED_PARAGRAPH = 40
# The start of a fenced code block (CommonMark: three or more backticks or tildes, indented
# by at most three spaces), and a line of an indented one (four spaces or a tab).
# (A line that starts with three backticks and has another one later is inline code.)
_FENCE = re.compile(r"^ {0,3}(`{3,}(?=[^`]*$)|~{3,})")
_INDENTED_CODE = re.compile(r"^(?: {4}|\t)\s*\S")


def _without_control_characters(value: Any) -> tuple[Any, set[str]]:
    """``value`` (text, or lists and mappings of it) without control characters (made by
    escapes such as ``"\\a"``: raw ones were left out before parsing), and the characters
    that were removed."""
    if isinstance(value, str):
        if CONTROL_CHARACTERS.search(value) is None:
            return value, set()
        return CONTROL_CHARACTERS.sub("", value), set(CONTROL_CHARACTERS.findall(value))
    removed: set[str] = set()
    if isinstance(value, list):
        items = []
        for item in value:
            cleaned, found = _without_control_characters(item)
            items.append(cleaned)
            removed |= found
        return items, removed
    if isinstance(value, Mapping):
        mapping = {}
        for key, item in value.items():
            cleaned, found = _without_control_characters(item)
            mapping[key] = cleaned
            removed |= found
        return mapping, removed
    return value, removed


# The engine whose reading a warning names, by Site.engine: feedwright reads a site of its
# own as Jekyll reads one (a loose date, a key written twice), but says so in its own name.
_ENGINE_NAMES = {"jekyll": "Jekyll", "hugo": "Hugo"}


def _as_engine_does(warning: Problem, engine: str) -> Problem:
    """``warning``, when it is about a key written twice, saying that the site's engine
    keeps the last value too (Jekyll 4.3.1 and Hugo 0.111.3 both do)."""
    if isinstance(warning, RepeatedKey) and engine in _ENGINE_NAMES:
        return replace(warning, message=f"{warning.message}, as {_ENGINE_NAMES[engine]} does")
    return warning


class _Fields:
    """Reads typed values out of one post's front matter, raising errors that name the line.
    ``engine``: the site's (Site.engine), which the warnings name."""

    def __init__(self, source: SourceFile, engine: str = ""):
        self.source = source
        self.engine = engine
        self.warnings: list[Problem] = [
            _as_engine_does(warning, engine) for warning in source.warnings
        ]
        self.metadata: dict[str, Any] = {}
        # The date keys whose text Hugo cannot read, and their text (see hugo_date).
        self.ignored_dates: dict[str, str] = {}
        if source.clean:
            self.metadata = source.metadata
            return
        for key, value in source.metadata.items():
            cleaned, removed = _without_control_characters(value)
            self.metadata[key] = cleaned
            if removed:
                line = source.key_lines.get(key)
                self.warnings.append(control_warning(source.path, key, removed, line))

    def warn(self, key: str, message: str, hint: str) -> None:
        """Record a warning about ``key``, at its line."""
        self.warnings.append(
            Problem(self.source.path, message, hint, self.source.key_lines.get(key))
        )

    def fail(self, key: str, message: str, hint: str) -> PostError:
        return PostError(self.source.path, message, hint, self.source.key_lines.get(key))

    def text(self, key: str) -> str | None:
        value = self.metadata.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.fail(
                key, f"`{key}` must be text, not {_kind(value)}", f"write `{key}: some text`"
            )
        return str(value).strip() or None

    def first_text(self, keys: tuple[str, ...]) -> str | None:
        for key in keys:
            value = self.text(key)
            if value:
                return value
        return None

    def date(self, key: str, zone: tzinfo, timestamp_zone: tzinfo | None = None) -> datetime | None:
        """The date of ``key``: without an offset, in ``zone``, or in ``timestamp_zone``
        when it is a YAML timestamp and that is given (see ``read_date``)."""
        value = self.metadata.get(key)
        if value is None or value == "":
            return None
        try:
            parsed, sloppy = read_date(value, zone, timestamp_zone)
        except DateError as error:
            raise self.fail(
                key,
                f"`{key}` is not a valid date: {error}",
                f"write it like `{key}: 2025-11-29 04:40:08 +0900` or `{key}: 2025-11-29`",
            ) from error
        if sloppy:
            read = parsed.isoformat(" ")
            # Only a Jekyll site reads such text (Hugo ignores it: see hugo_date); a site of
            # feedwright's own is read the same way, in feedwright's name.
            said = (
                f"`{key}` is read as {read}, as Jekyll reads it"
                if self.engine == "jekyll"
                else f"feedwright reads `{key}` as {read}"
            )
            self.warn(key, f"{said}: {sloppy}", f"write it like `{key}: 2025-11-29 04:40:08 +0900`")
        return parsed

    def hugo_date(self, key: str, zone: tzinfo) -> datetime | None:
        """The date of ``key`` as Hugo reads it: text in a form Hugo does not read (see
        ``read_hugo_date``) is ignored, as Hugo ignores it, and its key is added to
        ``ignored_dates``; YAML and TOML dates as ``date`` reads them."""
        value = self.metadata.get(key)
        if not isinstance(value, str) or value == "":
            return self.date(key, zone)
        parsed = read_hugo_date(value, zone)
        if parsed is None:
            self.ignored_dates.setdefault(key, value)
        return parsed

    def flag(self, key: str) -> bool | None:
        value = self.metadata.get(key)
        if value is None:
            return None
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in {"true", "false", "yes", "no"}:
            return value.strip().lower() in {"true", "yes"}
        # Jekyll builds the post: the value is ignored, as it would be by Jekyll.
        self.warn(
            key,
            f"`{key}` must be true or false, not {value!r}; it is ignored",
            f"write `{key}: true`",
        )
        return None

    def names(self, plural: str, singular: str) -> tuple[str, ...]:
        """Categories or tags: a list, or a space-separated string (Jekyll's rule)."""
        names: list[str] = []
        for key, split in ((plural, True), (singular, False)):
            value = self.metadata.get(key)
            if value is None:
                continue
            if isinstance(value, str):
                names.extend(value.split() if split else [value])
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, bool) or not isinstance(item, str | int | float):
                        raise self.fail(
                            key,
                            f"`{key}` must be a list of names, but holds {_kind(item)}",
                            f'write `{key}: ["one", "two"]`',
                        )
                    names.append(str(item))
            elif isinstance(value, int | float) and not isinstance(value, bool):
                names.append(str(value))
            else:
                raise self.fail(
                    key,
                    f"`{key}` must be a list or a space-separated string, not {_kind(value)}",
                    f'write `{key}: ["one", "two"]`',
                )
        cleaned = (" ".join(name.split()) for name in names)
        unique = tuple(dict.fromkeys(name for name in cleaned if name))
        if len(unique) > MAX_NAMES:
            # Each name is a feed that lists the post with all its names: the work grows with
            # the square of the count, and no reader wants 1,000 tags on a post.
            raise self.fail(
                plural,
                f"`{plural}` has {len(unique)} names; a post may have at most {MAX_NAMES}",
                f"keep the {MAX_NAMES} that matter (was the list generated by mistake?)",
            )
        return unique

    def author(self, post_url: str) -> Author | None:
        """The post's author; a ``uri`` that is not a web address is left out, with a warning
        (Jekyll would still build the post), and a relative one is made absolute."""
        try:
            author = parse_author(self.metadata.get("author"))
        except ValueError as error:  # Jekyll builds the post (a list of authors, say)
            self.warn("author", f"{error}; it is ignored", _AUTHOR_HINT)
            return None
        if author is None:
            return None
        author, left_out = with_web_uri(author, post_url)
        if left_out is not None:
            self.warn("author", not_a_web_url("the uri of `author`", left_out), WEB_URL_HINT)
        return author

    def image(self, post_url: str) -> Image | None:
        """The post's image, its URL made absolute against the post's own URL; None, with a
        warning, when it is not a web address (``javascript:``, ``data:``)."""
        value = self.metadata.get("image")
        details: Mapping[str, object] = {}
        if isinstance(value, Mapping):  # jekyll-seo-tag style: image: {path: ..., alt: ...}
            details = value
            value = value.get("path") or value.get("url")
        if value is None or value == "":
            return None
        if not isinstance(value, str):  # Jekyll builds the post: the value is ignored
            self.warn(
                "image",
                f"`image` must be a path or URL, not {_kind(value)}; it is ignored",
                "write `image: /images/photo.jpg`",
            )
            return None
        url = web_url(value, post_url)
        if url is None:
            self.warn("image", not_a_web_url("`image`", value), WEB_URL_HINT)
            return None
        alt = details.get("alt")
        return Image(
            url=url,
            alt=alt.strip() if isinstance(alt, str) else "",
            width=self._pixels(details.get("width")),
            height=self._pixels(details.get("height")),
        )

    def _pixels(self, value: object) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 100_000:
            raise self.fail(
                "image",
                f"the image size {value!r} is not a whole number of pixels",
                "write `image: {path: /images/photo.jpg, width: 1200, height: 800}`",
            )
        return value


_AUTHOR_HINT = "write `author: Jane Doe` or `author: {name: Jane Doe, email: jane@example.org}`"


def _kind(value: object) -> str:
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"[:60]


def _paragraphs(body: str, first_line: int) -> Iterator[tuple[int, str]]:
    """Each blank-line separated block of ``body``, whitespace collapsed, with its file line;
    code blocks (fenced, or indented after a blank line) are not paragraphs: code repeats
    itself legitimately."""
    start: int | None = None
    lines: list[str] = []
    fence: str | None = None  # the opening fence of the code block we are in
    for number, line in enumerate(body.split("\n"), start=first_line):
        opening = _FENCE.match(line)
        if fence is not None:
            if _closes(line, fence):
                fence = None
            continue
        is_code = opening is not None or (start is None and _INDENTED_CODE.match(line))
        if line.strip() and not is_code:
            start = number if start is None else start
            lines.append(line)
            continue
        if start is not None:
            yield start, " ".join(" ".join(lines).split())
            start, lines = None, []
        if opening is not None:
            fence = opening.group(1)
    if start is not None:
        yield start, " ".join(" ".join(lines).split())


def _closes(line: str, fence: str) -> bool:
    """Whether ``line`` closes the code block that ``fence`` opened: a run of the same
    character, at least as long, indented by at most three spaces, and nothing else."""
    run = line.strip()
    indent = len(line) - len(line.lstrip(" "))
    return indent <= 3 and len(run) >= len(fence) and run == fence[0] * len(run)


def clean_body(body: str, path: Path, first_line: int) -> tuple[str, list[Problem]]:
    """Remove stray ``---END---`` marker lines; warn about them and about repeated paragraphs.

    Marker lines are generator leftovers that would show as text in every reader, so they
    go. A repeated paragraph may be deliberate, so it is kept and only reported.
    """
    warnings: list[Problem] = []
    seen: dict[str, int] = {}
    for line, paragraph in _paragraphs(body, first_line):
        if _STRAY_MARKER.fullmatch(paragraph):
            warnings.append(
                Problem(
                    path,
                    f"stray `{paragraph}` line left out of the content",
                    "delete the line",
                    line,
                )
            )
        elif len(paragraph) >= _MIN_REPEATED_PARAGRAPH and paragraph in seen:
            warnings.append(
                Problem(
                    path,
                    f"this paragraph repeats the one on line {seen[paragraph]}",
                    "delete one of them if the repeat is a mistake",
                    line,
                )
            )
        else:
            seen.setdefault(paragraph, line)
    return _STRAY_MARKER.sub("", body), warnings


# What each engine does with a post with no title, as the warning about it says.
_UNTITLED = {"jekyll": ", as Jekyll does", "hugo": ", Hugo leaves it untitled"}


def _title_from_name(fields: _Fields, slug: str) -> str:
    """The title Jekyll gives a post with none: its file name's slug, each word between
    dashes capitalised (``2025-11-29-hello-world.md`` gives ``Hello World``), with a warning
    that says what the site's engine does. (Jekyll keeps an empty ``title: ""`` empty; a
    feed entry and a mail need a title.)"""
    title = " ".join(" ".join(word.capitalize() for word in slug.split("-")).split())
    engine_does = _UNTITLED.get(fields.engine, "")
    fields.warnings.append(
        Problem(
            fields.source.path,
            f"the post has no title: it is titled {title!r} from its file name{engine_does}",
            'add `title: "…"` to the front matter',
            fields.source.key_lines.get("title", 1),
        )
    )
    return title


def file_slug_of(path: Path) -> str:
    """A post's slug from its file name: ``2025-11-29-hello.md`` gives ``hello``, and
    ``2025-11-29-hello...md`` too (Jekyll takes trailing dots off a slug)."""
    return (_DATE_PREFIX.sub("", path.stem) or path.stem).rstrip(".") or path.stem


def parse_post(source: SourceFile, site: Site, zone: tzinfo) -> Post:
    """Validate one post and build the Post; raise PostError if it is unusable."""
    return with_body(parse_header(source, site, zone), source.body, site, crlf=source.crlf)


def with_body(
    post: Post, body: str, site: Site, links: PostLinks | None = None, *, crlf: bool = False
) -> Post:
    """``post`` completed with its body: the cleaned text with its Liquid tags or Hugo
    shortcodes rendered (``links``: the site's posts, which ``post_url`` and ``ref`` name),
    the excerpt and the body's warnings. ``crlf``: every line of the file ends with CRLF
    (see ``front_matter.crlf_lines``)."""
    # Imported here: it needs markdown-it and lxml, which reading front matter never does
    # (and a build whose changes show in no output reads no body).
    from feedwright.posts.excerpt import excerpt_text, truncate

    cleaned, body_warnings = clean_body(body, post.source, post.body_line)
    separator = _excerpt_separator(post, site)
    if crlf and site.engine == "jekyll" and separator not in body.replace("\n", "\r\n"):
        # Jekyll looks for it in the text as the file has it: not there, the excerpt is
        # the whole post (kramdown's flavour), as when the text has no separator at all.
        separator = _ABSENT_SEPARATOR
    opening = None
    # After the cleaning, which keeps the lines where they are, for its warnings' lines;
    # only a body with tags has the renderer imported.
    # (Jekyll renders no Liquid in a CoffeeScript file, its one such ending a post can have.)
    if ("{{" in cleaned or "{%" in cleaned) and post.source.suffix != ".coffee":
        from feedwright.posts.templating import render_opening, render_tags

        if site.engine == "jekyll" and post.front_excerpt is None:
            opening = render_opening(post, cleaned, separator, site, links)
        cleaned, tag_warnings = render_tags(post, cleaned, site, links)
        body_warnings += tag_warnings
    full_excerpt = excerpt_text(
        post.front_excerpt,
        cleaned,
        separator,
        html_post=is_html_post(post.source, site.markdown),
        flavour=site.markdown,
        opening=opening,
        summary_words=site.hugo.summary_length if site.hugo is not None else None,
        # jekyll-feed writes `post.description | default: post.excerpt | strip_html`: a
        # front matter string no converter renders.
        front_matter_as_written=site.engine == "jekyll",
    )
    return replace(
        post,
        body=cleaned,
        excerpt=truncate(full_excerpt, site.excerpt_length),
        excerpt_text=full_excerpt,
        warnings=post.warnings + tuple(body_warnings),
        has_body=True,
    )


# A separator no decoded text holds (its line ends are LF alone): none is found.
_ABSENT_SEPARATOR = "\r"


def _excerpt_separator(post: Post, site: Site) -> str:
    """The separator of a post's excerpt: on a Jekyll site, its own ``excerpt_separator``
    when its front matter gives one (as Jekyll reads it), else the site's."""
    own = post.extra.get("excerpt_separator")
    if site.engine == "jekyll" and isinstance(own, str) and own:
        return own
    return site.excerpt_separator


@dataclass(frozen=True)
class _Place:
    """Where and when a post is, and in what language: what Jekyll's rules and Hugo's each
    decide their own way."""

    date: datetime
    updated: datetime | None
    categories: tuple[str, ...]
    url_path: str
    slug: str | None
    lang: str | None
    draft: bool
    publish_date: datetime | None = None
    expiry_date: datetime | None = None
    listed: bool = True


def parse_header(source: SourceFile, site: Site, zone: tzinfo) -> Post:
    """Validate one post's front matter and build the Post without its body (``has_body`` is
    False); raise PostError if it is unusable. Only the front matter of ``source`` is used."""
    hugo = site.hugo is not None
    source = with_defaults(_lowercase_keys(source) if hugo else source, site)
    fields = _Fields(source, site.engine)
    path = source.path
    page = HugoPage(site, path) if hugo else None
    file_slug = page.name if page else file_slug_of(path)
    # One line wherever it goes (a mail subject, a feed reader's list): runs of whitespace,
    # line and paragraph separators included, become one space.
    title = " ".join((fields.text("title") or "").split()) or _title_from_name(fields, file_slug)
    if site.engine == "jekyll":
        from feedwright.posts.typography import jekyll_feed_title  # a Jekyll site's only

        # jekyll-feed writes `post.title | smartify | strip_html`: curly quotes, dashes,
        # ellipses, no tags (a title of tags alone keeps them: a title cannot be empty).
        title = jekyll_feed_title(title) or title
    if page:
        place = _hugo_place(fields, site, zone, title, page)
    else:
        place = _jekyll_place(fields, site, zone, file_slug)
        if site.engine == "jekyll":
            _warn_if_unconverted(fields, site)
    url = site.base_url + place.url_path
    known = _KNOWN_KEYS | _HUGO_KEYS if hugo else _KNOWN_KEYS
    return Post(
        source=path,
        title=title,
        date=place.date,
        updated=place.updated,
        author=fields.author(url),
        categories=place.categories,
        tags=fields.names("tags", "tag"),
        excerpt="",
        image=fields.image(url),
        url=url,
        id=fields.text("id") or _entry_id(site, place.url_path, place.date, file_slug, place.slug),
        slug=place.slug or file_slug,
        draft=place.draft,
        lang=place.lang,
        body="",
        body_line=source.body_line,
        body_offset=source.body_offset,
        extra={key: value for key, value in source.metadata.items() if key not in known},
        warnings=tuple(fields.warnings),
        front_excerpt=_front_excerpt(fields, site),
        has_body=False,
        publish_date=place.publish_date,
        expiry_date=place.expiry_date,
        listed=place.listed,
    )


def _front_excerpt(fields: _Fields, site: Site) -> str | None:
    """The post's summary from its front matter; None when it has none, and its excerpt is
    made from the body. On a Jekyll site it is what jekyll-feed writes,
    ``post.description | default: post.excerpt``: the description, else ``excerpt``, which
    Jekyll keeps as given, even empty ("": the post has no summary, as in jekyll-feed's
    feed); ``summary`` is no key of Jekyll's."""
    if site.hugo is not None:
        return fields.first_text(_HUGO_EXCERPT_KEYS)
    if site.engine != "jekyll":
        return fields.first_text(_EXCERPT_KEYS)
    description = fields.text("description")
    if description:
        return description
    if fields.metadata.get("excerpt") is None:  # absent or null: Jekyll makes one
        return None
    return fields.text("excerpt") or ""


def _jekyll_place(fields: _Fields, site: Site, zone: tzinfo, file_slug: str) -> _Place:
    """A post's date, URL and language by Jekyll's rules (and feedwright's own site's)."""
    path = fields.source.path
    in_drafts = is_draft_file(site, path)
    # Jekyll (Ruby's YAML) reads a timestamp with no offset, `2025-11-29 23:30:00`, as UTC
    # whatever the site's `timezone`: the URL of such a post has the day UTC has.
    timestamp_zone = UTC if site.engine == "jekyll" else zone
    date = fields.date("date", zone, timestamp_zone) or date_from_filename(path.name, zone)
    if date is None and in_drafts:
        date = _modified(path)  # as Jekyll dates a draft
    if date is None:
        raise PostError(
            path,
            "the post has no date",
            "add `date: 2025-11-29 09:00:00 +0900` to the front matter "
            "or start the file name with the date (2025-11-29-title.md)",
            1,
        )
    updated = None
    for key in _UPDATED_KEYS:
        updated = updated or fields.date(key, zone, timestamp_zone)
    # Jekyll's categories: the folders above a nested `_posts` folder, then the front matter's.
    categories = tuple(
        dict.fromkeys(folder_categories(site, path) + fields.names("categories", "category"))
    )
    slug = fields.text("slug")
    permalink = fields.text("permalink")
    url_path = post_path(
        permalink or site.permalink,
        date=date.astimezone(zone),
        categories=categories,
        file_slug=file_slug,
        slug=slug,
        front_matter=bool(permalink),
        output_ext=output_suffix(path, site.markdown),
    )
    lang_text = fields.text("lang")
    lang = normalise_lang(lang_text) if lang_text else None
    if lang_text and not lang:
        raise fields.fail(
            "lang",
            f"`lang` {lang_text!r} is not a language tag",
            "write `lang: ja` or `lang: en-US`",
        )
    draft = in_drafts or fields.flag("draft") is True or fields.flag("published") is False
    return _Place(date, updated, categories, url_path, slug, lang, draft)


def _warn_if_unconverted(fields: _Fields, site: Site) -> None:
    """A warning for a Jekyll post that no converter of Jekyll's own takes (``.text``,
    ``.Rmd``, ``.textile`` without its plugin, ``.md.bak``): Jekyll builds it as written,
    and so does feedwright, but its text was most likely not meant to be HTML."""
    path = fields.source.path
    suffix = path.suffix
    if not built_as_written(path, site.markdown):
        return
    fields.warnings.append(
        Problem(
            path,
            f"no converter of Jekyll's own converts `{suffix}` files: the post's text is its "
            "content as written, unconverted (HTML to feed readers), as Jekyll builds it "
            f"without a plugin for `{suffix}`",
            f"rename it to .md to have it read as Markdown, or add `{suffix[1:]}` to "
            "`markdown_ext`",
            1,
        )
    )


def _modified(path: Path) -> datetime:
    """When the file was last modified, to the second, as Jekyll dates a draft with no
    date."""
    try:
        seconds = os.stat(path).st_mtime_ns // 1_000_000_000
    except OSError as error:
        raise PostError(path, f"cannot read the file: {error.strerror}") from error
    return datetime.fromtimestamp(seconds, UTC)


# Hugo's front matter dates, each read from the first of its keys that is set (Hugo's
# default [frontmatter] order; keys are lowercased, as Hugo reads them).
_HUGO_DATE_KEYS = ("date", "publishdate", "pubdate", "published", "lastmod", "modified")
_HUGO_PUBLISH_KEYS = ("publishdate", "pubdate", "published")
_HUGO_EXPIRY_KEYS = ("expirydate", "unpublishdate")
_HUGO_UPDATED_KEYS = ("lastmod", "modified")
_HUGO_KEYS = {
    *_HUGO_DATE_KEYS, *_HUGO_EXPIRY_KEYS, "url", "headless", "_build", "build",
}  # fmt: skip
# Hugo's .Summary reads `summary`, never `description` (a page's meta description).
_HUGO_EXCERPT_KEYS = ("summary",)


def _lowercase_keys(source: SourceFile) -> SourceFile:
    """``source`` with its front matter keys lowercased: Hugo's keys are case-insensitive
    (``publishDate`` is ``publishdate``)."""
    if all(key == key.lower() for key in source.metadata):
        return source
    return replace(
        source,
        metadata={key.lower(): value for key, value in source.metadata.items()},
        key_lines={key.lower(): line for key, line in source.key_lines.items()},
    )


def _first_date(
    fields: _Fields, sources: tuple[str, ...], zone: tzinfo, page: HugoPage
) -> tuple[str, datetime] | None:
    """The first of ``sources`` (see ``HugoSettings.front_matter_dates``) that gives a
    date Hugo reads, and that date: a front matter key; ``:filename``, the date that
    starts the file's name; ``:filemodtime``, when the file was last modified (in the
    machine's time zone, as Hugo has it). ``:git`` gives none: feedwright reads no git
    history."""
    for source in sources:
        if source == ":filename":
            value = filename_date(page.name, zone)[0]
        elif source == ":filemodtime":
            value = _modified(fields.source.path).astimezone()
        elif source.startswith(":"):
            value = None
        else:
            value = fields.hugo_date(source, zone)
        if value is not None:
            return source, value
    return None


def _date_of(found: tuple[str, datetime] | None) -> datetime | None:
    return found[1] if found else None


def _hugo_date(fields: _Fields, found: tuple[str, datetime] | None) -> datetime:
    """A post's date as Hugo dates it: ``found``, the first date key that holds a date
    Hugo reads; with none, Hugo's zero date (0001-01-01, so the post is listed last), with
    a warning. Each date key Hugo could not read (all of them read by now) gets a warning
    saying what Hugo does instead."""
    hint = "write it like `date: 2025-11-29T09:00:00+09:00` or `date: 2025-11-29`"
    instead = f"Hugo dates the post by `{found[0]}`" if found else "Hugo dates the post 0001-01-01"
    for key, text in fields.ignored_dates.items():
        fields.warn(
            key,
            f"`{key}` {text!r} is not a date Hugo reads: Hugo ignores it, and so does "
            f"feedwright ({instead if key in _HUGO_DATE_KEYS else 'no such date'})",
            hint.replace("date:", f"{key}:"),
        )
    if found is not None:
        return found[1]
    if not fields.ignored_dates:
        fields.warnings.append(
            Problem(
                fields.source.path,
                "the post has no date: Hugo dates it 0001-01-01 and lists it last, and so "
                "does feedwright",
                "add `date: 2025-11-29T09:00:00+09:00` to the front matter",
                1,
            )
        )
    return HUGO_ZERO_DATE


def _hugo_place(fields: _Fields, site: Site, zone: tzinfo, title: str, page: HugoPage) -> _Place:
    """A post's dates, URL and language by Hugo's rules (see ``posts.hugo``)."""
    sources = site.hugo.front_matter_dates if site.hugo else {}
    found = _first_date(fields, sources.get("date", _HUGO_DATE_KEYS), zone, page)
    publish = _first_date(fields, sources.get("publishdate", _HUGO_PUBLISH_KEYS), zone, page)
    modified = _first_date(fields, sources.get("lastmod", _HUGO_UPDATED_KEYS), zone, page)
    expiry = _first_date(fields, sources.get("expirydate", _HUGO_EXPIRY_KEYS), zone, page)
    publish_date, updated, expiry_date = _date_of(publish), _date_of(modified), _date_of(expiry)
    date = _hugo_date(fields, found)
    slug = fields.text("slug")
    if "slug" not in fields.metadata and any(
        one is not None and one[0] == ":filename" for one in (found, publish, modified, expiry)
    ):
        # Hugo's :filename gives the page the rest of its name as its slug too.
        slug = filename_date(page.name, zone)[1] or None
    url_path = hugo_url_path(site, page, date=date, title=title, slug=slug, url=fields.text("url"))
    return _Place(
        date=date,
        updated=updated,
        categories=fields.names("categories", "category"),
        url_path=url_path,
        slug=slug,
        lang=page.language.lang,
        draft=fields.flag("draft") is True,
        publish_date=publish_date if publish_date != date else None,
        expiry_date=expiry_date,
        listed=not (fields.flag("headless") is True or _never_listed(fields.metadata)),
    )


def _never_listed(metadata: Mapping[str, Any]) -> bool:
    """Whether Hugo's build options (``_build`` or ``build``) keep the page out of lists."""
    options = metadata.get("_build", metadata.get("build"))
    if not isinstance(options, Mapping):
        return False
    listed = options.get("list")
    return listed is False or (isinstance(listed, str) and listed.lower() == "never")


def _entry_id(site: Site, url_path: str, date: datetime, file_slug: str, slug: str | None) -> str:
    """The stable id of a feed entry, as ``[feeds] id_scheme`` says: jekyll-feed's (see
    ``document_id``; a Jekyll site's default, so that readers who followed jekyll-feed's
    feed see no entry again), the URL, or a tag: URI (RFC 4151) from the file name's slug.
    ``slug`` is the front matter's."""
    if site.feeds.id_scheme == "tag":
        host = urlsplit(site.url).hostname or "localhost"
        return f"tag:{host},{date.date().isoformat()}:{url_quote_slug(file_slug)}"
    if site.feeds.id_scheme == "jekyll":
        return site.base_url + document_id(url_path, slug or file_slug)
    return site.base_url + url_path


def url_quote_slug(slug: str) -> str:
    """A slug safe inside a tag: URI."""
    return quote(slug, safe="-._~")
