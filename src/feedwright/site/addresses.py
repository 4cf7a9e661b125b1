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
        _check_length(text, plain[1], plain[0])
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
    _check_length(text, address.username, address.addr_spec)
    _check_name_length(address.display_name)
    return address


def parse_display_name(text: str) -> str:
    """A person's name as a mail header will carry it: its RFC 2047 encoded words
    (``=?utf-8?q?…?=``) decoded and each run of spaces made one. ValueError when the name,
    as written or decoded, holds a control character."""
    name = " ".join(_decoded_name(text).split())
    _check_name_length(name)
    return name


# RFC 5321 4.5.3.1: a local part of at most 64 octets, a path of at most 256 (the angle
# brackets included), so an address of at most 254. A server may refuse longer ones.
MAX_LOCAL_PART = 64
MAX_ADDRESS = 254
# A name's length, decoded: a name of a few thousand letters makes a `To:` line longer
# than the 1,000 octets SMTP allows (RFC 5321 4.5.3.1.6), which the server refuses, run
# after run. No one's name is 200 characters long.
MAX_NAME = 200


def _shown(text: str) -> str:
    """``text`` quoted, cut short when long: a message that quotes a 100,000-letter name
    whole is no use."""
    return repr(text if len(text) <= 60 else text[:57] + "…")


def _check_length(text: str, local: str, addr_spec: str) -> None:
    """ValueError when an address is longer than RFC 5321 allows."""
    if len(local.encode()) > MAX_LOCAL_PART:
        raise ValueError(
            f"{_shown(text)}: the part before the @ is {len(local.encode())} characters long, "
            f"more than the {MAX_LOCAL_PART} mail allows (RFC 5321)"
        )
    if len(addr_spec.encode()) > MAX_ADDRESS:
        raise ValueError(
            f"{_shown(text)}: the address is {len(addr_spec.encode())} characters long, "
            f"more than the {MAX_ADDRESS} mail allows (RFC 5321)"
        )


def _check_name_length(name: str) -> None:
    """ValueError when a name (decoded) is longer than MAX_NAME characters."""
    if len(name) > MAX_NAME:
        raise ValueError(
            f"{_shown(name)}: the name is {len(name)} characters long, more than the "
            f"{MAX_NAME} a name may have (a longer one makes a mail header line the server "
            "refuses)"
        )


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
