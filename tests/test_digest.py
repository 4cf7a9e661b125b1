"""The email digest: HTML a mail client can show, a readable text part, a parseable message."""

from __future__ import annotations

import email
import errno
import os
import re
import tempfile
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit

import lxml.html
import pytest
from lxml.etree import _Element

from conftest import DEFAULT_CONFIG, NOW, SIMPLE_POSTS, SiteFactory, build, runner, write_posts
from feedwright.cli import app
from feedwright.commands.digest import DigestOptions, digest_site
from feedwright.errors import DigestTemplateError
from feedwright.mail.digest import MAX_HTML_BYTES, DigestRenderer
from feedwright.mail.message import build_message, message_bytes
from feedwright.mail.recipients import Recipient
from feedwright.mail.wrapping import display_width
from feedwright.posts.collect import collect
from feedwright.site.model import Site

HOSTILE_POSTS: dict[str, str | bytes] = {
    "2025-11-29-script.md": """
        ---
        date: 2025-11-29 04:40:08 +0000
        title: "<script>alert('x')</script> & friends"
        tags: ["<b>bold</b>"]
        excerpt: "An excerpt with <img src=x onerror=alert(1)> in it & more."
        image:
          path: /img/photo.jpg
          width: 1200
          height: 800
          alt: A photo
        ---
        Body with a [relative link](../other.html).
        """,
    "2025-11-01-js-image.md": """
        ---
        title: Image that is not an image
        image: "javascript:alert(1)"
        ---
        Text.
        """,
    "2025-10-01-japanese.md": """
        ---
        title: 京都の秋
        ---
        朝七時の哲学の道は、観光客がまだ少なく、落ち葉を掃く音だけが聞こえます。川沿いの桜の木はすっかり赤く色づいていて、水面に映る色がとてもきれいでした。途中で小さな喫茶店に立ち寄り、ほうじ茶とどら焼きをいただきました。
        """,
}


def render(site: Site, count: int | None = None) -> tuple[str, str]:
    posts = collect(site, now=NOW).posts
    digest = DigestRenderer(site).render(posts[:count] if count else posts)
    return digest.html, digest.text


def _elements(document: _Element, path: str) -> list[_Element]:
    """The elements an XPath finds (lxml's stubs allow any kind of XPath result)."""
    found = document.xpath(path)
    assert isinstance(found, list)
    elements = [item for item in found if isinstance(item, _Element)]
    assert len(elements) == len(found)
    return elements


def _name(name: str | bytes) -> str:
    """An attribute name: lxml gives str (its stubs allow bytes too)."""
    assert isinstance(name, str)
    return name


def test_the_html_is_a_complete_email_document(make_site: SiteFactory) -> None:
    html, _ = render(make_site(HOSTILE_POSTS, DEFAULT_CONFIG.replace('"en"', '"ja"')))
    document = lxml.html.document_fromstring(html)
    assert html.startswith("<!DOCTYPE html>")
    assert document.get("lang") == "ja"
    head_metas = {meta.get("name") or meta.get("charset") for meta in document.iter("meta")}
    assert {"utf-8", "viewport", "color-scheme", "supported-color-schemes"} <= head_metas
    body = document.find("body")
    assert body is not None
    first = next(iter(body))
    assert "preheader" in first.get("class", "") and "display: none" in first.get("style", "")
    # A table layout at most 600 px wide, with the Outlook wrapper around it.
    assert "<!--[if mso]><table" in html and "<![endif]-->" in html
    assert "max-width:600px" in html


def test_nothing_dangerous_or_relative_is_left(make_site: SiteFactory) -> None:
    html, _ = render(make_site(HOSTILE_POSTS))
    document = lxml.html.document_fromstring(html)
    for tag in ("script", "form", "svg", "iframe", "object"):
        assert document.findall(f".//{tag}") == [], tag
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert('x')&lt;/script&gt; &amp; friends</a>" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    for element in document.iter():
        assert not [name for name in element.attrib if _name(name).lower().startswith("on")]
    # HtmlElement.iterlinks, which lxml's stubs leave out (they type the document as _Element).
    links: Iterator[tuple[_Element, str | None, str, int]] = lxml.html.iterlinks(document)
    for element, attribute, link, _ in links:
        assert urlsplit(link).scheme in ("https", "http"), (element.tag, attribute, link)
    assert "javascript:" not in html
    images = document.findall(".//img")
    assert [(img.get("width"), img.get("height"), img.get("alt")) for img in images] == [
        ("552", "368", "A photo")
    ]


