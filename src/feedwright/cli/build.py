"""``feedwright build``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from feedwright.cli.app import (
    DraftsOption,
    FutureOption,
    GlobalOptions,
    OutputOption,
    ProgressBar,
    SiteArgument,
    app,
    complain,
    load,
    print_problems,
    run,
    say,
)
from feedwright.commands.build import BuildOptions, build_site
from feedwright.posts.collect import Collection


@app.command()
def build(
    ctx: typer.Context,
    site: SiteArgument = Path("."),
    output: OutputOption = None,
    drafts: DraftsOption = False,
    future: FutureOption = False,
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
    loaded = load(ctx, site, output, by)
    bar = ProgressBar(enabled=not options.quiet)
    build_options = BuildOptions(drafts=drafts, future=future, skip_invalid=skip_invalid)
    try:
        result = run(lambda: build_site(loaded, build_options, progress=bar))
    finally:
        bar.close()
    if result.up_to_date:
        if not options.quiet:
            files = len(result.report.unchanged)
            say(f"nothing changed since the last build: {files} files up to date")
        return
    collection = result.collection
    print_problems(collection.problems)
    if options.verbose:
        print_problems(collection.warnings, "warning")
    if not options.quiet:
        for path in result.report.written:
            say(f"wrote {path}")
        if options.verbose:
            for path in result.report.unchanged:
                say(f"unchanged {path}")
        say(_summary(collection, len(result.report.written), len(result.report.unchanged)))
    if collection.problems:
        complain(f"warning: {len(collection.problems)} invalid post(s) left out (--skip-invalid)")


def _summary(collection: Collection, written: int, unchanged: int) -> str:
    parts = [f"{len(collection.posts)} posts"]
    if collection.drafts:
        parts.append(f"{collection.drafts} drafts left out (--drafts)")
    if collection.future:
        parts.append(f"{collection.future} future posts left out (--future)")
    if collection.expired:
        parts.append(f"{collection.expired} expired posts left out")
    return f"{', '.join(parts)}; {written} files written, {unchanged} unchanged"
