"""The relay's limits: messages per second, evenly spaced, and per hour, a sliding window."""

from __future__ import annotations

import pytest

from conftest import AUTUMN_POST, MailServer, SiteFactory, mail_config, send, write_posts
from feedwright.mail.pacing import HOUR, RateLimiter, slowest
from feedwright.site.config import load_site

NEW_POST = "---\ntitle: A later post\ndate: 2025-12-15\n---\nMore to read.\n"


class FakeClock:
    """A clock that moves only when slept on."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def sent_at(limiter: RateLimiter, clock: FakeClock, count: int) -> list[float]:
    times = []
    for _ in range(count):
        limiter.wait()
        times.append(clock.now - 1000.0)
    return times


def test_per_second_spaces_the_messages_evenly() -> None:
    clock = FakeClock()
    limiter = RateLimiter(4, clock=clock, sleep=clock.sleep)
    assert sent_at(limiter, clock, 5) == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_per_hour_waits_until_the_oldest_message_of_the_hour_is_an_hour_old() -> None:
    clock = FakeClock()
    limiter = RateLimiter(None, 3, clock=clock, sleep=clock.sleep)
    assert sent_at(limiter, clock, 3) == [0.0, 0.0, 0.0]
    clock.now += 600
    # Three in the hour: the fourth waits for the first to leave the window, and so on.
    assert sent_at(limiter, clock, 4) == [HOUR, HOUR, HOUR, 2 * HOUR]


def test_per_hour_counts_the_messages_of_earlier_runs() -> None:
    clock = FakeClock()
    earlier = [clock.now - HOUR + 100, clock.now - 50]
    limiter = RateLimiter(None, 2, earlier=earlier, clock=clock, sleep=clock.sleep)
    assert sent_at(limiter, clock, 1) == [100.0]


def test_the_slowest_rate_wins() -> None:
    assert slowest(None, 5.0, 2.0) == 2.0
    assert slowest(None, None) is None


def test_a_send_right_after_another_shares_its_hour(
    make_site: SiteFactory, smtp_server: MailServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []
    monkeypatch.setattr("feedwright.mail.pacing.time.sleep", slept.append)
    recipients = ["a@example.org", "b@example.org"]
    config = mail_config(smtp_server.port, recipients).replace(
        "timeout = 5", "timeout = 5\nper_hour = 3"
    )
    site = make_site(AUTUMN_POST, config)
    assert not send(site).report.failed
    assert slept == []
    write_posts(site.root / "_posts", {"2025-12-15-later.md": NEW_POST})
    second = send(load_site(site.root))
    assert not second.report.failed
    # Two went out in the same hour (the tests' fixed clock): one more may go at once, the
    # other waits for the hour.
    assert len(slept) == 1 and slept[0] > HOUR - 60
