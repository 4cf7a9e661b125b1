"""Subscriber lists from other newsletter services, read for ``feedwright subscribers import``.

A file is recognised by its header row, with the column names each service writes:

- **Mailchimp** (an audience export: a zip of three CSV files, one per section): ``Email
  Address``, ``First Name``, ``Last Name``, the consent time in ``CONFIRM_TIME`` (double
  opt-in) or ``OPTIN_TIME``; the file of the unsubscribed has ``UNSUB_TIME``, that of the
  cleaned (bounced) addresses ``CLEAN_TIME``.
- **listmonk**: ``uuid, email, name, attributes, status, created_at, updated_at``; status
  ``enabled`` (active), ``disabled`` or ``blocklisted`` (unsubscribed).
- **Buttondown**: ``email`` (or ``email_address``), ``creation_date``, the status in
  ``subscriber_type`` (or ``type``): ``regular``, ``premium``… are active, ``unactivated``
  is pending, ``unsubscribed`` and ``removed`` unsubscribed, ``undeliverable`` bounced,
  ``spammy`` complained.
- **Substack**: ``email``, the consent time in ``subscription_created_at`` (or
  ``created_at``), ``email_disabled`` true for a reader who turned the emails off.
- Any other CSV with an ``email`` column (and ``name``), and a plain list: one address a
  line, ``Name <addr>`` allowed, ``#`` comments: every address active.

Pure functions from text to ``ImportedSubscriber``s; the database work is ``store``'s.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from feedwright.errors import ConfigError, Problem
from feedwright.mail.recipients import Recipient, read_recipients_file
from feedwright.site.addresses import parse_address, parse_display_name


@dataclass(frozen=True)
class ImportedSubscriber:
    """One subscriber as an export gives them: address and name, status, and when they
    consented (None when the file does not say)."""

    recipient: Recipient
    status: str = "active"
    consented_at: str | None = None


@dataclass(frozen=True)
class ImportedList:
    """What a file holds: its format's name, its subscribers, and the rows it skipped."""

    format: str
    subscribers: list[ImportedSubscriber]
    problems: list[Problem]


Row = Mapping[str, str]
# A row read: address, name, status, consent time.
ReadRow = Callable[[Row], tuple[str, str, str, str | None]]

_BUTTONDOWN_STATUSES = {
    "unactivated": "pending",
    "unsubscribed": "unsubscribed",
    "removed": "unsubscribed",
    "undeliverable": "bounced",
    "spammy": "complained",
}
_LISTMONK_STATUSES = {
    "enabled": "active",
    "disabled": "unsubscribed",
    "blocklisted": "unsubscribed",
}
_TRUE = {"true", "t", "yes", "1"}
_STATUSES = {"pending", "active", "unsubscribed", "bounced", "complained"}


def _when(text: str) -> str | None:
    """A time as the exports write it (ISO 8601, or ``YYYY-MM-DD HH:MM:SS`` in UTC as
    Mailchimp does), in ISO 8601 to the second; None when empty or unreadable."""
    text = text.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat(timespec="seconds")


def _mailchimp(row: Row) -> tuple[str, str, str, str | None]:
    name = " ".join(filter(None, (row.get("first name", ""), row.get("last name", ""))))
    status = "active"
    if "unsub_time" in row:
        status = "unsubscribed"
    elif "clean_time" in row:
        status = "bounced"
    consent = _when(row.get("confirm_time", "")) or _when(row.get("optin_time", ""))
    return row.get("email address", ""), name, status, consent


def _listmonk(row: Row) -> tuple[str, str, str, str | None]:
    status = _LISTMONK_STATUSES.get(row.get("status", "").strip().lower(), "active")
    return row.get("email", ""), row.get("name", ""), status, _when(row.get("created_at", ""))


def _buttondown(row: Row) -> tuple[str, str, str, str | None]:
    kind = (row.get("subscriber_type") or row.get("type") or "").strip().lower()
    email = row.get("email") or row.get("email_address") or ""
    return email, "", _BUTTONDOWN_STATUSES.get(kind, "active"), _when(row.get("creation_date", ""))


def _substack(row: Row) -> tuple[str, str, str, str | None]:
    disabled = row.get("email_disabled", "").strip().lower() in _TRUE
    consent = _when(row.get("subscription_created_at", "")) or _when(row.get("created_at", ""))
    return row.get("email", ""), "", "unsubscribed" if disabled else "active", consent


def _generic(row: Row) -> tuple[str, str, str, str | None]:
    # feedwright's own export has a status and the consent time: read back as they are.
    status = row.get("status", "").strip().lower()
    status = status if status in _STATUSES else "active"
    return row.get("email", ""), row.get("name", ""), status, _when(row.get("subscribed_at", ""))


# Each format: its name, how its header row is told, how a row is read. The first match wins.
_FORMATS: tuple[tuple[str, Callable[[set[str]], bool], ReadRow], ...] = (
    ("Mailchimp", lambda columns: "email address" in columns, _mailchimp),
    ("listmonk", lambda columns: {"uuid", "email", "status"} <= columns, _listmonk),
    (
        "Buttondown",
        lambda columns: bool({"subscriber_type", "creation_date", "email_address"} & columns),
        _buttondown,
    ),
    (
        "Substack",
        lambda columns: bool({"email_disabled", "subscription_created_at"} & columns),
        _substack,
    ),
    ("CSV", lambda columns: "email" in columns, _generic),
)


def read_import_file(path: Path) -> ImportedList:
    """Read a subscriber file of any format above; a problem for each row with no usable
    address (skipped). ConfigError when the file cannot be read, or no row of it can."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(path, f"cannot read the subscriber file: {error}") from error
    rows = csv.reader(io.StringIO(text))
    header = next((row for row in rows if any(cell.strip() for cell in row)), [])
    columns = [cell.strip().lower() for cell in header]
    found = None
    for name, matches, read_row in _FORMATS:
        if len(columns) > 1 and matches(set(columns)):
            found = _read_rows(path, name, text, read_row)
            break
    if found is None:
        recipients, problems = read_recipients_file(path)
        found = ImportedList("list", [ImportedSubscriber(r) for r in recipients], problems)
    if found.problems and not found.subscribers:
        first = found.problems[0]
        raise ConfigError(
            path,
            f"{first.message}: no row holds a usable address",
            "check that this is a subscriber list",
            first.line,
        )
    return found


def _read_rows(
    path: Path,
    name: str,
    text: str,
    read_row: ReadRow,
) -> ImportedList:
    subscribers, problems = [], []
    rows = csv.reader(io.StringIO(text))
    columns: list[str] = []
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue
        if not columns:
            columns = [cell.strip().lower() for cell in row]
            continue
        email, display, status, consent = read_row(dict(zip(columns, row, strict=False)))
        try:
            address = parse_address(email.strip())
            display = parse_display_name(display.strip()) or address.display_name
        except ValueError as error:
            problems.append(Problem(path, str(error), "fix that row; it is skipped", rows.line_num))
            continue
        recipient = Recipient(email=address.addr_spec, name=display)
        subscribers.append(ImportedSubscriber(recipient, status, consent))
    return ImportedList(name, subscribers, problems)
