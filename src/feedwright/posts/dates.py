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
# The date that starts a Jekyll post's file name: as Jekyll reads it, one-digit months and
# days, and years of two to four digits (Ruby completes two: 17 is 2017, 69 is 1969).
_FILENAME_DATE = re.compile(r"^(\d{2,4})-(\d{1,2})-(\d{1,2})-")

# The other forms Ruby's Time.parse reads, which Jekyll uses on a date given as text. Like
# Ruby, a time is looked for first (a zone is read only right after it), then a day name,
# then a date, anywhere in the text; what is left over Ruby ignores.
_RUBY_TIME = re.compile(
    r"""(?P<hour>\d{1,2}):(?P<minute>\d{1,2})(?::(?P<second>\d{1,2})(?:[.,](?P<fraction>\d+))?)?
    (?:\s*(?P<half>[ap])\.?m\b\.?)?
    (?:\s*(?P<zone>(?:gmt|utc?)?[-+]\d{1,2}(?::?\d{2})?|[a-z]+\b))?""",
    re.VERBOSE | re.IGNORECASE,
)
_RUBY_OFFSET = re.compile(r"[-+]\d{2}(?::?\d{2})?")
_RUBY_DAY_NAME = re.compile(r"\b(?:sun|mon|tue|wed|thu|fri|sat)[a-z]*\b\.?", re.IGNORECASE)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = r"(?P<month_name>" + "|".join(_MONTHS) + r")[a-z]*\.?"
_ORDINAL = r"(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})(?!\d)"
_RUBY_DATES = (
    re.compile(r"(?<!\d)(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(?P<year>\d{4})/(?P<month>\d{1,2})/(?P<day>\d{1,2})(?!\d)"),
    # 5 Jan 2020, 5th January, 2020
    re.compile(rf"(?<!\d)(?P<day>\d{{1,2}}){_ORDINAL}\s*{_MONTH}\s*,?\s*{_YEAR}", re.I),
    # Jan 5, 2020, January 5th 2020
    re.compile(rf"\b{_MONTH}\s*(?P<day>\d{{1,2}}){_ORDINAL}\s*,?\s*{_YEAR}", re.I),
)
# The zone names Ruby's Time.parse knows; it takes any other name in the local time zone.
_RUBY_ZONES = {
    "utc": 0, "ut": 0, "gmt": 0, "z": 0, "est": -5, "edt": -4, "cst": -6, "cdt": -5,
    "mst": -7, "mdt": -6, "pst": -8, "pdt": -7,
}  # fmt: skip
# The earliest and the latest moment a post may have: a day inside the years 1 to 9999 that
# Python's datetime holds, so that the date can be shown in any time zone (no offset is a
# day long). 0001-01-01 00:00 +14:00 is a moment of the year 0, which nothing can show.
EARLIEST = datetime.min.replace(tzinfo=UTC) + timedelta(days=1)
LATEST = datetime.max.replace(tzinfo=UTC) - timedelta(days=1)
# Go's zero time, which Hugo gives a page with no date it can read: such a page is listed
# last, and its feeds show this date. It is out of the range above (no time zone west of
# UTC can show it): only UTC shows it, as Hugo does.
HUGO_ZERO_DATE = datetime.min.replace(tzinfo=UTC)


