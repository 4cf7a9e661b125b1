"""The ``feedwright`` command: a thin layer of typer over the library functions.

Exit codes: 0 ok, 1 invalid input or output not writable, 2 usage error,
3 another ``send`` holds the lock, 4 some deliveries failed.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import typer

from feedwright import __version__
from feedwright.config import load_site, parse_groups
from feedwright.errors import FeedwrightError, InvalidPostsError, Problem
from feedwright.model import BuildOptions, Site
from feedwright.uptodate import is_up_to_date, scan_inputs

# The stages (feedgen, premailer, markdown-it, lxml…) and rich's progress bar and table are
# imported by the commands that use them: a build that finds nothing changed never needs
# them, and starts in a moment.
if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from feedwright.collector import Collection
    from feedwright.state import RunStart

app = typer.Typer(
    help="Turn a folder of Markdown blog posts into Atom, RSS and JSON feeds.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


def _say(message: str) -> None:
    """Print a line on stdout."""
    typer.echo(message)


def _complain(message: str) -> None:
    """Print a line on stderr: errors and warnings."""
    typer.echo(message, err=True)


T = TypeVar("T")


@dataclass
class GlobalOptions:
    """Options given before the command name."""

    config: Path | None = None
    quiet: bool = False
    verbose: bool = False


class ProgressBar:
    """A progress bar on stderr that appears only when collecting takes more than a moment."""

    DELAY_SECONDS = 0.5

    def __init__(self, enabled: bool, label: str = "reading posts"):
        self.enabled = enabled and sys.stderr.isatty()
        self.label = label
        self.started = time.monotonic()
        self.progress: Progress | None = None
        self.task: TaskID | None = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.progress is None:
            if time.monotonic() - self.started < self.DELAY_SECONDS:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self.progress = Progress(
                TextColumn(self.label), BarColumn(), MofNCompleteColumn(),
                console=Console(stderr=True), transient=True,
            )  # fmt: skip
            self.progress.start()
            self.task = self.progress.add_task("posts", total=total)
        if self.task is not None:
            self.progress.update(self.task, completed=done)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def _version(value: bool) -> None:
    if value:
        _say(f"feedwright {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="Configuration file (default: SITE/feedwright.toml)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Also print warnings and skipped posts.")
    ] = False,
) -> None:
    """Turn a folder of Markdown blog posts into Atom, RSS and JSON feeds."""
    ctx.obj = GlobalOptions(config=config, quiet=quiet, verbose=verbose)


SiteArgument = Annotated[
    Path, typer.Argument(help="The site folder (holding _posts/ or posts/).", show_default=True)
]
OutputOption = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Output folder (default from the config: SITE/out)."),
]


def _run(action: Callable[[], T]) -> T:
    """Run a library call; turn feedwright's errors into messages on stderr and exit codes."""
    try:
        return action()
    except InvalidPostsError as error:
        _print_problems(error.problems)
        _complain(f"error: {error}")
        raise typer.Exit(error.exit_code) from None
    except FeedwrightError as error:
        _complain(f"error: {error}")
        raise typer.Exit(error.exit_code) from None


def _print_problems(problems: list[Problem], label: str = "error") -> None:
    for problem in problems:
        _complain(f"{label}: {problem}")


def _load(ctx: typer.Context, site: Path, output: Path | None, by: str | None = None) -> Site:
    options: GlobalOptions = ctx.obj
    loaded = _run(lambda: load_site(site, options.config, output=output))
    if by is not None:
        groups = _run(lambda: parse_groups([part for part in by.split(",") if part.strip()]))
        loaded = replace(loaded, feeds=replace(loaded.feeds, by=groups))
    return loaded


def _collect(
    ctx: typer.Context, site: Site, *, drafts: bool, future: bool, bodies: bool = True
) -> Collection:
    from feedwright.build import collect_headers
    from feedwright.collector import collect

    read = collect if bodies else collect_headers
    bar = ProgressBar(enabled=not ctx.obj.quiet)
    try:
        return _run(
            lambda: read(site, now=datetime.now(UTC), drafts=drafts, future=future, progress=bar)
        )
    finally:
        bar.close()


