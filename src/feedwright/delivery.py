"""Send the digest over SMTP, one message per recipient, recording each delivery at once."""

from __future__ import annotations

import os
import smtplib
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from feedwright.digest import DigestRenderer
from feedwright.errors import ConfigError, DeliveryError
from feedwright.message import build_message, sender_address
from feedwright.model import Post, Site, SmtpSettings
from feedwright.recipients import Recipient
from feedwright.state import (
    begin_run,
    load_state,
    pending_posts,
    record_refused,
    record_sent,
    save_state,
    state_lock,
)

PASSWORD_VARIABLE = "FEEDWRIGHT_SMTP_PASSWORD"
# Waits between the attempts at one message after a temporary failure; then it is left
# for the next run (cron comes back soon; a long wait here holds up everyone else).
RETRY_DELAYS = (2.0, 10.0)

ProgressCallback = Callable[[int, int], None]


class TemporaryFailure(Exception):
    """A 4xx answer or a lost connection: worth trying again later."""


class ConnectFailure(TemporaryFailure):
    """The server could not be reached at all."""


class PermanentFailure(Exception):
    """A 5xx answer for one recipient: trying again will not help."""


@dataclass
class SendOptions:
    """The switches of a send (the CLI's flags)."""

    dry_run: bool = False
    wait: bool = False
    rate: float | None = None
    templates: Path | None = None
    now: datetime | None = None
    retry_delays: Sequence[float] = RETRY_DELAYS


@dataclass
class DeliveryReport:
    """What a send did, recipient by recipient."""

    planned: list[tuple[Recipient, list[Post]]] = field(default_factory=list)
    sent: list[tuple[Recipient, int]] = field(default_factory=list)
    deferred: list[tuple[Recipient, str]] = field(default_factory=list)
    refused: list[tuple[Recipient, str]] = field(default_factory=list)
    archived: int = 0
    last_sent: str | None = None

    @property
    def failed(self) -> bool:
        """True when some recipient did not get their digest."""
        return bool(self.deferred or self.refused)


def _code_failure(code: int, text: str) -> Exception:
    reason = f"{code} {text}".strip()
    return PermanentFailure(reason) if 500 <= code < 600 else TemporaryFailure(reason)


def _response_text(response: bytes | str) -> str:
    text = response.decode("utf-8", "replace") if isinstance(response, bytes) else response
    return " ".join(text.split())


