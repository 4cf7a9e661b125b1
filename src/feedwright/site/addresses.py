"""Email addresses as the configuration gives them: checked when it is read, so that a
send never fails on a sender or a recipient written wrong."""

from __future__ import annotations

from typing import TYPE_CHECKING

# The email package is imported where addresses are parsed: every command loads the
# configuration, and most configurations name no address.
if TYPE_CHECKING:
    from email.headerregistry import Address


def parse_address(text: str) -> Address:
    """Parse ``name@example.org`` or ``Name <name@example.org>``; ValueError when it is not
    exactly one plain address."""
    from email import policy

    if any(character in text for character in "\r\n\t\0"):
        raise ValueError(f"{text!r} contains a control character")
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
    return address
