"""Wrap a rendered digest in a complete MIME message: multipart/alternative, text then HTML."""

from __future__ import annotations

import hashlib
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, quote
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

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

# CRLF line ends as on the wire; 7-bit transfer encodings (quoted-printable or base64,
# whichever is shorter) because not every relay accepts 8-bit bodies.
MAIL_POLICY = policy.SMTP.clone(cte_type="7bit")


def sender_address(site: Site) -> Address:
    """Who the digest is from: ``[digest] from``, else the site author's email, else
    ``noreply@`` the site's host (good enough for a preview; ``send`` insists on ``from``)."""
    if site.digest.sender:
        return parse_address(site.digest.sender)
    if site.author and site.author.email:
        return parse_address(site.author.email)
    host = urlsplit(site.url).hostname or "localhost"
    return Address(display_name=site.title, username="noreply", domain=host)


def _digest_hash(site: Site, digest: Digest, to: Address) -> str:
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
    digest_hash = _digest_hash(site, digest, to)
    message = EmailMessage(policy=MAIL_POLICY)
    message["Subject"] = digest.subject
    message["From"] = sender
    message["To"] = to
    if site.digest.reply_to:
        message["Reply-To"] = parse_address(site.digest.reply_to)
    message["Date"] = format_datetime(date)
    message["Message-ID"] = f"<{digest_hash[:32]}.digest@{sender.domain}>"
    host = urlsplit(site.url).hostname or sender.domain
    message["List-ID"] = f"{_list_phrase(site.title)} <digest.{host}>"
    unsubscribe = []
    if digest.unsubscribe_url:
        unsubscribe.append(f"<{digest.unsubscribe_url}>")
    if site.digest.unsubscribe_mailto:
        mailbox = parse_address(site.digest.unsubscribe_mailto).addr_spec
        unsubscribe.append(f"<mailto:{mailbox}?subject=unsubscribe>")
    if unsubscribe:
        message["List-Unsubscribe"] = ", ".join(unsubscribe)
    if digest.unsubscribe_url:
        # RFC 8058 one-click unsubscribe: mail clients POST to the https URL.
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(digest.text, subtype="plain", charset="utf-8")
    message.add_alternative(digest.html, subtype="html", charset="utf-8")
    message.set_boundary(f"=_feedwright_{digest_hash[32:56]}")
    return message


def _list_phrase(title: str) -> str:
    """The List-ID's description (RFC 2919): quoted when ASCII; otherwise the email package
    encodes it, and the characters that would end the phrase early are left out."""
    if title.isascii():
        return f'"{quote(title)}"'
    return "".join(character for character in title if character not in '<>"\\')


def message_bytes(message: EmailMessage) -> bytes:
    """The message as it travels over SMTP (and as a ``.eml`` file)."""
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
