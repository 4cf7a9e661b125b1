"""The email digest: HTML a mail client can show, a readable text part, a parseable message."""

from __future__ import annotations

import email
import errno
import os
import re
import struct
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
from feedwright.posts.images import image_size
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
    title_link = _elements(document, "//h2[contains(@class, 'fw-title')]/a")[0]
    assert "color:" in title_link.get("style", "")
    assert "padding:" in _elements(document, "//td[contains(@class, 'fw-post')]")[0].get(
        "style", ""
    )


def _html_part(eml: bytes) -> EmailMessage:
    message = email.message_from_bytes(eml, policy=policy.default)
    assert isinstance(message, EmailMessage)
    part = message.get_body(("html",))
    assert isinstance(part, EmailMessage)
    return part


def _japanese_site(
    root: Path, count: int, paragraphs: int, digest: str = 'layout = "equal"'
) -> Site:
    """A site of ``count`` posts of Japanese text. Every post's excerpt is shown whole (the
    "equal" layout): the HTML is mostly Japanese, as the encoding tests need."""
    from feedwright.site.config import load_site

    (root / "_posts").mkdir(parents=True)
    (root / "feedwright.toml").write_text(f"{DEFAULT_CONFIG}\n[digest]\n{digest}\n")
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
        assert f'<a class="fw-link" href="{post.url}"' in html and post.title in html
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


def test_templates_get_what_they_may_need(make_site: SiteFactory, mine: Path) -> None:
    config = DEFAULT_CONFIG + (
        '\n[digest]\nlogo = { url = "/img/logo.png", width = 160, height = 40, alt = "TB" }\n'
    )
    site = make_site(
        {
            "2025-11-29-full.md": """
                ---
                title: Full post
                lang: ja
                mood: calm
                series: { name: Autumn, part: 2 }
                ---
                See [the map](../map.html) and <img src="big.png" width="1200" height="600">.

                <script>alert(1)</script><a href="javascript:alert(1)" onclick="x()">bad</a>
                """
        },
        config,
    )
    (mine / "digest.txt.j2").write_text(
        "{% for post in posts %}{{ post.content }}|{{ post.extra.mood }}|"
        "{{ post.extra.series.part }}|{{ post.lang }}{% endfor %}|{{ site.author }}|"
        "{{ site.logo.url }} {{ site.logo.width }}x{{ site.logo.height }} {{ site.logo.alt }}|"
        "{{ content_width }}|{{ recipient.email }}"
    )
    result = digest_site(site, DigestOptions(last=1, templates=mine, now=NOW))
    assert result.digest is not None
    content, mood, part, lang, author, logo, width, email_address = result.digest.text.split("|")
    fragment = lxml.html.fragment_fromstring(content, create_parent="div")
    links = [link.get("href") for link in fragment.iter("a")]
    assert links == ["https://blog.example.org/2025/11/map.html", None]
    (image,) = fragment.iter("img")
    assert image.get("src") == "https://blog.example.org/2025/11/29/big.png"
    assert (image.get("width"), image.get("height")) == ("552", "276")
    assert "script" not in content and "onclick" not in content and "javascript" not in content
    assert (mood, part, lang, author) == ("calm", "2", "ja", "Test Author")
    assert logo == "https://blog.example.org/img/logo.png 160x40 TB"
    assert (width, email_address) == ("552", "noreply@blog.example.org")


def test_a_post_without_a_language_has_the_sites(make_site: SiteFactory) -> None:
    site = make_site(THREE_POSTS)
    posts = collect(site, now=NOW).posts
    from feedwright.mail.digest import digest_entry

    entry = digest_entry(posts[0], site, 100)
    assert (entry.lang, dict(entry.extra), entry.paragraphs) == ("en", {}, ("Text of day 29.",))


IMAGE_POSTS: dict[str, str | bytes] = {
    "2025-11-29-newest.md": """
        ---
        title: The newest
        image: {path: /img/new.jpg, width: 1200, height: 600, alt: The newest}
        ---
        The newest post's first [paragraph](/p.html).
        """,
    "2025-11-20-older.md": """
        ---
        title: An older one
        image: {path: /img/old.jpg, width: 400, height: 300, alt: A red maple}
        ---
        The older post's first paragraph, which is long enough to be cut short on one line
        in the compact entry of the featured layout.
        """,
    "2025-11-10-plain.md": "---\ntitle: No image\n---\nJust words.\n",
}


