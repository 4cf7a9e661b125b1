"""Dates in the digest as readers of the site's language write them (CLDR's formats,
through Babel): ``November 29, 2025`` in English, ``2025年11月29日`` in Japanese."""

from __future__ import annotations

import functools
from datetime import date

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_interval

# The language used when the site's is one CLDR does not know.
FALLBACK_LOCALE = "en"


@functools.lru_cache(maxsize=16)
def site_locale(lang: str) -> Locale:
    """The CLDR locale of a language tag (``ja``, ``en-GB``, ``pt-BR``); English for a tag
    CLDR does not know."""
    try:
        return Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(FALLBACK_LOCALE)


def long_date(day: date, lang: str) -> str:
    """``day`` written out in the language ``lang``: ``November 29, 2025``."""
    return format_date(day, "long", locale=site_locale(lang))


def date_span(start: date, end: date, lang: str) -> str:
    """From ``start`` to ``end`` as one span in the language ``lang``, without repeating
    what the two share (``Nov 1 – 29, 2025``, ``2025年11月1日～29日``); one long date when
    they are the same day."""
    if start == end:
        return long_date(start, lang)
    return format_interval(start, end, "yMMMd", locale=site_locale(lang))
