"""The ``feedwright`` command: a thin layer of typer over the library functions.

Exit codes: 0 ok, 1 invalid input or output not writable, 2 usage error.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from feedwright import __version__
from feedwright.build import BuildOptions, build_site
from feedwright.collector import Collection, collect
from feedwright.config import load_site, parse_groups
from feedwright.errors import FeedwrightError, InvalidPostsError, Problem
from feedwright.model import Site

app = typer.Typer(
    help="Turn a folder of Markdown blog posts into Atom, RSS and JSON feeds.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
stdout = Console(highlight=False, soft_wrap=True)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)
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

    def __init__(self, enabled: bool):
        self.enabled = enabled and stderr.is_terminal
        self.started = time.monotonic()
        self.progress: Progress | None = None
        self.task: TaskID | None = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.progress is None:
            if time.monotonic() - self.started < self.DELAY_SECONDS:
                return
            self.progress = Progress(
                TextColumn("reading posts"), BarColumn(), MofNCompleteColumn(),
                console=stderr, transient=True,
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
        stdout.print(f"feedwright {__version__}")
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
        stderr.print(f"error: {escape(str(error))}")
        raise typer.Exit(error.exit_code) from None
    except FeedwrightError as error:
        stderr.print(f"error: {escape(str(error))}")
        raise typer.Exit(error.exit_code) from None


def _print_problems(problems: list[Problem], label: str = "error") -> None:
    for problem in problems:
        stderr.print(f"{label}: {escape(str(problem))}")


def _load(ctx: typer.Context, site: Path, output: Path | None, by: str | None = None) -> Site:
    options: GlobalOptions = ctx.obj
    loaded = _run(lambda: load_site(site, options.config, output=output))
    if by is not None:
        groups = _run(lambda: parse_groups([part for part in by.split(",") if part.strip()]))
        loaded = replace(loaded, feeds=replace(loaded.feeds, by=groups))
    return loaded


def _collect(ctx: typer.Context, site: Site, *, drafts: bool, future: bool) -> Collection:
    bar = ProgressBar(enabled=not ctx.obj.quiet)
    try:
        return _run(
            lambda: collect(site, now=datetime.now(UTC), drafts=drafts, future=future, progress=bar)
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
    options: GlobalOptions = ctx.obj
    loaded = _load(ctx, site, output, by)
    bar = ProgressBar(enabled=not options.quiet)
    build_options = BuildOptions(drafts=drafts, future=future, skip_invalid=skip_invalid)
    try:
        result = _run(lambda: build_site(loaded, build_options, progress=bar))
    finally:
        bar.close()
    collection = result.collection
    _print_problems(collection.problems)
    if options.verbose:
        _print_problems(collection.warnings, "warning")
    if not options.quiet:
        for path in result.report.written:
            stdout.print(f"wrote {escape(str(path))}")
        if options.verbose:
            for path in result.report.unchanged:
                stdout.print(f"unchanged {escape(str(path))}")
        stdout.print(_summary(collection, len(result.report.written), len(result.report.unchanged)))
    if collection.problems:
        stderr.print(
            f"warning: {len(collection.problems)} invalid post(s) left out (--skip-invalid)"
        )


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
        stdout.print(
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
    collection = _collect(ctx, loaded, drafts=drafts, future=future)
    _print_problems(collection.problems)
    rows = [
        (post.date.isoformat(), post.title, post.url, ", ".join(post.tags))
        for post in collection.posts
    ]
    if stdout.is_terminal:
        table = Table("Date", "Title", "URL", "Tags")
        for row in rows:
            table.add_row(*(escape(cell) for cell in row))
        stdout.print(table)
    else:
        for row in rows:
            sys.stdout.write("\t".join(cell.replace("\t", " ") for cell in row) + "\n")
    if collection.problems:
        raise typer.Exit(1)


def main() -> None:
    """The console script's entry point."""
    app()
