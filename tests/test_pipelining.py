"""SMTP pipelining (RFC 2920): MAIL FROM, RCPT TO and DATA in one write when the server
offers PIPELINING and `[smtp] pipelining` is on; every answer means what it meant before.

Against aiosmtpd offering PIPELINING (the messages), and a small server written on a bare
socket that answers nothing until it has all three commands (the proof that they really
come together) and answers each transaction as a test scripts it (the faults)."""

from __future__ import annotations

import email
import email.policy
import re
import shutil
import socket
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from conftest import (
    AUTUMN_POST,
    MailServer,
    RecordingHandler,
    SiteFactory,
    delivered_by_post,
    mail_config,
    refusals_by_post,
    send,
    serving,
)
from feedwright.errors import ConfigError, DeliveryError
from feedwright.mail.delivery import (
    InDoubt,
    PermanentFailure,
    SmtpConnection,
    TemporaryFailure,
)
from feedwright.site.config import load_site
from feedwright.site.model import Site, SmtpSettings

RECIPIENTS = ["r0@example.org", "r1@example.org"]
SENDER = "news@blog.example.org"
# The answers of a transaction that goes well: MAIL FROM, RCPT TO, DATA, the content.
ACCEPTED = ("250 2.1.0 Sender OK", "250 2.1.5 Recipient OK", "354 Go ahead", "250 2.0.0 Queued")
# How long the bare server waits for the rest of a pipeline: a client that waits for an
# answer to MAIL FROM before sending RCPT TO never completes it, and the test fails.
WAIT_FOR_PIPELINE = 2.0
# How long it waits for a client between commands otherwise (building the next message).
IDLE = 30.0


class PipeliningHandler(RecordingHandler):
    """A RecordingHandler whose server offers PIPELINING after EHLO."""

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        session.host_name = hostname  # aiosmtpd's hook must set it (its EHLO succeeded)
        return [*responses[:-1], "250-PIPELINING", responses[-1]]


class BareServer:
    """An SMTP server on a bare socket of 127.0.0.1, a thread per session, that offers
    PIPELINING (unless told not to) and SIZE.

    With ``wait_for_pipeline``, after MAIL FROM it reads on until it also has RCPT TO and
    DATA before answering any of them (within WAIT_FOR_PIPELINE seconds, else it notes a
    problem and closes the session); otherwise it answers whatever complete lines it has.
    Each transaction is answered with the next tuple of ``script`` (then ACCEPTED): MAIL,
    RCPT, DATA and, after a 354, the content. A 421 answer is written and the session
    closed. ``batches`` keeps each group of command lines answered together, ``contents``
    each content as it came on the wire (dot-stuffed, without the final ".")."""

    def __init__(self, wait_for_pipeline: bool = True, offer_pipelining: bool = True):
        self.wait_for_pipeline = wait_for_pipeline
        self.offer_pipelining = offer_pipelining
        self.script: list[tuple[str, ...]] = []
        self.batches: list[list[str]] = []
        self.contents: list[bytes] = []
        self.problems: list[str] = []
        self.sessions = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def commands(self) -> list[str]:
        """The verbs of every command, batch by batch ("MAIL RCPT DATA")."""
        return [" ".join(line.split()[0].upper() for line in batch) for batch in self.batches]

    def close(self) -> None:
        """Stop taking sessions."""
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.sessions += 1
            threading.Thread(target=self._session, args=(connection,), daemon=True).start()

    def _session(self, connection: socket.socket) -> None:
        session = _BareSession(self, connection)
        try:
            connection.sendall(b"220 bare.test ESMTP\r\n")
            while session.turn():
                pass
        except OSError:
            pass  # the client went away, or stayed silent for IDLE seconds
        finally:
            connection.close()


