"""Subscriber lists from other newsletter services, read for ``feedwright subscribers import``.

A file is recognised by its header row, with the column names each service writes. Each
format below says where its columns, statuses and times were confirmed; the README's
"Subscribers from another service" lists the same. Columns not named here are not kept
(tags, labels, lists, custom fields): ``read_import_file`` says which.

- **Mailchimp** (an audience export: a zip of one CSV file per section, subscribed,
  unsubscribed and cleaned): ``Email Address``, ``First Name``, ``Last Name``, the consent
  time in ``CONFIRM_TIME`` (double opt-in) or else ``OPTIN_TIME``; the file of the
  unsubscribed has ``UNSUB_TIME`` (they import as unsubscribed), that of the cleaned
  (bounced) addresses ``CLEAN_TIME`` (bounced). Times are written ``2018-02-12 10:54:27``.
  Confirmed from the export fixtures of TryGhost/migrate (packages/mg-mailchimp-members).
  That they are in UTC is not confirmed from documentation: they are read as UTC.
- **listmonk**: ``uuid, email, name, attributes, status, created_at, updated_at``; status
  ``enabled`` (active), ``disabled`` or ``blocklisted`` (unsubscribed: listmonk blocklists
  for an unsubscribe from every list and, if so set, for bounces, and the file does not say
  which); the times as Go prints them, ``2024-02-02 10:00:00.123456 +0000 UTC``. Confirmed
  from listmonk's source (cmd/subscribers.go ExportSubscribers, schema.sql).
- **Ghost** (members export): ``id, email, name, note, subscribed_to_emails,
  complimentary_plan, stripe_customer_id, created_at, deleted_at, labels, tiers``;
  ``subscribed_to_emails`` ``false`` is unsubscribed (Ghost's own importer takes anything
  else as subscribed), ``created_at`` in ISO 8601. Confirmed from Ghost's source
  (ghost/core/core/server/services/members/csv/unparse.ts, parse.ts, exporter/query.js).
- **Buttondown**: ``id, secondary_id, email, notes, subscriber_type, referrer_url, utm_*,
  creation_date, ip_address, subscription_date, unsubscription_date, tags, metadata``; the
  consent time in ``subscription_date`` (else ``creation_date``), written
  ``2024-03-13 00:03:09.183465+00:00``. The types are Buttondown's ``SubscriberType``:
  ``unactivated`` and ``blocked`` (held by its spam filter) are pending; ``unsubscribed``
  and ``removed`` unsubscribed; ``undeliverable`` (and the older ``spammy`` and
  ``malformed``, folded into it in 2025) bounced; ``complained`` complained; the others
  (``regular``, ``premium``, ``gifted``, ``churning``…) are mailed, so active. Confirmed
  from Buttondown's documentation (buttondown/docs data-exports-subscriber.mdoc,
  api-changelog-2025-07-28.mdoc) and API schema (buttondown/openapi enums.json), which
  also names the API's ``email_address`` and ``type``: read too.
- **Substack** (the email list): ``email, active_subscription, expiry, email_disabled,
  prefer_digests, created_at``; ``email_disabled`` ``true`` is unsubscribed, ``created_at``
  (ISO 8601) the consent time; an address at ``deletion-request.substack.com`` stands for
  a reader who asked to be deleted: unsubscribed. Confirmed from the fixtures and reader of
  TryGhost/migrate (packages/mg-substack-members-csv); Substack documents no columns.
- Any other CSV with an ``email`` column: ``name``, or ``first_name`` and ``last_name``
  (the columns Kit and Mailcoach document for their imports; their exports' columns are not
  confirmed from documentation), and ``status`` and ``subscribed_at`` as feedwright's own
  export writes them. And a plain list: one address a line, ``Name <addr>`` allowed, ``#``
  comments: every address active.

Pure functions from text to ``ImportedSubscriber``s; the database work is ``store``'s.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from feedwright.errors import ConfigError, Problem
from feedwright.mail.recipients import Recipient, csv_rows, read_list_text, read_recipients_file
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
    """What a file holds: its format's name, its subscribers, the rows it skipped, what
    feedwright keeps from it (``email``, ``name``, ``status``, ``consent time``) and the
    file's columns it does not keep (as the header row spells them)."""

    format: str
    subscribers: list[ImportedSubscriber]
    problems: list[Problem]
    kept: tuple[str, ...] = ("email", "name")
    not_kept: tuple[str, ...] = ()


Row = Mapping[str, str]
# A row read: address, name, status, consent time.
ReadRow = Callable[[Row], tuple[str, str, str, str | None]]


