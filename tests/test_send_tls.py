"""`send` over real TLS: STARTTLS and implicit TLS to aiosmtpd, with certificates from a
test certificate authority (trustme), and the errors when the certificate is not trusted."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from conftest import (
    AUTUMN_POST,
    MailServer,
    SiteFactory,
    blog_login,
    send,
    serving,
)
from conftest import mail_config as plain_mail_config
from feedwright.errors import DeliveryError


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(authority: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "test-ca.pem"
    authority.cert_pem.write_to_path(str(path))
    return path


def _server_context(authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    return context


@pytest.fixture
def starttls_server(authority: trustme.CA) -> Iterator[MailServer]:
    """Plain SMTP that insists on STARTTLS before anything, and on a login after it."""
    yield from serving(
        tls_context=_server_context(authority),
        require_starttls=True,
        authenticator=blog_login,
        auth_required=True,
    )


@pytest.fixture
def tls_server(authority: trustme.CA) -> Iterator[MailServer]:
    """SMTP inside TLS from the first byte (port 465 style)."""
    yield from serving(ssl_context=_server_context(authority), server_hostname="127.0.0.1")


def mail_config(port: int, security: str, ca_file: Path | None, login: bool = False) -> str:
    settings = f'security = "{security}"'
    if ca_file:
        settings += f'\nca_file = "{ca_file}"'
    if login:
        settings += '\nusername = "blog"'
    return plain_mail_config(port, ["a@example.org"]).replace('security = "none"', settings)


def test_starttls_with_login(
    make_site: SiteFactory,
    starttls_server: MailServer,
    ca_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FEEDWRIGHT_SMTP_PASSWORD", "secret")
    site = make_site(AUTUMN_POST, mail_config(starttls_server.port, "starttls", ca_file, True))
    assert not send(site).report.failed
    assert starttls_server.handler.recipients() == ["a@example.org"]


def test_implicit_tls(make_site: SiteFactory, tls_server: MailServer, ca_file: Path) -> None:
    site = make_site(AUTUMN_POST, mail_config(tls_server.port, "tls", ca_file))
    assert not send(site).report.failed
    assert tls_server.handler.recipients() == ["a@example.org"]


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_an_untrusted_certificate_stops_the_run(
    make_site: SiteFactory,
    starttls_server: MailServer,
    tls_server: MailServer,
    security: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FEEDWRIGHT_SMTP_PASSWORD", "secret")
    server = starttls_server if security == "starttls" else tls_server
    site = make_site(AUTUMN_POST, mail_config(server.port, security, None, True))
    with pytest.raises(DeliveryError, match=r"certificate is not valid: .*set ca_file"):
        send(site)
    assert server.handler.messages == []


def test_a_ca_file_that_is_not_pem_is_a_clear_error(
    make_site: SiteFactory, tls_server: MailServer, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.pem"
    broken.write_text("not a certificate\n")
    site = make_site(AUTUMN_POST, mail_config(tls_server.port, "tls", broken))
    with pytest.raises(DeliveryError, match=r"broken\.pem: cannot load certificate authorities"):
        send(site)
