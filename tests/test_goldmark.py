"""A Hugo site's Markdown as Hugo 0.111's goldmark renders it: the HTML below is what
`hugo` 0.111.3 built for the same small posts (its entities written as characters)."""

from __future__ import annotations

import html
from pathlib import Path

from conftest import build, parse_feed, write_posts
from feedwright.posts.excerpt import _whole_sentences, hugo_plain, hugo_summary
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


def test_the_extensions_hugo_turns_on() -> None:
    html = render_markdown(
        "One[^note] two[^1] again[^note].\n\nTerm\n: Definition\n\n- [ ] task\n- [x] done\n\n"
        "See www.example.org and https://example.com/p?q=1.\n\n[^1]: First.\n[^note]: The note.\n",
        flavour=GOLDMARK,
    )
    assert html == (
        '<p>One<sup id="fnref:1"><a href="#fn:1" class="footnote-ref" role="doc-noteref">1</a>'
        '</sup> two<sup id="fnref:2"><a href="#fn:2" class="footnote-ref" role="doc-noteref">2'
        '</a></sup> again<sup id="fnref1:1"><a href="#fn:1" class="footnote-ref"'
        ' role="doc-noteref">1</a></sup>.</p>\n'
        "<dl>\n<dt>Term</dt>\n<dd>Definition</dd>\n</dl>\n"
        '<ul>\n<li><input disabled="" type="checkbox"> task</li>\n'
        '<li><input checked="" disabled="" type="checkbox"> done</li>\n</ul>\n'
        '<p>See <a href="https://www.example.org">www.example.org</a> and'
        ' <a href="https://example.com/p?q=1">https://example.com/p?q=1</a>.</p>\n'
        '<div class="footnotes" role="doc-endnotes">\n<hr>\n<ol>\n<li id="fn:1">\n'
        '<p>The note.\u00a0<a href="#fnref:1" class="footnote-backref" role="doc-backlink">'
        '\u21a9\ufe0e</a>\u00a0<a href="#fnref1:1" class="footnote-backref"'
        ' role="doc-backlink">\u21a9\ufe0e</a></p>\n</li>\n<li id="fn:2">\n'
        '<p>First.\u00a0<a href="#fnref:2" class="footnote-backref" role="doc-backlink">'
        "\u21a9\ufe0e</a></p>\n</li>\n</ol>\n</div>\n"
    )


SUMMARY_POSTS: dict[str, str | bytes] = {
    "hugo.toml": HUGO_TOML + "summaryLength = 5\n",
    # The text before the divider wins over the front matter's summary.
    "content/posts/a.md": "---\ntitle: A\ndate: 2023-01-01\nsummary: Not this\n---\n"
    "Before the divider.\n\n<!--more-->\n\nAfter.\n",
    # `description` is no summary: the first 5 words, on to the end of that sentence.
    "content/posts/b.md": "---\ntitle: B\ndate: 2023-01-02\ndescription: Not this\n---\n"
    "# Title here\n\nOne two three four five six. Seven eight! Nine ten.\n",
    # Not a paragraph: the content's text, whatever its blocks.
    "content/posts/c.md": "---\ntitle: C\ndate: 2023-01-03\n---\nShort.\n\nThen a list:\n\n"
    "- one two\n- three four five six seven\n\nEnd of it.\n",
    "content/posts/d.md": "---\ntitle: D\ndate: 2023-01-04\nsummary: FM *summary*\n---\n"
    "One two three four five six seven.\n",
    "content/posts/e.md": '---\ntitle: E\ndate: 2023-01-05\n---\nOne two three four five six "seven'
    ' eight" nine\nten eleven[^1] twelve.\n\n[^1]: A note.\n',
}


def test_summaries_as_hugo_makes_them(tmp_path: Path) -> None:
    root = tmp_path / "site"
    write_posts(root, SUMMARY_POSTS)
    build(load_site(root))
    feed = parse_feed(root / "out/index.xml")
    # What hugo 0.111.3 wrote in its index.xml <description>s, as a reader shows them.
    assert [(entry.title, entry.summary) for entry in feed.entries] == [
        ("E", "One two three four five six “seven eight” nine ten eleven twelve."),
        ("D", "FM summary"),
        ("C", "Short. Then a list: one two three four five six seven End of it."),
        ("B", "Title here One two three four five six."),
        ("A", "Before the divider."),
    ]


