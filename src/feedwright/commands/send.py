"""The ``send`` command: collect the posts, then mail each recipient what they are owed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from feedwright.commands.build import read_headers
from feedwright.commands.digest import DigestOptions, select_digest_posts
from feedwright.commands.outputs import newsletter_posts
from feedwright.errors import DeliveryError, InvalidPostsError, OptionError, Problem
from feedwright.mail.delivery import (
    DeliveryOptions,
    DeliveryReport,
    PermanentFailure,
    SmtpConnection,
    TemporaryFailure,
    check_send_settings,
    send_digests,
    send_with_retries,
)
from feedwright.mail.recipients import (
    Recipient,
    case_twin_warnings,
    recipient_from_text,
    recipients_source,
    site_recipients,
    unique_recipients,
)
from feedwright.mail.store import managed_recipients, store_path
from feedwright.posts.collect import Collection, ProgressCallback, load_bodies, post_links
from feedwright.posts.model import Post
from feedwright.site.model import Site
from feedwright.speed import Speed


@dataclass
class SendOptions(DeliveryOptions):
    """The switches of a send (the CLI's flags): how to deliver, and to whom."""

    # Recipients from this file instead of the configured ones.
    to_file: Path | None = None
    skip_invalid: bool = False
    speed: Speed = field(default_factory=Speed)


@dataclass
class SendResult:
    """What a send run read and did."""

    collection: Collection
    recipients: list[Recipient]
    warnings: list[Problem]
    report: DeliveryReport


def send_site(
    site: Site, options: SendOptions | None = None, progress: ProgressCallback | None = None
) -> SendResult:
    """Mail each recipient the digest of the posts they have not had yet.

    Recipients come from ``options.to_file`` when given, else from the configuration. See
    ``mail.delivery.send_digests`` for the guarantees (never twice, resumable, locked).
    """
    options = options or SendOptions()
    recipients, warnings = site_recipients(site, options.to_file)
    if options.to_file is None:
        # Those added with `feedwright subscribers` need no line in the list file.
        recipients = unique_recipients([*recipients, *managed_recipients(site)])[0]
    now = options.now or datetime.now(UTC)
    collection = read_headers(site, now, options.speed, skip_invalid=options.skip_invalid)
    # Not a translation (mailed once, in the main language), nor a post with `email: false`.
    posts = newsletter_posts(site, collection.posts)
    source = recipients_source(site, options.to_file)
    report = send_digests(site, posts, recipients, options, progress, source)
    warnings += case_twin_warnings(store_path(site), [r.key for r in report.mailed])
    if report.start.away:
        warnings.append(_away_warning(site, options.to_file, report.start.away))
    return SendResult(collection, recipients, warnings, report)


def _away_warning(site: Site, to_file: Path | None, away: list[str]) -> Problem:
    """Say who is missing from the list (once, in the first run that mails without them):
    a list cut by mistake shows here, whether or not ``--quiet`` hides the rest."""
    shown = ", ".join(away[:3]) + (", …" if len(away) > 3 else "")
    return Problem(
        recipients_source(site, to_file),
        f"{len(away)} recipients of earlier sends are not listed ({shown})",
        "they keep their place and get the posts they miss once listed again; "
        "restore the list if it was cut by mistake",
    )


@dataclass
class TestSendResult:
    """What ``send --test`` read and sent: to whom, which posts, and since when they are
    new (``newest`` when none is, and the newest posts were sent instead)."""

    __test__ = False  # not a test class, whatever pytest makes of its name

    collection: Collection
    recipient: Recipient
    posts: list[Post]
    since: str
    newest: bool = False


def send_test(site: Site, address: str, options: SendOptions | None = None) -> TestSendResult:
    """Send the next digest (the posts the next ``send`` would mail; the newest
    ``max_posts`` when there are none) to ``address`` alone. Records nothing and touches no
    subscriber: the next ``send`` mails everyone as if this one never ran. With
    ``options.dry_run``, only says what it would send."""
    options = options or SendOptions()
    try:
        recipient = recipient_from_text(address)
    except ValueError as error:
        raise OptionError(f"--test {address!r}: {error}") from None
    password = check_send_settings(site, [recipient], options.dry_run)
    now = options.now or datetime.now(UTC)
    collection = read_headers(site, now, options.speed, skip_invalid=options.skip_invalid)
    posts = newsletter_posts(site, collection.posts)
    chosen, since = select_digest_posts(site, posts, DigestOptions(), now)
    result = TestSendResult(collection, recipient, chosen, since)
    if not chosen:
        result.posts, result.newest = posts[: site.digest.max_posts], True
    if result.posts and not options.dry_run:
        result.posts = _with_bodies(site, result.posts, collection.posts)
        _send_one(site, result, password, options, now)
    return result


def _with_bodies(site: Site, chosen: list[Post], published: list[Post]) -> list[Post]:
    bodies, problems = load_bodies(site, chosen, post_links(site, published))
    if problems:
        raise InvalidPostsError(problems)
    return [bodies[post.source] for post in chosen]


def _send_one(
    site: Site, result: TestSendResult, password: str | None, options: SendOptions, now: datetime
) -> None:
    """Render the digest for the one recipient and send it, recording nothing."""
    from feedwright.mail.digest import DigestRenderer
    from feedwright.mail.message import build_message, message_bytes, sender_address

    digest = DigestRenderer(site, options.templates).render(result.posts, result.recipient)
    message = message_bytes(build_message(site, digest, result.recipient.address, now))
    connection = SmtpConnection(site.smtp, password)
    try:
        send_with_retries(
            connection,
            message,
            sender_address(site).addr_spec,
            result.recipient.email,
            options.retry_delays,
        )
    except (TemporaryFailure, PermanentFailure) as failure:
        raise DeliveryError(f"{result.recipient.email}: {failure}") from None
    finally:
        connection.close()
