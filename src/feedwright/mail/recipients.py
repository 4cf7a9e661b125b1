"""Who gets the digest: addresses from the configuration or from a list file."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from feedwright.errors import ConfigError, Problem
from feedwright.site.addresses import parse_address, parse_display_name
from feedwright.site.model import Site

# The email package is imported where addresses are parsed: every command loads the
# configuration, and most configurations name no recipient.
if TYPE_CHECKING:
    from email.headerregistry import Address


@dataclass(frozen=True, slots=True)
class Recipient:
    """One subscriber: an address and, when known, a name to greet them by.

    ``key`` is the address as the subscriber database knows it (see ``address_key``),
    made once: a send holds a Recipient, and keys to the records, for every subscriber.
    """

    email: str
    name: str = ""
    key: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        key = address_key(self.email)
        # Most addresses are their own key: one string serves both.
        object.__setattr__(self, "key", self.email if key == self.email else key)

    @property
    def address(self) -> Address:
        """The address as an email header value."""
        from email.headerregistry import Address

        # addr_spec keeps a quoted local part ("john doe"@example.org) quoted.
        return Address(display_name=self.name, addr_spec=self.email)


def address_key(email: str) -> str:
    """How two spellings of one address are told to be the same: the domain without case,
    the local part as written, as mail itself compares them (RFC 5321: only the receiving
    host may treat ``Ann`` and ``ann`` as one mailbox)."""
    local, at, domain = email.rpartition("@")
    return f"{local}{at}{domain.lower()}" if at else email


def recipient_from_text(text: str) -> Recipient:
    """A Recipient from ``name@example.org`` or ``Name <name@example.org>``."""
    address = parse_address(text)
    return Recipient(email=address.addr_spec, name=address.display_name)


def read_recipients_file(path: Path) -> tuple[list[Recipient], list[Problem]]:
    """Read a list of recipients, and a problem for each line that holds no usable one.

    Two formats: one address a line (``Name <addr>`` allowed; ``#`` comments and blank lines
    skipped), or CSV whose header row has an ``email`` column and optionally a ``name`` one.
    A bad line is skipped, not fatal: one typo must not keep the digest from everyone else.
    Raises ConfigError only when the file cannot be read.
    """
    text = read_list_text(path, "the recipients file")
    lines = text.splitlines()
    first = next((line for line in lines if line.strip() and not line.startswith("#")), "")
    if "email" in [cell.strip().lower() for cell in first.split(",")]:
        return _read_csv(path, text)
    recipients, problems = [], []
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            recipients.append(recipient_from_text(line))
        except ValueError as error:
            problems.append(Problem(path, str(error), _SKIPPED_LINE, number))
    return recipients, problems


def read_list_text(path: Path, what: str) -> str:
    """The text of a subscriber list (UTF-8, a byte order mark allowed); ConfigError, with
    what to do, when it cannot be read or is not UTF-8 text."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ConfigError(
            path, f"cannot read {what}: {error.strerror}", "check the path and its permissions"
        ) from error
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            what_it_is = f"{what} is UTF-16 text"
        elif b"\0" in data[:4096] or data.startswith(b"PK\x03\x04"):
            what_it_is = f"{what} is not text (a zip, a spreadsheet?)"
        else:
            what_it_is = f"{what} is not UTF-8 text (byte {error.start + 1} cannot be read)"
        raise ConfigError(
            path,
            what_it_is,
            "save it as CSV UTF-8 (or plain UTF-8 text), unzipping an export first, and "
            "give that file",
        ) from error


# The hint of a line that holds no usable recipient.
_SKIPPED_LINE = "write one address a line; this line is skipped until then"
_SKIPPED_ROW = "fix that row; it is skipped until then"


def csv_rows(path: Path, text: str, problems: list[Problem]) -> Iterator[tuple[int, list[str]]]:
    """Each row of a CSV ``text`` with the line it ends on; a row the csv module cannot
    read (a cell over its 131,072 characters, a NUL) is skipped, with a problem in
    ``problems``, and the rows after it are read on."""
    rows = csv.reader(io.StringIO(text))
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as error:
            problems.append(
                Problem(path, f"cannot read this row: {error}", _SKIPPED_ROW, rows.line_num)
            )
            continue
        yield rows.line_num, row