def test_css_is_inlined_and_only_media_rules_stay_in_the_head(make_site: SiteFactory) -> None:
    html, _ = render(make_site(HOSTILE_POSTS))
    document = lxml.html.document_fromstring(html)
    styles = document.findall(".//style")
    assert len(styles) == 1
    parent = styles[0].getparent()
    assert parent is not None and parent.tag == "head"
    css = styles[0].text or ""
    assert len(css.encode()) < 16_000
    assert "@media" in css and "prefers-color-scheme: dark" in css
    assert re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", css).strip() == ""
    title_link = _elements(document, "//h2[contains(@class, 'post-title')]/a")[0]
    assert "color:" in title_link.get("style", "")
    assert "padding:" in _elements(document, "//td[contains(@class, 'post')]")[0].get("style", "")


def _html_part(eml: bytes) -> EmailMessage:
    message = email.message_from_bytes(eml, policy=policy.default)
    assert isinstance(message, EmailMessage)
    part = message.get_body(("html",))
    assert isinstance(part, EmailMessage)
    return part


def _japanese_site(root: Path, count: int, paragraphs: int) -> Site:
    from feedwright.site.config import load_site

    (root / "_posts").mkdir(parents=True)
    (root / "feedwright.toml").write_text(DEFAULT_CONFIG)
    write_posts(
        root / "_posts",
        {
            f"2025-01-01-post-{number:03}.md": f"---\ntitle: 記事 {number} title\n"
            f"date: 2025-01-01 00:{number // 60:02}:{number % 60:02} +0000\n---\n"
            + "長い本文の段落です。"
            * paragraphs
            for number in range(count)
        },
    )
    return load_site(root)


def test_a_huge_digest_stays_under_the_clipping_limit(tmp_path: Path) -> None:
    site = _japanese_site(tmp_path / "site", 500, 40)
    result = digest_site(site, DigestOptions(last=500, now=NOW))
    assert result.digest is not None
    # The limit holds for the HTML part as it travels, in its transfer encoding.
    html_part = _html_part((site.output / "digest.eml").read_bytes())
    assert html_part["Content-Transfer-Encoding"] == "base64"
    encoded = html_part.get_payload()
    assert isinstance(encoded, str) and MAX_HTML_BYTES - 10_000 < len(encoded) <= MAX_HTML_BYTES
    html = (site.output / "digest.html").read_text()
    listed, more = len(result.digest.listed), len(result.digest.more)
    assert listed > 10 and listed + more == 500
    # The newest posts are the ones shown in full; the next 20 are named by title and link,
    # the rest counted.
    assert "記事 499 title" in html and "記事 0 title" not in html
    left_out = result.digest.more
    for post in left_out[:20]:
        assert f'<a href="{post.url}"' in html and post.title in html
    assert left_out[20].title not in html
    assert f"And {more - 20} more posts on the site" in html
    text = (site.output / "digest.txt").read_text()
    assert f"* {left_out[0].title}\n  {left_out[0].url}\n" in text
    assert f"And {more - 20} more posts on the site: https://blog.example.org/" in text


def test_a_japanese_digest_travels_in_base64(tmp_path: Path) -> None:
    site = _japanese_site(tmp_path / "site", 30, 60)
    result = digest_site(site, DigestOptions(last=30, now=NOW))
    assert result.digest is not None and not result.digest.more
    html_bytes = (site.output / "digest.html").read_bytes()
    html_part = _html_part((site.output / "digest.eml").read_bytes())
    # Quoted-printable, which the email package picks from the document's ASCII head,
    # would take about three bytes for each byte of Japanese.
    assert html_part["Content-Transfer-Encoding"] == "base64"
    encoded = html_part.get_payload()
    assert isinstance(encoded, str) and len(encoded) < 1.4 * len(html_bytes)
    # Text in MIME ends its lines with CR LF.
    assert html_part.get_content().replace("\r\n", "\n").encode() == html_bytes


def test_no_part_carries_a_mime_version(simple_site: Site) -> None:
    message = email.message_from_bytes(
        (simple_site.output / "digest.eml").read_bytes(), policy=policy.default
    )
    assert message["MIME-Version"] == "1.0"
    parts = list(message.iter_parts())
    assert [part.get_content_type() for part in parts] == ["text/plain", "text/html"]
    assert all(part["MIME-Version"] is None for part in parts)


def test_the_text_parts_meta_lines_are_wrapped(make_site: SiteFactory) -> None:
    tags = ", ".join(f"tag-number-{number}" for number in range(12))
    site = make_site({"2025-11-29-tags.md": f"---\ntitle: Many tags\ntags: [{tags}]\n---\nText.\n"})
    _, text = render(site)
    assert "tag-number-11" in text
    assert all(display_width(line) <= 72 for line in text.splitlines() if "tag-number" in line)


