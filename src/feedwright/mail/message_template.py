"""One digest's MIME message, built once for everyone who gets it, then filled in for each.

Building a message with the email package costs more than sending it (each header parsed
into objects, each part encoded twice to pick the smaller encoding). The recipients of one
set of posts get the same message but for a few things: the To header, the Message-ID and
the MIME boundary (both derived from the address), the List-Unsubscribe header, and the
address in the unsubscribe links of both parts. ``MessageTemplate`` keeps everything else
as bytes and makes each recipient's message from it, byte for byte what ``build_message``
makes (``SharedMessages`` in ``delivery`` checks the first recipient of each set, and the
tests check many addresses):

- To and List-Unsubscribe are folded by the mail policy, as ``build_message`` folds them;
- the Message-ID's and the boundary's hex digits are replaced by the recipient's, which
  are as many, so no header folds differently;
- each part's transfer encoding is chosen as ``text_part`` chooses it, on the recipient's
  text; quoted-printable encodes each line on its own (the email package's encoder works
  line by line), so only the lines that hold the address are encoded again, and base64's
  size is counted without encoding unless it wins.
"""

from __future__ import annotations

import binascii
from datetime import datetime
from email import quoprimime
from email.headerregistry import Address
from email.message import EmailMessage
from urllib.parse import quote

from feedwright.mail.digest import Digest, address_mark, personal
from feedwright.mail.message import (
    MAIL_POLICY,
    PLAIN_LINE,
    build_message,
    digest_hash_of,
    list_unsubscribe,
    sender_address,
)
from feedwright.mail.recipients import Recipient
from feedwright.site.addresses import PLAIN_ADDRESS
from feedwright.site.model import Site

# A stand-in recipient for the template (never sent to).
_TEMPLATE_ADDRESS = "template@feedwright.invalid"
# What the policy folds body lines at, and base64's bytes per encoded line.
_MAX_LINE: int = MAIL_POLICY.max_line_length or 78
_BASE64_LINE = _MAX_LINE // 4 * 3
_CRLF = b"\r\n"


class MessageTemplate:
    """The message of one shared digest (``render_shared``), filled in per recipient."""

    def __init__(self, site: Site, shared: Digest, date: datetime):
        self.site = site
        self.shared = shared
        self.domain = sender_address(site).domain
        stand_in = Recipient(email=_TEMPLATE_ADDRESS)
        template_hash = digest_hash_of(site, shared, stand_in.address)
        self.template_hash = template_hash
        message = build_message(site, personal(shared, stand_in), stand_in.address, date)
        # The headers as they are written, in order; None where a recipient's goes.
        self.headers: list[tuple[str, bytes | None]] = []
        for name, value in message.raw_items():
            folded = None
            if name not in ("To", "List-Unsubscribe"):
                folded = MAIL_POLICY.fold_binary(name, value)
            self.headers.append((name, folded))
        self.parts = (TextTemplate(shared.text, "plain"), TextTemplate(shared.html, "html"))

    def message(self, recipient: Recipient) -> tuple[bytes, str]:
        """The message for ``recipient`` as it goes on the wire, and its Message-ID."""
        to = recipient.address  # parsed once: it is not cheap
        digest_hash = digest_hash_of(self.site, self.shared, to)
        message_id = f"<{digest_hash[:32]}.digest@{self.domain}>"
        boundary = f"=_feedwright_{digest_hash[32:56]}".encode("ascii")
        # As ``personal`` writes it into the links.
        address = quote(recipient.email, safe="@")
        lines = [
            self._header(name, folded, to, address, digest_hash) for name, folded in self.headers
        ]
        lines.append(_CRLF)
        for part in self.parts:
            lines += [b"--", boundary, _CRLF, *part.encoded(address), _CRLF]
        lines += [b"--", boundary, b"--", _CRLF]
        return b"".join(lines), message_id

    def _header(
        self, name: str, folded: bytes | None, to: Address, address: str, digest_hash: str
    ) -> bytes:
        """One header of the recipient's message, folded."""
        if folded is None:
            value: object = to
            if name == "To" and not to.display_name and _fits_as_written(to.addr_spec):
                return f"To: {to.addr_spec}\r\n".encode("ascii")
            if name == "List-Unsubscribe":
                url = self.shared.unsubscribe_url
                value = list_unsubscribe(
                    self.site, url.replace(address_mark(), address) if url else url
                )
            return MAIL_POLICY.fold_binary(*MAIL_POLICY.header_store_parse(name, value))
        if name == "Message-ID":
            return folded.replace(self.template_hash[:32].encode(), digest_hash[:32].encode())
        if name == "Content-Type":
            return folded.replace(self.template_hash[32:56].encode(), digest_hash[32:56].encode())
        return folded


