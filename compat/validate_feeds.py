"""Validate feeds with the W3C Feed Validator; run with the validator's own Python.

Usage: python validate_feeds.py VALIDATOR_DIR FEED BASE_URL [FEED BASE_URL ...]

Prints one JSON object: for each feed file, its messages (errors and warnings, the
validator's "AA" level, as its web page shows them), each as {level, kind, text}.
This file imports nothing from feedwright: it runs in the validator's virtual environment.
"""

import json
import sys
from pathlib import Path
from typing import Any


def validate(validator_dir: Path, feed: Path, base: str) -> list[dict[str, str]]:
    """Return the validator's errors and warnings for one feed, read with BASE as its URL."""
    sys.path.insert(0, str(validator_dir / "src"))
    import feedvalidator
    from feedvalidator import compatibility
    from feedvalidator.formatter.text_plain import (
        Formatter,
    )
    from feedvalidator.logging import Error

    try:
        result: dict[str, Any] = feedvalidator.validateString(
            feed.read_bytes(), firstOccurrenceOnly=1, base=base
        )
        events = compatibility.AA(result["loggedEvents"])
    except feedvalidator.logging.ValidationFailure as failure:
        events = [failure.event]
    texts = list(Formatter(events))
    return [
        {
            "level": "error" if isinstance(event, Error) else "warning",
            "kind": type(event).__name__,
            "text": text,
        }
        for event, text in zip(events, texts, strict=True)
    ]


def main(arguments: list[str]) -> None:
    """Validate each FEED BASE pair and print the messages as JSON."""
    validator_dir = Path(arguments[0])
    pairs = arguments[1:]
    report = {
        pairs[index]: validate(validator_dir, Path(pairs[index]), pairs[index + 1])
        for index in range(0, len(pairs), 2)
    }
    json.dump(report, sys.stdout, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1:])