def test_the_text_part_is_wrapped_and_readable(make_site: SiteFactory) -> None:
    _, text = render(make_site(HOSTILE_POSTS))
    assert "<script>alert('x')</script> & friends" in text  # plain text: nothing escaped
    for line in text.splitlines():
        if not line.startswith(("http", "Read more: http")):
            assert display_width(line) <= 72, line
    assert "Read more: https://blog.example.org/2025/10/01/japanese.html" in text
    japanese = [line for line in text.splitlines() if "哲学" in line or "観光客" in line]
    assert japanese and all(not line.startswith(("、", "。")) for line in japanese)


def test_digest_files_are_deterministic_and_parse(simple_site: Site) -> None:
    first = {
        name: (simple_site.output / name).read_bytes() for name in ("digest.html", "digest.eml")
    }
    again = build(simple_site)
    assert not [path for path in again.report.written if path.name.startswith("digest")]
    assert {name: (simple_site.output / name).read_bytes() for name in first} == first
    message = email.message_from_bytes(first["digest.eml"], policy=policy.default)
    assert isinstance(message, EmailMessage)
    assert [part.get_content_type() for part in message.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    assert message["From"].addresses[0].addr_spec == "noreply@blog.example.org"
    assert message["Message-ID"].endswith("@blog.example.org>")
    assert "List-Unsubscribe" not in message  # no unsubscribe URL configured


@pytest.fixture
def mine(tmp_path: Path) -> Path:
    """A folder for the user's own digest templates."""
    folder = tmp_path / "mine"
    folder.mkdir()
    return folder


def test_user_templates_override_the_defaults(make_site: SiteFactory, mine: Path) -> None:
    site = make_site(SIMPLE_POSTS)
    (mine / "digest.txt.j2").write_text(
        "{% for post in posts %}* {{ post.title }} <{{ post.url }}>\n{% endfor %}"
    )
    result = digest_site(site, DigestOptions(last=5, templates=mine, now=NOW))
    assert result.digest is not None
    assert result.digest.text == (
        "* Second post <https://blog.example.org/news/2025/11/29/second.html>\n"
        "* First post <https://blog.example.org/2025/10/01/first.html>\n"
    )
    assert "<!DOCTYPE html>" in result.digest.html  # the HTML template is still the default
    # Compiled templates are kept in the site's data folder; an edit is seen at once.
    assert any((site.data_folder / "compiled-templates").iterdir())
    (mine / "digest.txt.j2").write_text("{% for post in posts %}- {{ post.title }}\n{% endfor %}")
    edited = digest_site(site, DigestOptions(last=5, templates=mine, now=NOW))
    assert edited.digest is not None
    assert edited.digest.text == "- Second post\n- First post\n"


def test_a_misspelt_variable_names_the_template_and_line(
    make_site: SiteFactory, mine: Path
) -> None:
    site = make_site(SIMPLE_POSTS)
    (mine / "digest.txt.j2").write_text(
        "Hello\n{% for post in posts %}\n{{ post.titel }}\n{% endfor %}\n"
    )
    with pytest.raises(DigestTemplateError) as caught:
        digest_site(site, DigestOptions(last=1, templates=mine, now=NOW))
    message = str(caught.value)
    assert message.startswith(f"{mine / 'digest.txt.j2'}:3:") and "titel" in message
    (mine / "digest.txt.j2").write_text("Hello\n{% for post in posts %}\n")
    with pytest.raises(DigestTemplateError, match=r"digest.txt.j2:2: template syntax error"):
        digest_site(site, DigestOptions(last=1, templates=mine, now=NOW))
    assert not (site.output / "digest.txt").exists()


def test_a_template_that_makes_no_document_is_a_template_error(
    make_site: SiteFactory, mine: Path
) -> None:
    site = make_site(SIMPLE_POSTS)
    (mine / "digest.html.j2").write_text("{# nothing yet #}\n")
    with pytest.raises(DigestTemplateError, match=r"digest.html.j2: the template made an empty"):
        digest_site(site, DigestOptions(last=1, templates=mine, now=NOW))


def test_digest_command_selects_and_never_touches_the_state(make_site: SiteFactory) -> None:
    site = make_site(SIMPLE_POSTS)
    result = runner.invoke(app, ["digest", str(site.root), "--since", "2025-11-01"])
    assert result.exit_code == 0, result.output
    assert "digest of 1 post:" in result.stdout
    assert "Second post" in (site.output / "digest.txt").read_text()
    assert not site.state_path.exists()
    nothing = runner.invoke(app, ["digest", str(site.root), "--since", "2026-06-01"])
    assert nothing.exit_code == 0 and nothing.stdout.startswith("no new posts since 2026-06-01")
    both = runner.invoke(app, ["digest", str(site.root), "--days", "3", "--last", "2"])
    assert both.exit_code == 2 and "choose one of" in both.stderr
    bad = runner.invoke(app, ["digest", str(site.root), "--since", "last tuesday"])
    assert bad.exit_code == 2 and "error: --since 'last tuesday'" in bad.stderr
    assert "write it like 2025-11-01" in bad.stderr


def test_digest_defaults_to_what_send_would_mail(make_site: SiteFactory) -> None:
    site = make_site(SIMPLE_POSTS, DEFAULT_CONFIG + "\n[digest]\nmax_posts = 1\n")
    result = digest_site(site, DigestOptions(now=NOW))
    assert [post.title for post in result.posts] == ["Second post"]


def test_header_values_that_need_quoting_survive_the_message(make_site: SiteFactory) -> None:
    config = DEFAULT_CONFIG.replace('title = "Test Blog"', 'title = "号外 \\"特集\\" <速報>"')
    site = make_site(SIMPLE_POSTS, config)
    posts = collect(site, now=NOW).posts
    reader = Recipient(email='"john doe"@example.org', name="John, Jr.")
    digest = DigestRenderer(site).render(posts, reader)
    raw = message_bytes(build_message(site, digest, reader.address, NOW))
    message = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    (to,) = message["To"].addresses
    assert (to.display_name, to.addr_spec) == ("John, Jr.", '"john doe"@example.org')
    assert str(message["List-ID"]) == "号外 特集 速報 <digest.blog.example.org>"
    assert all(len(line) <= 78 for line in raw.split(b"\r\n"))


def _disk_full(*args: object, **kwargs: object) -> NoReturn:
    """Jinja2 writes each compiled template to a named temporary file: on a full disk."""
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_compiled_templates_that_cannot_be_kept_are_a_warning_for_build(
    make_site: SiteFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site(SIMPLE_POSTS)
    monkeypatch.setattr(tempfile, "NamedTemporaryFile", _disk_full)
    result = build(site)
    assert "Second post" in (site.output / "digest.html").read_text(encoding="utf-8")
    (warning,) = [w for w in result.collection.warnings if w.path.name == "compiled-templates"]
    assert "No space left on device" in str(warning)


def test_compiled_templates_that_cannot_be_kept_are_a_warning_for_digest(
    make_site: SiteFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site(SIMPLE_POSTS)
    monkeypatch.setattr(tempfile, "NamedTemporaryFile", _disk_full)
    result = digest_site(site, DigestOptions(last=5, now=NOW))
    assert result.digest is not None and result.report.written
    (warning,) = [w for w in result.collection.warnings if w.path.name == "compiled-templates"]
    assert str(warning).startswith(f"{site.data_folder / 'compiled-templates'}: ")


def test_the_digest_command_prints_the_warnings_with_verbose(make_site: SiteFactory) -> None:
    marked = "---\ntitle: Marked\ndate: 2025-11-20\n---\nText.\n\n---END---\n"
    site = make_site({"2025-11-20-marked.md": marked})
    quiet = runner.invoke(app, ["digest", str(site.root), "--last", "1"])
    verbose = runner.invoke(app, ["--verbose", "digest", str(site.root), "--last", "1"])
    assert quiet.exit_code == verbose.exit_code == 0
    assert "---END---" not in quiet.stderr
    assert "warning: " in verbose.stderr and "stray `---END---` line" in verbose.stderr


THREE_POSTS: dict[str, str | bytes] = {
    f"2025-11-{day:02}-post.md": f"---\ntitle: Post of day {day}\n---\nText of day {day}.\n"
    for day in (1, 15, 29)
}


@pytest.mark.parametrize(
    ("lang", "subject", "date_text", "intro"),
    [
        ("en", "Post of day 29 and 2 more", "November 29, 2025", "New posts, Nov 1 – 29, 2025"),
        ("ja", "Post of day 29 ほか2件", "2025年11月29日", "新しい記事（2025年11月1日～29日）"),
        # A language CLDR does not know is written in English.
        ("qaa", "Post of day 29 and 2 more", "November 29, 2025", "New posts, Nov"),
    ],
)
def test_subject_and_dates_speak_the_sites_language(
    make_site: SiteFactory, lang: str, subject: str, date_text: str, intro: str
) -> None:
    site = make_site(THREE_POSTS, DEFAULT_CONFIG.replace('lang = "en"', f'lang = "{lang}"'))
    posts = collect(site, now=NOW).posts
    digest = DigestRenderer(site).render(posts)
    assert digest.subject == subject
    html = " ".join(digest.html.split())
    assert date_text in html and date_text in digest.text
    assert " ".join(intro.split()) in " ".join(html.replace("\u2009", " ").split())


def test_the_default_subject_of_one_post_is_its_title(make_site: SiteFactory) -> None:
    site = make_site(THREE_POSTS)
    posts = collect(site, now=NOW).posts
    assert DigestRenderer(site).render(posts[:1]).subject == "Post of day 29"
    assert DigestRenderer(site).render(posts[:2]).subject == "Post of day 29 and 1 more"
