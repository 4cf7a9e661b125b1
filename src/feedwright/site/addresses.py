"""Email addresses as the configuration gives them: checked when it is read, so that a
send never fails on a sender or a recipient written wrong."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

# The email package is imported where addresses are parsed: every command loads the
# configuration, and most configurations name no address.
if TYPE_CHECKING:
    from email.headerregistry import Address

# What a name or an address may not hold, before or after its RFC 2047 encoded words are
# decoded: control characters (CR and LF would end a mail header and start another; the
# email package writes a decoded name back as it is), undecodable bytes, and the Unicode
# line and paragraph separators, which some programs take as line breaks too.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})


def control_character(text: str) -> str | None:
    """The first character of ``text`` that no mail header may carry (and XML forbids),
    if any: a control character, an undecodable byte, a line or paragraph separator."""
    return next(
        (char for char in text if unicodedata.category(char) in _FORBIDDEN_CATEGORIES), None
    )


# A bare address of the plainest form (a dot-atom of letters, digits and ``+-_``, at a
# host name): most lines of a subscriber list. The header parser gives it as it is written,
# so it is taken apart without the parser, which costs a tenth of a millisecond an address.
PLAIN_ADDRESS = re.compile(
    r"([A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)"
)


def parse_address(text: str) -> Address:
    """Parse ``name@example.org`` or ``Name <name@example.org>``; ValueError when it is not
    exactly one plain address, or when its name, decoded, holds a control character."""
    from email import policy
    from email.headerregistry import Address

    if plain := PLAIN_ADDRESS.fullmatch(text.strip()):
        return Address(username=plain[1], domain=plain[2])
    _decoded_name(text)
    try:
        header = policy.default.header_factory("to", text.strip())
        addresses = header.addresses
    except (IndexError, ValueError) as error:  # the header parser's way of saying "broken"
        raise ValueError(f"{text!r} is not an email address") from error
    if len(addresses) != 1:
        raise ValueError(f"{text!r} is not exactly one email address")
    address: Address = addresses[0]
    if header.defects or not address.username or not address.domain:
        raise ValueError(f"{text!r} is not an email address such as name@example.org")
    if not address.addr_spec.isascii():
        raise ValueError(f"{text!r}: addresses with non-ASCII characters are not supported")
    _check_decoded_name(text, address.display_name)
    return address


def parse_display_name(text: str) -> str:
    """A person's name as a mail header will carry it: its RFC 2047 encoded words
    (``=?utf-8?q?…?=``) decoded and each run of spaces made one. ValueError when the name,
    as written or decoded, holds a control character."""
    return " ".join(_decoded_name(text).split())


def _decoded_name(text: str) -> str:
    """``text`` with its encoded words decoded; ValueError when it holds a control character,
    as written or decoded."""
    from email import policy

    if (character := control_character(text)) is not None:
        raise ValueError(f"{text!r} contains a control character ({character!r})")
    # An unstructured header decodes encoded words as mail programs will.
    decoded = str(policy.default.header_factory("x-name", text))
    _check_decoded_name(text, decoded)
    return decoded


def _check_decoded_name(text: str, decoded: str) -> None:
    if (character := control_character(decoded)) is not None:
        raise ValueError(
            f"{text!r}: the name holds a control character ({character!r}) once its "
            "=?…?= encoded words are decoded"
        )
