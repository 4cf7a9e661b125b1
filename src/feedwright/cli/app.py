"""The typer app, its global options, and what every command shares: loading the site,
turning feedwright's errors into messages and exit codes, the progress bar."""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from feedwright import __version__
from feedwright.errors import FeedwrightError, InvalidPostsError, Problem
from feedwright.site.config import load_site, with_feed_groups
from feedwright.site.model import Site

# rich's progress bar and table are imported by the commands that use them: a build that
# finds nothing changed never needs them, and starts in a moment.
if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

app = typer.Typer(
    help="Turn a folder of Markdown blog posts into Atom, RSS and JSON feeds.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)

# The commands that run without Python's cycle collector (see main_options).
WITHOUT_CYCLE_COLLECTOR = {"build", "digest", "list"}


def say(message: str) -> None:
    """Print a line on stdout: results."""
    typer.echo(message)


def complain(message: str) -> None:
    """Print a line on stderr: errors and warnings."""
    typer.echo(message, err=True)


T = TypeVar("T")


@dataclass
class GlobalOptions:
    """Options given before the command name."""

    config: Path | None = None
    # The Jekyll configuration files, in order (``--jekyll-config a.yml,b.yml``).
    jekyll_configs: list[Path] | None = None
    quiet: bool = False
    verbose: bool = False


class ProgressBar:
    """A progress bar on stderr that appears only when collecting takes more than a moment."""

    DELAY_SECONDS = 0.5

    def __init__(self, enabled: bool, label: str = "reading posts", rate: bool = False):
        self.enabled = enabled and sys.stderr.isatty()
        self.label = label
        # Show how many are done and left, the rate and the time to go (a send).
        self.rate = rate
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

            columns = [TextColumn(self.label), BarColumn(), MofNCompleteColumn()]
            if self.rate:
                columns.append(TextColumn("{task.fields[status]}"))
            self.progress = Progress(*columns, console=Console(stderr=True), transient=True)
            self.progress.start()
            self.task = self.progress.add_task("posts", total=total, status="")
        if self.task is not None:
            status = rate_status(done, total, time.monotonic() - self.started)
            self.progress.update(self.task, completed=done, status=status)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def rate_status(done: int, total: int, seconds: float) -> str:
    """How a long run is going: done, left, the rate and the time to go at that rate."""
    rate = done / seconds if seconds > 0 else 0.0
    left = total - done
    to_go = f"{left / rate:.0f} s to go" if rate else "…"
    return f"{done:,} sent, {left:,} left, {rate:,.0f}/s, {to_go}"


def _version(value: bool) -> None:
    if value:
        say(f"feedwright {__version__}")
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
    jekyll_config: Annotated[
        str | None,
        typer.Option(
            "--jekyll-config",
            help="Jekyll configuration files, comma-separated, later ones winning, as "
            "jekyll build --config takes them (default: SITE/_config.yml, .yaml or .toml).",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Also print warnings and skipped posts.")
    ] = False,
) -> None:
    """Turn a folder of Markdown blog posts into Atom, RSS and JSON feeds."""
    jekyll_configs = None
    if jekyll_config is not None:
        jekyll_configs = [Path(name.strip()) for name in jekyll_config.split(",") if name.strip()]
    ctx.obj = GlobalOptions(
        config=config, jekyll_configs=jekyll_configs, quiet=quiet, verbose=verbose
    )
    if ctx.invoked_subcommand in WITHOUT_CYCLE_COLLECTOR:
        # The posts a run reads make hundreds of thousands of objects without a cycle among
        # them, which Python's cycle collector would walk again and again for nothing (a
        # fifteenth of a cold build of 10,000 posts); what it could free, the end of the
        # run frees. Only for commands that make a bounded amount of cyclic garbage: a
        # build renders each output once. Not `send`, which renders a digest per recipient
        # (each leaving a few hundred objects in cycles), nor `check`, which renders every
        # post. A process-wide switch, so only here: library callers never get it.
        gc.disable()


SiteArgument = Annotated[
    Path, typer.Argument(help="The site folder (holding _posts/ or posts/).", show_default=True)
]
OutputOption = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Output folder (default from the config: SITE/out)."),
]


# Unset, they are as the site's configuration says (Jekyll's `show_drafts` and `future`).
DraftsOption = Annotated[
    bool | None,
    typer.Option(
        "--drafts/--no-drafts",
        help="Include drafts (default: as show_drafts in _config.yml says, else not).",
        show_default=False,
    ),
]
FutureOption = Annotated[
    bool | None,
    typer.Option(
        "--future/--no-future",
        help="Include posts dated in the future (default: as future in _config.yml says).",
        show_default=False,
    ),
]
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


# What a run stopped by Ctrl-C says: a build writes all its outputs or none, and a send
# records each message as the server takes it.
INTERRUPTED = "interrupted: nothing half-done is kept — run the command again to finish"


def run(action: Callable[[], T]) -> T:
    """Run a library call; turn feedwright's errors into messages on stderr and exit codes."""
    try:
        return action()
    except InvalidPostsError as error:
        print_problems(error.problems)
        complain(f"error: {error}")
        raise typer.Exit(error.exit_code) from None
    except FeedwrightError as error:
        complain(f"error: {error}")
        raise typer.Exit(error.exit_code) from None
    except KeyboardInterrupt:
        # typer ends a run stopped by Ctrl-C with 130 and no word: say what it left.
        complain(INTERRUPTED)
        raise typer.Exit(130) from None


def print_problems(problems: list[Problem], label: str = "error") -> None:
    """Print each problem on stderr, one a line."""
    for problem in problems:
        complain(f"{label}: {problem}")


def load(ctx: typer.Context, site: Path, output: Path | None, by: str | None = None) -> Site:
    """The site's configuration, as the global options and ``--output``/``--by`` say."""
    options: GlobalOptions = ctx.obj
    loaded = run(
        lambda: load_site(
            site, options.config, output=output, jekyll_configs=options.jekyll_configs
        )
    )
    if by is not None:
        groups = [part for part in by.split(",") if part.strip()]
        loaded = run(lambda: with_feed_groups(loaded, groups))
    return loaded


def posts_count(count: int) -> str:
    """ "1 post" or "N posts"."""
    return f"{count} post" if count == 1 else f"{count} posts"
