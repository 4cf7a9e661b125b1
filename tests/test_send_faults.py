"""`send` when the server refuses, stalls, closes or wants a login (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from conftest import (
    AUTUMN_POST,
    MailServer,
    RecordingHandler,
    SiteFactory,
    blog_login,
    delivered_by_post,
    mail_config,
    refusals_by_post,
    send,
    serving,
)
from feedwright.errors import DeliveryError
from feedwright.mail.delivery import MAX_FAILURES_IN_A_ROW, RETRY_DELAYS
from feedwright.site.model import Site

POSTS = AUTUMN_POST
RECIPIENTS = [f"r{number}@example.org" for number in range(6)]


@dataclass
class Mailing:
    """The test SMTP server, and sites that mail POSTS through it."""

    server: MailServer
    make_site: SiteFactory

    @property
    def handler(self) -> RecordingHandler:
        return self.server.handler

    def site(
        self, recipients: list[str], refuse: dict[str, str] | None = None, connections: int = 1
    ) -> Site:
        """A site that mails POSTS to ``recipients`` through the server, which refuses the
        addresses of ``refuse`` at RCPT TO with their reply. One session by default: the
        rules for failures in a row are seen in the order of the list."""
        self.handler.refuse.update(refuse or {})
        config = mail_config(self.server.port, recipients, connections=connections)
        return self.make_site(POSTS, config)

    def next_run_reaches(self, site: Site, recipients: list[str]) -> None:
        """The next run fails no one, and by then the server has had a message for each of
        ``recipients``, each once."""
        assert not send(site, retries=0).report.failed
        assert sorted(self.handler.recipients()) == sorted(recipients)


@pytest.fixture
def mailing(make_site: SiteFactory, smtp_server: MailServer) -> Mailing:
    return Mailing(smtp_server, make_site)


def test_a_server_that_refuses_everyone_stops_the_run_and_records_nothing(
    mailing: Mailing,
) -> None:
    site = mailing.site(
        RECIPIENTS, refuse=dict.fromkeys(RECIPIENTS, "554 5.7.1 Relay access denied")
    )
    with pytest.raises(DeliveryError, match=f"refused {MAX_FAILURES_IN_A_ROW} recipients in a row"):
        send(site, retries=0)
    assert refusals_by_post(site) == [{}]
    # The relay is fixed: everyone gets the post on the next run.
    mailing.handler.refuse.clear()
    mailing.next_run_reaches(site, RECIPIENTS)


def test_a_policy_refusal_is_recorded_once_the_server_takes_other_mail(mailing: Mailing) -> None:
    site = mailing.site(RECIPIENTS[:2], refuse={"r0@example.org": "550 Mailbox unavailable"})
    result = send(site, retries=0)
    assert [r.email for r, _ in result.report.refused] == ["r0@example.org"]
    assert refusals_by_post(site) == [{"r0@example.org": "550 Mailbox unavailable"}]
    assert send(site, retries=0).report.planned == []


def test_a_refusal_with_no_accepted_mail_is_tried_again_next_run(mailing: Mailing) -> None:
    site = mailing.site(RECIPIENTS[:1], refuse={"r0@example.org": "550 Mailbox unavailable"})
    report = send(site, retries=0).report
    # Deferred, not refused: nothing the server took after it says it was about r0.
    assert not report.refused
    assert [reason.split(" (")[0] for _, reason in report.deferred] == ["550 Mailbox unavailable"]
    assert refusals_by_post(site) == [{}]
    mailing.handler.refuse.clear()
    mailing.next_run_reaches(site, ["r0@example.org"])


def test_temporary_failures_in_a_row_leave_the_rest_untried(mailing: Mailing) -> None:
    for address in RECIPIENTS[:MAX_FAILURES_IN_A_ROW]:
        mailing.handler.temporary[address] = 1
    site = mailing.site(RECIPIENTS)
    result = send(site, retries=0)
    reasons = [reason for _, reason in result.report.deferred]
    assert len(reasons) == len(RECIPIENTS)
    assert all(reason.startswith("451") for reason in reasons[:MAX_FAILURES_IN_A_ROW])
    assert set(reasons[MAX_FAILURES_IN_A_ROW:]) == {"not tried: the server is failing"}
    # Only the first ones were tried; the next run delivers to everyone.
    mailing.next_run_reaches(site, RECIPIENTS)


def test_a_421_at_rcpt_opens_a_new_session_for_the_next_message(mailing: Mailing) -> None:
    site = mailing.site(
        RECIPIENTS[:2], refuse={"r0@example.org": "421 4.7.0 Try again later, closing"}
    )
    result = send(site, retries=0)
    assert [r.email for r, _ in result.report.deferred] == ["r0@example.org"]
    assert mailing.handler.recipients() == ["r1@example.org"]


def test_a_server_that_closes_after_each_message_costs_no_retry_delay(mailing: Mailing) -> None:
    mailing.handler.close_after_each = True
    recipients = RECIPIENTS[:4]
    site = mailing.site(recipients)
    started = time.monotonic()
    result = send(site, retries=1, delay=RETRY_DELAYS[0])
    elapsed = time.monotonic() - started
    assert not result.report.failed
    assert mailing.handler.recipients() == recipients  # each exactly once
    # Before, each message after the first waited out a retry delay on the closed session.
    waited_before = (len(recipients) - 1) * RETRY_DELAYS[0]
    assert elapsed < waited_before / 4


def test_the_retry_delay_is_kept_for_try_later_and_a_message_in_doubt_waits_for_the_next_run(
    mailing: Mailing, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []
    monkeypatch.setattr("feedwright.mail.delivery.time.sleep", slept.append)
    mailing.handler.temporary["r0@example.org"] = 1  # a 451: try later
    # r2's session drops once r2's content is in, unanswered: the server may have it, so it
    # is not sent again in this run (that would likely mail it twice).
    mailing.handler.drop_after = 2
    site = mailing.site(RECIPIENTS[:3])
    result = send(site, retries=1, delay=7.0)
    assert [(r.email, reason.split(" (")[0]) for r, reason in result.report.deferred] == [
        ("r2@example.org", "no answer after the message was sent")
    ]
    assert slept == [7.0]
    assert mailing.handler.recipients() == RECIPIENTS[:2]
    mailing.handler.drop_after = None
    send(site)
    assert mailing.handler.recipients() == RECIPIENTS[:3]


@pytest.fixture
def login_server() -> Iterator[MailServer]:
    """An aiosmtpd server that wants a login as blog / secret (over plain TCP: tests only)."""
    yield from serving(authenticator=blog_login, auth_required=True, auth_require_tls=False)


def login_config(port: int) -> str:
    return mail_config(port, ["a@example.org"]).replace("[smtp]", '[smtp]\nusername = "blog"')


LoginSite = Callable[[MailServer, str], Site]


@pytest.fixture
def login_site(make_site: SiteFactory, monkeypatch: pytest.MonkeyPatch) -> LoginSite:
    """A site that logs in to ``server`` as blog, with ``password`` in the environment."""

    def factory(server: MailServer, password: str) -> Site:
        site = make_site(POSTS, login_config(server.port))
        monkeypatch.setenv("FEEDWRIGHT_SMTP_PASSWORD", password)
        return site

    return factory


def test_a_login_with_the_password_from_the_environment(
    login_site: LoginSite, login_server: MailServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = login_site(login_server, "wrong")
    with pytest.raises(DeliveryError, match="refused the login of 'blog': 535"):
        send(site, retries=0)
    monkeypatch.setenv("FEEDWRIGHT_SMTP_PASSWORD", "secret")
    assert not send(site, retries=0).report.failed
    assert login_server.handler.recipients() == ["a@example.org"]


def test_a_password_that_is_not_ascii_is_a_clear_error(
    login_site: LoginSite, login_server: MailServer
) -> None:
    with pytest.raises(DeliveryError, match="must be plain ASCII"):
        send(login_site(login_server, "パスワード"), retries=0)


def test_a_login_to_a_server_without_auth_is_a_clear_error(
    login_site: LoginSite, smtp_server: MailServer
) -> None:
    with pytest.raises(DeliveryError, match="does not offer a login"):
        send(login_site(smtp_server, "secret"), retries=0)
    assert smtp_server.handler.messages == []


class OverlapHandler(RecordingHandler):
    """Holds each message at DATA until another session is at DATA too (or a few seconds
    pass), and notes the sessions and how many were at DATA at once."""

    def __init__(self) -> None:
        super().__init__()
        self.sessions: list[int] = []
        self.inside = 0
        self.most_inside = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.inside += 1
        self.most_inside = max(self.most_inside, self.inside)
        deadline = time.monotonic() + 3
        while self.most_inside < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        self.inside -= 1
        self.sessions.append(id(session))
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def overlap_server() -> Iterator[MailServer]:
    yield from serving(OverlapHandler())


def test_several_sessions_send_at_once_each_reused(
    make_site: SiteFactory, overlap_server: MailServer
) -> None:
    recipients = [f"r{number}@example.org" for number in range(24)]
    site = make_site(POSTS, mail_config(overlap_server.port, recipients, connections=3))
    result = send(site)
    handler = overlap_server.handler
    assert isinstance(handler, OverlapHandler)
    assert not result.report.failed
    assert sorted(handler.recipients()) == sorted(recipients)
    assert sorted(r.email for r, _ in result.report.sent) == sorted(recipients)
    assert handler.most_inside >= 2  # at once
    assert 2 <= len(set(handler.sessions)) <= 3  # no more sessions than configured
    assert sorted(them for them in delivered_by_post(site)[0]) == sorted(recipients)


def test_with_several_sessions_a_server_that_refuses_everyone_records_nothing(
    mailing: Mailing,
) -> None:
    refuse = dict.fromkeys(RECIPIENTS, "554 5.7.1 Relay access denied")
    site = mailing.site(RECIPIENTS, refuse=refuse, connections=4)
    with pytest.raises(DeliveryError, match=f"refused {MAX_FAILURES_IN_A_ROW} recipients in a row"):
        send(site, retries=0)
    assert refusals_by_post(site) == [{}]
    mailing.handler.refuse.clear()
    mailing.next_run_reaches(site, RECIPIENTS)


def test_with_several_sessions_a_failing_server_leaves_each_recipient_once(
    mailing: Mailing,
) -> None:
    recipients = [f"r{number}@example.org" for number in range(12)]
    for address in recipients:
        mailing.handler.temporary[address] = 1
    site = mailing.site(recipients, connections=4)
    result = send(site, retries=0)
    deferred = [r.email for r, _ in result.report.deferred]
    assert sorted(deferred) == sorted(recipients)  # each once: tried or not
    # Once 3 failed in a row, only those already in flight (at most 4) are tried.
    tried = [reason for _, reason in result.report.deferred if reason.startswith("451")]
    assert MAX_FAILURES_IN_A_ROW <= len(tried) <= MAX_FAILURES_IN_A_ROW + 4
    mailing.handler.temporary.clear()
    mailing.next_run_reaches(site, recipients)
