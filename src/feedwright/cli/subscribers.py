"""``feedwright subscribers``: the newsletter's subscribers, each command a few lines over
``feedwright.commands.subscribers``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from feedwright.cli.app import app, complain, load, print_problems, run, say

# The database and the importers are imported by the commands that use them: every run
# of feedwright imports this module, and most are builds.
if TYPE_CHECKING:
    from feedwright.commands.subscribers import ChangeResult

subscribers_app = typer.Typer(
    help="List, add, remove, import and export the newsletter's subscribers.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(subscribers_app, name="subscribers")

AddressesArgument = Annotated[
    list[str], typer.Argument(help="Addresses: ann@example.org or 'Ann <ann@example.org>'.")
]
SiteOption = Annotated[Path, typer.Option("--site", "-s", help="The site folder.")]


def _report(result: ChangeResult, verb: str, dry_run: bool = False) -> None:
    """Say what changed (or, with ``dry_run``, would): one line per address, then a count."""
    print_problems(result.problems, "warning")
    would = "would " if dry_run else ""
    for change in result.changes:
        what = f"add ({change.status})" if change.new else f"set {change.status}"
        say(f"{would}{what}: {change.recipient.email}")
    say(f"{verb}: {len(result.changes)} changed, {result.unchanged} unchanged")


@subscribers_app.command("list")
def list_command(
    ctx: typer.Context,
    site: SiteOption = Path("."),
    status: Annotated[
        str | None, typer.Option("--status", help="Only subscribers of this status.")
    ] = None,
) -> None:
    """List the subscribers: a table on a terminal, CSV when piped (as `export` writes)."""
    from feedwright.commands.subscribers import read_subscribers, subscribers_csv

    loaded = load(ctx, site, None)
    subscribers = run(lambda: read_subscribers(loaded, status))
    if not sys.stdout.isatty():
        sys.stdout.write(subscribers_csv(subscribers))
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table("Address", "Name", "Status", "Since", "Why")
    for s in subscribers:
        table.add_row(
            *(escape(cell) for cell in (s.address, s.name, s.status, s.status_at, s.status_cause))
        )
    Console().print(table)


@subscribers_app.command()
def add(
    ctx: typer.Context,
    addresses: AddressesArgument,
    name: Annotated[str, typer.Option("--name", help="The name to greet them by.")] = "",
    site: SiteOption = Path("."),
) -> None:
    """Make each address an active subscriber (again, if they had left).

    They get the posts published from the next `send` on, whether or not the recipients
    file lists them. Exit 3 while a `send` runs.
    """
    from feedwright.commands.subscribers import add_subscribers

    loaded = load(ctx, site, None)
    _report(run(lambda: add_subscribers(loaded, addresses, name)), "added")


@subscribers_app.command()
def remove(ctx: typer.Context, addresses: AddressesArgument, site: SiteOption = Path(".")) -> None:
    """End each address's subscription: its status becomes unsubscribed, recorded with
    the cause, and no list file can make it active again. Exit 3 while a `send` runs."""
    from feedwright.commands.subscribers import remove_subscribers

    loaded = load(ctx, site, None)
    _report(run(lambda: remove_subscribers(loaded, addresses)), "removed")


@subscribers_app.command("import")
def import_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A list, or a CSV export of another service.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would change; change nothing.")
    ] = False,
    site: SiteOption = Path("."),
) -> None:
    """Add the subscribers of FILE with their status and consent time, in one transaction.

    FILE is a plain list (one address a line, 'Name <addr>' allowed) or the CSV export of
    Mailchimp, Substack, Buttondown, listmonk or Ghost (told by its columns). An import
    never makes active again a subscriber who left. Tags, labels, lists and custom fields
    are not kept: stderr names the columns left out. Exit 3 while a `send` runs.
    """
    from feedwright.commands.subscribers import import_subscribers

    loaded = load(ctx, site, None)
    result = run(lambda: import_subscribers(loaded, file, dry_run))
    if not ctx.obj.quiet:
        # Once per import, so that no one believes their tags or lists came across.
        left_out = ", ".join(result.not_kept) or "none"
        complain(f"kept: {', '.join(result.kept)}; not kept: {left_out}")
    _report(result, f"imported ({result.format})", dry_run)


@subscribers_app.command()
def export(
    ctx: typer.Context,
    file: Annotated[
        Path | None, typer.Argument(help="Write the CSV here (default: stdout).")
    ] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="Only subscribers of this status.")
    ] = None,
    site: SiteOption = Path("."),
) -> None:
    """Write every subscriber as CSV: email, name, status, when and why it was set, where
    the subscription came from and when. `import` reads it back."""
    from feedwright.commands.subscribers import export_subscribers

    loaded = load(ctx, site, None)
    text = run(lambda: export_subscribers(loaded, file, status))
    if file is None:
        sys.stdout.write(text)


@subscribers_app.command()
def show(
    ctx: typer.Context,
    address: Annotated[str, typer.Argument(help="The address.")],
    site: SiteOption = Path("."),
) -> None:
    """Show one subscriber: status, consent, every change of status, every delivery."""
    from feedwright.commands.subscribers import show_subscriber

    loaded = load(ctx, site, None)
    history = run(lambda: show_subscriber(loaded, address))
    s = history.subscriber
    named = f" ({s.name})" if s.name else ""
    say(f"{s.address}{named}: {s.status} since {s.status_at} ({s.status_cause})")
    say(f"subscribed {s.subscribed_at}: {s.consent_source}")
    for change in history.changes:
        say(f"{change.changed_at}  {change.status}: {change.cause}")
    for when, message_id, posts in history.deliveries:
        say(f"{when}  sent {posts} post{'s' if posts != 1 else ''} {message_id}")