def test_shortcode_output_is_put_in_as_hugo_puts_it(tmp_path: Path) -> None:
    config = HUGO_TOML + '[params]\nmood = "it\'s \\"ok\\" -- www.x.org"\n'
    post = (
        "---\ntitle: A\ndate: 2023-01-01\n---\n"
        'Escaped {{</* figure src="x" */>}} and "q".\n\n'
        "Param {{< param mood >}} and {{% param mood %}}.\n\n"
        '{{< figure src="/a.png" caption="A *cap*" >}}\n'
    )
    content = _content(tmp_path / "site", {"hugo.toml": config, "content/posts/a.md": post})
    # An escaped shortcode is text; {{< >}}'s output is put in after the Markdown, as it
    # is (HTML, escaped by param); {{% %}}'s is Markdown (hugo 0.111.3's output).
    assert "<p>Escaped {{&lt; figure src=“x” &gt;}} and “q”.</p>" in content
    assert (
        "<p>Param it&#x27;s &quot;ok&quot; -- www.x.org and it’s “ok” –"
        ' <a href="https://www.x.org">www.x.org</a>.</p>'
    ) in content
    # Alone on its line, the figure is no paragraph.
    assert '<figure><img alt="A cap" src="https://example.org/a.png" />' in content
    assert "<p><figure>" not in content


def test_a_long_post_is_summarised_from_its_first_blocks_as_from_the_whole() -> None:
    # Blocks of a few words, a list and a code block across the cut, a reference link
    # defined at the end: the first blocks give what the whole body gives.
    blocks = [f"Block {n} has words" for n in range(12)]
    blocks[5] = "- item one\n\n- item two"
    blocks[7] = "```\ncode. inside\n\nstill code\n```"
    blocks[9] = "A [link][ref] and more. The end."
    body = "\n\n".join([*blocks, "[^1]: A note.", "[ref]: https://example.org/"])
    for words in (3, 20, 30, 45, 200):
        summary = hugo_summary(None, body, "", words=words, html_post=False, flavour=GOLDMARK)
        rendered = render_markdown(body.replace("[^1]: A note.", ""), flavour=GOLDMARK)
        expected = " ".join(html.unescape(_whole_sentences(hugo_plain(rendered), words)).split())
        assert summary == expected, words
    assert "A link and more." in hugo_summary(
        None, body, "", words=40, html_post=False, flavour=GOLDMARK
    )


def test_heading_attributes_and_the_divider() -> None:
    html = render_markdown(
        'Intro.\n\n<!--more-->\n\n## A {#x}\n\n## x\n\n## B {key="v w" .a .b}\n\n'
        "## C {not attrs}\n",
        flavour=GOLDMARK,
    )
    # What hugo 0.111.3 wrote: the divider is no content, even as an omitted comment.
    assert html == (
        "<p>Intro.</p>\n"
        '<h2 id="x">A</h2>\n<h2 id="x-1">x</h2>\n'
        '<h2 key="v w" class="a b" id="b">B</h2>\n'
        '<h2 id="c-not-attrs">C {not attrs}</h2>\n'
    )


def test_a_summary_takes_the_link_definitions_of_the_whole_post_in_any_case() -> None:
    # Hugo renders the whole content, whose definitions resolve `[Go][]` however their
    # labels are cased (`[go]:` far below), before it takes the summary: hugo 0.111.3's
    # <description>s for these posts, as text.
    definitions = "\n\n[go]: https://golang.org/\n[gohtml]: https://golang.org/pkg/html/\n"
    long_post = (
        "Uses the [Go][] and [Html  Template][GoHTML] library. Two three four five six.\n\n"
        + "\n\n".join(f"Para {n}." for n in range(2, 6))
        + definitions
    )
    # A footnote's note is no link definition (hugoBasicExample's markdown-syntax.md).
    divided = (
        "Before [Go][] and [Html Template][GoHTML].\n\n<!--more-->\n\nMore.[^1]\n\n[^1]: The note."
    ) + definitions
    summaries = [
        hugo_summary(None, body, "<!--more-->", words=5, html_post=False, flavour=GOLDMARK)
        for body in (long_post, divided)
    ]
    assert summaries == ["Uses the Go and Html Template library.", "Before Go and Html Template."]
