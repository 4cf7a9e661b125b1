"""When a message's outcome is recorded: by its session's thread the moment the server
accepts it; not sent again at once when the server may have it; a refusal no accepted
message follows left for the next run. (Found by a hostile review of `send`.)"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from conftest import (
    AUTUMN_POST,
    MailServer,
    RecordingHandler,
    SiteFactory,
    mail_config,
    newsletter,
    send,
    serving,
)
from feedwright.errors import FeedwrightError
from feedwright.site.model import Site

RECIPIENTS = [f"r{number}@example.org" for number in range(4)]


def deliveries_recorded(site: Site) -> int:
    """How many deliveries the site's database holds."""
    return int(newsletter(site, "SELECT count(*) FROM deliveries")[0][0])


def test_an_accepted_message_is_recorded_while_the_rate_limit_sleeps(
    make_site: SiteFactory, smtp_server: MailServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With several sessions and a rate limit, a message the server accepted is recorded
    while the limiter sleeps before the next one (1/per_second, or up to an hour when
    per_hour is full): it stayed unrecorded all that time, and a SIGKILL or SIGTERM then
    mailed it again."""
    site = make_site(AUTUMN_POST, mail_config(smtp_server.port, RECIPIENTS, connections=4))
    real_sleep = time.sleep
    seen: list[tuple[int, int]] = []

    def sleeping(seconds: float) -> None:
        if threading.current_thread() is threading.main_thread() and not seen:
            # The limiter sleeps before the second message: wait for the server to accept
            # the first, then give the send up to 3 s to record it.
            for _ in range(300):
                if smtp_server.handler.messages:
                    break
                real_sleep(0.01)
            for _ in range(300):
                if deliveries_recorded(site) >= len(smtp_server.handler.messages):
                    break
                real_sleep(0.01)
            seen.append((len(smtp_server.handler.messages), deliveries_recorded(site)))
        real_sleep(min(seconds, 0.01))

    monkeypatch.setattr(time, "sleep", sleeping)
    send(site, rate=2)
    accepted, recorded = seen[0]
    assert accepted >= 1
    assert recorded >= accepted, "the server accepted a message the database does not have"


class SlowToAnswer(RecordingHandler):
    """Takes every message, but answers the content of the second only ``delay`` seconds
    after it has queued it (a relay's filters on a busy day): it has the message."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay
        self.slow_done = threading.Event()
        self.data_count = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.data_count += 1
        reply = await super().handle_DATA(server, session, envelope)
        if self.data_count == 2:
            # Queued (kept) first, answered late.
            self.slow_done.set()
            await asyncio.sleep(self.delay)
        return reply


def test_a_slow_answer_to_the_content_is_waited_for_not_sent_again(
    make_site: SiteFactory,
) -> None:
    """The answer to a message's content is waited for past `[smtp] timeout` (the server
    has the message: RFC 5321 4.5.3.2.6 gives that answer 10 minutes). The session counted
    as "found closed" and the message went again at once on a new one: mailed twice."""
    handler = SlowToAnswer(delay=2.5)
    for server in serving(handler):
        config = mail_config(server.port, RECIPIENTS, connections=1).replace(
            "timeout = 5", "timeout = 1"
        )
        site = make_site(AUTUMN_POST, config)
        with contextlib.suppress(FeedwrightError):
            send(site)
        assert handler.slow_done.wait(10)
    received = handler.recipients()
    assert len(received) == len(set(received)), f"mailed twice: {sorted(received)}"


def test_a_quota_refusal_at_the_end_of_the_list_is_tried_again(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    """A 5xx that does not name the address ("550 5.7.1 daily quota exceeded") is recorded
    only once the server accepts another message after it; the last ones of a run (fewer
    than 3, after the last accepted message) are left for the next run. They were recorded
    all the same at the end, and those readers never got the post."""
    site = make_site(AUTUMN_POST, mail_config(smtp_server.port, RECIPIENTS, connections=1))
    quota = "550 5.7.1 Daily sending quota exceeded"
    smtp_server.handler.refuse = {RECIPIENTS[2]: quota, RECIPIENTS[3]: quota}
    send(site)
    smtp_server.handler.refuse = {}
    send(site)
    assert sorted(smtp_server.handler.recipients()) == sorted(RECIPIENTS)
