"""``feedwright digest`` and ``feedwright send``: the email digest."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from feedwright.cli.app import (
    GlobalOptions,
    OutputOption,
    ProgressBar,
    SiteArgument,
    SkipInvalidOption,
    TemplatesOption,
    app,
    complain,
    load,
    posts_count,
    print_problems,
    run,
    say,
)
from feedwright.site.model import Site

# The mail stage (Jinja2, premailer, smtplib) is imported by the commands that mail: every
# run of feedwright imports this module, and most are builds.
if TYPE_CHECKING:
    from feedwright.commands.send import SendOptions
    from feedwright.mail.delivery import DeliveryReport
    from feedwright.mail.records import RunStart


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
    options: GlobalOptions = ctx.obj
    loaded = load(ctx, site, output)
    from feedwright.commands.digest import DigestOptions, digest_site

    digest_options = run(
        lambda: DigestOptions(
            since=since, days=days, last=last, templates=templates, skip_invalid=skip_invalid
        )
    )
    result = run(lambda: digest_site(loaded, digest_options))
    print_problems(result.collection.problems)
    if options.verbose:
        print_problems(result.collection.warnings, "warning")
    if result.digest is None:
        if not options.quiet:
            say(f"no new posts since {result.since}")
        return
    if not options.quiet:
        for path in result.report.written:
            say(f"wrote {path}")
        listed, more = len(result.digest.listed), len(result.digest.more)
        extra = f" and {more} more over the size limit" if more else ""
        say(f"digest of {posts_count(listed)}{extra}: {result.digest.subject}")


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
    test: Annotated[
        str | None,
        typer.Option(
            "--test",
            help="Send the next digest to this address only; record nothing.",
            metavar="ADDRESS",
        ),
    ] = None,
    templates: TemplatesOption = None,
    skip_invalid: SkipInvalidOption = False,
) -> None:
    """Mail each recipient the digest of the posts they have not had yet.

    Every post reaches every recipient once: what was sent is recorded after each message,
    so an interrupted run resumes where it stopped. The first run mails only the newest
    posts ([digest] max_posts) and records the older ones as sent. With --test ADDRESS,
    sends the next digest to that address alone and records nothing. Exit codes: 0 all
    sent or nothing to send, 3 another send is running, 4 some deliveries failed.
    """
    options: GlobalOptions = ctx.obj
    loaded = load(ctx, site, None)
    bar = ProgressBar(enabled=not options.quiet, label="sending", rate=True)
    from feedwright.commands.send import SendOptions, send_site

    send_options = SendOptions(
        dry_run=dry_run,
        wait=wait,
        rate=limit_rate,
        templates=templates,
        to_file=to_file,
        skip_invalid=skip_invalid,
    )
    if test is not None:
        bar.close()
        _send_test(loaded, test, send_options, options)
        return
    try:
        result = run(lambda: send_site(loaded, send_options, progress=bar))
    finally:
        bar.close()
    print_problems(result.collection.problems)
    print_problems(result.warnings, "warning")
    _report_send(result.report, options, dry_run)


def _send_test(site: Site, address: str, send_options: SendOptions, options: GlobalOptions) -> None:
    """Send (or, in a dry run, say) the next digest to ``address`` alone."""
    from feedwright.commands.send import send_test

    result = run(lambda: send_test(site, address, send_options))
    print_problems(result.collection.problems)
    if options.quiet:
        return
    if not result.posts:
        say("no post to send")
        return
    which = (
        f"the newest {posts_count(len(result.posts))} (none is new since {result.since})"
        if result.newest
        else posts_count(len(result.posts))
    )
    verb = "would send" if send_options.dry_run else "sent"
    say(f"{verb} a test digest of {which} to {result.recipient.email}; nothing recorded")


def _report_send(report: DeliveryReport, options: GlobalOptions, dry_run: bool) -> None:
    """Say what a send did (or, with ``dry_run``, would do); exit 4 when some failed."""
    if not options.quiet:
        _print_run_start(report.start, dry_run)
    if not report.planned:
        if not options.quiet:
            say(f"no new posts since {report.last_sent or 'the first run'}")
    elif dry_run:
        for recipient, posts in report.planned:
            titles = "; ".join(post.title for post in posts)
            say(f"would send {len(posts)} posts to {recipient.email}: {titles}")
    else:
        _report_deliveries(report, options)


def _report_deliveries(report: DeliveryReport, options: GlobalOptions) -> None:
    """Say who got their digest and who did not; exit 4 when some did not."""
    if options.verbose:
        for recipient, posts in report.sent:
            say(f"sent {posts_count(len(posts))} to {recipient.email}")
    for recipient, reason in report.deferred:
        complain(f"error: {recipient.email}: {reason} (left for the next run)")
    for recipient, reason in report.refused:
        complain(f"error: {recipient.email}: {reason} (refused; not retried)")
    if not options.quiet:
        rate = len(report.sent) / report.seconds if report.seconds > 0 else 0.0
        say(
            f"sent {len(report.sent)} digests in {report.seconds:.1f} s ({rate:,.0f}/s); "
            f"{len(report.deferred)} left for the next run, {len(report.refused)} refused"
        )
    if report.failed:
        raise typer.Exit(4)


def _print_run_start(start: RunStart, dry_run: bool) -> None:
    verb = "would record" if dry_run else "recorded"
    if start.archived:
        say(
            f"{verb} {posts_count(start.archived)} as already sent: at most max_posts new posts "
            "are mailed at once, the newest"
        )
    if start.moved:
        say(f"{verb} {posts_count(start.moved)} under a new URL or file, not as new")