@app.command()
def build(
    ctx: typer.Context,
    site: SiteArgument = Path("."),
    output: OutputOption = None,
    drafts: Annotated[
        bool, typer.Option("--drafts", help="Include posts marked as drafts.")
    ] = False,
    future: Annotated[
        bool, typer.Option("--future", help="Include posts dated in the future.")
    ] = False,
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid", help="Build from the valid posts; still list the invalid ones."
        ),
    ] = False,
    by: Annotated[
        str | None,
        typer.Option("--by", help="Also write feeds per 'category', 'tag' or 'category,tag'."),
    ] = None,
) -> None:
    """Build the feeds of SITE into its output folder."""
    _without_cycle_collector()
    options: GlobalOptions = ctx.obj
    loaded = _load(ctx, site, output, by)
    bar = ProgressBar(enabled=not options.quiet)
    build_options = BuildOptions(drafts=drafts, future=future, skip_invalid=skip_invalid)
    inputs = scan_inputs(loaded, build_options.key())
    files = is_up_to_date(loaded, build_options.key(), datetime.now(UTC), inputs.digest)
    if files is not None:
        if not options.quiet:
            _say(f"nothing changed since the last build: {files} files up to date")
        return
    from feedwright.build import build_site

    try:
        result = _run(lambda: build_site(loaded, build_options, progress=bar, inputs=inputs))
    finally:
        bar.close()
    collection = result.collection
    _print_problems(collection.problems)
    if options.verbose:
        _print_problems(collection.warnings, "warning")
    if not options.quiet:
        for path in result.report.written:
            _say(f"wrote {path}")
        if options.verbose:
            for path in result.report.unchanged:
                _say(f"unchanged {path}")
        _say(_summary(collection, len(result.report.written), len(result.report.unchanged)))
    if collection.problems:
        _complain(f"warning: {len(collection.problems)} invalid post(s) left out (--skip-invalid)")


def _posts(count: int) -> str:
    return f"{count} post" if count == 1 else f"{count} posts"


def _summary(collection: Collection, written: int, unchanged: int) -> str:
    parts = [f"{len(collection.posts)} posts"]
    if collection.drafts:
        parts.append(f"{collection.drafts} drafts left out (--drafts)")
    if collection.future:
        parts.append(f"{collection.future} future posts left out (--future)")
    return f"{', '.join(parts)}; {written} files written, {unchanged} unchanged"


@app.command()
def check(ctx: typer.Context, site: SiteArgument = Path(".")) -> None:
    """Validate every post of SITE (drafts and future posts too) and list every problem.

    Writes nothing. Exits 1 when any post is invalid.
    """
    loaded = _load(ctx, site, None)
    collection = _collect(ctx, loaded, drafts=True, future=True)
    _print_problems(collection.problems)
    _print_problems(collection.warnings, "warning")
    if not ctx.obj.quiet:
        _say(
            f"{collection.files} files: {len(collection.posts)} valid, "
            f"{len(collection.problems)} invalid, {len(collection.warnings)} warnings"
        )
    if collection.problems:
        raise typer.Exit(1)


@app.command("list")
def list_posts(
    ctx: typer.Context,
    site: SiteArgument = Path("."),
    drafts: Annotated[
        bool, typer.Option("--drafts", help="Include posts marked as drafts.")
    ] = False,
    future: Annotated[
        bool, typer.Option("--future", help="Include posts dated in the future.")
    ] = False,
) -> None:
    """List the posts of SITE in feed order: date, title, URL and tags.

    A table on a terminal; tab-separated lines when piped, for scripts.
    """
    loaded = _load(ctx, site, None)
    # Dates, titles, URLs and tags are all in the front matter: no body is read.
    collection = _collect(ctx, loaded, drafts=drafts, future=future, bodies=False)
    _print_problems(collection.problems)
    rows = [
        (post.date.isoformat(), post.title, post.url, ", ".join(post.tags))
        for post in collection.posts
    ]
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Table

        table = Table("Date", "Title", "URL", "Tags")
        for row in rows:
            table.add_row(*(escape(cell) for cell in row))
        Console().print(table)
    else:
        for row in rows:
            sys.stdout.write("\t".join(cell.replace("\t", " ") for cell in row) + "\n")
    if collection.problems:
        raise typer.Exit(1)


TemplatesOption = Annotated[
    Path | None,
    typer.Option(
        "--templates", help="Folder of your own digest templates (default from the config)."
    ),
]
SkipInvalidOption = Annotated[
    bool,
    typer.Option("--skip-invalid", help="Use the valid posts; still list the invalid ones."),
]


@app.command()
def digest(
    ctx: typer.Context,
    site: SiteArgument = Path("."),
    output: OutputOption = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Posts published since DATE (e.g. 2025-11-01)."),
    ] = None,
    days: Annotated[
        int | None, typer.Option("--days", help="Posts of the last N days.", min=1)
    ] = None,
    last: Annotated[int | None, typer.Option("--last", help="The newest N posts.", min=1)] = None,
    templates: TemplatesOption = None,
    skip_invalid: SkipInvalidOption = False,
) -> None:
    """Write the email digest (digest.html, digest.txt, digest.eml) into the output folder.

    By default it shows the posts the next `send` would mail. It never changes what
    counts as sent. With no post to show it writes nothing and exits 0.
    """
    _without_cycle_collector()
    options: GlobalOptions = ctx.obj
    loaded = _load(ctx, site, output)
    from feedwright.build import DigestOptions, digest_site

    digest_options = _run(
        lambda: DigestOptions(
            since=since, days=days, last=last, templates=templates, skip_invalid=skip_invalid
        )
    )
    result = _run(lambda: digest_site(loaded, digest_options))
    _print_problems(result.collection.problems)
    if result.digest is None:
        if not options.quiet:
            _say(f"no new posts since {result.since}")
        return
    if not options.quiet:
        for path in result.report.written:
            _say(f"wrote {path}")
        listed, more = len(result.digest.listed), len(result.digest.more)
        extra = f" and {more} more over the size limit" if more else ""
        _say(f"digest of {_posts(listed)}{extra}: {result.digest.subject}")