class _BareSession:
    """One session of a BareServer: what it has read and the transaction it is in."""

    def __init__(self, server: BareServer, connection: socket.socket):
        self.server = server
        self.connection = connection
        self.buffer = b""
        self.answers: tuple[str, ...] = ACCEPTED

    def turn(self) -> bool:
        """Read the next group of commands and answer it; False once the session ends."""
        batch = self._next_batch()
        if batch is None:
            return False
        self.server.batches.append(batch)
        replies = [self._answer(line) for line in batch]
        for index, reply in enumerate(replies):
            if reply.startswith(("421", "221")):
                self.connection.sendall("".join(replies[: index + 1]).encode())
                return False
        self.connection.sendall("".join(replies).encode())
        if replies[-1].startswith("354"):
            self._content()
        return True

    def _lines(self) -> list[str]:
        return [line.decode() for line in self.buffer.split(b"\r\n")[:-1]]

    def _read(self, timeout: float = IDLE) -> bool:
        self.connection.settimeout(timeout)
        chunk = self.connection.recv(65_536)
        self.buffer += chunk
        return bool(chunk)

    def _next_batch(self) -> list[str] | None:
        while not self._lines():
            if not self._read():
                return None
        lines = self._lines()
        if self.server.wait_for_pipeline and lines[0].upper().startswith("MAIL"):
            while len(lines) < 3:
                try:
                    if not self._read(WAIT_FOR_PIPELINE):
                        return None
                except TimeoutError:
                    self.server.problems.append(f"only {lines} within {WAIT_FOR_PIPELINE} s")
                    return None
                lines = self._lines()
            lines = lines[:3]
        elif self.server.wait_for_pipeline:
            lines = lines[:1]
        taken = sum(len(line) + 2 for line in lines)
        self.buffer = self.buffer[taken:]
        if self.server.wait_for_pipeline and self.buffer:
            self.server.problems.append(f"more came before the answers: {self.buffer!r}")
        return lines

    def _answer(self, line: str) -> str:
        verb = line.split()[0].upper()
        if verb == "EHLO":
            offers = ["bare.test", "SIZE 10000000", "8BITMIME"]
            if self.server.offer_pipelining:
                offers.insert(1, "PIPELINING")
            return "".join(f"250-{offer}\r\n" for offer in offers[:-1]) + f"250 {offers[-1]}\r\n"
        if verb == "MAIL":
            script = self.server.script
            self.answers = script.pop(0) if script else ACCEPTED
        index = {"MAIL": 0, "RCPT": 1, "DATA": 2}.get(verb)
        if index is not None:
            # (a script that ends early closed the session with a 421 before here)
            return (self.answers[index:] or ["503 5.5.1 Bad sequence"])[0] + "\r\n"
        return {"RSET": "250 2.0.0 Reset\r\n", "QUIT": "221 2.0.0 Bye\r\n"}.get(
            verb, "502 5.5.2 Not implemented\r\n"
        )

    def _content(self) -> None:
        """Read the content up to its "." line and answer it."""
        while not (self.buffer.startswith(b".\r\n") or b"\r\n.\r\n" in self.buffer):
            if not self._read():
                return
        if self.buffer.startswith(b".\r\n"):
            content, self.buffer = b"", self.buffer[3:]
        else:
            end = self.buffer.index(b"\r\n.\r\n")
            content, self.buffer = self.buffer[: end + 2], self.buffer[end + 5 :]
        self.server.contents.append(content)
        reply = self.answers[3] if len(self.answers) > 3 else ACCEPTED[3]
        self.connection.sendall(f"{reply}\r\n".encode())


@pytest.fixture
def bare() -> Iterator[BareServer]:
    """A BareServer that answers nothing of a transaction until it has all three commands."""
    server = BareServer()
    yield server
    server.close()
    assert server.problems == []


@pytest.fixture
def plain_bare() -> Iterator[BareServer]:
    """A BareServer that answers each command as it comes, offering PIPELINING."""
    server = BareServer(wait_for_pipeline=False)
    yield server
    server.close()


@pytest.fixture
def pipelining_server() -> Iterator[MailServer]:
    """aiosmtpd offering PIPELINING."""
    yield from serving(PipeliningHandler())


def bare_site(make_site: SiteFactory, server: BareServer, smtp_extra: str = "") -> Site:
    """A site that mails AUTUMN_POST to RECIPIENTS, in order, on one session at a time."""
    config = mail_config(server.port, RECIPIENTS, connections=1)
    return make_site(AUTUMN_POST, config.replace("[smtp]", f"[smtp]\n{smtp_extra}"))


def connection(port: int, pipelining: bool = True) -> SmtpConnection:
    """A session with the server on ``port`` of 127.0.0.1."""
    settings = SmtpSettings(
        host="127.0.0.1", port=port, security="none", timeout=5, pipelining=pipelining
    )
    return SmtpConnection(settings, None)