def _document(site: Site) -> _Element:
    html, _ = render(site)
    return lxml.html.document_fromstring(html)


def _with_digest(settings: str) -> str:
    return DEFAULT_CONFIG + "\n[digest]\n" + settings + "\n"


def _style(element: _Element) -> dict[str, str]:
    """An element's inline style as a mapping of property to value."""
    pairs = (part.split(":", 1) for part in element.get("style", "").split(";") if ":" in part)
    return {name.strip(): value.strip() for name, value in pairs}


def _classes(document: _Element, name: str) -> list[_Element]:
    return _elements(
        document, f"descendant-or-self::*[contains(concat(' ', @class, ' '), ' {name} ')]"
    )


def test_the_masthead_shows_the_logo_or_the_site_title(make_site: SiteFactory) -> None:
    logo = 'logo = { url = "/img/logo.png", width = 180, height = 48, alt = "Test Blog logo" }'
    (masthead,) = _classes(_document(make_site(IMAGE_POSTS, _with_digest(logo))), "fw-masthead")
    assert masthead.get("align") == "center" and _style(masthead)["text-align"] == "center"
    top, _, bottom, _ = (
        int(side.removesuffix("px")) for side in _style(masthead)["padding"].split()
    )
    assert top >= 24 and bottom >= 24
    (image,) = masthead.iter("img")
    assert (image.get("src"), image.get("width"), image.get("height"), image.get("alt")) == (
        "https://blog.example.org/img/logo.png", "180", "48", "Test Blog logo",
    )  # fmt: skip
    (plain,) = _classes(_document(make_site(IMAGE_POSTS)), "fw-masthead")
    assert not list(plain.iter("img"))
    (title,) = _classes(plain, "fw-site-title")
    assert title.text == "Test Blog" and _style(title)["font-size"] == "26px"


def _post_cells(document: _Element) -> list[_Element]:
    return _classes(document, "fw-post")


def test_the_featured_layout_shows_the_newest_post_large(make_site: SiteFactory) -> None:
    first, second, third = _post_cells(_document(make_site(IMAGE_POSTS)))
    assert _classes(first, "fw-title-featured") and _classes(first, "fw-button")
    (image,) = _classes(first, "fw-image")
    assert (image.get("width"), image.get("height")) == ("552", "276")
    for compact in (second, third):
        assert _classes(compact, "fw-title-compact") and not _classes(compact, "fw-button")
    (thumbnail,) = _classes(second, "fw-thumbnail")
    assert (thumbnail.get("width"), thumbnail.get("height"), thumbnail.get("alt")) == (
        "96", "72", "A red maple",
    )  # fmt: skip
    (line,) = _classes(second, "fw-line")
    assert line.text is not None and display_width(line.text) <= 56 and line.text.endswith("…")
    assert not _classes(third, "fw-thumbnail")


def test_the_equal_and_list_layouts(make_site: SiteFactory) -> None:
    equal = _post_cells(_document(make_site(IMAGE_POSTS, _with_digest('layout = "equal"'))))
    assert all(_classes(cell, "fw-title-equal") and _classes(cell, "fw-button") for cell in equal)
    assert [len(_classes(cell, "fw-image")) for cell in equal] == [1, 1, 0]
    listed = make_site(IMAGE_POSTS, _with_digest('layout = "list"'))
    html, text = render(listed)
    for cell in _post_cells(lxml.html.document_fromstring(html)):
        assert _classes(cell, "fw-title-compact") and _classes(cell, "fw-meta")
        assert not list(cell.iter("img")) and not _classes(cell, "fw-button")
    assert "Just words." not in html and "Just words." not in text