@dataclass(frozen=True)
class _Format:
    name: str
    matches: Callable[[set[str]], bool]
    read_row: ReadRow
    # What feedwright keeps, each from which columns (lower case).
    fields: Mapping[str, tuple[str, ...]]
    # What every file of the format gives, whatever its columns (a Mailchimp file's section
    # is its status).
    always: tuple[str, ...] = ()


_LISTMONK_STATUSES = {
    "enabled": "active",
    "disabled": "unsubscribed",
    "blocklisted": "unsubscribed",
}
# Buttondown's types that are not mailed; every other type is (see the docstring).
_BUTTONDOWN_STATUSES = {
    "unactivated": "pending",
    "blocked": "pending",
    "unsubscribed": "unsubscribed",
    "removed": "unsubscribed",
    "undeliverable": "bounced",
    "spammy": "bounced",
    "malformed": "bounced",
    "complained": "complained",
}
_TRUE = {"true", "t", "yes", "1"}
_STATUSES = {"pending", "active", "unsubscribed", "bounced", "complained"}
# Go's time.Time.String(), as listmonk writes its times: the zone as +hhmm and its name.
_GO_TIME = re.compile(
    r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?) ([+-]\d\d)(\d\d)(?: [A-Za-z0-9_+-]+)?"
)


def _when(text: str) -> str | None:
    """A time as the exports write it (ISO 8601 with a space or a ``T``, Go's
    ``2024-02-02 10:00:00.1 +0000 UTC``; without a zone, UTC), in ISO 8601 to the second;
    None when empty or unreadable."""
    text = text.strip()
    if not text:
        return None
    go = _GO_TIME.fullmatch(text)
    if go:
        text = f"{go[1]}{go[2]}:{go[3]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat(timespec="seconds")


def _full_name(*parts: str) -> str:
    return " ".join(part.strip() for part in parts if part.strip())


def _mailchimp(row: Row) -> tuple[str, str, str, str | None]:
    name = _full_name(row.get("first name", ""), row.get("last name", ""))
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


def _ghost(row: Row) -> tuple[str, str, str, str | None]:
    # As Ghost's importer reads it: only `false` turns the emails off.
    off = row.get("subscribed_to_emails", "").strip().lower() == "false"
    status = "unsubscribed" if off else "active"
    return row.get("email", ""), row.get("name", ""), status, _when(row.get("created_at", ""))


def _buttondown(row: Row) -> tuple[str, str, str, str | None]:
    kind = (row.get("subscriber_type") or row.get("type") or "").strip().lower()
    email = row.get("email") or row.get("email_address") or ""
    consent = _when(row.get("subscription_date", "")) or _when(row.get("creation_date", ""))
    return email, "", _BUTTONDOWN_STATUSES.get(kind, "active"), consent


def _substack(row: Row) -> tuple[str, str, str, str | None]:
    email = row.get("email", "")
    disabled = row.get("email_disabled", "").strip().lower() in _TRUE
    # Substack puts this domain in place of the address of a reader it deleted on request.
    deleted = email.strip().lower().endswith("@deletion-request.substack.com")
    status = "unsubscribed" if disabled or deleted else "active"
    return email, "", status, _when(row.get("created_at", ""))


# What a spreadsheet takes for the start of a formula (OWASP's list): feedwright's export
# writes a cell starting with one after an apostrophe, which its import takes off again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(cell: str) -> str:
    """``cell`` as a spreadsheet shows it as text and never runs it as a formula. A cell
    that starts with an apostrophe gets one more, so that ``import`` gives it back as it
    was."""
    return "'" + cell if cell.startswith((*FORMULA_STARTS, "'")) else cell


def _formula_unsafe(cell: str) -> str:
    """A cell of feedwright's export as it was before ``formula_safe``."""
    return cell.removeprefix("'")


def _generic(row: Row) -> tuple[str, str, str, str | None]:
    # feedwright's own export has a status and the consent time: read back as they are.
    status = row.get("status", "").strip().lower()
    status = status if status in _STATUSES else "active"
    name = row.get("name") or _full_name(row.get("first_name", ""), row.get("last_name", ""))
    email = row.get("email", "")
    if "status_cause" in row:  # feedwright's own export: its cells guarded from formulas
        email, name = _formula_unsafe(email), _formula_unsafe(name)
    return email, name, status, _when(row.get("subscribed_at", ""))


