"""Shared helpers: build small sites in a temporary folder and read what feedwright wrote."""

from __future__ import annotations

import asyncio
import gc
import os
import select
import socket
import sqlite3
import ssl
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, TypedDict, Unpack

import feedparser
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthenticatorType, AuthResult, Envelope, LoginPassword, Session
from hypothesis import HealthCheck, settings
from typer.testing import CliRunner

from feedwright.commands.build import BuildOptions, BuildResult, build_site
from feedwright.commands.send import SendOptions, SendResult, send_site
from feedwright.mail.store import store_path
from feedwright.site.config import load_site
from feedwright.site.model import Site
from feedwright.speed import Speed

# Property tests: the same examples on every run in CI (a failure there is reproducible);
# HYPOTHESIS_PROFILE=explore looks for new ones.
settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("explore", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# A fixed "now" so that which posts count as future never depends on the day tests run.
NOW = datetime(2026, 1, 1, tzinfo=UTC)

DEFAULT_CONFIG = """
[site]
title = "Test Blog"
url = "https://blog.example.org"
description = "Posts for tests"
author = "Test Author"
lang = "en"
"""

SiteFactory = Callable[..., Site]

# The command line run in this process (typer's test runner).
runner = CliRunner()


def write_posts(folder: Path, posts: dict[str, str | bytes]) -> None:
    """Write post files (text is dedented; bytes are written as they are)."""
    for name, content in posts.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")


@pytest.fixture(autouse=True)
def cycle_collector_restored() -> Iterator[None]:
    """The `build` and `digest` commands turn the cycle collector off for the rest of their
    process; after a test that ran one in this process, it is turned back on."""
    yield
    gc.enable()


@pytest.fixture
def make_site(tmp_path: Path) -> SiteFactory:
    """Create a site folder with ``_posts/`` and a config; return the loaded Site."""

    def factory(
        posts: dict[str, str | bytes], config: str = DEFAULT_CONFIG, **overrides: object
    ) -> Site:
        root = tmp_path / "site"
        (root / "_posts").mkdir(parents=True, exist_ok=True)
        (root / "feedwright.toml").write_text(textwrap.dedent(config), encoding="utf-8")
        write_posts(root / "_posts", posts)
        return load_site(root)

    return factory


class BuildSwitches(TypedDict, total=False):
    """The fields of BuildOptions that a test may set (``now`` is always NOW)."""

    drafts: bool
    future: bool
    skip_invalid: bool
    speed: Speed


class SendSwitches(TypedDict, total=False):
    """The fields of SendOptions that a test may set (``now`` and ``retry_delays`` are
    set by ``send``)."""

    dry_run: bool
    wait: bool
    rate: float | None
    templates: Path | None
    to_file: Path | None
    skip_invalid: bool
    speed: Speed


def build(site: Site, **options: Unpack[BuildSwitches]) -> BuildResult:
    """Build with the fixed NOW."""
    return build_site(site, BuildOptions(now=NOW, **options))


@pytest.fixture
def simple_site(make_site: SiteFactory) -> Site:
    """SIMPLE_POSTS with the default config, built once."""
    site = make_site(SIMPLE_POSTS)
    build(site)
    return site


def send(
    site: Site, retries: int = 2, delay: float = 0.0, **options: Unpack[SendSwitches]
) -> SendResult:
    """Send with the fixed NOW, trying a temporary failure ``retries`` more times, each
    ``delay`` seconds after the last (at once by default)."""
    settings = SendOptions(now=NOW, retry_delays=(delay,) * retries, **options)
    return send_site(site, settings)


# One Japanese post, for the send tests that need only something to send.
AUTUMN_POST: dict[str, str | bytes] = {
    "2025-11-29-autumn.md": """
        ---
        title: 秋の散歩
        date: 2025-11-29 04:40:08 +0000
        ---
        紅葉がきれいでした。
        """,
}


def newsletter(site: Site, query: str, *parameters: object) -> list[tuple[Any, ...]]:
    """The rows of ``query`` on the site's newsletter database."""
    connection = sqlite3.connect(store_path(site))
    try:
        return connection.execute(query, parameters).fetchall()
    finally:
        connection.close()


def refusals_by_post(site: Site) -> list[dict[str, str]]:
    """For each post the database knows (in its order), who was refused it and why."""
    refused: dict[str, dict[str, str]] = {
        feed_id: {} for (feed_id,) in newsletter(site, "SELECT feed_id FROM posts ORDER BY id")
    }
    for feed_id, address, reply in newsletter(
        site,
        "SELECT p.feed_id, s.address, r.reply FROM refusal_posts rp"
        " JOIN posts p ON p.id = rp.post_id JOIN refusals r ON r.id = rp.refusal_id"
        " JOIN subscribers s ON s.id = r.subscriber_id",
    ):
        refused[feed_id][address] = reply
    return list(refused.values())


def delivered_by_post(site: Site) -> list[list[str]]:
    """For each post the database knows (in its order), who has it, in the order sent."""
    delivered: dict[str, list[str]] = {
        feed_id: [] for (feed_id,) in newsletter(site, "SELECT feed_id FROM posts ORDER BY id")
    }
    for feed_id, address in newsletter(
        site,
        "SELECT p.feed_id, s.address FROM delivery_posts dp"
        " JOIN posts p ON p.id = dp.post_id JOIN deliveries d ON d.id = dp.delivery_id"
        " JOIN subscribers s ON s.id = d.subscriber_id ORDER BY d.id",
    ):
        delivered[feed_id].append(address)
    return list(delivered.values())


def parse_feed(path: Path) -> feedparser.FeedParserDict:
    """Parse a feed file with feedparser and insist that it is well-formed."""
    parsed = feedparser.parse(path.read_bytes())
    assert parsed.bozo == 0, f"{path.name}: {parsed.get('bozo_exception')}"
    return parsed


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (a site's output, say) by relative path."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


# Front matter written like the posts users send: a "+0000" date PyYAML leaves as text,
# quoted lists, a number, and an unbalanced bracket in the title.
SEED_FRONT_MATTER = """layout: post
title: "「新しいモデルの日本展開"
date: 2025-11-29 04:40:08 +0000
categories: ["技術分析"]
tags: ["AI", "最新ニュース", "技術動向"]
author: "テスト編集部"
excerpt: "新しいモデルの日本展開について詳しく見ていきます。"
reading_time: 8
"""

SIMPLE_POSTS: dict[str, str | bytes] = {
    "2025-11-29-second.md": """
        ---
        title: "Second post"
        date: 2025-11-29 04:40:08 +0000
        categories: ["News"]
        tags: ["python", "feeds"]
        excerpt: "The second one."
        ---
        Body of the **second** post with a [relative link](../other.html) and ![pic](/img/a.png).
        """,
    "2025-10-01-first.md": """
        ---
        title: First post
        date: 2025-10-01
        ---
        The first paragraph is the excerpt.

        The second paragraph is not.
        """,
}


class RecordingHandler:
    """An aiosmtpd handler that keeps every message and can misbehave on demand.

    - ``refuse``: address → reply given at RCPT TO (e.g. "550 5.1.1 no such user"),
    - ``temporary``: address → how many times to answer 451 before accepting,
    - ``drop_after``: after this many accepted messages, drop every connection at DATA,
    - ``close_after_each``: close the connection after each accepted message (as some
      providers do), once the client has the answer,
    - ``slow``: address → seconds to wait at DATA before accepting its message (so that
      another session's message is accepted first),
    - ``intercept_rcpt``: a subclass's reply at RCPT TO that comes before all of these.
    """

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.refuse: dict[str, str] = {}
        self.temporary: dict[str, int] = {}
        self.drop_after: int | None = None
        self.close_after_each = False
        self.slow: dict[str, float] = {}

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if (reply := self.intercept_rcpt(address)) is not None:
            return reply
        if address in self.refuse:
            return self.refuse[address]
        if self.temporary.get(address, 0) > 0:
            self.temporary[address] -= 1
            return "451 4.7.1 Greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        delay = max((self.slow.get(rcpt, 0.0) for rcpt in envelope.rcpt_tos), default=0.0)
        if delay:
            await asyncio.sleep(delay)
        # No await from here on: the other sessions' messages wait, so that drop_after
        # counts exactly.
        if self.drop_after is not None and len(self.messages) >= self.drop_after:
            assert server.transport is not None
            server.transport.close()
            return "421 4.3.2 Closing connection"
        # At DATA, aiosmtpd has the sender (MAIL FROM came first) and the content.
        assert envelope.mail_from is not None and envelope.original_content is not None
        self.messages.append(
            (envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        )
        if self.close_after_each:
            # Closed on the next turn of the event loop: after aiosmtpd has written the 250.
            assert server.transport is not None
            asyncio.get_running_loop().call_soon(server.transport.close)
        return "250 2.0.0 Message accepted"

    def intercept_rcpt(self, address: str) -> str | None:
        """The reply to give at RCPT TO instead of the usual one, if any (for subclasses)."""
        return None

    def recipients(self) -> list[str]:
        """Every recipient address of every accepted message, in order."""
        return [address for _, rcpts, _ in self.messages for address in rcpts]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class MailServer:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 for the tests."""

    port: int
    handler: RecordingHandler


def blog_login(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: object
) -> AuthResult:
    """An aiosmtpd authenticator that lets in blog / secret, and no one else."""
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == b"blog"
        and auth_data.password == b"secret"
    )
    # handled=False: aiosmtpd answers 235 or 535 itself.
    return AuthResult(success=ok, handled=False)


class ServerOptions(TypedDict, total=False):
    """What the tests pass to aiosmtpd's Controller (TLS, logins)."""

    ssl_context: ssl.SSLContext
    server_hostname: str
    tls_context: ssl.SSLContext
    require_starttls: bool
    authenticator: AuthenticatorType
    auth_required: bool
    auth_require_tls: bool


def serving(
    handler: RecordingHandler | None = None, **options: Unpack[ServerOptions]
) -> Iterator[MailServer]:
    """For a fixture, ``yield from`` it: an aiosmtpd server on a free port of 127.0.0.1
    for one test, with ``handler`` (a new RecordingHandler by default); ``options`` go to
    aiosmtpd (TLS, logins…)."""
    handler = RecordingHandler() if handler is None else handler
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    try:
        yield MailServer(port=controller.port, handler=handler)
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[MailServer]:
    """A plain SMTP server for one test."""
    yield from serving()


def mail_config(
    port: int, recipients: list[str], extra: str = "", connections: int | None = None
) -> str:
    """A site config with a [digest] sender, the test SMTP server and a recipient list;
    ``connections`` in [smtp] when given (else the default, several sessions at once)."""
    listed = ", ".join(f'"{address}"' for address in recipients)
    return (
        DEFAULT_CONFIG
        + f"""
[digest]
from = "Test Blog <news@blog.example.org>"
unsubscribe_url = "https://blog.example.org/unsubscribe?email={{email}}"
{extra}
[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
timeout = 5
{f"connections = {connections}" if connections else ""}

[recipients]
to = [{listed}]
"""
    )


def subscribers_config(port: int, file_name: str = "subscribers.txt") -> str:
    """A site config like ``mail_config``'s whose recipients are read from ``file_name`` in
    the site folder."""
    return mail_config(port, []).replace("to = []", f'file = "{file_name}"')


def read_to_end(stream: IO[bytes], seconds: float) -> bytes | None:
    """What is left to read on a pipe, once every process holding its other end has closed
    it; None if some process still holds it after ``seconds``."""
    deadline = time.monotonic() + seconds
    rest = b""
    while (left := deadline - time.monotonic()) > 0:
        readable, _, _ = select.select([stream], [], [], left)
        if not readable:
            break
        chunk = os.read(stream.fileno(), 65_536)
        if not chunk:
            return rest
        rest += chunk
    return None