def test_buttons_are_table_cells_a_finger_can_hit(make_site: SiteFactory) -> None:
    for accent, text_colour in (("#1d4ed8", "#fff"), ("#FFCC00", "#111827")):
        site = make_site(IMAGE_POSTS, _with_digest(f'layout = "equal"\naccent = "{accent}"'))
        buttons = _classes(_document(site), "fw-button")
        assert len(buttons) == 3
        for button in buttons:
            cell = button.getparent()
            assert cell is not None and cell.tag == "td"
            # The cell carries the colour and, for Outlook, the padding.
            assert cell.get("bgcolor") == accent.lower()
            assert _style(cell)["mso-padding-alt"] == "12px 24px"
            style = _style(button)
            assert style["display"] == "inline-block" and style["color"] == text_colour
            vertical = sum(int(side.removesuffix("px")) for side in style["padding"].split()[:1])
            assert 2 * vertical + int(style["line-height"].removesuffix("px")) >= 44


def test_titles_take_the_text_colour_and_links_the_accent(make_site: SiteFactory) -> None:
    site = make_site(IMAGE_POSTS, _with_digest('accent = "#0a7"\ncontent = "full"'))
    document = _document(site)
    for link in _classes(document, "fw-title-link"):
        assert _style(link)["color"] == "#111827"
    (content_link,) = _elements(document, "//div[@class='fw-content']//a")
    assert _style(content_link)["color"] in ("#00aa77", "#0a7")
    buttons = _classes(document, "fw-button-cell")
    assert buttons and all(button.get("bgcolor") == "#00aa77" for button in buttons)


def _dark_selectors(html: str) -> list[str]:
    css = lxml.html.document_fromstring(html).findtext(".//style") or ""
    block = css[css.index("prefers-color-scheme: dark") :]
    return [
        selector.strip()
        for rule in re.findall(r"([^{}]+)\{[^{}]*\}", block.split("{", 1)[1])
        for selector in rule.split(",")
    ]


def test_dark_mode_rules_name_only_the_templates_own_classes(make_site: SiteFactory) -> None:
    html, _ = render(make_site(IMAGE_POSTS, _with_digest('content = "full"')))
    selectors = _dark_selectors(html)
    assert len(selectors) > 10
    for selector in selectors:
        # The element a rule colours is one of the template's: no `a`, no `.fw-post a`.
        assert re.fullmatch(r"\.fw-[a-z-]+", selector.split()[-1]), selector


def test_the_footer_says_why_where_from_and_how_to_leave(make_site: SiteFactory) -> None:
    settings = (
        'unsubscribe_url = "https://blog.example.org/u?e={email}"\n'
        'address = "Test Blog\\n1 Example Road\\nSpringfield 12345"'
    )
    html, text = render(make_site(IMAGE_POSTS, _with_digest(settings)))
    (footer,) = _classes(lxml.html.document_fromstring(html), "fw-footer")
    words = " ".join(lxml.html.tostring(footer, method="text", encoding="unicode").split())
    assert "you subscribed to Test Blog by email" in words
    assert "Test Blog, 1 Example Road, Springfield 12345" in words
    links = {link.text: link.get("href") for link in footer.iter("a")}
    assert links == {
        "Unsubscribe": "https://blog.example.org/u?e=",
        "Follow by feed": "https://blog.example.org/feed.atom",
        "Test Blog": "https://blog.example.org/",
    }
    assert "Follow by feed: https://blog.example.org/feed.atom" in text
    assert "1 Example Road\nSpringfield 12345\n" in text
    assert "you subscribed to Test Blog by email" in " ".join(text.split())


def test_images_as_email_clients_need_them(make_site: SiteFactory) -> None:
    html, _ = render(make_site(IMAGE_POSTS, _with_digest('layout = "equal"')))
    document = lxml.html.document_fromstring(html)
    images = _classes(document, "fw-image")
    # The alt of an image that only repeats the title beside it is empty, and its link,
    # the title's twin, is hidden from screen readers and the keyboard.
    assert [image.get("alt") for image in images] == ["", "A red maple"]
    links = [image.getparent() for image in images]
    assert [(link.get("aria-hidden"), link.get("tabindex")) for link in links if link is not None] == [
        ("true", "-1"), (None, None),
    ]  # fmt: skip
    for image in images:
        assert image.get("width") and image.get("height")
        assert _style(image)["background-color"] == "#e5e7eb"  # while it loads, or blocked
        assert "bgcolor" not in image.attrib
    narrow = (document.findtext(".//style") or "").split("max-width: 620px", 1)[1]
    assert re.search(r"\.fw-image \{\s*width: 100% !important", narrow)