class TextTemplate:
    """One text part of the template: its lines, those without the address encoded in
    quoted-printable once for all."""

    def __init__(self, text: str, subtype: str):
        self.text = text
        self.subtype = subtype
        self.mark = address_mark().encode("ascii")
        # Runs of lines encoded once (str) between the lines that hold the mark (bytes).
        self.pieces: list[str | bytes] = []
        run: list[str] = []
        for line in text.encode("utf-8").splitlines():
            if self.mark in line:
                if run:
                    self.pieces.append("\n".join(run))
                    run = []
                self.pieces.append(line)
            else:
                run.append(_quoted_printable_line(line))
        if run:
            self.pieces.append("\n".join(run))
        self.part_headers: dict[str, bytes] = {}

    def encoded(self, address: str) -> list[bytes]:
        """The part for the recipient whose URL-encoded address is ``address``: its
        headers, a blank line, its encoded body."""
        text = self.text.replace(address_mark(), address)
        if text.isascii() and all(len(line) <= PLAIN_LINE for line in text.splitlines()):
            # Lines as bytes split them (a form feed does not end one).
            body = b"\n".join(text.encode("ascii").splitlines()).decode("ascii") + "\n"
            encoding = "7bit"
        else:
            body = self._quoted_printable(address.encode("ascii"))
            encoding = "quoted-printable"
            data = _CRLF.join(text.encode("utf-8").splitlines()) + _CRLF
            if _base64_size(len(data)) < len(body) + body.count("\n"):
                encoding, body = "base64", _base64(data)
        return [self._part_headers(encoding), _CRLF, body.replace("\n", "\r\n").encode("ascii")]

    def _quoted_printable(self, address: bytes) -> str:
        """The body in quoted-printable, as the email package encodes it."""
        encoded = [
            piece
            if isinstance(piece, str)
            else _quoted_printable_line(piece.replace(self.mark, address))
            for piece in self.pieces
        ]
        return "\n".join(encoded) + "\n"

    def _part_headers(self, encoding: str) -> bytes:
        """The part's headers for ``encoding``, as ``text_part`` writes them."""
        if encoding not in self.part_headers:
            part = EmailMessage(policy=MAIL_POLICY)
            part.set_content("x", subtype=self.subtype, charset="utf-8", cte=encoding)
            del part["MIME-Version"]
            self.part_headers[encoding] = b"".join(
                MAIL_POLICY.fold_binary(name, value) for name, value in part.raw_items()
            )
        return self.part_headers[encoding]


def _fits_as_written(addr_spec: str) -> bool:
    """True when the policy writes ``To: addr_spec`` as it is: a plain address (as
    ``parse_address`` reads without the parser) on one line."""
    return len(addr_spec) <= _MAX_LINE - len("To: ") and bool(PLAIN_ADDRESS.fullmatch(addr_spec))


def _quoted_printable_line(line: bytes) -> str:
    """One line (no line end) in quoted-printable, soft breaks included."""
    return quoprimime.body_encode(line.decode("latin-1"), _MAX_LINE)


def _base64(data: bytes) -> str:
    """``data`` in base64 as the email package writes it: lines of 76 characters."""
    return "".join(
        binascii.b2a_base64(data[start : start + _BASE64_LINE]).decode("ascii")
        for start in range(0, len(data), _BASE64_LINE)
    )


def _base64_size(length: int) -> int:
    """The size ``encoded_size`` gives the base64 of ``length`` bytes: 4 characters for
    each 3 bytes begun, and each line's end counted as CR LF."""
    full, rest = divmod(length, _BASE64_LINE)
    size = full * (_BASE64_LINE // 3 * 4 + 2)
    if rest:
        size += -(-rest // 3) * 4 + 2
    return size
