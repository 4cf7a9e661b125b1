"""Wrap a rendered digest in a complete MIME message: multipart/alternative, text then HTML."""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, quote
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from feedwright.errors import HeaderInjectionError
from feedwright.mail.recipients import Recipient
from feedwright.site.addresses import parse_address
from feedwright.site.model import Site
from feedwright.writer import OutputFile

if TYPE_CHECKING:
    from feedwright.mail.digest import Digest

# The files of a digest written to disk (a preview, or the ``digest`` command's).
DIGEST_HTML = "digest.html"
DIGEST_TEXT = "digest.txt"
DIGEST_MESSAGE = "digest.eml"


class HeaderCheckingPolicy(EmailPolicy):
    """The email package's policy, refusing to write a header that would not stay one header.

    The email package decodes the encoded words it parses (``=?utf-8?q?=0D=0A?=`` is CR LF),
    also inside a quoted name, and writes the result back out as it is: a name or a title
    could add a ``Bcc:`` line or end the headers. Python checks this itself only from 3.11.10
    and 3.12.5 (``verify_generated_headers``), so feedwright checks on every interpreter.
    """

    def fold(self, name: str, value: str) -> str:
        """The header as text, checked."""
        folded: str = super().fold(name, value)
        check_folded_header(name, folded, self.linesep)
        return folded

    def fold_binary(self, name: str, value: str) -> bytes:
        """The header as bytes (what SMTP and ``.eml`` files get), checked."""
        folded = super().fold_binary(name, value)
        check_folded_header(name, folded.decode("utf-8", "surrogateescape"), self.linesep)
        return folded


def check_folded_header(name: str, folded: str, linesep: str) -> None:
    """Raise HeaderInjectionError unless ``folded`` is exactly one header: its first line,
    then only continuation lines (starting with a space or a tab, not blank), each ended by
    ``linesep``, with no line break anywhere else."""
    lines = folded.split(linesep)
    ends_once = lines.pop() == ""
    continued = all(line[:1] in (" ", "\t") and line.strip() for line in lines[1:])
    if ends_once and continued and not any("\r" in line or "\n" in line for line in lines):
        return
    raise HeaderInjectionError(
        f"the {name} header would start another header or end the headers: {folded!r} — a "
        "name, title or subject holds a line break (perhaps as an =?…?= encoded word); "
        "remove it"
    )


# CRLF line ends as on the wire; 7-bit transfer encodings (see text_part) because not every
# relay accepts 8-bit bodies.
MAIL_POLICY = HeaderCheckingPolicy(linesep="\r\n", cte_type="7bit")
# The longest line a part may keep unencoded (RFC 5322 recommends 78 characters).
PLAIN_LINE = 78


def text_part(text: str, subtype: str) -> EmailMessage:
    """A ``text/SUBTYPE`` part holding ``text`` in UTF-8, in the 7-bit transfer encoding
    that makes it smallest: none for short ASCII lines, else quoted-printable or base64,
    whichever is shorter for the whole text. (The email package chooses from the first ten
    lines alone: an HTML document's ASCII head made a Japanese digest quoted-printable, at
    three bytes for every byte of text.)"""
    lines = text.splitlines()
    if text.isascii() and all(len(line) <= PLAIN_LINE for line in lines):
        encodings: tuple[str, ...] = ("7bit",)
    else:
        encodings = ("quoted-printable", "base64")
    parts = []
    for encoding in encodings:
        part = EmailMessage(policy=MAIL_POLICY)
        part.set_content(text, subtype=subtype, charset="utf-8", cte=encoding)
        # Set by EmailMessage for a whole message; a part carries none (RFC 2045).
        del part["MIME-Version"]
        parts.append(part)
    return min(parts, key=encoded_size)


def encoded_size(part: EmailMessage) -> int:
    """The bytes of a part's body as it travels, transfer encoding included, each line
    ended by CR LF (the email package keeps a bare LF until it writes the message)."""
    payload = part.get_payload()
    assert isinstance(payload, str)  # a text part's payload, encoded for 7-bit transport
    return len(payload) + payload.count("\n") - payload.count("\r\n")


def sender_address(site: Site) -> Address:
    """Who the digest is from: ``[digest] from``, else the site author's email, else
    ``noreply@`` the site's host (good enough for a preview; ``send`` insists on ``from``)."""
    if site.digest.sender:
        return parse_address(site.digest.sender)
    if site.author and site.author.email:
        return parse_address(site.author.email)
    host = urlsplit(site.url).hostname or "localhost"
    return Address(display_name=site.title, username="noreply", domain=host)