def test_outlook_and_apple_mail_get_their_settings(make_site: SiteFactory) -> None:
    html, _ = render(make_site(IMAGE_POSTS))
    head = html[: html.index("</head>")]
    assert re.search(
        r"<!--\[if mso\]><xml><o:OfficeDocumentSettings>.*<o:PixelsPerInch>96</o:PixelsPerInch>"
        r".*</o:OfficeDocumentSettings></xml><!\[endif\]-->",
        head,
    )
    assert 'xmlns:o="urn:schemas-microsoft-com:office:office"' in html
    assert "a[x-apple-data-detectors]" in head
    document = lxml.html.document_fromstring(html)
    for paragraph in document.iter("p", "h2"):
        assert _style(paragraph)["mso-line-height-rule"] == "exactly"


FULL_POST: dict[str, str | bytes] = {
    "2025-11-29-full.md": """
        ---
        title: A whole post
        ---
        First paragraph with [a link](other.html) and [an anchor](#notes).

        ![A wide photo](/img/wide.jpg)

        <img src="tall.png" width="1104" height="2000" alt="Tall"> <img src="no-alt.png">

        - one item
        - another item

        <a class="button" href="/join" style="background: #000; color: #ff0">Join</a>

        <iframe src="https://evil.example/"></iframe><form action="/x"><input></form>
        <title>A page's leftover title</title><meta http-equiv="refresh" content="0">
        <p onmouseover="steal()">Last <a href="data:text/html,x">words</a>.</p>
        """,
    "2025-11-01-older.md": "---\ntitle: Older\n---\nThe older post, whole.\n\nIts second part.\n",
}


def test_full_posts_in_the_email(make_site: SiteFactory) -> None:
    site = make_site(FULL_POST, _with_digest('content = "full"'))
    html, text = render(site)
    document = lxml.html.document_fromstring(html)
    first, second = _classes(document, "fw-content")
    # Whole posts are all shown large (images take the column), the newest the largest.
    assert (
        len(_classes(document, "fw-title-featured"))
        == len(_classes(document, "fw-title-equal"))
        == 1
    )
    assert not _classes(document, "fw-title-compact")
    links = {link.text: link for link in first.iter("a")}
    assert links["a link"].get("href") == "https://blog.example.org/2025/11/29/other.html"
    assert links["an anchor"].get("href") == "https://blog.example.org/2025/11/29/full.html#notes"
    assert links["a link"].get("class") == "fw-link"  # coloured by the template
    # A button of the post's own keeps its class and colours.
    assert links["Join"].get("class") == "button" and "#ff0" in links["Join"].get("style", "")
    assert links["words"].get("href") is None
    wide, tall, no_alt = first.iter("img")
    assert no_alt.get("alt") == ""
    assert wide.get("src") == "https://blog.example.org/img/wide.jpg" and wide.get("width") is None
    assert (tall.get("width"), tall.get("height")) == ("552", "1000")
    for image in (wide, tall):
        assert _style(image)["max-width"] == "100%" and _style(image)["height"] == "auto"
    assert (wide.get("alt"), tall.get("alt")) == ("A wide photo", "Tall")
    assert all(image.get("alt") is not None for image in first.iter("img"))
    for tag in ("iframe", "form", "input"):
        assert not list(document.iter(tag))
    assert "onmouseover" not in html and "evil.example" not in html
    assert "leftover" not in html and "refresh" not in html
    assert "Its second part." in lxml.html.tostring(second, method="text", encoding="unicode")
    # The text part has every paragraph and list item.
    assert "First paragraph with a link and an anchor." in text
    assert "* one item\n" in text and "Its second part." in text
    assert "Last words." in text


