"""The digest's subject line, made from the ``subject`` template of the configuration."""

from __future__ import annotations

import string
from collections.abc import Mapping

# The placeholders a subject template may use, e.g. "{site}: {count} new posts".
SUBJECT_FIELDS = ("site", "count", "range", "start", "end", "first_title", "titles")
_SAMPLE_VALUES: dict[str, object] = {
    "site": "Blog",
    "count": 2,
    "range": "Nov 1 – 29, 2025",
    "start": "November 1, 2025",
    "end": "November 29, 2025",
    "first_title": "Title",
    "titles": "Title and 1 more",
}


def check_subject_template(template: str) -> None:
    """Raise ValueError when ``template`` uses a placeholder feedwright does not fill."""
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as error:
        raise ValueError(f"{error}; write braces as {{{{ and }}}}") from error
    known = ", ".join("{" + field + "}" for field in SUBJECT_FIELDS)
    for name in names:
        if name not in SUBJECT_FIELDS:
            raise ValueError(f"unknown placeholder {{{name}}}; known ones are {known}")
    # A format spec or conversion ("{count:d}", "{site!z}") fails only when used: try it now
    # on sample values rather than at send time.
    try:
        format_subject(template, _SAMPLE_VALUES)
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as error:
        raise ValueError(f"{error}; the placeholders are {known}, used plainly") from None


def format_subject(template: str, values: Mapping[str, object]) -> str:
    """Fill in the subject template; newlines are flattened so the header stays one line."""
    subject = template.format_map({field: values[field] for field in SUBJECT_FIELDS})
    return " ".join(subject.split())
