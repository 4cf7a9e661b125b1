"""``feedwright subscribers``: list, add, remove, import, export and show the subscribers of
the newsletter database.

Every change is an explicit one, recorded with its cause: ``add`` (active, and mailed
whether or not the recipients file lists them), ``remove`` (unsubscribed: the reader is
mailed no more, whatever a list says), ``import`` (the statuses an export gives). A change
takes the send lock, so it never runs beside a ``send`` (exit 3), and is one transaction.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator, Sequence, Set
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from feedwright.errors import OptionError, OutputError, Problem
from feedwright.mail.importers import ImportedSubscriber, formula_safe, read_import_file
from feedwright.mail.recipients import (
    Recipient,
    case_twin_warnings,
    recipient_from_text,
    site_recipients,
)
from feedwright.mail.records import state_lock
from feedwright.mail.store import (
    MANAGED_SOURCE,
    STATUSES,
    Change,
    History,
    Store,
    Subscriber,
    apply_changes,
    list_subscribers,
    listed_only,
    make_managed,
    open_reader,
    open_store,
    store_path,
    subscriber_history,
)
from feedwright.site.addresses import parse_display_name
from feedwright.site.model import Site
from feedwright.writer import write_atomic

# The statuses that end a subscription: an import never makes such a subscriber active
# again (an old export must not undo an unsubscribe); only `add` does.
_ENDED = {"unsubscribed", "bounced", "complained"}
EXPORT_COLUMNS = ("email", "name", "status", "status_at", "status_cause", "source", "subscribed_at")


@dataclass
class ChangeResult:
    """What an add, remove or import changed (or, in a dry run, would change); for an
    import, what it kept of the file and the file's columns it did not keep."""

    changes: list[Change]
    unchanged: int = 0
    format: str = ""
    problems: list[Problem] = field(default_factory=list)
    kept: tuple[str, ...] = ()
    not_kept: tuple[str, ...] = ()


@contextmanager
def _writable(site: Site, now: datetime) -> Iterator[Store]:
    """The database opened for a change, under the send lock (LockedError, exit 3, while
    a send runs): created, importing the state file of earlier versions, if need be."""
    with state_lock(site.state_path):
        store = open_store(site, site_recipients(site)[0], now)
        try:
            yield store
        finally:
            store.close()


def check_status(status: str | None) -> None:
    """OptionError for a status that is not one of STATUSES."""
    if status is not None and status not in STATUSES:
        raise OptionError(f"--status {status!r}: choose one of {', '.join(STATUSES)}")


def plan_changes(
    statuses: dict[str, str],
    names: dict[str, str],
    incoming: Sequence[ImportedSubscriber],
    source: str,
    resubscribe: bool,
    listed_only: Set[str] = frozenset(),
) -> tuple[list[Change], int]:
    """The changes that bring the database to ``incoming`` (the first of repeated
    addresses wins; ``statuses`` and ``names`` are the database's, by address key), and how
    many addresses need none. An ended subscription becomes
    active again only when ``resubscribe`` (an explicit ``add``). An active subscriber of
    ``listed_only`` (mailed only while the list file names them) who stays active is a
    change too: ``make_managed`` makes them mailed, listed or not."""
    changes, unchanged, seen = [], 0, set()
    for item in incoming:
        key = item.recipient.key
        if key in seen:
            continue
        seen.add(key)
        current = statuses.get(key)
        if current is None:
            changes.append(
                Change(item.recipient, item.status, source, True, source, item.consented_at)
            )
            continue
        status = item.status
        if current in _ENDED and status == "active" and not resubscribe:
            status = current
        if status == "pending":
            status = current  # an export's unconfirmed never demotes one we mail
        renamed = bool(item.recipient.name) and item.recipient.name != names.get(key)
        adopted = status == current == "active" and key in listed_only
        if status == current and not renamed and not adopted:
            unchanged += 1
        else:
            changes.append(Change(item.recipient, status, source, False, source, item.consented_at))
    return changes, unchanged


def _apply(store: Store, changes: list[Change], listed_only: Set[str], now: datetime) -> None:
    """Write ``changes``, then make those of ``listed_only`` who stay active mailed whether
    or not the list file names them (an explicit add or import says they are wanted)."""
    apply_changes(store, changes, now)
    adopted = [
        c.recipient.key
        for c in changes
        if not c.new and c.status == "active" and c.recipient.key in listed_only
    ]
    if changes:
        make_managed(store, adopted, changes[0].source)


def _twin_warnings(
    site: Site, statuses: dict[str, str], changes: Sequence[Change]
) -> list[Problem]:
    """Warnings for the subscribers (once the changes are made: the database's and the list
    file's) who differ only in the case of their address."""
    after = {**statuses, **{c.recipient.key: c.status for c in changes}}
    listed = [r.key for r in site_recipients(site)[0] if r.key not in after]
    active = [key for key, status in after.items() if status == "active"]
    return case_twin_warnings(store_path(site), [*active, *listed])


def add_subscribers(
    site: Site, addresses: Sequence[str], name: str = "", now: datetime | None = None
) -> ChangeResult:
    """Make each address an active subscriber (again), with ``name`` when given: mailed
    whether or not the list file names them."""
    incoming = [ImportedSubscriber(_recipient(text, name)) for text in addresses]
    now = now or datetime.now(UTC)
    with _writable(site, now) as store:
        statuses, listed = dict(store.statuses), listed_only(store)
        changes, unchanged = plan_changes(
            statuses, store.names, incoming, f"{MANAGED_SOURCE} add", True, listed
        )
        _apply(store, changes, listed, now)
    return ChangeResult(changes, unchanged, problems=_twin_warnings(site, statuses, changes))


