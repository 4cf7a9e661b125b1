"""Send the digest over SMTP, one message per recipient, recording each delivery at once
in the newsletter database."""

from __future__ import annotations

import os
import queue
import re
import smtplib
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from feedwright.errors import ConfigError, DeliveryError, FeedwrightError, HeaderInjectionError
from feedwright.mail.digest import Digest, DigestRenderer, personal
from feedwright.mail.message import build_message, message_bytes, sender_address
from feedwright.mail.message_template import MessageTemplate
from feedwright.mail.pacing import RateLimiter, slowest
from feedwright.mail.recipients import Recipient
from feedwright.mail.records import (
    DeliveryState,
    RunStart,
    begin_run,
    compact,
    pending_posts,
    record_refused,
    record_sent,
    state_lock,
)
from feedwright.mail.store import (
    Accepted,
    Store,
    accepted_since,
    load_records,
    mailable,
    open_store,
    read_records,
    save_delivery,
    save_mailed,
    save_refusal,
    save_run_start,
)
from feedwright.posts.collect import load_bodies, post_links
from feedwright.posts.model import Post
from feedwright.site.model import Site, SmtpSettings
from feedwright.writer import remove_stale_temporaries, unwind_on_ending_signals

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

PASSWORD_VARIABLE = "FEEDWRIGHT_SMTP_PASSWORD"
# Waits between the attempts at one message after a temporary failure; then it is left
# for the next run (cron comes back soon; a long wait here holds up everyone else).
RETRY_DELAYS = (2.0, 10.0)
# After this many recipients in a row fail the same way, the trouble is the server or the
# setup, not the addresses: a run of temporary failures defers everyone left, and a run of
# refusals stops the run without recording them (so they are not lost for good).
MAX_FAILURES_IN_A_ROW = 3
# How long the answer to a message's content is waited for (RFC 5321 4.5.3.2.6: 10 minutes).
CONTENT_ANSWER_SECONDS = 600.0

ProgressCallback = Callable[[int, int], None]
# One recipient and the posts they are owed.
Planned = tuple[Recipient, tuple[Post, ...]]


class TemporaryFailure(Exception):
    """A 4xx answer or a lost connection: worth trying again later."""


class ConnectFailure(TemporaryFailure):
    """The server could not be reached at all."""


class ConnectionLost(TemporaryFailure):
    """The session ended without an answer to this message (the server closed it)."""


class PermanentFailure(Exception):
    """A 5xx answer for one recipient: trying again will not help."""


class InDoubt(Exception):
    """The session failed after the message's content went out whole, before the server
    answered it: the server may have it. Not sent again in this run (that would likely
    mail it twice); left for the next one, as mail servers do."""


@dataclass
class DeliveryOptions:
    """How to deliver: the switches of a send that the delivery itself reads."""

    dry_run: bool = False
    wait: bool = False
    rate: float | None = None
    templates: Path | None = None
    now: datetime | None = None
    retry_delays: Sequence[float] = RETRY_DELAYS


@dataclass
class DeliveryReport:
    """What a send did, recipient by recipient."""

    # Each recipient and the posts they are owed; recipients owed the same posts share one
    # tuple of them (a send plans for every subscriber at once).
    planned: list[Planned] = field(default_factory=list)
    # The entries of ``planned`` whose message the server accepted.
    sent: list[Planned] = field(default_factory=list)
    deferred: list[tuple[Recipient, str]] = field(default_factory=list)
    refused: list[tuple[Recipient, str]] = field(default_factory=list)
    # The recipients the run mails: those listed but for the ones the database says not to
    # mail (unsubscribed, bounced…).
    mailed: Sequence[Recipient] = ()
    start: RunStart = field(default_factory=RunStart)
    last_sent: str | None = None
    # How long the sending took (the summary's rate).
    seconds: float = 0.0

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


