"""The ``send`` command: collect the posts, then mail each recipient what they are owed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from feedwright.commands.build import check_valid, collect_headers
from feedwright.errors import Problem
from feedwright.mail.delivery import DeliveryOptions, DeliveryReport, send_digests
from feedwright.mail.recipients import Recipient, site_recipients
from feedwright.posts.collect import Collection, ProgressCallback
from feedwright.site.model import Site
from feedwright.speed import Speed
from feedwright.speed.shortcuts import Shortcuts


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
    shortcuts = Shortcuts(site, (), options.speed)
    collection = collect_headers(site, options.now or datetime.now(UTC), shortcuts)
    check_valid(collection, options.skip_invalid, shortcuts)
    shortcuts.posts_read()
    report = send_digests(site, collection.posts, recipients, options, progress)
    return SendResult(collection, recipients, warnings, report)