@app.command()
def send(
    ctx: typer.Context,
    site: SiteArgument = Path("."),
    to_file: Annotated[
        Path | None,
        typer.Option(
            "--to-file",
            help="Recipients from this file (one address a line, or CSV with an email column).",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print who would get what; send nothing.")
    ] = False,
    limit_rate: Annotated[
        float | None,
        typer.Option("--limit-rate", help="Send at most N messages a second.", min=0.001),
    ] = None,
    wait: Annotated[
        bool, typer.Option("--wait", help="If another send is running, wait for it to end.")
    ] = False,
    templates: TemplatesOption = None,
    skip_invalid: SkipInvalidOption = False,
) -> None:
    """Mail each recipient the digest of the posts they have not had yet.

    Every post reaches every recipient once: what was sent is recorded after each message,
    so an interrupted run resumes where it stopped. The first run mails only the newest
    posts ([digest] max_posts) and records the older ones as sent. Exit codes: 0 all sent
    or nothing to send, 3 another send is running, 4 some deliveries failed.
    """
    options: GlobalOptions = ctx.obj
    loaded = _load(ctx, site, None)
    bar = ProgressBar(enabled=not options.quiet, label="sending")
    from feedwright.build import send_site
    from feedwright.delivery import SendOptions

    send_options = SendOptions(dry_run=dry_run, wait=wait, rate=limit_rate, templates=templates)
    try:
        result = _run(
            lambda: send_site(
                loaded, send_options, to_file=to_file, skip_invalid=skip_invalid, progress=bar
            )
        )
    finally:
        bar.close()
    report = result.report
    _print_problems(result.collection.problems)
    _print_problems(result.warnings, "warning")
    if not options.quiet:
        _print_run_start(report.start, dry_run)
    if not report.planned:
        if not options.quiet:
            _say(f"no new posts since {report.last_sent or 'the first run'}")
        return
    if dry_run:
        for recipient, posts in report.planned:
            titles = "; ".join(post.title for post in posts)
            _say(f"would send {len(posts)} posts to {recipient.email}: {titles}")
        return
    if options.verbose:
        for recipient, count in report.sent:
            _say(f"sent {_posts(count)} to {recipient.email}")
    for recipient, reason in report.deferred:
        _complain(f"error: {recipient.email}: {reason} (left for the next run)")
    for recipient, reason in report.refused:
        _complain(f"error: {recipient.email}: {reason} (refused; not retried)")
    if not options.quiet:
        _say(
            f"sent {len(report.sent)} digests; {len(report.deferred)} left for the next run, "
            f"{len(report.refused)} refused"
        )
    if report.failed:
        raise typer.Exit(4)


def _print_run_start(start: RunStart, dry_run: bool) -> None:
    verb = "would record" if dry_run else "recorded"
    if start.archived:
        _say(
            f"{verb} {_posts(start.archived)} as already sent: at most max_posts new posts "
            "are mailed at once, the newest"
        )
    if start.moved:
        _say(f"{verb} {_posts(start.moved)} under a new URL or file, not as new")
    if start.left:
        _say(f"{verb} {start.left} recipients no longer listed as unsubscribed")


def main() -> None:
    """The console script's entry point."""
    try:
        app()
    except SystemExit as done:  # how typer ends every run, with its exit code
        _exit_at_once(done.code)


def _exit_at_once(code: object) -> NoReturn:
    """End the process without Python's clean-up: a build of 10,000 posts holds a million
    objects, and freeing them one by one only to exit takes 0.03 s, a sixteenth of a build
    after a new post. By now every file is written and closed, and every process a build
    forks is stopped; only the output streams are left to flush."""
    if isinstance(code, str):
        print(code, file=sys.stderr)  # as Python itself does with sys.exit("message")
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a reader gone (`| head`) is no error here
            stream.flush()
    os._exit(code if isinstance(code, int) else 0 if code is None else 1)


def _without_cycle_collector() -> None:
    """Turn Python's cycle collector off for the rest of this run (and the processes it
    forks). The posts a run reads make hundreds of thousands of objects without a cycle
    among them, which the collector would walk again and again for nothing: a fifteenth
    of a cold build of 10,000 posts. What it could free, the end of the run frees.

    Only for commands that make a bounded amount of cyclic garbage: a build renders each
    feed and the digest once. Not for `send`, which renders a digest per recipient, each
    leaving a few hundred objects in cycles, nor `check`, which renders every post."""
    gc.disable()