def test_html5_empty_elements_hold_nothing_in_the_email(make_site: SiteFactory) -> None:
    # lxml's parser knows HTML 4: it put what follows a <source> or <track> inside it.
    body = (
        '<picture><source srcset="/img/a.webp"><img src="/img/a.jpg" alt="A"></picture>\n\n'
        '<video controls><source src="/v.mp4" type="video/mp4"><track src="/v.vtt"></video>\n\n'
        "After the media, a <wbr>paragraph.\n"
    )
    site = make_site(
        {"2025-11-29-media.md": f"---\ntitle: Media\n---\n{body}"}, _with_digest('content = "full"')
    )
    html, text = render(site)
    # (lxml would read the HTML as HTML 4 too: the checks read it as text.) An empty element
    # has no end tag, so what follows it is its sibling.
    assert "</source>" not in html and "</track>" not in html and "</wbr>" not in html
    picture = re.search(r"<picture>(.*?)</picture>", html, re.DOTALL)
    assert picture is not None and re.fullmatch(r"<source[^>]*><img [^>]*>", picture[1])
    video = re.search(r"<video controls>(.*?)</video>", html, re.DOTALL)
    assert video is not None and re.fullmatch(r"<source [^>]*><track [^>]*>", video[1])
    assert "After the media, a paragraph." in text


def test_full_posts_stay_under_the_clipping_limit(tmp_path: Path) -> None:
    site = _japanese_site(tmp_path / "site", 60, 200, 'content = "full"')
    result = digest_site(site, DigestOptions(last=60, now=NOW))
    assert result.digest is not None and result.digest.more and len(result.digest.listed) > 3
    encoded = _html_part((site.output / "digest.eml").read_bytes()).get_payload()
    assert isinstance(encoded, str) and len(encoded) <= MAX_HTML_BYTES


JAPANESE_TITLES: dict[str, str | bytes] = {
    "2025-11-29-walk.md": "---\ntitle: 京都の秋を歩く、朝の哲学の道\n---\n朝の散歩の話です。\n",
    "2025-11-20-repeat.md": (
        "---\ntitle: 紅葉の季節\n---\n紅葉の季節。\n\n# 紅葉の季節\n\n今年は色づくのが遅めでした。\n"
    ),
    "2025-11-10-english.md": "---\ntitle: A title in English words\nlang: en\n---\nWords.\n",
}


def test_japanese_titles_break_only_between_phrases(make_site: SiteFactory) -> None:
    site = make_site(JAPANESE_TITLES, DEFAULT_CONFIG.replace('"en"', '"ja"'))
    html, text = render(site)
    document = lxml.html.document_fromstring(html)
    titles = {
        lxml.html.tostring(h2, method="text", encoding="unicode", with_tail=False): h2
        for h2 in _elements(document, "//h2[contains(@class, 'fw-title')]")
    }
    # Lines break only at the zero-width spaces between phrases (Gmail for iOS and
    # Outlook for Windows drop a <wbr>), never before the last two characters.
    walk = titles["京都の\u200b秋を\u200b歩く、\u200b朝の\u200b哲学の道"]
    (span,) = walk.iter("span")
    assert span.get("style") == "word-break: keep-all;"
    english = titles["A title in English words"]
    assert not list(english.iter("span"))
    assert "keep-all" not in lxml.html.tostring(english, encoding="unicode")
    assert "\u200b" not in text and "京都の秋を歩く、朝の哲学の道" in text
    assert "<wbr" not in html


@pytest.mark.parametrize(
    ("title", "lang", "pieces"),
    [
        ("京都の秋を歩く", "ja", ["京都の", "秋を歩く"]),  # 「歩く」 alone would be two
        # BudouX makes the bracket a phrase: a line would end with it.
        (
            "地図の使い方を学び直す（その20）",
            "ja",
            ["地図の", "使い方を", "学び直す", "（その20）"],
        ),
        ("今天我们去公园散步", "zh-CN", ["今天", "我们", "去", "公园散步"]),
        ("今天我們去公園散步", "zh-Hant-TW", ["今天", "我們", "去", "公園散步"]),
        ("京都の秋を歩く", "ja-JP", ["京都の", "秋を歩く"]),
        ("Hello world", "en", ["Hello world"]),
        ("", "ja", []),
    ],
)
def test_phrases(title: str, lang: str, pieces: list[str]) -> None:
    from feedwright.mail.phrases import phrases

    assert phrases(title, lang) == pieces