# Each format: how its header row is told, how a row is read. The first match wins.
_FORMATS = (
    _Format(
        "Mailchimp",
        lambda columns: "email address" in columns,
        _mailchimp,
        {
            "email": ("email address",),
            "name": ("first name", "last name"),
            "status": ("unsub_time", "clean_time"),
            "consent time": ("confirm_time", "optin_time"),
        },
        always=("status",),
    ),
    _Format(
        "listmonk",
        lambda columns: {"uuid", "email", "status"} <= columns,
        _listmonk,
        {
            "email": ("email",),
            "name": ("name",),
            "status": ("status",),
            "consent time": ("created_at",),
        },
    ),
    _Format(
        "Ghost",
        lambda columns: {"email", "subscribed_to_emails"} <= columns,
        _ghost,
        {
            "email": ("email",),
            "name": ("name",),
            "status": ("subscribed_to_emails",),
            "consent time": ("created_at",),
        },
    ),
    _Format(
        "Buttondown",
        lambda columns: bool({"subscriber_type", "creation_date", "email_address"} & columns),
        _buttondown,
        {
            "email": ("email", "email_address"),
            "status": ("subscriber_type", "type"),
            "consent time": ("subscription_date", "creation_date"),
        },
    ),
    _Format(
        "Substack",
        lambda columns: bool({"email_disabled", "active_subscription"} & columns),
        _substack,
        {"email": ("email",), "status": ("email_disabled",), "consent time": ("created_at",)},
    ),
    _Format(
        "CSV",
        lambda columns: "email" in columns,
        _generic,
        {
            "email": ("email",),
            "name": ("name", "first_name", "last_name"),
            "status": ("status",),
            "consent time": ("subscribed_at",),
        },
    ),
)


def read_import_file(path: Path) -> ImportedList:
    """Read a subscriber file of any format above; a problem for each row with no usable
    address (skipped). ConfigError when the file cannot be read, or no row of it can."""
    text = read_list_text(path, "the subscriber file")
    # The header row: the first with a cell (a row the csv module cannot read is not it).
    rows = (row for _, row in csv_rows(path, text, []))
    header = [cell.strip() for cell in next((r for r in rows if any(map(str.strip, r))), [])]
    columns = {cell.lower() for cell in header}
    found = None
    for known in _FORMATS:
        if len(columns) > 1 and known.matches(columns):
            found = _read_rows(path, known, text, header)
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


def _read_rows(path: Path, known: _Format, text: str, header: list[str]) -> ImportedList:
    subscribers: list[ImportedSubscriber] = []
    problems: list[Problem] = []
    columns: list[str] = []
    for line, row in csv_rows(path, text, problems):
        if not any(cell.strip() for cell in row):
            continue
        if not columns:
            columns = [cell.strip().lower() for cell in row]
            continue
        # Every column of the header, empty where the row stops short (a spreadsheet drops
        # trailing empty cells): what a row says is read from the header's columns, not
        # from the cells it happens to have (a Mailchimp file's status is its header's).
        cells = dict(zip(columns, row + [""] * (len(columns) - len(row)), strict=False))
        email, display, status, consent = known.read_row(cells)
        try:
            address = parse_address(email.strip())
            display = parse_display_name(display.strip()) or address.display_name
        except ValueError as error:
            problems.append(Problem(path, str(error), "fix that row; it is skipped", line))
            continue
        if consent is None:
            problems += _unreadable_times(path, known, cells, line)
        recipient = Recipient(email=address.addr_spec, name=display)
        subscribers.append(ImportedSubscriber(recipient, status, consent))
    kept, not_kept = _kept_columns(known, header)
    return ImportedList(known.name, subscribers, problems, kept, not_kept)


def _unreadable_times(path: Path, known: _Format, cells: Row, line: int) -> list[Problem]:
    """A warning for each consent time of a row that is written but cannot be read: the
    subscriber's consent is then recorded as the time of the import, which is not it."""
    return [
        Problem(
            path,
            f"{column}: cannot read {cells[column].strip()!r} as a time, so the consent "
            "is recorded as now",
            "write it like 2024-03-13 10:54:27 (UTC) or in ISO 8601 (`--dry-run` shows "
            "this before anything is written)",
            line,
        )
        for column in known.fields.get("consent time", ())
        if cells.get(column, "").strip() and _when(cells[column]) is None
    ]


def _kept_columns(known: _Format, header: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What feedwright keeps from a file of this header row, and the columns it does not."""
    present = {cell.lower() for cell in header}
    kept = tuple(
        what for what, names in known.fields.items() if what in known.always or present & set(names)
    )
    read = {name for names in known.fields.values() for name in names}
    not_kept = tuple(cell for cell in header if cell and cell.lower() not in read)
    return kept, not_kept