class _KeepsReply(smtplib.SMTP):
    """smtplib's session, keeping the server's answer to the last message (``sendmail``
    checks it and drops it): the delivery records it. The answer to a message's content
    is waited for as long as RFC 5321 asks (``CONTENT_ANSWER_SECONDS``), whatever
    ``[smtp] timeout`` says: a server may take that long to queue it, and giving up
    earlier would mail it again."""

    last_reply = ""
    # The current message's content went out whole (see InDoubt).
    content_sent = False

    def data(self, msg: ReadableBuffer | str) -> tuple[int, bytes]:
        """The DATA command, then the message content; keep the answer to it."""
        self.putcmd("data")
        code, response = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, response)
        return self._send_content(msg.encode("ascii") if isinstance(msg, str) else bytes(msg))

    def _send_content(self, message: bytes) -> tuple[int, bytes]:
        """Send the content (dot-stuffed and ended as smtplib's ``data`` does) and wait
        for the answer to it; keep the answer."""
        content = re.sub(rb"(?m)^\.", b"..", message)
        self.send(content + (b"" if content.endswith(b"\r\n") else b"\r\n") + b".\r\n")
        self.content_sent = True
        waited = self.sock.gettimeout() if self.sock is not None else None
        if self.sock is not None and waited is not None:
            self.sock.settimeout(max(waited, CONTENT_ANSWER_SECONDS))
        code, response = self.getreply()
        if self.sock is not None:
            self.sock.settimeout(waited)
        self.last_reply = f"{code} {_response_text(response)}"
        return code, response

    def sendmail_pipelined(self, sender: str, recipient: str, message: bytes) -> None:
        """``sendmail`` to one recipient with MAIL FROM, RCPT TO and DATA in one write
        (RFC 2920 pipelining, for a server that offers it): two round trips, not four.

        Each answer raises what ``sendmail`` raises for it and leaves the session as
        ``sendmail`` does: closed after a 421, reset after a refusal, so that the next
        message can use it.
        """
        self.ehlo_or_helo_if_needed()
        size = f" size={len(message)}" if self.does_esmtp and self.has_extn("size") else ""
        self.send(
            _command("mail", f"FROM:{smtplib.quoteaddr(sender)}{size}")
            + _command("rcpt", f"TO:{smtplib.quoteaddr(recipient)}")
            + _command("data")
        )
        code, response = self.getreply()
        if code != 250:
            self._end_refused(code, due=2)
            raise smtplib.SMTPSenderRefused(code, response, sender)
        code, response = self.getreply()
        if code not in (250, 251):
            self._end_refused(code, due=1)
            raise smtplib.SMTPRecipientsRefused({recipient: (code, response)})
        code, response = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, response)  # as ``data`` raises it
        code, response = self._send_content(message)
        if code != 250:
            self._end_refused(code, due=0)
            raise smtplib.SMTPDataError(code, response)

    def _end_refused(self, code: int, due: int) -> None:
        """After a refused command, read the ``due`` answers still coming for the commands
        sent with it and reset the session; close it after a 421 (the server is closing)."""
        try:
            for _ in range(due):
                if code == 421:
                    break
                code, _response = self.getreply()
                if code == 354:
                    # DATA accepted with no recipient (RFC 2920 3.1 forbids it): end it at
                    # once with an empty message; the recipient stays refused.
                    self.send(b".\r\n")
                    code, _response = self.getreply()
            if code == 421:
                self.close()
            else:
                self.rset()
        except smtplib.SMTPException:
            # Unreadable answers leave the session in an unknown state: the next message
            # opens a new one, and the refusal is what this message learns.
            self.close()


def _command(verb: str, argument: str = "") -> str:
    """One command line as smtplib's ``putcmd`` writes it (refusing a line break in it)."""
    line = f"{verb} {argument}" if argument else verb
    if "\r" in line or "\n" in line:
        raise ValueError(f"an SMTP command must not contain a line break: {line!r}")
    return line + "\r\n"


class _KeepsReplyTls(_KeepsReply, smtplib.SMTP_SSL):
    """The same over TLS from the start (port 465)."""