def remove_subscribers(
    site: Site, addresses: Sequence[str], now: datetime | None = None
) -> ChangeResult:
    """End each address's subscription: its status becomes unsubscribed, with the cause
    recorded. OptionError (nothing changed) when one is not a subscriber."""
    recipients = [_recipient(text) for text in addresses]
    now = now or datetime.now(UTC)
    with _writable(site, now) as store:
        unknown = [r.email for r in recipients if r.key not in store.statuses]
        if unknown:
            raise OptionError(
                f"not a subscriber: {', '.join(unknown)}{_case_hint(store, unknown)} — see "
                "`feedwright subscribers list`"
            )
        incoming = [ImportedSubscriber(r, "unsubscribed") for r in recipients]
        changes, unchanged = plan_changes(
            store.statuses, store.names, incoming, f"{MANAGED_SOURCE} remove", False
        )
        apply_changes(store, changes, now)
    return ChangeResult(changes, unchanged)


def _case_hint(store: Store, unknown: Sequence[str]) -> str:
    """The subscribers whose address differs from an unknown one only in case, if any: the
    local part's case counts (see ``address_key``), so ``ANN@…`` is not ``ann@…``."""
    folded = {email.lower() for email in unknown}
    near = [key for key in store.statuses if key.lower() in folded]
    if not near:
        return ""
    return (
        f" (but {', '.join(near)} {'is one' if len(near) == 1 else 'are'}: the case of the "
        "part before the @ counts; give the address as the list shows it)"
    )


def import_subscribers(
    site: Site, path: Path, dry_run: bool = False, now: datetime | None = None
) -> ChangeResult:
    """Add the subscribers of an export (see ``mail.importers``) with their status and
    consent time, in one transaction; with ``dry_run``, only say what would change."""
    imported = read_import_file(path)
    now = now or datetime.now(UTC)
    source = f"{MANAGED_SOURCE} import {path.name} ({imported.format})"
    if dry_run:
        store = open_reader(site)
        statuses: dict[str, str] = {}
        names: dict[str, str] = {}
        listed: Set[str] = frozenset()
        if store is not None:
            try:
                statuses, names, listed = store.statuses, store.names, listed_only(store)
            finally:
                store.close()
        changes, unchanged = plan_changes(
            statuses, names, imported.subscribers, source, False, listed
        )
    else:
        with _writable(site, now) as store:
            statuses, listed = dict(store.statuses), listed_only(store)
            changes, unchanged = plan_changes(
                statuses, store.names, imported.subscribers, source, False, listed
            )
            _apply(store, changes, listed, now)
    problems = imported.problems + _twin_warnings(site, statuses, changes)
    return ChangeResult(
        changes, unchanged, imported.format, problems, imported.kept, imported.not_kept
    )


def read_subscribers(site: Site, status: str | None = None) -> list[Subscriber]:
    """The subscribers (of ``status`` when given); none before the database exists."""
    check_status(status)
    store = open_reader(site)
    if store is None:
        return []
    try:
        return list_subscribers(store, status)
    finally:
        store.close()


def subscribers_csv(subscribers: Sequence[Subscriber]) -> str:
    """The subscribers as CSV, with a header row (EXPORT_COLUMNS): ``import`` reads it back."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for s in subscribers:
        # A name (or an address) a reader chose must not run as a formula in the
        # spreadsheet the file is opened in.
        writer.writerow(
            [formula_safe(s.address), formula_safe(s.name), s.status, s.status_at,
             formula_safe(s.status_cause), formula_safe(s.consent_source), s.subscribed_at]
        )  # fmt: skip
    return out.getvalue()


def export_subscribers(site: Site, path: Path | None = None, status: str | None = None) -> str:
    """The subscribers (of ``status``) as CSV; written to ``path`` too when given (whole
    or not at all, readable by its owner alone, as the database is). OutputError when it
    cannot be written, or its folder does not exist."""
    text = subscribers_csv(read_subscribers(site, status))
    if path is not None:
        folder = path.parent
        if not folder.is_dir():
            # Not made: a typo in the folder's name would hide the addresses somewhere else.
            raise OutputError(
                f"{path}: cannot write it: the folder {folder} does not exist — create it "
                "first, or write the file elsewhere"
            )
        write_atomic(path, text.encode(), mode=0o600)
        try:
            os.chmod(path, 0o600)  # an old export with these very bytes is not rewritten
        except OSError as error:
            raise OutputError(f"{path}: cannot make it private: {error.strerror}") from None
    return text


def show_subscriber(site: Site, address: str) -> History:
    """The history of one subscriber. OptionError when the address is not one."""
    store = open_reader(site)
    history = None
    if store is not None:
        try:
            history = subscriber_history(store, _recipient(address).email)
        finally:
            store.close()
    if history is None:
        raise OptionError(f"not a subscriber: {address} — see `feedwright subscribers list`")
    return history


def _recipient(text: str, name: str = "") -> Recipient:
    """The recipient an argument (and ``--name``) gives, checked as the list file's lines
    are: OptionError (exit 2) naming the bad one."""
    try:
        recipient = recipient_from_text(text)
    except ValueError as error:
        raise OptionError(
            f"{error} — write it as ann@example.org or 'Ann <ann@example.org>'"
        ) from None
    try:
        # A name goes into the `To:` header of every message: a line break in it would
        # add headers, and a very long one makes a line the server refuses.
        name = parse_display_name(name)
    except ValueError as error:
        raise OptionError(f"--name: {error} — give a plain name, or none") from None
    return Recipient(recipient.email, name or recipient.name)
