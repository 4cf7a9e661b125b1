from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from feedwright.posts.dates import DateError, date_from_filename, parse_date, read_date
from feedwright.site.model import site_timezone

TOKYO = ZoneInfo("Asia/Tokyo")
UTC = UTC


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # The form real posts use, which PyYAML leaves as a string.
        ("2025-11-29 04:40:08 +0000", datetime(2025, 11, 29, 4, 40, 8, tzinfo=UTC)),
        ("2025-11-29 13:40:08 +0900", datetime(2025, 11, 29, 4, 40, 8, tzinfo=UTC)),
        ("2025-11-29 06:40:08 +02:00", datetime(2025, 11, 29, 4, 40, 8, tzinfo=UTC)),
        ("2025-11-29T04:40:08Z", datetime(2025, 11, 29, 4, 40, 8, tzinfo=UTC)),
        ("2025-11-29T04:40:08.250Z", datetime(2025, 11, 29, 4, 40, 8, 250000, tzinfo=UTC)),
        ("2025-11-29T04:40:08-05:00", datetime(2025, 11, 29, 9, 40, 8, tzinfo=UTC)),
        ("2025-11-29 04:40", datetime(2025, 11, 29, 4, 40, tzinfo=TOKYO)),
        ("2025-11-29", datetime(2025, 11, 29, tzinfo=TOKYO)),
        ("2025-1-5", datetime(2025, 1, 5, tzinfo=TOKYO)),
        ("Sat, 29 Nov 2025 04:40:08 +0000", datetime(2025, 11, 29, 4, 40, 8, tzinfo=UTC)),
        ("Sat, 29 Nov 2025 04:40:08 GMT", datetime(2025, 11, 29, 4, 40, 8, tzinfo=UTC)),
        (date(2025, 11, 29), datetime(2025, 11, 29, tzinfo=TOKYO)),
        (datetime(2025, 11, 29, 4, 40), datetime(2025, 11, 29, 4, 40, tzinfo=TOKYO)),
        (datetime(2025, 11, 29, 4, 40, tzinfo=UTC), datetime(2025, 11, 29, 4, 40, tzinfo=UTC)),
    ],
)
def test_date_forms(value: object, expected: datetime) -> None:
    assert parse_date(value, TOKYO) == expected


def test_the_written_offset_is_kept() -> None:
    # Feeds then show the author's own local time: 13:40:08+09:00, not 04:40:08Z.
    assert parse_date("2025-11-29 13:40:08 +0900", UTC).isoformat() == "2025-11-29T13:40:08+09:00"


def test_naive_values_take_the_site_time_zone() -> None:
    assert parse_date("2025-11-29 09:00", TOKYO).utcoffset() == timedelta(hours=9)
    assert parse_date("2025-11-29 09:00", UTC).utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "value",
    [
        "yesterday",
        "2025-02-30",
        "0000-00-00",
        "2025-13-01",
        "2025-11-29 25:00",
        "2025-11-29 10:00 +25:00",
        "0001-01-01 00:00:00 +1400",  # the year 0 in UTC
        "9999-12-31 23:59:59 -1200",  # the year 10000 in UTC
        "0001-01-01",  # too close to the year 0 to be shown in every time zone
        2025,
        True,
        ["2025-01-01"],
        "",
    ],
)
def test_bad_dates_raise_date_error(value: object) -> None:
    with pytest.raises(DateError):
        parse_date(value, UTC)


def test_date_from_filename() -> None:
    assert date_from_filename("2024-02-05-hello.md", UTC) == datetime(2024, 2, 5, tzinfo=UTC)
    assert date_from_filename("hello.md", UTC) is None
    assert date_from_filename("2024-02-30-bad.md", UTC) is None
    assert date_from_filename("0001-01-01-early.md", UTC) is None


def test_unknown_time_zone() -> None:
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus_Mons'"):
        site_timezone("Mars/Olympus_Mons")


PST = timezone(timedelta(hours=-8))
EST = timezone(timedelta(hours=-5))


# Dates Jekyll 4.3 builds (Ruby's Time.parse reads them), each checked with
# `TZ=Asia/Tokyo ruby -e 'require "time"; p Time.parse(ARGV[0])' VALUE` and a Jekyll build:
# (value, the moment Ruby reads, whether feedwright warns: Ruby ignored part of it).
@pytest.mark.parametrize(
    ("value", "expected", "sloppy"),
    [
        # Ruby takes a zone only right after the time: the offset here is ignored.
        ("2023-01-29 18:30:22 2023 -0800", datetime(2023, 1, 29, 18, 30, 22, tzinfo=TOKYO), True),
        ("2017-02-10 00:10::00 -03:00", datetime(2017, 2, 10, 0, 10, tzinfo=TOKYO), True),
        ("Jan 5, 2020", datetime(2020, 1, 5, tzinfo=TOKYO), False),
        ("January 5th, 2020 10:00", datetime(2020, 1, 5, 10, tzinfo=TOKYO), False),
        ("5 Jan 2020", datetime(2020, 1, 5, tzinfo=TOKYO), False),
        ("5 January 2020 3:04 pm", datetime(2020, 1, 5, 15, 4, tzinfo=TOKYO), False),
        ("2020/01/05", datetime(2020, 1, 5, tzinfo=TOKYO), False),
        ("2020/1/5 12:00 am", datetime(2020, 1, 5, tzinfo=TOKYO), False),
        ("Sun 2020-01-05", datetime(2020, 1, 5, tzinfo=TOKYO), False),
        ("Sunday, 5 Jan 2020", datetime(2020, 1, 5, tzinfo=TOKYO), False),
        ("2020-01-05 10:00 PST", datetime(2020, 1, 5, 10, tzinfo=PST), False),
        ("2020-01-05T10:00 PST", datetime(2020, 1, 5, 10, tzinfo=PST), False),
        ("2020-01-05 10:00 EST", datetime(2020, 1, 5, 10, tzinfo=EST), False),
        ("2020-01-05 10:00:00 UTC", datetime(2020, 1, 5, 10, tzinfo=UTC), False),
        ("2020-01-05 10:00 +03", datetime(2020, 1, 5, 10, tzinfo=timezone(timedelta(hours=3))), False),
        ("10:00 2020-01-05", datetime(2020, 1, 5, 10, tzinfo=TOKYO), False),
        # Zone names and offsets Ruby does not know: taken in the local (the site's) zone.
        ("2020-01-05 10:00 CET", datetime(2020, 1, 5, 10, tzinfo=TOKYO), True),
        ("2020-01-05 10:00 UTC+3", datetime(2020, 1, 5, 10, tzinfo=TOKYO), True),
    ],
)  # fmt: skip
def test_dates_as_ruby_reads_them(value: str, expected: datetime, sloppy: bool) -> None:
    parsed, note = read_date(value, TOKYO)
    assert parsed == expected and parsed.utcoffset() == expected.utcoffset()
    assert (note is not None) == sloppy
    assert parse_date(value, TOKYO) == expected


# Refused, as Jekyll refuses them ("no time information"), or where Ruby guesses: it reads
# "2020-01-05 junk" as the 5th of June of this year and "2020-02-30" as the 1st of March.
@pytest.mark.parametrize(
    "value", ["yesterday", "soon", "2020-01-05 junk", "2020-02-30 10:00 PST", "Jan 2020"]
)
def test_dates_jekyll_refuses_or_guesses_are_refused(value: str) -> None:
    with pytest.raises(DateError):
        read_date(value, TOKYO)