class SmtpConnection:
    """One SMTP session, opened on first use and opened again after it drops."""

    def __init__(self, settings: SmtpSettings, password: str | None):
        self.settings = settings
        self.password = password
        self.smtp: _KeepsReply | None = None
        # Messages the open session has taken: a session that took one and then closed
        # is a server that closes after each message, not one in trouble.
        self.accepted = 0

    def _open(self) -> _KeepsReply:
        settings = self.settings
        where = f"{settings.host}:{settings.port}"
        context = _tls_context(settings)
        try:
            smtp: _KeepsReply
            if settings.security == "tls":
                smtp = _KeepsReplyTls(
                    settings.host, settings.port, timeout=settings.timeout, context=context
                )
            else:
                smtp = _KeepsReply(settings.host, settings.port, timeout=settings.timeout)
            try:
                self._start_session(smtp, context)
            except BaseException:
                smtp.close()  # a failed greeting or login must not leak the socket
                raise
        except ssl.SSLCertVerificationError as error:
            raise DeliveryError(
                f"{where}: the server's TLS certificate is not valid: {error.verify_message} — "
                "check host in [smtp]; for a relay with a private certificate authority, "
                "set ca_file"
            ) from None
        except smtplib.SMTPAuthenticationError as error:
            raise DeliveryError(
                f"{where} refused the login of {settings.username!r}: "
                f"{error.smtp_code} {_response_text(error.smtp_error)} — check username "
                f"in [smtp] and the {PASSWORD_VARIABLE} environment variable"
            ) from None
        except smtplib.SMTPNotSupportedError:
            raise DeliveryError(
                f"{where} does not offer a login (no AUTH after "
                f"{'STARTTLS' if settings.security == 'starttls' else 'EHLO'}) — remove "
                "username from [smtp] if the server needs none, or check host and security"
            ) from None
        except (UnicodeError, ValueError) as error:
            # smtplib encodes the host name and the login as ASCII.
            raise DeliveryError(
                f"{where}: {error} — the host name, username and {PASSWORD_VARIABLE} "
                "must be plain ASCII"
            ) from None
        except (smtplib.SMTPException, OSError) as error:
            raise ConnectFailure(f"cannot connect to {where}: {error}") from None
        return smtp

    def _start_session(self, smtp: smtplib.SMTP, context: ssl.SSLContext) -> None:
        """Greet the server, switch to TLS when configured, and log in."""
        settings = self.settings
        smtp.ehlo()
        if settings.security == "starttls":
            if not smtp.has_extn("starttls"):
                raise DeliveryError(
                    f"{settings.host}:{settings.port} does not offer STARTTLS — set "
                    'security = "tls" (port 465) or, only for a server on this machine, '
                    'security = "none" in [smtp]'
                )
            smtp.starttls(context=context)
            smtp.ehlo()
        if settings.username:
            smtp.login(settings.username, self.password or "")

    def send(self, message: bytes, sender: str, recipient: str) -> str:
        """Send one message to one address and return the server's answer; raise
        TemporaryFailure or PermanentFailure.

        When a session that has taken a message is found closed (many servers close after
        each message), a new one is opened at once; the retry delays are for answers that
        say "try later" and for failures of a fresh session. A 5xx refusal of the *sender*
        concerns every message, so it stops the run with a DeliveryError instead of being
        recorded against each recipient.
        """
        reused = self.smtp is not None and self.accepted > 0
        try:
            return self._send_once(message, sender, recipient)
        except ConnectionLost:
            if not reused:
                raise
            # The server answered nothing of this message: send it on a new session now,
            # as a retry would after its delay (a failure there is an ordinary one).
            return self._send_once(message, sender, recipient)

    def _send_once(self, message: bytes, sender: str, recipient: str) -> str:
        """One attempt at sending, on the open session or a new one."""
        if self.smtp is None:
            self.smtp = self._open()
            self.accepted = 0
        self.smtp.content_sent = False
        try:
            if self.settings.pipelining and self.smtp.has_extn("pipelining"):
                self.smtp.sendmail_pipelined(sender, recipient, message)
            else:
                self.smtp.sendmail(sender, [recipient], message)
        except smtplib.SMTPRecipientsRefused as error:
            self._forget_if_closed()
            code, response = error.recipients.get(recipient, (550, b"refused"))
            raise _code_failure(code, _response_text(response)) from None
        except smtplib.SMTPSenderRefused as error:
            self._forget_if_closed()
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
            in_doubt = self.smtp.content_sent
            self.close()
            reason = f"{error or type(error).__name__}"
            if in_doubt:
                raise InDoubt(
                    f"no answer after the message was sent ({reason}): the server may have "
                    "it; the next run sends it again"
                ) from None
            raise ConnectionLost(f"connection lost: {reason}") from None
        self.accepted += 1
        return self.smtp.last_reply

    def _forget_if_closed(self) -> None:
        # smtplib closes the socket itself on a 421 ("service closing"); the next message
        # must open a new session instead of failing on the dead one.
        if self.smtp is not None and self.smtp.sock is None:
            self.smtp = None

    def close(self) -> None:
        """End the session; errors while quitting no longer matter."""
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None