class YamlTimestamp(str):
    """The text of a front matter value that YAML reads as a timestamp: written unquoted,
    such as ``2025-11-29 23:30:00``. Kept as text, as every date is read one way (see
    ``read_date``), but marked: Jekyll reads a timestamp differently from quoted text."""

    __slots__ = ()


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
    ``Z`` or numeric offset, also ``+0000``), in RFC 822 form, or in the other forms Ruby's
    Time.parse reads as Jekyll does (see ``read_date``). Values with no offset are taken in
    ``zone``, the site's time zone. Anything else, or a moment out of range (see EARLIEST
    and LATEST), raises DateError.
    """
    return read_date(value, zone)[0]


def read_date(
    value: object, zone: tzinfo, timestamp_zone: tzinfo | None = None
) -> tuple[datetime, str | None]:
    """``parse_date``'s datetime, and what was sloppy about the value (None when nothing):
    text that Ruby's Time.parse, and so Jekyll, ignores (``2023-01-29 18:30:22 2023
    -0800`` is 18:30:22 in the site's time zone), or a zone name it does not know.

    A YAML timestamp with a time and no offset is taken in ``timestamp_zone`` when it is
    given: Jekyll (Ruby's YAML) reads ``date: 2025-11-29 23:30:00`` as UTC, whatever the
    site's time zone, though it reads ``"2025-11-29 23:30:00"`` (text) in it."""
    if timestamp_zone is not None and isinstance(value, YamlTimestamp):
        match = _ISO_LIKE.match(value.strip())
        if match is not None and match["hour"] is not None and match["offset"] is None:
            zone = timestamp_zone
    datetime_, note = _aware_datetime(value, zone)
    return _within_range(datetime_), note


def _aware_datetime(value: object, zone: tzinfo) -> tuple[datetime, str | None]:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=zone)), None
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=zone), None
    if not isinstance(value, str):
        raise DateError(f"{type(value).__name__} {value!r} is not a date")
    text = value.strip()
    match = _ISO_LIKE.match(text)
    if match:
        return _from_iso_like(match, zone), None
    as_ruby = _as_ruby_reads_it(text, zone)
    if as_ruby is not None:
        return as_ruby
    # Imported here: the email package takes longer to load than most builds need dates for.
    from email.utils import parsedate_to_datetime

    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is None:
        raise DateError(f"cannot read {text!r} as a date")
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)), None


def _as_ruby_reads_it(text: str, zone: tzinfo) -> tuple[datetime, str | None] | None:
    """``text`` read as Ruby's Time.parse reads it, and what was sloppy about it; None when
    it has no date with a four-digit year, or when what Ruby would ignore holds letters
    (Ruby reads ``2020-01-05 junk`` as the 5th of June: such a guess is refused)."""
    rest = re.sub(r"(?<=\d)[Tt](?=\d)", " ", text)  # 2020-01-05T10:00, as in ISO 8601
    time = _RUBY_TIME.search(rest)
    if time is not None:
        rest = rest[: time.start()] + " " + rest[time.end() :]
    rest = _RUBY_DAY_NAME.sub(" ", rest)
    for pattern in _RUBY_DATES:
        day = pattern.search(rest)
        if day is not None:
            break
    else:
        return None
    ignored = " ".join((rest[: day.start()] + " " + rest[day.end() :]).replace(",", " ").split())
    if re.search(r"[^\W\d_]", ignored):
        return None
    value, zone_note = _ruby_datetime(day, time, zone)
    notes = [f"{ignored!r} was ignored"] if ignored else []
    notes += [zone_note] if zone_note else []
    return value, "; ".join(notes) or None


def _ruby_datetime(
    day: re.Match[str], time: re.Match[str] | None, zone: tzinfo
) -> tuple[datetime, str | None]:
    """The datetime of a date and a time found by ``_as_ruby_reads_it``, and a note when
    its zone is a name Ruby does not know (it is then taken in ``zone``, as Ruby does)."""
    parts = day.groupdict()
    month = parts.get("month") or _MONTHS.index(parts["month_name"][:3].lower()) + 1
    clock = time.groupdict() if time else {}
    hour = int(clock.get("hour") or 0)
    if clock.get("half") and hour <= 12:
        hour = hour % 12 + (12 if clock["half"].lower() == "p" else 0)
    fraction = (clock.get("fraction") or "0")[:6].ljust(6, "0")
    try:
        value = datetime(
            int(parts["year"]), int(month), int(parts["day"]), hour,
            int(clock.get("minute") or 0), int(clock.get("second") or 0), int(fraction),
        )  # fmt: skip
    except ValueError as error:
        raise DateError(str(error)) from error
    written = clock.get("zone")
    if not written:
        return value.replace(tzinfo=zone), None
    if written.lower() in _RUBY_ZONES:
        return value.replace(tzinfo=timezone(timedelta(hours=_RUBY_ZONES[written.lower()]))), None
    if _RUBY_OFFSET.fullmatch(written):  # Ruby takes +08, +0800, +08:00, not +8 or UTC+8
        return value.replace(tzinfo=_offset(written)), None
    return value.replace(tzinfo=zone), (
        f"the zone {written!r} is unknown, so the time is taken in the site's time zone"
    )


