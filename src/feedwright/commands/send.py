"""The ``send`` command: collect the posts, then mail each recipient what they are owed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from feedwright.commands.build import read_headers
from feedwright.errors import Problem
from feedwright.mail.delivery import DeliveryOptions, DeliveryReport, send_digests
from feedwright.mail.recipients import Recipient, recipients_source, site_recipients
from feedwright.posts.collect import Collection, ProgressCallback
from feedwright.posts.hugo import in_main_language
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
    now = options.now or datetime.now(UTC)
    collection = read_headers(site, now, options.speed, skip_invalid=options.skip_invalid)
    # The digest mails the site's main language's posts: a translation is not mailed again.
    posts = in_main_language(site, collection.posts)
    source = recipients_source(site, options.to_file)
    report = send_digests(site, posts, recipients, options, progress, source)
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