def _tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    """The system's certificate authorities, plus ``ca_file`` when configured."""
    context = ssl.create_default_context()
    if settings.ca_file is not None:
        try:
            context.load_verify_locations(cafile=settings.ca_file)
        except (OSError, ssl.SSLError) as error:
            raise DeliveryError(
                f"{settings.ca_file}: cannot load certificate authorities from it ({error}) — "
                "ca_file in [smtp] must be a PEM file"
            ) from None
    return context


def send_with_retries(
    connection: SmtpConnection,
    message: bytes,
    sender: str,
    recipient: str,
    delays: Sequence[float],
) -> str:
    """Send, trying again after each delay while the failure is temporary; the server's
    answer."""
    for delay in (*delays, None):
        try:
            return connection.send(message, sender, recipient)
        except TemporaryFailure:
            if delay is None:
                raise
            time.sleep(delay)
    raise AssertionError("unreachable: the last attempt returns or raises")


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
    options: DeliveryOptions | None = None,
    progress: ProgressCallback | None = None,
    source: Path | None = None,
) -> DeliveryReport:
    """Send each recipient one digest of the posts they are still owed.

    ``posts`` are the site's published posts, newest first; ``recipients`` the list of
    ``source`` (the file they come from, recorded as new subscribers' consent). Under the
    site's send lock, the database is opened (created on the first run, importing the state
    file of earlier versions), new posts and subscribers are recorded, and every accepted
    message is recorded before the next is sent. Listed addresses the database knows as
    unsubscribed or bounced are not mailed. Temporary failures are retried a few times and
    then left for the next run; permanent refusals are recorded and not retried, once the
    server has accepted another message in the run (proof that it takes our mail at all).
    """
    options = options or DeliveryOptions()
    password = check_send_settings(site, recipients, options.dry_run)
    now = options.now or datetime.now(UTC)
    report = DeliveryReport()
    if options.dry_run:
        # Only reads: the database as its last commit left it, whether a send runs or not.
        state, statuses = read_records(site)
        _plan(site, state, posts, mailable(recipients, statuses), report)
        return report
    # A SIGTERM or SIGHUP (`timeout`, systemd, a closed terminal) unwinds as Ctrl-C does:
    # the messages on their way are waited for and recorded before the process ends.
    with state_lock(site.state_path, wait=options.wait), unwind_on_ending_signals():
        remove_stale_temporaries([site.state_path])
        store = open_store(site, recipients, now)
        try:
            state = load_records(store)
            recipients = mailable(recipients, store.statuses)
            _plan(site, state, posts, recipients, report)
            consent = f"listed in {source or site.config_path or site.root}"
            save_run_start(store, state, posts, recipients, report.start, consent, now)
            report.planned = _with_bodies(site, report.planned, posts)
            _deliver(
                site, Records(store, state, options.now), report, password, options, now, progress
            )
            open_before = {record.row for record in state.posts.values() if not record.done}
            if compact(state):
                done = {record.row for record in state.posts.values() if record.done}
                save_mailed(store, sorted(row for row in open_before & done if row is not None))
        finally:
            store.close()
    return report