def _read_csv(path: Path, text: str) -> tuple[list[Recipient], list[Problem]]:
    header: list[str] | None = None
    recipients: list[Recipient] = []
    problems: list[Problem] = []
    for line, row in csv_rows(path, text, problems):
        if not any(cell.strip() for cell in row) or row[0].startswith("#"):
            continue
        if header is None:
            header = [cell.strip().lower() for cell in row]
            continue
        try:
            recipients.append(_csv_recipient(dict(zip(header, row, strict=False))))
        except ValueError as error:
            problems.append(Problem(path, str(error), _SKIPPED_ROW, line))
    return recipients, problems


def _csv_recipient(record: dict[str, str]) -> Recipient:
    """The recipient of one CSV row (its cells by column name); ValueError when unusable."""
    email, name = record.get("email", "").strip(), record.get("name", "").strip()
    try:
        address = parse_address(email)
    except ValueError as error:
        raise ValueError(f"email column: {error}") from error
    if address.display_name:
        raise ValueError(f"email column: {email!r}: put the name in the name column")
    try:
        display_name = parse_display_name(name)
    except ValueError as error:
        raise ValueError(f"name column: {error}") from error
    return Recipient(email=address.addr_spec, name=display_name)


def unique_recipients(recipients: Iterable[Recipient]) -> tuple[list[Recipient], list[str]]:
    """Drop repeated addresses (the domain compared without case); return the list and the
    repeats."""
    seen: dict[str, Recipient] = {}
    repeats = []
    for recipient in recipients:
        if recipient.key in seen:
            repeats.append(recipient.email)
        else:
            seen[recipient.key] = recipient
    return list(seen.values()), repeats


def case_twins(keys: Iterable[str]) -> list[tuple[str, str]]:
    """The pairs of address keys that differ only in the case of their local part, each
    once, in the order met: two subscribers to feedwright (the local part may be
    case-sensitive), but one mailbox on most servers, which then gets every post twice."""
    first: dict[str, str] = {}
    twins = []
    for key in keys:
        folded = key.lower()
        if folded in first and first[folded] != key:
            twins.append((first[folded], key))
        first.setdefault(folded, key)
    return twins


def case_twin_warnings(path: Path, keys: Iterable[str]) -> list[Problem]:
    """A warning for each pair of ``case_twins``, naming both and how to end it."""
    return [
        Problem(
            path,
            f"{one} and {other} are two subscribers that differ only in case: most mail "
            "servers deliver both to one mailbox, which then gets every post twice",
            f"remove one (`feedwright subscribers remove {other}`, or its line in the list "
            "file) unless they are two people",
        )
        for one, other in case_twins(keys)
    ]


def site_recipients(
    site: Site, to_file: Path | None = None
) -> tuple[list[Recipient], list[Problem]]:
    """The recipients of a send: ``to_file`` when given, else the config's list and file.

    Returns them without repeats, plus a warning for each repeat and for each line of the
    file that holds no usable address (skipped). Raises ConfigError when no line does.
    """
    found: list[Recipient] = []
    problems: list[Problem] = []
    if to_file is None:
        found = [recipient_from_text(text) for text in site.recipients]
    listing = to_file or site.recipients_file
    if listing is not None:
        read, problems = read_recipients_file(listing)
        found += read
        if problems and not found:
            _refuse_unusable_file(problems)
    recipients, repeats = unique_recipients(found)
    source = recipients_source(site, to_file)
    warnings = problems + [
        Problem(source, f"{email} is listed more than once", "it gets one message")
        for email in repeats
    ]
    return recipients, warnings


def recipients_source(site: Site, to_file: Path | None = None) -> Path:
    """The file a warning about the recipients names: the list file, else the config."""
    return to_file or site.recipients_file or site.config_path or site.root


def _refuse_unusable_file(problems: list[Problem]) -> None:
    """Raise the first problem of a file none of whose lines could be read: the wrong file,
    most likely, and there is no one to send to."""
    first = problems[0]
    others = f" (and {len(problems) - 1} more lines like it)" if len(problems) > 1 else ""
    raise ConfigError(
        first.path,
        f"{first.message}{others}: no line of it holds a usable address",
        "check that this is the subscriber list",
        first.line,
    )