def test_an_excerpt_that_repeats_the_title_gives_way_to_the_next_paragraph(
    make_site: SiteFactory,
) -> None:
    site = make_site(JAPANESE_TITLES, DEFAULT_CONFIG.replace('"en"', '"ja"'))
    posts = {post.title: post for post in collect(site, now=NOW).posts}
    from feedwright.mail.digest import digest_entry

    assert digest_entry(posts["紅葉の季節"], site, 100).excerpt == "今年は色づくのが遅めでした。"
    assert digest_entry(posts["京都の秋を歩く、朝の哲学の道"], site, 100).excerpt == (
        "朝の散歩の話です。"
    )


@pytest.mark.parametrize(
    ("text", "short"),
    [
        ("Short enough.", "Short enough."),
        ("The older post's first paragraph, which is long", "The older post's first…"),
        ("紅葉の季節、朝七時の哲学の道を歩いてみました。", "紅葉の季節、朝七時の哲…"),
    ],
)
def test_shorten_counts_columns(text: str, short: str) -> None:
    from feedwright.mail.digest import shorten

    assert shorten(text, 24) == short


def _png(width: int, height: int) -> bytes:
    header = struct.pack(">II", width, height) + b"\x08\x02\x00\x00\x00"
    return b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + header + b"\x00" * 4


def _jpeg(width: int, height: int) -> bytes:
    exif = b"\xff\xe1" + struct.pack(">H", 2 + 6) + b"Exif\x00\x00"
    frame = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 3) + b"\x00" * 3
    return b"\xff\xd8" + exif + frame + b"\xff\xd9"


@pytest.mark.parametrize(
    ("data", "size"),
    [
        (_png(1104, 2000), (1104, 2000)),
        (b"GIF89a" + struct.pack("<HH", 40, 30) + b"\x00" * 8, (40, 30)),
        (_jpeg(640, 480), (640, 480)),
        (
            b"RIFF\x00\x00\x00\x00WEBPVP8X"
            + b"\x00" * 8
            + (799).to_bytes(3, "little")
            + (599).to_bytes(3, "little"),
            (800, 600),
        ),
        (b"<svg></svg>", None),
        (_png(0, 10), None),
    ],
)
def test_an_image_files_size_is_read_from_its_first_bytes(
    data: bytes, size: tuple[int, int] | None
) -> None:
    assert image_size(data) == size


def test_an_image_without_a_size_takes_its_files(make_site: SiteFactory) -> None:
    site = make_site(
        {
            "2025-11-29-local.md": "---\ntitle: Local\nimage: /img/tall photo.png\n---\nText.\n",
            "2025-11-28-remote.md": (
                "---\ntitle: Remote\nimage: https://elsewhere.example/a.png\n---\nText.\n"
            ),
        },
        _with_digest('layout = "equal"'),
    )
    (site.root / "img").mkdir()
    (site.root / "img" / "tall photo.png").write_bytes(_png(1104, 2000))
    html, _ = render(site)
    document = lxml.html.document_fromstring(html)
    images = {image.get("src"): image for image in document.iter("img")}
    local = images["https://blog.example.org/img/tall%20photo.png"]
    assert (local.get("width"), local.get("height")) == ("552", "1000")
    # A file the site does not hold keeps the column's width, and no height.
    remote = images["https://elsewhere.example/a.png"]
    assert remote.get("width") == "552" and remote.get("height") is None


def test_whole_posts_images_without_a_size_take_their_files(make_site: SiteFactory) -> None:
    body = '![A wide one](/img/wide.png)\n\n<img src="/img/photo.jpg" width="300" alt="P">\n'
    site = make_site(
        {"2025-11-29-photos.md": f"---\ntitle: Photos\n---\n{body}"},
        _with_digest('content = "full"'),
    )
    (site.root / "img").mkdir()
    (site.root / "img" / "wide.png").write_bytes(_png(1104, 2000))
    (site.root / "img" / "photo.jpg").write_bytes(_jpeg(600, 400))
    html, _ = render(site)
    document = lxml.html.document_fromstring(html)
    images = {image.get("alt"): image for image in document.iter("img")}
    assert (images["A wide one"].get("width"), images["A wide one"].get("height")) == (
        "552",
        "1000",
    )
    # The width the post gives is kept; the height follows the file's proportions.
    assert (images["P"].get("width"), images["P"].get("height")) == ("300", "200")