def _plan(
    site: Site,
    state: DeliveryState,
    posts: Sequence[Post],
    recipients: Sequence[Recipient],
    report: DeliveryReport,
) -> None:
    """Start the run in ``state`` and put in ``report`` who is owed which posts."""
    report.last_sent = state.last_sent
    report.mailed = recipients
    report.start = begin_run(state, posts, recipients, site.digest.max_posts, site.root)
    sets = PostSets()
    for recipient in recipients:
        owed = pending_posts(state, posts, recipient)
        if owed:
            report.planned.append((recipient, sets.shared(owed)))


class PostSets:
    """One tuple for each set of posts, however many recipients are owed it."""

    def __init__(self) -> None:
        self.sets: dict[tuple[str, ...], tuple[Post, ...]] = {}

    def shared(self, posts: Sequence[Post]) -> tuple[Post, ...]:
        """The tuple of ``posts`` (their ids in order) kept for all who are owed them."""
        return self.sets.setdefault(tuple(post.id for post in posts), tuple(posts))


@dataclass
class Records:
    """The delivery records of a run: in memory, and in the database as each changes.
    The sessions' threads record what the server accepts, the main thread what it
    refused: they take turns (``lock``), each change one transaction."""

    store: Store
    state: DeliveryState
    # The time to record instead of the clock's (tests).
    fixed_now: datetime | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _now(self) -> str:
        return (self.fixed_now or datetime.now(UTC)).isoformat(timespec="seconds")

    def sent(
        self, recipient: Recipient, posts: Sequence[Post], outgoing: Outgoing, reply: str
    ) -> None:
        """Record one accepted message."""
        with self.lock:
            when = self._now()
            save_delivery(
                self.store,
                self.state,
                recipient,
                posts,
                Accepted(outgoing.message_id, reply, when, outgoing.web_page),
            )
            record_sent(self.state, posts, recipient, when)

    def refused(
        self, recipient: Recipient, posts: Sequence[Post], reason: str, bounced: bool
    ) -> None:
        """Record one refusal for good (a ``bounced`` address is mailed no more)."""
        with self.lock:
            when = self._now()
            save_refusal(self.store, self.state, recipient, posts, reason, when, bounced)
            record_refused(self.state, posts, recipient, reason)


def _with_bodies(site: Site, planned: list[Planned], published: Sequence[Post]) -> list[Planned]:
    """The plan with the bodies of its posts read (the collector read only front matter);
    ``published`` are all the site's posts, which a body's tags may link to."""
    unique = {post.source: post for _, posts in planned for post in posts}
    complete, problems = load_bodies(site, list(unique.values()), post_links(site, published))
    if problems:
        raise DeliveryError(
            "cannot read the posts to send, nothing was sent: "
            + "; ".join(str(problem) for problem in problems)
        )
    sets = PostSets()
    return [
        (recipient, sets.shared([complete[post.source] for post in posts]))
        for recipient, posts in planned
    ]


def _deliver(
    site: Site,
    records: Records,
    report: DeliveryReport,
    password: str | None,
    options: DeliveryOptions,
    now: datetime,
    progress: ProgressCallback | None,
) -> None:
    """Send the planned digests over ``[smtp] connections`` sessions at once. Each session's
    thread records its message the moment the server accepts it (``Records`` takes turns
    at the database): this thread may be building the next message or waiting for the rate
    limit meanwhile, and a run killed then must not have to mail it again. The other
    outcomes (refusals, failures) are handled here, as they come."""
    messages = SharedMessages(site, SharedDigests(DigestRenderer(site, options.templates)), now)
    limiter = RateLimiter(
        slowest(options.rate, site.smtp.per_second),
        site.smtp.per_hour,
        _last_hour(records, now) if site.smtp.per_hour else (),
    )
    pool = ConnectionPool(site.smtp, password, options.retry_delays)
    outcomes = Outcomes(records, report)
    sender = sender_address(site).addr_spec
    total = len(report.planned)
    started = time.monotonic()
    executor = ThreadPoolExecutor(site.smtp.connections, thread_name_prefix="smtp")
    try:
        for index, planned in enumerate(report.planned):
            recipient, owed = planned
            outcomes.settle(wait_for_room=site.smtp.connections)
            if outcomes.stop_reason:
                report.deferred.extend(
                    (later, f"not tried: {outcomes.stop_reason}")
                    for later, _ in report.planned[index:]
                )
                break
            if progress:
                progress(index, total)
            outgoing = messages.outgoing(owed, recipient)
            limiter.wait()
            sending = executor.submit(_send_and_record, pool, records, sender, planned, outgoing)
            outcomes.in_flight[sending] = (planned, outgoing)
        outcomes.settle(wait_for_room=1)
        outcomes.finish()
    except FeedwrightError as error:
        outcomes.record_accepted_in_flight()
        raise DeliveryError(
            f"{error} ({len(report.sent)} digests were sent and recorded before this)"
        ) from None
    except BaseException:
        # Ctrl-C: what the server accepts meanwhile is recorded all the same.
        outcomes.record_accepted_in_flight()
        raise
    finally:
        # Waits for the messages still being sent: each records itself if accepted, and
        # the database must stay open until then.
        executor.shutdown(wait=True, cancel_futures=True)
        pool.close()
        report.seconds = time.monotonic() - started
    if progress:
        progress(total, total)


