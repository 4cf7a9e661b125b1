"""Recipient lists: plain lines or CSV; bad addresses are errors naming the line."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import (
    AUTUMN_POST,
    MailServer,
    SiteFactory,
    send,
    subscribers_config,
    write_posts,
)
from feedwright.errors import ConfigError
from feedwright.mail.recipients import (
    Recipient,
    read_recipients_file,
    site_recipients,
    unique_recipients,
)
from feedwright.site.addresses import parse_address
from feedwright.site.config import load_site
from feedwright.site.model import Site


def test_one_address_a_line_with_comments_and_names(tmp_path: Path) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text(
        "# subscribers\n\na@example.org\n山田 花子 <hanako@example.jp>\n  \n", encoding="utf-8"
    )
    assert read_recipients_file(listing) == (
        [Recipient("a@example.org"), Recipient("hanako@example.jp", "山田 花子")],
        [],
    )


def test_csv_with_email_and_name_columns(tmp_path: Path) -> None:
    listing = tmp_path / "list.csv"
    listing.write_text(
        '\ufeffname,email,joined\n"Doe, Jane",jane@example.org,2024\n,b@example.org,2025\n',
        encoding="utf-8",
    )
    assert read_recipients_file(listing) == (
        [Recipient("jane@example.org", "Doe, Jane"), Recipient("b@example.org")],
        [],
    )


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ("a@example.org\nnot an address\n", 2),
        ("a@example.org\n\nx@\n", 3),
        ("email,name\na@example.org,A\nbroken,B\n", 3),
        ("a@example.org, b@example.org\n", 1),
    ],
)
def test_a_bad_address_names_the_file_and_line(tmp_path: Path, content: str, line: int) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text(content)
    _, problems = read_recipients_file(listing)
    assert str(problems[0]).startswith(f"{listing}:{line}: ")


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ("a@example.org\nnot an address\nb@example.org\n", 2),
        ("email,name\na@example.org,A\nbroken,B\nb@example.org,\n", 3),
    ],
)
def test_a_malformed_line_is_reported_and_the_others_are_kept(
    tmp_path: Path, content: str, line: int
) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text(content)
    recipients, problems = read_recipients_file(listing)
    assert [recipient.email for recipient in recipients] == ["a@example.org", "b@example.org"]
    (problem,) = problems
    assert problem.path == listing and problem.line == line
    assert "is not an email address" in problem.message and "skipped" in problem.hint


def test_a_file_with_no_usable_line_is_an_error(tmp_path: Path) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text("not an address\nx@\n")
    with pytest.raises(ConfigError) as caught:
        site_recipients(Site(root=tmp_path, title="t", url="https://e.org"), listing)
    assert str(caught.value).startswith(f"{listing}:1: ")
    assert "no line of it holds a usable address" in str(caught.value)


@pytest.mark.parametrize(
    "text",
    [
        "a@b.org\r\nBcc: victim@example.org",
        "ユーザー@example.jp",
        "",
        "<>",
        "two words@example.org",
    ],
)
def test_header_injection_and_odd_addresses_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_address(text)


def test_repeats_are_dropped_comparing_the_domain_without_case() -> None:
    unique, repeats = unique_recipients(
        [
            Recipient("A@example.org"),
            Recipient("b@example.org"),
            Recipient("A@EXAMPLE.org"),
            Recipient("a@example.org"),
        ]
    )
    # The local part is the receiving host's to compare (RFC 5321): Ann and ann may differ.
    assert [r.email for r in unique] == ["A@example.org", "b@example.org", "a@example.org"]
    assert repeats == ["A@EXAMPLE.org"]


# Names that end the To header once their RFC 2047 encoded words are decoded, or hold
# another control character (an escape, NEL, a line separator).
HOSTILE_NAMES = [
    "=?utf-8?q?M=0D=0ABcc:_victim@evil.example?=",
    "=?utf-8?q?M=0D=0A=0D=0Aforged_body?=",
    "=?utf-8?b?TQpCY2M6IHZpY3RpbUBldmlsLmV4YW1wbGU=?=",
    "=?utf-8?q?red=1B[31m?=",
    "=?utf-8?q?next=C2=85line?=",
    "=?utf-8?q?one=E2=80=A8two?=",
    "bell\a",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_csv_name_that_decodes_to_a_control_character_is_refused(
    tmp_path: Path, name: str
) -> None:
    listing = tmp_path / "list.csv"
    listing.write_text(f"email,name\nvictim@example.org,{name}\nb@example.org,B\n")
    recipients, problems = read_recipients_file(listing)
    assert recipients == [Recipient("b@example.org", "B")]
    (problem,) = problems
    assert problem.line == 2 and problem.message.startswith("name column: ")
    assert "control character" in problem.message


def test_a_csv_name_with_a_line_break_inside_quotes_is_refused(tmp_path: Path) -> None:
    listing = tmp_path / "list.csv"
    listing.write_text('email,name\nvictim@example.org,"M\nBcc: victim@evil.example"\n')
    recipients, problems = read_recipients_file(listing)
    assert recipients == [] and problems[0].message.startswith("name column: ")


@pytest.mark.parametrize("name", [*HOSTILE_NAMES, '"=?utf-8?q?red=1B[31m?="'])
def test_an_address_whose_name_decodes_to_a_control_character_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="control character"):
        parse_address(f"{name} <a@example.org>")


def test_an_address_with_a_line_break_in_a_quoted_encoded_name_is_refused() -> None:
    with pytest.raises(ValueError):
        parse_address('"=?utf-8?q?M=0D=0ABcc:_victim@evil.example?=" <a@example.org>')


def test_an_encoded_csv_name_is_decoded(tmp_path: Path) -> None:
    listing = tmp_path / "list.csv"
    listing.write_text("email,name\njose@example.org,=?utf-8?q?Jos=C3=A9__P?=\n")
    assert read_recipients_file(listing) == ([Recipient("jose@example.org", "José P")], [])


ATOM = st.text(st.sampled_from("aZ09_+-"), min_size=1, max_size=12)
LABEL = st.text(st.sampled_from("aZ09-"), min_size=1, max_size=12)


@given(
    local=st.lists(ATOM, min_size=1, max_size=3).map(".".join),
    domain=st.lists(LABEL, min_size=1, max_size=3).map(".".join),
)
def test_a_plain_address_is_read_as_the_header_parser_reads_it(local: str, domain: str) -> None:
    from email import policy

    text = f"{local}@{domain}"
    header = policy.default.header_factory("to", text)
    assert not header.defects
    assert parse_address(text) == header.addresses[0]
    assert parse_address(text).addr_spec == text


def test_R5_a_csv_row_with_a_huge_cell_is_skipped_with_a_warning(tmp_path: Path) -> None:
    """R5: a cell over the csv module's 131072-character limit raised csv.Error out of the
    list file's reader: a traceback from `send` and `subscribers add`."""
    listing = tmp_path / "list.csv"
    listing.write_text(
        "email,name\nann@example.org," + "x" * 200_000 + "\nbob@example.org,Bob\n",
        encoding="utf-8",
    )
    recipients, problems = read_recipients_file(listing)
    assert recipients == [Recipient("bob@example.org", "Bob")]
    assert [str(p) for p in problems] == [
        f"{listing}:2: cannot read this row: field larger than field limit (131072) — "
        "fix that row; it is skipped until then"
    ]


