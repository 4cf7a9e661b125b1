"""``feedwright check`` and ``feedwright list``: report on the posts, write nothing."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from feedwright.cli.app import (
    DraftsOption,
    FutureOption,
    ProgressBar,
    SiteArgument,
    app,
    load,
    print_problems,
    run,
    say,
)
from feedwright.commands.posts import check_site, list_site


@app.command()
def check(ctx: typer.Context, site: SiteArgument = Path(".")) -> None:
    """Validate every post of SITE (drafts and future posts too) and list every problem.

    Writes nothing. Exits 1 when any post is invalid.
    """
    loaded = load(ctx, site, None)
    bar = ProgressBar(enabled=not ctx.obj.quiet)
    try:
        collection = run(lambda: check_site(loaded, progress=bar))
    finally:
        bar.close()
    print_problems(collection.problems)
    print_problems(collection.warnings, "warning")
    if not ctx.obj.quiet:
        ignored = f", {collection.ignored} not posts" if collection.ignored else ""
        # An expired post (Hugo's expiryDate) is valid, though no output shows it.
        valid = len(collection.posts) + collection.expired
        expired = f" ({collection.expired} expired)" if collection.expired else ""
        say(
            f"{collection.files} files: {valid} valid{expired}, "
            f"{len(collection.problems)} invalid{ignored}, {len(collection.warnings)} warnings"
        )
    if collection.problems:
        raise typer.Exit(1)


@app.command("list")
def list_posts(
    ctx: typer.Context,
    site: SiteArgument = Path("."),
    drafts: DraftsOption = False,
    future: FutureOption = False,
) -> None:
    """List the posts of SITE in feed order: date, title, URL and tags.

    A table on a terminal; tab-separated lines when piped, for scripts.
    """
    loaded = load(ctx, site, None)
    bar = ProgressBar(enabled=not ctx.obj.quiet)
    try:
        collection = run(lambda: list_site(loaded, drafts=drafts, future=future, progress=bar))
    finally:
        bar.close()
    print_problems(collection.problems)
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