def _send_and_record(
    pool: ConnectionPool, records: Records, sender: str, planned: Planned, outgoing: Outgoing
) -> str:
    """In a session's thread: send one message and record it at once if the server
    accepts it; the server's answer."""
    recipient = planned[0]
    reply = pool.send(outgoing.message, sender, recipient.email)
    records.sent(recipient, outgoing.posts, outgoing, reply)
    return reply


def _last_hour(records: Records, now: datetime) -> list[float]:
    """The messages earlier runs sent in the hour before ``now``, as times of the
    monotonic clock a RateLimiter counts in."""
    clock = time.monotonic()
    since = (now - timedelta(hours=1)).isoformat(timespec="seconds")
    return [
        clock - (now - datetime.fromisoformat(when)).total_seconds()
        for when in accepted_since(records.store, since)
    ]


class ConnectionPool:
    """SMTP sessions for the threads of a send: each message takes one that is idle, so a
    session is used by one thread at a time and reused for many messages."""

    def __init__(self, settings: SmtpSettings, password: str | None, delays: Sequence[float]):
        self.settings = settings
        self.password = password
        self.delays = delays
        self.idle: queue.SimpleQueue[SmtpConnection] = queue.SimpleQueue()
        self.opened: list[SmtpConnection] = []
        self.lock = threading.Lock()

    def send(self, message: bytes, sender: str, recipient: str) -> str:
        """Send one message on an idle session (a new one when none is), with the retries
        of ``send_with_retries``; the server's answer."""
        try:
            connection = self.idle.get_nowait()
        except queue.Empty:
            connection = SmtpConnection(self.settings, self.password)
            with self.lock:
                self.opened.append(connection)
        try:
            return send_with_retries(connection, message, sender, recipient, self.delays)
        finally:
            self.idle.put(connection)

    def close(self) -> None:
        """End every session that is not sending (one still sending ends with its thread,
        when the process does)."""
        while True:
            try:
                self.idle.get_nowait().close()
            except queue.Empty:
                return