def date_from_filename(name: str, zone: tzinfo) -> datetime | None:
    """The date in a Jekyll file name such as ``2025-11-29-title.md`` (or ``2025-1-9-a.md``),
    or None (also when it is no date, or out of range)."""
    match = _FILENAME_DATE.match(name)
    if not match:
        return None
    year, month, day = (int(group) for group in match.groups())
    if len(match.group(1)) == 2:
        year += 1900 if year >= 69 else 2000
    try:
        return _within_range(datetime(year, month, day, tzinfo=zone))
    except ValueError:  # DateError too
        return None


# Hugo (its cast.ToTimeE, Go layouts) reads a date written as text in these forms only, and
# ignores any other text (it then takes its next date key, else the zero date):
# 2006-01-02, 2006-01-02T15:04:05 with Z, -07:00 or -0700 or none, 2006-01-02 15:04:05
# with Z07:00, " -07:00", " -0700", " -0700 MST" or none (each with optional fractional
# seconds), "Mon, 02 Jan 2006 15:04:05 -0700" or "… MST", and "02 Jan 2006".
_HUGO_DATE = r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
_HUGO_CLOCK = r"(?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2})(?:\.(?P<fraction>\d+))?"
_HUGO_NUMERIC = r"[+-]\d{2}:?\d{2}"
_HUGO_FORMS = (
    re.compile(rf"{_HUGO_DATE}"),
    re.compile(rf"{_HUGO_DATE}T{_HUGO_CLOCK}(?P<offset>Z|{_HUGO_NUMERIC})?"),
    re.compile(
        rf"{_HUGO_DATE} {_HUGO_CLOCK}(?:(?P<offset>Z|{_HUGO_NUMERIC})"
        rf"| (?P<spaced>{_HUGO_NUMERIC})(?: [A-Za-z]{{3,5}})?)?"
    ),
    re.compile(
        rf"(?:mon|tue|wed|thu|fri|sat|sun), (?P<day>\d{{2}}) (?P<month_name>[a-z]{{3}}) "
        rf"(?P<year>\d{{4}}) {_HUGO_CLOCK} (?:(?P<offset>[+-]\d{{4}})|(?P<zone>[a-z]{{3,5}}))",
        re.IGNORECASE,
    ),
    re.compile(r"(?P<day>\d{2}) (?P<month_name>[a-z]{3}) (?P<year>\d{4})", re.IGNORECASE),
)


def read_hugo_date(text: str, zone: tzinfo) -> datetime | None:
    """A date written as text, read as Hugo 0.111 reads it (see ``_HUGO_FORMS``), or None
    when Hugo cannot read it (``Jan 5, 2020``, ``2020-01-05 10:00``, ``2020-02-30``),
    which Hugo ignores. With no offset, the date is in ``zone``; a zone name other than
    UTC is taken as UTC, as Go does with a name it does not know."""
    text = text.strip()
    for form in _HUGO_FORMS:
        match = form.fullmatch(text)
        if match is not None:
            break
    else:
        return None
    parts = match.groupdict()
    name = parts.get("month_name")
    month = _MONTHS.index(name.lower()) + 1 if name and name.lower() in _MONTHS else None
    offset = parts.get("offset") or parts.get("spaced")
    fraction = (parts.get("fraction") or "0")[:6].ljust(6, "0")
    try:
        value = datetime(
            int(parts["year"]), month or int(parts.get("month") or 0), int(parts["day"]),
            int(parts.get("hour") or 0), int(parts.get("minute") or 0),
            int(parts.get("second") or 0), int(fraction),
        )  # fmt: skip
        offset_zone = _offset(offset) if offset else (UTC if parts.get("zone") else zone)
        return _within_range(value.replace(tzinfo=offset_zone))
    except ValueError:  # DateError too: Hugo ignores a date it cannot make
        return None