class SmtpConnection:
    """One SMTP session, opened on first use and opened again after it drops."""

    def __init__(self, settings: SmtpSettings, password: str | None):
        self.settings = settings
        self.password = password
        self.smtp: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        settings = self.settings
        context = ssl.create_default_context()
        where = f"{settings.host}:{settings.port}"
        try:
            smtp: smtplib.SMTP
            if settings.security == "tls":
                smtp = smtplib.SMTP_SSL(
                    settings.host, settings.port, timeout=settings.timeout, context=context
                )
            else:
                smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
            smtp.ehlo()
            if settings.security == "starttls":
                if not smtp.has_extn("starttls"):
                    smtp.close()
                    raise DeliveryError(
                        f'{where} does not offer STARTTLS — set security = "tls" (port 465) '
                        'or, only for a server on this machine, security = "none" in [smtp]'
                    )
                smtp.starttls(context=context)
                smtp.ehlo()
            if settings.username:
                smtp.login(settings.username, self.password or "")
        except ssl.SSLCertVerificationError as error:
            raise DeliveryError(
                f"{where}: the server's TLS certificate is not valid: {error}"
            ) from None
        except smtplib.SMTPAuthenticationError as error:
            raise DeliveryError(
                f"{where} refused the login of {settings.username!r}: "
                f"{error.smtp_code} {_response_text(error.smtp_error)} — check username "
                f"in [smtp] and the {PASSWORD_VARIABLE} environment variable"
            ) from None
        except (smtplib.SMTPException, OSError) as error:
            raise ConnectFailure(f"cannot connect to {where}: {error}") from None
        return smtp

    def send(self, message: EmailMessage, sender: str, recipient: str) -> None:
        """Send one message to one address; raise TemporaryFailure or PermanentFailure.

        A 5xx refusal of the *sender* concerns every message, so it stops the run with a
        DeliveryError instead of being recorded against each recipient.
        """
        if self.smtp is None:
            self.smtp = self._open()
        try:
            self.smtp.send_message(message, from_addr=sender, to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as error:
            code, response = error.recipients.get(recipient, (550, b"refused"))
            raise _code_failure(code, _response_text(response)) from None
        except smtplib.SMTPSenderRefused as error:
            if 500 <= error.smtp_code < 600:
                raise DeliveryError(
                    f"the server refused the sender {sender}: {error.smtp_code} "
                    f"{_response_text(error.smtp_error)} — check `from` in [digest]"
                ) from None
            raise _code_failure(error.smtp_code, _response_text(error.smtp_error)) from None
        except smtplib.SMTPResponseException as error:
            self.close()
            raise _code_failure(error.smtp_code, _response_text(error.smtp_error)) from None
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise TemporaryFailure(f"connection lost: {error or type(error).__name__}") from None

    def close(self) -> None:
        """End the session; errors while quitting no longer matter."""
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None


class RateLimiter:
    """Spaces calls at least ``1 / per_second`` seconds apart."""

    def __init__(self, per_second: float | None):
        self.interval = 1.0 / per_second if per_second else 0.0
        self.next_time = 0.0

    def wait(self) -> None:
        """Sleep until the next call is allowed."""
        now = time.monotonic()
        if now < self.next_time:
            time.sleep(self.next_time - now)
        self.next_time = max(now, self.next_time) + self.interval


def send_with_retries(
    connection: SmtpConnection,
    message: EmailMessage,
    sender: str,
    recipient: str,
    delays: Sequence[float],
) -> None:
    """Send, trying again after each delay while the failure is temporary."""
    for delay in (*delays, None):
        try:
            connection.send(message, sender, recipient)
            return
        except TemporaryFailure:
            if delay is None:
                raise
            time.sleep(delay)


def check_send_settings(
    site: Site, recipients: Sequence[Recipient], dry_run: bool = False
) -> str | None:
    """Refuse a send that cannot work before anything is touched; return the password.

    A dry run needs no password: it never connects.
    """
    where = site.config_path or site.root
    if not site.digest.sender:
        raise ConfigError(
            where,
            "sending needs a sender address",
            'add from = "Your Name <news@example.org>" under [digest]',
        )
    if not recipients:
        raise ConfigError(
            where,
            "there is no one to send to",
            'add to = ["reader@example.org"] or file = "subscribers.txt" under [recipients], '
            "or pass --to-file",
        )
    password = os.environ.get(PASSWORD_VARIABLE)
    if site.smtp.username and not password and not dry_run:
        raise ConfigError(
            where,
            f"[smtp] has a username but {PASSWORD_VARIABLE} is not set",
            f"export {PASSWORD_VARIABLE} in the environment of the job",
        )
    return password


def send_digests(
    site: Site,
    posts: Sequence[Post],
    recipients: Sequence[Recipient],
    options: SendOptions | None = None,
    progress: ProgressCallback | None = None,
) -> DeliveryReport:
    """Send each recipient one digest of the posts they are still owed.

    ``posts`` are the site's published posts, newest first. Under the site's send lock,
    the state is read, new posts and recipients are recorded, and every accepted message
    is recorded before the next is sent. Temporary failures are retried a few times and
    then left for the next run; permanent ones are recorded and not retried.
    """
    options = options or SendOptions()
    password = check_send_settings(site, recipients, options.dry_run)
    now = options.now or datetime.now(UTC)
    report = DeliveryReport()
    with state_lock(site.state_path, wait=options.wait):
        state = load_state(site.state_path)
        first_run = not state.posts
        report.last_sent = state.last_sent
        changed = begin_run(state, posts, recipients, site.digest.max_posts)
        if first_run:
            report.archived = sum(1 for record in state.posts.values() if record.seen == 0)
        for recipient in recipients:
            owed = pending_posts(state, posts, recipient)
            if owed:
                report.planned.append((recipient, owed))
        if options.dry_run:
            return report
        if changed:
            save_state(state)
        renderer = DigestRenderer(site, options.templates)
        sender = sender_address(site).addr_spec
        connection = SmtpConnection(site.smtp, password)
        limiter = RateLimiter(options.rate)
        try:
            for index, (recipient, owed) in enumerate(report.planned):
                if progress:
                    progress(index, len(report.planned))
                digest = renderer.render(owed, recipient)
                message = build_message(site, digest, recipient.address, now)
                limiter.wait()
                try:
                    send_with_retries(
                        connection, message, sender, recipient.email, options.retry_delays
                    )
                except PermanentFailure as failure:
                    record_refused(state, digest.posts, recipient, str(failure))
                    save_state(state)
                    report.refused.append((recipient, str(failure)))
                except TemporaryFailure as failure:
                    report.deferred.append((recipient, str(failure)))
                    if isinstance(failure, ConnectFailure):
                        # The server is unreachable: the others would only wait and fail too.
                        report.deferred.extend(
                            (later, "not tried: the server is unreachable")
                            for later, _ in report.planned[index + 1 :]
                        )
                        break
                else:
                    record_sent(state, digest.posts, recipient, now.isoformat(timespec="seconds"))
                    save_state(state)
                    report.sent.append((recipient, len(digest.posts)))
        except DeliveryError as error:
            raise DeliveryError(
                f"{error} ({len(report.sent)} digests were sent and recorded before this)"
            ) from None
        finally:
            connection.close()
        if progress:
            progress(len(report.planned), len(report.planned))
    return report