class Outcomes:
    """The messages in flight, and what their outcomes mean for the run: each accepted
    one is recorded at once; temporary failures in a row, or a server that cannot be
    reached, stop the run (``stop_reason``); refusals go to the RefusalLedger."""

    def __init__(self, records: Records, report: DeliveryReport):
        self.records = records
        self.report = report
        self.refusals = RefusalLedger(records, report)
        # Each message sent and not yet answered, with its entry of the plan.
        self.in_flight: dict[Future[str], tuple[Planned, Outgoing]] = {}
        self.deferred_in_a_row = 0
        self.stop_reason = ""

    def settle(self, wait_for_room: int) -> None:
        """Handle the messages done; wait until fewer than ``wait_for_room`` are in flight."""
        while self.in_flight:
            done = [sending for sending in self.in_flight if sending.done()]
            if not done and len(self.in_flight) < wait_for_room:
                return
            if not done:
                done = list(wait(self.in_flight, return_when=FIRST_COMPLETED).done)
            for sending in done:
                planned, outgoing = self.in_flight.pop(sending)
                self._handle(sending, planned, outgoing)

    def _handle(self, sending: Future[str], planned: Planned, outgoing: Outgoing) -> None:
        """Record one message's outcome."""
        recipient = planned[0]
        try:
            sending.result()
        except PermanentFailure as failure:
            self.refusals.add(recipient, outgoing.posts, str(failure))
            return
        except (TemporaryFailure, InDoubt) as failure:
            self.report.deferred.append((recipient, str(failure)))
            self.deferred_in_a_row += 1
            if isinstance(failure, ConnectFailure):
                self.stop_reason = "the server is unreachable"
            elif self.deferred_in_a_row >= MAX_FAILURES_IN_A_ROW:
                # The others would only wait out the retries and fail the same way.
                self.stop_reason = "the server is failing"
            return
        self._accepted(planned)

    def _accepted(self, planned: Planned) -> None:
        """A message the server accepted (and its thread recorded)."""
        self.deferred_in_a_row = 0
        self.refusals.confirm()
        self.report.sent.append(planned)

    def finish(self) -> None:
        """The end of a run: the refusals no accepted message came after are not recorded
        (the server may have stopped taking mail from us at all) and are left for the next
        run, as deferred."""
        self.report.deferred.extend(
            (
                recipient,
                f"{reason} (not recorded: the server took no message after it, so it may "
                "refuse every message; tried again by the next run)",
            )
            for recipient, _, reason in self.refusals.unconfirmed
        )
        self.refusals.unconfirmed.clear()

    def record_accepted_in_flight(self) -> None:
        """The run stops on an error: wait for the messages in flight and count those the
        server accepted (their threads recorded them; the others are tried again by the
        next run)."""
        for sending, (planned, _) in list(self.in_flight.items()):
            try:
                sending.result()
            except BaseException:  # any failure: left for the next run
                continue
            self.report.sent.append(planned)
        self.in_flight.clear()


class RefusalLedger:
    """Decides which permanent refusals to record, so that a refusing server loses nothing.

    A refusal that names the address (an enhanced status 5.1.x: no such mailbox, bad
    address) is recorded at once, as a bounce: the subscriber is mailed no more. Any other
    5xx (policy, quota, relay denied, or no status at all) may concern every message, so it
    is recorded only once the server accepts a message in the same run, and changes no
    status. When MAX_FAILURES_IN_A_ROW such refusals come in a row, the run stops with
    nothing recorded for them, and the next run tries them again.
    """

    def __init__(self, records: Records, report: DeliveryReport):
        self.records = records
        self.report = report
        self.unconfirmed: list[tuple[Recipient, tuple[Post, ...], str]] = []

    def add(self, recipient: Recipient, posts: tuple[Post, ...], reason: str) -> None:
        """Note one refusal; raise DeliveryError when too many came in a row."""
        if _names_the_address(reason):
            self._record(recipient, posts, reason, bounced=True)
            return
        self.unconfirmed.append((recipient, posts, reason))
        if len(self.unconfirmed) >= MAX_FAILURES_IN_A_ROW:
            addresses = ", ".join(recipient.email for recipient, _, _ in self.unconfirmed)
            raise DeliveryError(
                f"the server refused {len(self.unconfirmed)} recipients in a row ({addresses}; "
                f"last: {reason}) — stopping; nothing is recorded for them and the next run "
                "tries again. Check [smtp] and `from` in [digest]; if these addresses are "
                "bad, remove them from the recipients"
            )

    def confirm(self) -> None:
        """The server took a message: the refusals so far were about their addresses."""
        for recipient, posts, reason in self.unconfirmed:
            self._record(recipient, posts, reason, bounced=False)
        self.unconfirmed.clear()

    def _record(
        self, recipient: Recipient, posts: tuple[Post, ...], reason: str, bounced: bool
    ) -> None:
        self.records.refused(recipient, posts, reason, bounced)
        self.report.refused.append((recipient, reason))


def _names_the_address(reason: str) -> bool:
    """True for a refusal whose enhanced status code (RFC 3463) blames the address."""
    parts = reason.split(maxsplit=2)
    return len(parts) > 1 and parts[1].startswith("5.1.")