def digest_hash_of(site: Site, digest: Digest, to: Address) -> str:
    """A hash of what makes this message unique: the site, the posts and the recipient."""
    key = "\n".join([site.url, to.addr_spec.lower(), *(post.id for post in digest.posts)])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def build_message(site: Site, digest: Digest, to: Address, date: datetime) -> EmailMessage:
    """The MIME message of ``digest`` for one recipient, dated ``date``.

    The Message-ID and the MIME boundary are derived from the site, the posts and the
    recipient, not from randomness: the same digest gives the same bytes, and a message
    resent after a crash carries the same Message-ID, so mail systems can drop the copy.
    """
    sender = sender_address(site)
    digest_hash = digest_hash_of(site, digest, to)
    message = EmailMessage(policy=MAIL_POLICY)
    message["Subject"] = as_literal_text(digest.subject)
    message["From"] = sender
    message["To"] = to
    if site.digest.reply_to:
        message["Reply-To"] = parse_address(site.digest.reply_to)
    message["Date"] = format_datetime(date)
    message["Message-ID"] = f"<{digest_hash[:32]}.digest@{sender.domain}>"
    host = urlsplit(site.url).hostname or sender.domain
    message["List-ID"] = f"{_list_phrase(as_literal_text(site.title))} <digest.{host}>"
    unsubscribe = list_unsubscribe(site, digest.unsubscribe_url)
    if unsubscribe:
        message["List-Unsubscribe"] = unsubscribe
    if digest.unsubscribe_url:
        # RFC 8058 one-click unsubscribe: mail clients POST to the https URL.
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["MIME-Version"] = "1.0"
    message.make_alternative()
    message.attach(text_part(digest.text, "plain"))
    message.attach(text_part(digest.html, "html"))
    message.set_boundary(f"=_feedwright_{digest_hash[32:56]}")
    return message


def list_unsubscribe(site: Site, url: str | None) -> str:
    """The List-Unsubscribe header's value (RFC 2369): the recipient's unsubscribe URL, the
    site's mailto address, both or neither ("")."""
    unsubscribe = []
    if url:
        unsubscribe.append(f"<{url}>")
    if site.digest.unsubscribe_mailto:
        mailbox = parse_address(site.digest.unsubscribe_mailto).addr_spec
        unsubscribe.append(f"<mailto:{mailbox}?subject=unsubscribe>")
    return ", ".join(unsubscribe)


def as_literal_text(text: str) -> str:
    """``text`` as a header shows it, letter for letter: the email package decodes any
    ``=?charset?q?…?=`` in a value it is given, as if the value came off the wire, so a
    title holding one would be changed into what it encodes (a line break, say, which the
    mail policy then refuses). A word joiner (U+2060), which shows as nothing, keeps each
    ``=?`` from starting an encoded word."""
    return text.replace("=?", "=\u2060?")


def _list_phrase(title: str) -> str:
    """The List-ID's description (RFC 2919): quoted when ASCII; otherwise the email package
    encodes it, and the characters that would end the phrase early are left out."""
    if title.isascii():
        return f'"{quote(title)}"'
    return "".join(character for character in title if character not in '<>"\\')


def message_bytes(message: EmailMessage) -> bytes:
    """The message as it travels over SMTP (and as a ``.eml`` file); HeaderInjectionError
    when a header would not stay one header."""
    return message.as_bytes(policy=MAIL_POLICY)


def preview_recipient(site: Site) -> Recipient:
    """Who a digest written to a file is addressed to: the sender, as a copy to themselves."""
    address = sender_address(site)
    return Recipient(email=address.addr_spec, name=address.display_name)


def digest_files(site: Site, digest: Digest) -> list[OutputFile]:
    """The digest's HTML, its text and the whole MIME message, as files.

    The message is dated by its newest post, not the clock, so that the same posts give
    the same bytes (``send`` dates each message it sends when it sends it).
    """
    recipient = digest.recipient or preview_recipient(site)
    newest = max(post.date for post in digest.posts)
    message = build_message(site, digest, recipient.address, newest)
    return [
        OutputFile(DIGEST_HTML, digest.html.encode("utf-8")),
        OutputFile(DIGEST_TEXT, digest.text.encode("utf-8")),
        OutputFile(DIGEST_MESSAGE, message_bytes(message)),
    ]
