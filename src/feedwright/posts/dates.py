"""Turn the many ways people write dates in front matter into aware datetimes."""

from __future__ import annotations

import functools
import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

# YYYY-MM-DD, then an optional time (with ``T`` or a space) and an optional offset.
# Offsets come as Z, UTC/GMT, +HH, +HHMM or +HH:MM; PyYAML leaves "+0000" as a string.
_ISO_LIKE = re.compile(
    r"""^(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})
    (?:[Tt\s]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?)?
    \s*(?P<offset>[Zz]|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$""",
    re.VERBOSE,
)
_FILENAME_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-")
# The earliest and the latest moment a post may have: a day inside the years 1 to 9999 that
# Python's datetime holds, so that the date can be shown in any time zone (no offset is a
# day long). 0001-01-01 00:00 +14:00 is a moment of the year 0, which nothing can show.
EARLIEST = datetime.min.replace(tzinfo=UTC) + timedelta(days=1)
LATEST = datetime.max.replace(tzinfo=UTC) - timedelta(days=1)


class DateError(ValueError):
    """A value that is not a usable date; the message says what is wrong with it."""


@functools.lru_cache(maxsize=256)
def _offset(text: str) -> timezone:
    # Cached: a site's posts share a few offsets, and each one costs a parse and an object.
    if text.upper() in {"Z", "UTC", "GMT"}:
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or "0")
    if hours > 23 or minutes > 59:
        raise DateError(f"time zone offset {text} is out of range")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _from_iso_like(match: re.Match[str], zone: tzinfo) -> datetime:
    parts = match.groupdict()
    fraction = (parts["fraction"] or "0")[:6].ljust(6, "0")
    try:
        value = datetime(
            int(parts["year"]),
            int(parts["month"]),
            int(parts["day"]),
            int(parts["hour"] or 0),
            int(parts["minute"] or 0),
            int(parts["second"] or 0),
            int(fraction),
        )
    except ValueError as error:
        raise DateError(str(error)) from error
    offset = parts["offset"]
    if offset:
        return value.replace(tzinfo=_offset(offset))
    return value.replace(tzinfo=zone)


def _within_range(value: datetime) -> datetime:
    """``value``, when it lies between EARLIEST and LATEST; else DateError."""
    if not EARLIEST <= value <= LATEST:
        raise DateError(
            f"{value.isoformat(' ')} is out of range: a date must fall between "
            f"{EARLIEST.date().isoformat()} and {LATEST.date().isoformat()} in UTC"
        )
    return value


def parse_date(value: object, zone: tzinfo) -> datetime:
    """Return an aware datetime for a front matter value.

    Accepts datetimes and dates (from YAML or TOML), and strings in ISO 8601 (``T`` or space,
    ``Z`` or numeric offset, also ``+0000``) or RFC 822 form. Values with no offset are taken
    in ``zone``, the site's time zone. Anything else, or a moment out of range (see
    EARLIEST and LATEST), raises DateError.
    """
    return _within_range(_aware_datetime(value, zone))


def _aware_datetime(value: object, zone: tzinfo) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=zone)
    if not isinstance(value, str):
        raise DateError(f"{type(value).__name__} {value!r} is not a date")
    text = value.strip()
    match = _ISO_LIKE.match(text)
    if match:
        return _from_iso_like(match, zone)
    # Imported here: the email package takes longer to load than most builds need dates for.
    from email.utils import parsedate_to_datetime

    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is None:
        raise DateError(f"cannot read {text!r} as a date")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def date_from_filename(name: str, zone: tzinfo) -> datetime | None:
    """The date in a Jekyll file name such as ``2025-11-29-title.md``, or None (also when it
    is no date, or out of range)."""
    match = _FILENAME_DATE.match(name)
    if not match:
        return None
    year, month, day = (int(group) for group in match.groups())
    try:
        return _within_range(datetime(year, month, day, tzinfo=zone))
    except ValueError:  # DateError too
        return None