def tricky_message(recipient: str) -> bytes:
    """A message whose lines start with dots, one of them a lone dot, and that does not
    end with a line break: what dot-stuffing and the closing CRLF are for."""
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = f"Blog <{SENDER}>"
    message["To"] = recipient
    message["Subject"] = "Dots"
    message.set_content(".hidden\n.\n..two\nend\n", cte="7bit")
    return message.as_bytes().rstrip(b"\r\n")


def test_the_commands_come_in_one_write_and_the_messages_arrive(
    make_site: SiteFactory, bare: BareServer
) -> None:
    site = bare_site(make_site, bare)
    result = send(site, retries=0)
    assert not result.report.failed
    assert bare.commands() == ["EHLO", "MAIL RCPT DATA", "MAIL RCPT DATA", "QUIT"]
    assert delivered_by_post(site) == [RECIPIENTS]


def test_the_commands_and_content_are_those_of_smtplib_one_at_a_time(
    bare: BareServer, plain_bare: BareServer
) -> None:
    message = tricky_message("r0@example.org")
    for server in (bare, plain_bare):
        session = connection(server.port, pipelining=server is bare)
        assert session.send(message, SENDER, "r0@example.org") == ACCEPTED[3]
        session.close()
    assert bare.commands() == ["EHLO", "MAIL RCPT DATA", "QUIT"]
    assert plain_bare.commands() == ["EHLO", "MAIL", "RCPT", "DATA", "QUIT"]
    assert bare.batches[1] == [line for batch in plain_bare.batches[1:4] for line in batch]
    assert f"size={len(message)}" in bare.batches[1][0]  # SIZE declared, as smtplib does
    assert bare.contents == plain_bare.contents
    assert bare.contents[0].startswith(message[:20])
    assert b"\r\n..hidden\r\n..\r\n...two\r\nend\r\n" in bare.contents[0]