def test_R9_a_long_name_does_not_make_a_header_line_the_server_refuses(
    make_site: SiteFactory, smtp_server: MailServer
) -> None:
    """R9: a name of 2,000 letters (accepted by the list file, `add` and the importers)
    gave a `To:` line over SMTP's 1,000 octets; the server refused the message ("500 Line
    too long"), which was recorded as a refusal: that reader got no post, run after run.
    The line is skipped with a warning now, until its name is shortened."""
    site = make_site(AUTUMN_POST, subscribers_config(smtp_server.port))
    listing = site.root / "subscribers.txt"
    listing.write_text(
        "email,name\nann@example.org," + "a" * 2000 + "\nbob@example.org,Bob\n", encoding="utf-8"
    )
    result = send(load_site(site.root))
    assert result.report.refused == []
    assert smtp_server.handler.recipients() == ["bob@example.org"]
    assert [(w.line, "2000 characters long, more than the 200" in w.message) for w in
            result.warnings] == [(2, True)]  # fmt: skip
    listing.write_text(
        "email,name\nann@example.org," + "a" * 200 + "\nbob@example.org,Bob\n", encoding="utf-8"
    )
    write_posts(
        site.root / "_posts", {"2025-11-30-b.md": "---\ntitle: B\ndate: 2025-11-30\n---\nB.\n"}
    )
    result = send(load_site(site.root))
    assert result.report.refused == [] and result.warnings == []
    assert sorted(smtp_server.handler.recipients()[1:]) == ["ann@example.org", "bob@example.org"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("a" * 65 + "@example.org", "is 65 characters long, more than the 64"),
        ("a@" + ".".join(["b" * 63] * 4) + ".org", "is 261 characters long, more than the 254"),
        ("Ann " + "Lee " * 60 + "<ann@example.org>", "more than the 200 a name may have"),
        ("=?utf-8?q?" + "A" * 201 + "?= <ann@example.org>", "the name is 201 characters long"),
    ],
)
def test_a_line_over_the_length_limits_is_skipped(tmp_path: Path, line: str, message: str) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text(f"{line}\nbob@example.org\n", encoding="utf-8")
    recipients, problems = read_recipients_file(listing)
    assert recipients == [Recipient("bob@example.org")]
    assert [p.line for p in problems] == [1]
    assert message in problems[0].message, problems[0].message
