"""Read a site's post files, validate each, and order the posts newest first.

This is the plain path: every file is read and parsed here, in this process. A build of a
big site reads through ``speed`` instead (a cache of parsed front matter, worker
processes), which plugs in as the ``read`` argument of ``collect`` and gives the same
posts and problems in the same order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from feedwright.errors import PostError, Problem
from feedwright.posts.files import (
    FileKey,
    built_as_written,
    post_file_names,
    posts_location,
    read_head,
    read_post_bytes,
    reads_every_posts_folder,
    starts_with_front_matter,
)
from feedwright.site.model import Site

# The readers of front matter and posts (PyYAML, python-frontmatter, regex) and the Post
# are imported where posts are read: a build that finds nothing changed reads none, and
# importing them would be a fifth of its time.
if TYPE_CHECKING:
    from feedwright.posts.links import PostLinks
    from feedwright.posts.model import Post

# Posts are read and parsed in batches of this many (see read_posts): a batch is also the
# unit of work of a parse worker (speed.parse_workers).
BATCH = 64

ProgressCallback = Callable[[int, int], None]
# The post files to read, each with its FileKey when the caller stat'ed it (None: not
# stat'ed, or gone); only a cache needs the keys.
PostFiles = Sequence[tuple[str, FileKey | None]]
# How ``collect`` has its files read: given the files, whether to read whole posts, and
# where to report progress, each file's Post or Problem, in order. ``read_here`` is the
# plain way; ``speed`` gives a faster one with the same results.
ReadPosts = Callable[[PostFiles, bool, ProgressCallback | None], "list[Post | Problem]"]
Steps = ParamSpec("Steps")
Result = TypeVar("Result")


@dataclass
class Collection:
    """The result of reading a site: valid posts in feed order and every problem found."""

    posts: list[Post] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    drafts: int = 0
    future: int = 0
    # Posts past their expiry date (Hugo's expiryDate), left out.
    expired: int = 0
    # When the outputs next change by the clock alone: the first post left out for its
    # future date becomes due, or a post shown expires (None: neither happens).
    next_due: datetime | None = None
    files: int = 0
    # Markdown files without front matter in a site folder that is its own posts folder
    # (a README), and those of a Jekyll site's `_posts` not named as posts (see
    # files.JEKYLL_POST_NAME; counted when ``collect`` lists the files): not posts, and
    # no problem either.
    ignored: int = 0


def collect(
    site: Site,
    *,
    now: datetime,
    drafts: bool = False,
    future: bool = False,
    progress: ProgressCallback | None = None,
    bodies: bool = True,
    files: PostFiles | None = None,
    read: ReadPosts | None = None,
) -> Collection:
    """Read every post of ``site`` and return them newest first with all problems found.

    Drafts and posts dated after ``now`` are left out unless ``drafts``/``future`` is set
    (a Jekyll site's ``_drafts`` are not even read without ``drafts``).
    Ties in date are broken by file name, so the order never depends on the file system.
    With ``bodies`` False only the front matter is read: the posts come without their
    bodies, for ``load_bodies`` to complete the few that are shown. ``files`` are the post
    files when the caller has already listed them; ``read`` reads them (default:
    ``read_here``).
    """
    not_posts: list[str] = []
    if files is None:
        files = [(name, None) for name in post_file_names(site, drafts, not_posts)]
    # Posts of the same date keep the order of their file names, compared as strings (as
    # Jekyll compares paths): it never depends on the file system. The files come in path
    # order, which differs where a name and a folder share a start (`2025-x.md`, `2025/`).
    files = sorted(files, key=lambda file: file[0])
    in_site_root = posts_location(site) == (site.root, None) and not reads_every_posts_folder(site)
    result = Collection(files=len(files), warnings=list(site.warnings), ignored=len(not_posts))
    for outcome in (read or read_here(site))(files, bodies, progress):
        if isinstance(outcome, Problem):
            # Loose Markdown files (README.md…) in a site folder are not posts.
            if in_site_root and not starts_with_front_matter(outcome.path, site.hugo is not None):
                result.ignored += 1
            elif _is_no_text(site, outcome):
                result.ignored += 1
                result.warnings.append(_no_text_warning(outcome))
            else:
                result.problems.append(outcome)
            continue
        _sort_in(result, outcome, now, drafts, future)
    _unique_ids(site, result)
    result.posts.sort(key=lambda post: post.date, reverse=True)  # stable: ties keep name order
    return result


def _is_no_text(site: Site, problem: Problem) -> bool:
    """Whether ``problem`` is that of a Jekyll site's file that no converter takes and that
    is no text (a picture, a PDF with a post's name): no post, as Jekyll, which cannot
    read it, builds none. (A Markdown or HTML file that is no text stays invalid.)"""
    # Imported here: front_matter needs PyYAML, which a build that reads nothing never does.
    from feedwright.posts.front_matter import NotText

    return (
        isinstance(problem, NotText)
        and site.engine == "jekyll"
        and built_as_written(problem.path, site.markdown)
    )


def _no_text_warning(problem: Problem) -> Problem:
    return Problem(
        problem.path,
        f"{problem.message}: it is left out, as it is no text (a picture, a PDF?)",
        "move it out of `_posts`: Jekyll cannot read it either",
    )  # no line: the whole file is the matter


def _sort_in(result: Collection, post: Post, now: datetime, drafts: bool, future: bool) -> None:
    """Count ``post`` in ``result``: as a post, or as one left out (a page that is not
    listed, a draft, a future or an expired post)."""
    result.warnings.extend(post.warnings)
    if not post.listed:
        result.ignored += 1
    elif post.draft and not drafts:
        result.drafts += 1
    elif post.published > now and not future:
        result.future += 1
        result.next_due = min(post.published, result.next_due or post.published)
    elif post.expiry_date is not None and post.expiry_date <= now:
        result.expired += 1
    else:
        result.posts.append(post)
        if post.expiry_date is not None:
            result.next_due = min(post.expiry_date, result.next_due or post.expiry_date)


def read_here(site: Site) -> ReadPosts:
    """The plain ReadPosts: every file read and parsed in this process, a batch at a time."""

    def read(
        files: PostFiles, bodies: bool, progress: ProgressCallback | None
    ) -> list[Post | Problem]:
        outcomes: list[Post | Problem] = []
        for start in range(0, len(files), BATCH):
            names = [name for name, _ in files[start : start + BATCH]]
            outcomes.extend(read_posts(site, names, bodies))
            if progress:
                progress(len(outcomes), len(files))
        return outcomes

    return read


def read_posts(site: Site, names: Sequence[str], bodies: bool) -> list[Post | Problem]:
    """The post or problem of each file, in order: whole posts, or with ``bodies`` False
    only their front matter.

    In passes over all of them: every file is read, then every one decoded and split, then
    every front matter parsed. Called file by file, the same code takes two fifths longer
    (each pass runs its own code in a tight loop, which the processor caches). A file whose
    pass fails is done: its problem stays.
    """
    from feedwright.posts.front_matter import SourceFile, head_source, whole_source
    from feedwright.posts.parse import parse_header, parse_post

    read, split, parse = (
        (read_post_bytes, whole_source, parse_post)
        if bodies
        else (read_head, head_source, parse_header)
    )
    zone = site.zone
    hugo = site.hugo is not None
    paths = [Path(name) for name in names]
    data = [_or_problem(read, path) for path in paths]
    sources = [
        _or_problem(split, item, path, hugo) if isinstance(item, bytes) else item
        for item, path in zip(data, paths, strict=True)
    ]
    return [
        _or_problem(parse, item, site, zone) if isinstance(item, SourceFile) else item
        for item in sources
    ]


def _or_problem(
    step: Callable[Steps, Result], *args: Steps.args, **kwargs: Steps.kwargs
) -> Result | Problem:
    """What ``step`` gives, or the problem of the PostError it raises (a Problem, unlike a
    PostError, survives a trip between processes)."""
    try:
        return step(*args, **kwargs)
    except PostError as error:
        return error.problem


def load_bodies(
    site: Site, posts: Sequence[Post], links: PostLinks | None = None
) -> tuple[dict[Path, Post], list[Problem]]:
    """``posts`` with their bodies read (those that have one already are kept), by source
    file, and the problems of the files that could not be read again. ``links`` are the
    site's posts, which a body's ``{% post_url %}`` or ``{{< ref >}}`` names (see
    ``post_links``).

    The front matter is not parsed again: each post knows where its body starts.
    """
    from feedwright.posts.front_matter import body_at, crlf_lines
    from feedwright.posts.parse import with_body

    complete: dict[Path, Post] = {}
    problems: list[Problem] = []
    for post in posts:
        if post.has_body:
            complete[post.source] = post
            continue
        try:
            data = read_post_bytes(post.source)
            body = body_at(data, post.source, post.body_offset, site.hugo is not None)
            # A Liquid error that stops Jekyll's build makes the post invalid too.
            complete[post.source] = with_body(post, body, site, links, crlf=crlf_lines(data))
        except PostError as error:
            problems.append(error.problem)
    return complete, problems


def take_bodies(
    collection: Collection,
    headers: Sequence[Post],
    bodies: Mapping[Path, Post],
    problems: Sequence[Problem] = (),
) -> None:
    """Complete ``collection`` with what ``load_bodies`` gave for ``headers``, some of its
    posts: ``bodies`` replace them, their warnings are added (those after the header's,
    which ``collect`` reported already), and the posts of ``problems`` are invalid."""
    # The headers are the collection's own objects, so they are found by identity:
    # hashing the Paths of a big site's 10,000 posts would take longer than all the rest.
    complete = {id(post): bodies[post.source] for post in headers if post.source in bodies}
    collection.posts = [complete.get(id(post), post) for post in collection.posts]
    collection.warnings.extend(
        warning
        for post in headers
        if post.source in bodies
        for warning in bodies[post.source].warnings[len(post.warnings) :]
    )
    if problems:
        collection.problems.extend(problems)
        broken = {problem.path for problem in problems}
        collection.posts = [post for post in collection.posts if post.source not in broken]


def _unique_ids(site: Site, collection: Collection) -> None:
    """Two posts with one id would show as one entry in every feed reader: the later of
    the two (the posts are in the order of their file names) is invalid and left out, so
    that no feed has two entries with one id, even with ``--skip-invalid``; unless its id
    is the one jekyll-feed derives from its URL's folder and slug, which two posts with
    their own permalinks can share while Jekyll builds both: that post's id is then its
    URL, with a warning."""
    first_with: dict[str, Post] = {}
    kept: list[Post] = []
    for post in collection.posts:
        other = first_with.setdefault(post.id, post)
        if other is post:
            kept.append(post)
            continue
        if post.url != other.url and _is_jekyll_id(site, post):
            collection.warnings.append(
                Problem(
                    post.source,
                    f"jekyll-feed would give it the id of {other.source} ({post.id}); its "
                    "id is its URL instead",
                    "give one of them a `slug` of its own to keep jekyll-feed's ids",
                )
            )
            kept.append(replace(post, id=post.url))
            first_with.setdefault(post.url, kept[-1])
            continue
        same = "id and URL" if post.url == other.url else "id"
        collection.problems.append(
            Problem(
                post.source,
                f"has the same {same} as {other.source} ({post.id})",
                "give one of them its own `permalink`, `slug` or `id`",
            )
        )
    collection.posts = kept


def _is_jekyll_id(site: Site, post: Post) -> bool:
    """Whether the post's id is the one jekyll-feed derives, not one its front matter set."""
    from feedwright.posts.permalinks import document_id

    if site.feeds.id_scheme != "jekyll" or not post.url.startswith(site.base_url):
        return False
    return post.id == site.base_url + document_id(post.url[len(site.base_url) :], post.slug)


def post_links(site: Site, posts: Sequence[Post]) -> PostLinks | None:
    """The URLs of ``posts`` (the collected ones: what the site publishes) by the names
    tags give them, for ``load_bodies``; made from their headers when a body asks. None
    on a site whose bodies have no tags (neither Jekyll's nor Hugo's)."""
    from feedwright.posts.links import PostLinks

    return PostLinks(site.root, posts) if site.engine else None