def test_messages_through_aiosmtpd_are_the_same_bytes_with_and_without_pipelining(
    pipelining_server: MailServer, smtp_server: MailServer
) -> None:
    for server in (pipelining_server, smtp_server):
        session = connection(server.port)
        for recipient in RECIPIENTS:
            session.send(tricky_message(recipient), SENDER, recipient)
        session.close()
    piped, plain = pipelining_server.handler.messages, smtp_server.handler.messages
    assert piped == plain
    assert [rcpts for _, rcpts, _ in piped] == [[address] for address in RECIPIENTS]
    parsed = email.message_from_bytes(piped[0][2], policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    assert parsed["To"] == "r0@example.org"
    assert parsed.get_content().replace("\r\n", "\n") == ".hidden\n.\n..two\nend\n"


def test_a_digest_sent_through_aiosmtpd_with_pipelining_is_the_one_sent_without(
    make_site: SiteFactory, pipelining_server: MailServer, smtp_server: MailServer
) -> None:
    site = make_site(AUTUMN_POST, mail_config(pipelining_server.port, RECIPIENTS))
    assert not send(site).report.failed
    # The same site again, from scratch, to the server without PIPELINING.
    shutil.rmtree(site.root / ".feedwright")
    config = site.root / "feedwright.toml"
    config.write_text(
        config.read_text().replace(f"port = {pipelining_server.port}", f"port = {smtp_server.port}")
    )
    assert not send(load_site(site.root)).report.failed
    piped = sorted(pipelining_server.handler.messages, key=lambda sent: sent[1])
    plain = sorted(smtp_server.handler.messages, key=lambda sent: sent[1])
    assert piped == plain and len(piped) == 2
    for (_, rcpts, content), address in zip(piped, RECIPIENTS, strict=True):
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        assert rcpts == [address] and address in str(parsed["To"])
        assert parsed["Subject"]


def test_a_refused_recipient_is_a_bounce_and_the_session_goes_on(
    make_site: SiteFactory, bare: BareServer
) -> None:
    refusal = "550 5.1.1 <r0@example.org>: no such user"
    bare.script.append(("250 2.1.0 OK", refusal, "503 5.5.1 No valid recipients"))
    site = bare_site(make_site, bare)
    result = send(site, retries=0)
    assert [(r.email, reason) for r, reason in result.report.refused] == [
        ("r0@example.org", refusal)
    ]
    assert refusals_by_post(site) == [{"r0@example.org": refusal}]
    assert delivered_by_post(site) == [["r1@example.org"]]
    assert bare.sessions == 1
    assert bare.commands() == ["EHLO", "MAIL RCPT DATA", "RSET", "MAIL RCPT DATA", "QUIT"]


def test_a_recipient_deferred_with_450_is_tried_next_run(
    make_site: SiteFactory, bare: BareServer
) -> None:
    bare.script.append(("250 2.1.0 OK", "450 4.2.1 Mailbox busy", "503 5.5.1 No valid recipients"))
    site = bare_site(make_site, bare)
    result = send(site, retries=0)
    assert [(r.email, reason) for r, reason in result.report.deferred] == [
        ("r0@example.org", "450 4.2.1 Mailbox busy")
    ]
    assert refusals_by_post(site) == [{}]
    assert delivered_by_post(site) == [["r1@example.org"]]
    assert (bare.sessions, bare.commands()[2:4]) == (1, ["RSET", "MAIL RCPT DATA"])
    assert not send(site, retries=0).report.failed
    assert delivered_by_post(site) == [["r1@example.org", "r0@example.org"]]


SENDER_REFUSED = ("550 5.7.1 Sender rejected", "503 5.5.1 Need MAIL", "503 5.5.1 Need MAIL")


def test_a_refused_sender_stops_the_run_with_nothing_recorded(
    make_site: SiteFactory, bare: BareServer
) -> None:
    bare.script.append(SENDER_REFUSED)
    site = bare_site(make_site, bare)
    with pytest.raises(
        DeliveryError, match=re.escape("refused the sender news@blog.example.org: 550 5.7.1")
    ):
        send(site, retries=0)
    assert (delivered_by_post(site), refusals_by_post(site)) == ([[]], [{}])
    assert bare.contents == []


def test_after_a_refused_sender_the_session_takes_the_next_message(bare: BareServer) -> None:
    bare.script.append(SENDER_REFUSED)
    session = connection(bare.port)
    message = tricky_message("r0@example.org")
    with pytest.raises(DeliveryError, match="refused the sender"):
        session.send(message, SENDER, "r0@example.org")
    bare.script.append(("451 4.3.0 Sender check failed, try later", *SENDER_REFUSED[1:]))
    with pytest.raises(TemporaryFailure, match=r"^451 4\.3\.0 "):
        session.send(message, SENDER, "r0@example.org")
    assert session.send(message, SENDER, "r0@example.org") == ACCEPTED[3]
    session.close()
    assert bare.sessions == 1
    assert bare.commands() == ["EHLO"] + ["MAIL RCPT DATA", "RSET"] * 2 + ["MAIL RCPT DATA", "QUIT"]


@pytest.mark.parametrize(
    "answers",
    [
        ("421 4.7.0 Too busy, closing",),
        ("250 2.1.0 OK", "421 4.7.0 Too busy, closing"),
        ("250 2.1.0 OK", "250 2.1.5 OK", "421 4.7.0 Too busy, closing"),
    ],
    ids=["at MAIL", "at RCPT", "at DATA"],
)
def test_a_421_inside_the_pipeline_defers_and_the_next_message_gets_a_new_session(
    make_site: SiteFactory, bare: BareServer, answers: tuple[str, ...]
) -> None:
    bare.script.append(answers)
    site = bare_site(make_site, bare)
    result = send(site, retries=0)
    assert [(r.email, reason) for r, reason in result.report.deferred] == [
        ("r0@example.org", "421 4.7.0 Too busy, closing")
    ]
    assert delivered_by_post(site) == [["r1@example.org"]]
    assert bare.sessions == 2
    assert bare.commands() == ["EHLO", "MAIL RCPT DATA", "EHLO", "MAIL RCPT DATA", "QUIT"]


def test_a_354_after_a_refused_recipient_gets_an_empty_message(
    make_site: SiteFactory, bare: BareServer
) -> None:
    refusal = "550 5.1.1 No such user"
    bare.script.append(("250 2.1.0 OK", refusal, "354 Go ahead", "554 5.5.1 No valid recipients"))
    site = bare_site(make_site, bare)
    result = send(site, retries=0)
    assert [(r.email, reason) for r, reason in result.report.refused] == [
        ("r0@example.org", refusal)
    ]
    assert bare.contents[0] == b""  # the "." line at once: no digest for no one
    assert delivered_by_post(site) == [["r1@example.org"]]
    assert bare.sessions == 1
    assert bare.commands() == ["EHLO", "MAIL RCPT DATA", "RSET", "MAIL RCPT DATA", "QUIT"]


def test_a_refused_content_is_refused_as_before(bare: BareServer) -> None:
    bare.script.append((*ACCEPTED[:3], "554 5.6.0 Content rejected"))
    session = connection(bare.port)
    with pytest.raises(PermanentFailure, match=r"^554 5\.6\.0 Content rejected$"):
        session.send(tricky_message("r0@example.org"), SENDER, "r0@example.org")
    assert session.smtp is None  # closed, as a refused DATA always closed it


def test_pipelining_false_sends_one_command_at_a_time(
    make_site: SiteFactory, plain_bare: BareServer
) -> None:
    site = bare_site(make_site, plain_bare, "pipelining = false")
    assert site.smtp.pipelining is False
    assert not send(site, retries=0).report.failed
    assert plain_bare.commands() == ["EHLO", *["MAIL", "RCPT", "DATA"] * 2, "QUIT"]


def test_a_server_without_pipelining_gets_one_command_at_a_time(
    make_site: SiteFactory,
) -> None:
    server = BareServer(wait_for_pipeline=False, offer_pipelining=False)
    try:
        assert not send(bare_site(make_site, server), retries=0).report.failed
    finally:
        server.close()
    assert server.commands() == ["EHLO", *["MAIL", "RCPT", "DATA"] * 2, "QUIT"]


def outcomes(server: MailServer) -> list[str]:
    """Send to a run of addresses on one session, the server refusing some, deferring one
    once and dropping the session at DATA after four messages: what each send returned or
    raised."""
    handler = server.handler
    handler.refuse.update(
        {"gone@example.org": "550 5.1.1 No such user", "policy@example.org": "554 5.7.1 Denied"}
    )
    handler.temporary["grey@example.org"] = 1
    handler.drop_after = 4
    session = connection(server.port)
    seen: list[str] = []
    for address in ["gone", "a", "policy", "grey", "grey", "b", "c", "d", "a"]:
        recipient = f"{address}@example.org"
        try:
            seen.append(session.send(tricky_message(recipient), SENDER, recipient))
        except (PermanentFailure, TemporaryFailure, InDoubt) as failure:
            seen.append(f"{type(failure).__name__}: {failure}")
    session.close()
    return seen


def test_through_aiosmtpd_every_answer_means_what_it_meant_without_pipelining(
    pipelining_server: MailServer, smtp_server: MailServer
) -> None:
    piped = outcomes(pipelining_server)
    assert piped == outcomes(smtp_server)
    assert piped[:5] == [
        "PermanentFailure: 550 5.1.1 No such user",
        "250 2.0.0 Message accepted",
        "PermanentFailure: 554 5.7.1 Denied",
        "TemporaryFailure: 451 4.7.1 Greylisted, try again later",
        "250 2.0.0 Message accepted",
    ]
    # Dropped after the content went out: the server may have it (not sent again at once).
    assert piped[-1].startswith("InDoubt: no answer after the message was sent")
    assert pipelining_server.handler.messages == smtp_server.handler.messages


def test_a_server_that_closes_after_each_message_gets_each_once(
    make_site: SiteFactory, pipelining_server: MailServer
) -> None:
    pipelining_server.handler.close_after_each = True
    site = make_site(AUTUMN_POST, mail_config(pipelining_server.port, RECIPIENTS, connections=1))
    assert not send(site, retries=0).report.failed
    assert pipelining_server.handler.recipients() == RECIPIENTS


def test_pipelining_is_on_by_default_and_must_be_true_or_false(tmp_path: Path) -> None:
    config = tmp_path / "feedwright.toml"
    site = '[site]\ntitle = "T"\nurl = "https://x.org"\nauthor = "A"\n'
    config.write_text(site)
    assert load_site(tmp_path).smtp.pipelining is True
    config.write_text(site + "[smtp]\npipelining = false\n")
    assert load_site(tmp_path).smtp.pipelining is False
    config.write_text(site + '[smtp]\npipelining = "no"\n')
    with pytest.raises(ConfigError, match="`pipelining` in \\[smtp\\] must be bool"):
        load_site(tmp_path)