@dataclass(frozen=True)
class Outgoing:
    """One recipient's message as it goes on the wire, with what the records keep of it."""

    message: bytes
    message_id: str
    # Every post it covers (those over the size cap, announced, too).
    posts: tuple[Post, ...]
    # The name of its page in the web archive, which it links to (None without one).
    web_page: str | None = None


class SharedDigests:
    """Each recipient's digest, rendered once for each set of posts and then made theirs
    (``digest.personal``): most recipients of a run are owed the same posts.

    The first recipient of each set gets a digest rendered for them alone too, and if the
    two differ (a template that transforms the unsubscribe URL, say), every digest of the
    run is rendered for its recipient alone, as before.
    """

    # The sets of posts kept rendered (a few: those back from away are owed other sets).
    KEPT = 8

    def __init__(self, renderer: DigestRenderer):
        self.renderer = renderer
        self.shared: dict[tuple[str, ...], Digest] = {}
        self.each_alone = False

    def digest(self, posts: Sequence[Post], recipient: Recipient) -> Digest:
        """The digest of ``posts`` for ``recipient``."""
        if self.each_alone:
            return self.renderer.render(posts, recipient)
        key = tuple(post.id for post in posts)
        shared = self.shared.get(key)
        if shared is not None:
            return personal(shared, recipient)
        made = self.renderer.render_shared(posts)
        alone = self.renderer.render(posts, recipient)
        if made is None or personal(made, recipient) != alone:
            self.each_alone = True
            return alone
        if len(self.shared) >= self.KEPT:
            del self.shared[next(iter(self.shared))]
        self.shared[key] = made
        return alone


class SharedMessages:
    """Each recipient's message. Where the digest is shared (``SharedDigests``), the message
    is built once for the set of posts (``MessageTemplate``) and filled in for each; the
    first recipient's is also built whole and compared, and if they differ, that set's
    messages are all built whole, as before."""

    def __init__(self, site: Site, digests: SharedDigests, now: datetime):
        self.site = site
        self.digests = digests
        self.now = now
        self.templates: dict[tuple[str, ...], MessageTemplate | None] = {}

    def outgoing(self, posts: Sequence[Post], recipient: Recipient) -> Outgoing:
        """The message of ``posts`` for ``recipient``."""
        key = tuple(post.id for post in posts)
        template = self.templates.get(key)
        if template is not None:
            try:
                content, message_id = template.message(recipient)
            except (ValueError, TypeError, HeaderInjectionError) as error:
                raise _cannot_build(recipient, error) from None
            return Outgoing(content, message_id, template.shared.posts, template.shared.web_page)
        whole = _message_for(self.site, self.digests.digest(posts, recipient), recipient, self.now)
        shared = self.digests.shared.get(key)
        if shared is not None and key not in self.templates:
            self.templates[key] = self._checked_template(shared, recipient, whole)
        return whole

    def _checked_template(
        self, shared: Digest, recipient: Recipient, whole: Outgoing
    ) -> MessageTemplate | None:
        """A template of ``shared`` if it makes ``whole``, the message built whole."""
        if len(self.templates) >= SharedDigests.KEPT:
            del self.templates[next(iter(self.templates))]
        try:
            template = MessageTemplate(self.site, shared, self.now)
            made = template.message(recipient)
        except (ValueError, TypeError, HeaderInjectionError):
            return None
        return template if made == (whole.message, whole.message_id) else None


def _cannot_build(recipient: Recipient, error: Exception) -> DeliveryError:
    # The email package refuses header values it cannot fold, and the mail policy those
    # that would inject a header; config checks should have caught them, so name the
    # recipient to help find the cause.
    return DeliveryError(f"cannot build the message for {recipient.email}: {error}")


def _message_for(site: Site, digest: Digest, recipient: Recipient, now: datetime) -> Outgoing:
    """The message of ``digest`` for one recipient, built whole."""
    try:
        message = build_message(site, digest, recipient.address, now)
        content = message_bytes(message)
    except (ValueError, TypeError, HeaderInjectionError) as error:
        raise _cannot_build(recipient, error) from None
    return Outgoing(content, str(message["Message-ID"]), digest.posts, digest.web_page)
