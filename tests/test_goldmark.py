"""A Hugo site's Markdown as Hugo 0.111's goldmark renders it: the HTML below is what
`hugo` 0.111.3 built for the same small posts (its entities written as characters)."""

from __future__ import annotations

from pathlib import Path

from conftest import build, parse_feed, write_posts
from feedwright.posts.markdown import render_markdown
from feedwright.site.config import load_site
from feedwright.site.model import GOLDMARK, KRAMDOWN, PLAIN_MARKDOWN

HUGO_TOML = 'baseURL = "https://example.org/"\ntitle = "T"\n'


def _content(root: Path, files: dict[str, str | bytes]) -> str:
    """The Atom content of the only post of a Hugo site made of ``files``."""
    write_posts(root, files)
    build(load_site(root))
    (entry,) = parse_feed(root / "out/feed.atom").entries
    return str(entry.content[0].value)


POST = (
    '---\ntitle: It\'s "here"\ndate: 2024-01-02\n---\n'
    'Some <span class="x">raw</span> text.\n\n<div class="note">A note.</div>\n\n'
    '"Quoted" -- and --- and ... and << >>; it\'s 5\'10" `code "q" --`.\n\n'
    "## It's *here*\n\n## It's *here*\n\n~~gone~~\n"
)


def test_a_hugo_site_follows_goldmark_defaults(tmp_path: Path) -> None:
    content = _content(tmp_path / "site", {"hugo.toml": HUGO_TOML, "content/posts/a.md": POST})
    # renderer.unsafe is false by default: raw HTML omitted, blocks and inline.
    assert "<!-- raw HTML omitted -->raw<!-- raw HTML omitted --> text" in content
    assert "<!-- raw HTML omitted -->\n<p>“Quoted”" in content
    assert "note" not in content
    # The typographer, not in code; 5'10" stays, as in Hugo.
    assert "“Quoted” – and — and … and « »; it’s 5'10&quot; <code>code &quot;q&quot; --</code>" in (
        content
    )
    # Heading ids from the source text, numbered when taken.
    assert '<h2 id="its-here">It’s <em>here</em></h2>' in content
    assert '<h2 id="its-here-1">' in content
    assert "<del>gone</del>" in content


def test_the_title_gets_no_typography(tmp_path: Path) -> None:
    root = tmp_path / "site"
    write_posts(root, {"hugo.toml": HUGO_TOML, "content/posts/a.md": POST})
    build(load_site(root))
    (entry,) = parse_feed(root / "out/index.xml").entries
    assert entry.title == 'It\'s "here"'


def test_goldmark_settings_in_any_case(tmp_path: Path) -> None:
    config = HUGO_TOML + (
        "[markup.goldmark.renderer]\nUnsafe = true\n"
        "[markup.goldmark.extensions]\ntypographer = false\n"
        "[markup.goldmark.parser]\nautoHeadingID = false\n"
    )
    content = _content(tmp_path / "site", {"hugo.toml": config, "content/posts/a.md": POST})
    assert 'Some <span class="x">raw</span> text.' in content
    assert '<div class="note">A note.</div>' in content
    assert "&quot;Quoted&quot; -- and" in content
    assert "<h2>It's <em>here</em></h2>" in content


def test_quotes_as_goldmark_places_them() -> None:
    html = render_markdown(
        "\"*emph*\" and 'twas the Smiths' doin' Alice's I've \"Monitor 21\"\" x.\n\n"
        "Escaped \\\"x\\\" and \\-- and '90s, rock 'n' roll, \"nested 'one' here\".\n\n"
        'Line "open\nclose" <https://example.com/a--b>\n',
        flavour=GOLDMARK,
    )
    assert html == (
        "<p>“<em>emph</em>” and ’twas the Smiths’ doin’ Alice’s I’ve “Monitor 21&quot;” x.</p>\n"
        "<p>Escaped &quot;x&quot; and -- and ’90s, rock ’n’ roll, “nested ‘one’ here”.</p>\n"
        '<p>Line “open\nclose” <a href="https://example.com/a--b">https://example.com/a--b</a></p>\n'
    )


def test_heading_ids_as_hugo_makes_them() -> None:
    html = render_markdown(
        "## Code `x.y` and [link](/u)\n\n##\n\n## Über 2023: ok?\n\n## heading\n\nSetext\n------\n",
        flavour=GOLDMARK,
    )
    ids = [part.split('"')[0] for part in html.split('id="')[1:]]
    assert ids == ["code-xy-and-linku", "heading", "über-2023-ok", "heading-1", "setext"]


def test_other_sites_keep_their_markdown() -> None:
    text = '"Hi" -- <b>x</b>\n\n## Head\n'
    assert render_markdown(text, flavour=PLAIN_MARKDOWN) == (
        "<p>&quot;Hi&quot; -- <b>x</b></p>\n<h2>Head</h2>\n"
    )
    assert 'id="head"' in render_markdown(text, flavour=KRAMDOWN)
