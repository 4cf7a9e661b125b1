"""Liquid tags on a Jekyll site and shortcodes on a Hugo site: rendered as the engine
renders them (checked against Jekyll 4.3.1 and Hugo 0.111 on the same fixtures), or left
out with a warning naming the file and line; a plain site keeps them as text."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

import feedwright
from conftest import (
    NOW,
    MailServer,
    build,
    mail_config,
    parse_feed,
    send,
    snapshot,
    write_posts,
)
from feedwright.commands.digest import DigestOptions, digest_site
from feedwright.commands.posts import check_site
from feedwright.errors import PostError, Problem
from feedwright.posts import templating
from feedwright.site.config import load_site
from feedwright.site.model import Site
from feedwright.speed import Speed

JEKYLL_CONFIG = "title: Tag Blog\nurl: https://tags.example.org\nbaseurl: /blog\n"
TARGET = """
    ---
    title: Target
    date: 2025-01-01
    ---
    The target.
    """


def _jekyll(root: Path, body: str, front: str = "", files: dict[str, str] | None = None) -> Site:
    root.mkdir()
    (root / "_config.yml").write_text(JEKYLL_CONFIG)
    posts = {
        "_posts/2025-01-01-target.md": TARGET,
        "_posts/2025-02-01-tags.md": f"---\ntitle: Tags\ndate: 2025-02-01\n{front}---\n{body}",
    }
    write_posts(root, {**posts, **(files or {})})
    return load_site(root)


def _tags_entry(site: Site) -> tuple[str, str]:
    """The content and summary of the post "Tags" in the site's Atom feed, once built."""
    result = build(site)
    assert not result.collection.problems
    feed = parse_feed(site.output / site.feeds.atom)
    entry = next(entry for entry in feed.entries if entry.title == "Tags")
    return entry.content[0].value, entry.summary


def _warnings(site: Site) -> list[str]:
    return [
        f"{problem.line}: {problem.message}"
        for problem in build(site, speed=Speed.off()).collection.warnings
        if problem.path.name.endswith("tags.md")
    ]


def test_liquid_values_and_url_filters_are_rendered(tmp_path: Path) -> None:
    body = (
        "Base {{ site.baseurl }}, url {{ site.url }}, {{ site.title }}, {{ page.title }},"
        ' {{ "/x" | relative_url }}, {{ "/x" | absolute_url }}, {{ page.mood }},'
        ' {{ "https://o.example/y" | absolute_url }}.\n'
    )
    site = _jekyll(tmp_path / "site", body, front="mood: calm\n")
    content, summary = _tags_entry(site)
    expected = (
        "Base /blog, url https://tags.example.org, Tag Blog, Tags, /blog/x,"
        " https://tags.example.org/blog/x, calm, https://o.example/y."
    )
    assert f"<p>{expected}</p>" in content
    assert summary == expected


def test_post_url_and_link_are_the_urls_jekyll_gives(tmp_path: Path) -> None:
    body = (
        "[target]({% post_url 2025-01-01-target %}) and [about]({% link about.md %})"
        " and [home]({% link index.md %}).\n"
    )
    pages = {"about.md": "---\ntitle: About\n---\nx\n", "index.md": "---\n---\nx\n"}
    site = _jekyll(tmp_path / "site", body, files=pages)
    content, _ = _tags_entry(site)
    assert 'href="https://tags.example.org/blog/2025/01/01/target.html"' in content
    assert 'href="https://tags.example.org/blog/about.html"' in content
    assert 'href="https://tags.example.org/blog/"' in content
    assert _warnings(site) == []


def test_an_unknown_post_or_file_is_a_warning_and_left_out(tmp_path: Path) -> None:
    body = "A\n\n[x]({% post_url 2024-01-01-gone %}) [y]({% link nowhere.md %})\n"
    site = _jekyll(tmp_path / "site", body)
    content, _ = _tags_entry(site)
    assert "{%" not in content and "post_url" not in content
    warnings = _warnings(site)
    assert len(warnings) == 2
    assert warnings[0].startswith("7: `{% post_url 2024-01-01-gone %}` names no post")
    assert warnings[1].startswith("7: `{% link nowhere.md %}` names no file")


def test_highlight_becomes_a_fenced_block_and_raw_stays_literal(tmp_path: Path) -> None:
    body = (
        "{% highlight ruby linenos %}\nputs 1 < 2 # {{ site.title }}\n{% endhighlight %}\n\n"
        "Raw: {% raw %}{{ site.title }} {% post_url x %}{% endraw %}\n\n"
        "Span `{{ page.title }}`\n\n```\n{{ page.title }} fenced\n```\n"
    )
    site = _jekyll(tmp_path / "site", body)
    content, _ = _tags_entry(site)
    # As Jekyll: Liquid runs first, inside highlight blocks, code spans and fences too.
    assert '<pre><code class="language-ruby">puts 1 &lt; 2 # Tag Blog\n</code></pre>' in content
    assert "<p>Raw: {{ site.title }} {% post_url x %}</p>" in content
    assert "<code>Tags</code>" in content
    assert "<pre><code>Tags fenced\n</code></pre>" in content
    assert _warnings(site) == []


def test_comments_go_and_unknown_tags_go_with_a_warning_naming_the_line(tmp_path: Path) -> None:
    body = (
        "Before{% comment %}hidden\nlines{% endcomment %} after.\n"
        "{% seo %}\n"
        "{% capture x %}captured{% endcapture %}{% assign y = 1 %}[{{ x }}{{ y }}]\n"
        "{% if site.title %}kept{% endif %} {{ page.date | date: '%Y' }} {{ nothing }}"
        " [{{ page.unset }}] {{ c a }}\n"
    )
    site = _jekyll(tmp_path / "site", body)
    content, _ = _tags_entry(site)
    assert "hidden" not in content
    assert "Before after." in content and "[captured1]" in content and "kept 2025" in content
    assert "[]" in content  # a front matter key the post lacks is empty, as in Jekyll
    assert "{%" not in content and "{{" not in content
    warnings = _warnings(site)
    assert [warning.split(":")[0] for warning in warnings] == ["7", "9"]
    assert "`{% seo %}` is left out" in warnings[0]
    assert "in `{{ c a }}`" in warnings[1]


def test_whitespace_control_strips_like_liquid(tmp_path: Path) -> None:
    site = _jekyll(
        tmp_path / "site", "a  {%- comment -%} x {%- endcomment -%}  b {{- site.title -}} c\n"
    )
    content, _ = _tags_entry(site)
    assert "<p>abTag Blogc</p>" in content


def test_render_with_liquid_false_keeps_the_tags_as_text(tmp_path: Path) -> None:
    body = "Keep {{ site.title }} and {% post_url 2025-01-01-target %}.\n"
    site = _jekyll(tmp_path / "site", body, front="render_with_liquid: false\n")
    content, _ = _tags_entry(site)
    assert "<p>Keep {{ site.title }} and {% post_url 2025-01-01-target %}.</p>" in content
    assert _warnings(site) == []


def test_a_render_process_resolves_post_url_as_the_build_does(tmp_path: Path) -> None:
    body = "[target]({% post_url 2025-01-01-target %})\n"
    site = _jekyll(tmp_path / "site", body)
    ahead = build(site, speed=Speed(render_ahead_from=1))
    assert ahead.render_ahead == "rendered"
    made_ahead = snapshot(site.output)
    shutil.rmtree(site.output)
    build(site, speed=Speed.off())
    assert snapshot(site.output) == made_ahead
    assert b"/blog/2025/01/01/target.html" in made_ahead["feed.xml"]


def test_a_changed_url_of_a_post_no_feed_shows_renders_the_posts_that_link_to_it(
    tmp_path: Path,
) -> None:
    body = "[target]({% post_url 2025-01-01-target %})\n"
    site = _jekyll(tmp_path / "site", body)
    (site.root / "feedwright.toml").write_text("[feeds]\nlimit = 1\n[digest]\npreview = false\n")
    site = load_site(site.root)
    build(site)
    assert b"/blog/2025/01/01/target.html" in (site.output / "feed.xml").read_bytes()
    target = site.root / "_posts/2025-01-01-target.md"
    target.write_text(
        target.read_text().replace("title: Target", "title: Target\npermalink: /moved/")
    )
    result = build(site)
    assert not result.up_to_date
    assert b"/blog/moved/" in (site.output / "feed.xml").read_bytes()


def test_a_plain_site_keeps_braces_as_text(tmp_path: Path) -> None:
    root = tmp_path / "site"
    root.mkdir()
    (root / "feedwright.toml").write_text('[site]\ntitle = "T"\nurl = "https://t.example.org"\n')
    write_posts(root, {"_posts/2025-02-01-tags.md": "---\ntitle: Tags\n---\n{{ x }} {% y %}\n"})
    site = load_site(root)
    assert site.engine == ""
    content, _ = _tags_entry(site)
    assert "<p>{{ x }} {% y %}</p>" in content


def test_the_digest_and_check_render_the_tags_too(tmp_path: Path) -> None:
    body = "See {{ site.title }} at [the target]({% post_url 2025-01-01-target %}).\n"
    site = _jekyll(tmp_path / "site", body)
    result = digest_site(site, DigestOptions(last=5, now=NOW))
    assert result.digest is not None
    assert "See Tag Blog at the target." in result.digest.text
    assert "{{" not in result.digest.html and "{%" not in result.digest.html
    assert not [w for w in check_site(site).warnings if w.path.name.endswith("tags.md")]


def test_the_mail_send_gives_renders_the_tags_too(tmp_path: Path, smtp_server: MailServer) -> None:
    site = _jekyll(tmp_path / "site", "See [it]({% post_url 2025-01-01-target %}).\n")
    (site.root / "feedwright.toml").write_text(mail_config(smtp_server.port, ["a@example.org"]))
    result = send(load_site(site.root))
    assert result.report.sent
    raw = smtp_server.handler.messages[0][2].decode()
    assert "See it." in raw and "post_url" not in raw
    # The bodies it read found the post named: no warning.
    posts = [post for _, planned in result.report.planned for post in planned]
    assert posts and all(post.has_body and not post.warnings for post in posts)


def test_a_body_without_braces_is_left_as_it_is(tmp_path: Path) -> None:
    site = _jekyll(tmp_path / "site", "Plain text.\n")
    post = build(site).collection.posts[0]
    assert templating.render_tags(post, "Plain text, no tags.", site) == (
        "Plain text, no tags.",
        [],
    )


# ---------------------------------------------------------------------------------------
# Hugo

HUGO_FIRST = "---\ntitle: First\ndate: 2025-01-01\n---\nfirst\n"


def _hugo(root: Path, body: str) -> Site:
    root.mkdir()
    (root / "hugo.toml").write_text('baseURL = "https://hugo.example.org/sub/"\ntitle = "H"\n')
    (root / "feedwright.toml").write_text(
        '[site]\ntitle = "H"\nurl = "https://hugo.example.org/sub/"\n'
        'posts = "content/posts"\npermalink = "/posts/:title/"\n'
    )
    write_posts(
        root,
        {
            "content/posts/first.md": HUGO_FIRST,
            "content/posts/tags.md": f"---\ntitle: Tags\ndate: 2025-02-01\nmood: happy\n---\n{body}",
        },
    )
    site = load_site(root)
    assert site.engine == "hugo"
    return site


def test_hugo_figure_is_the_figure_hugo_makes(tmp_path: Path) -> None:
    body = (
        '{{< figure src="https://hugo.example.org/a.png" alt="An A" title="The A"'
        ' caption="A *caption*" link="https://hugo.example.org/a" width="100" height="50" >}}\n'
    )
    site = _hugo(tmp_path / "site", body)
    _tags_entry(site)
    # feedparser reorders attributes: the JSON Feed has the HTML as it is.
    feed = json.loads((site.output / "feed.json").read_text())
    content = next(item for item in feed["items"] if item["title"] == "Tags")["content_html"]
    assert content.strip() == (
        '<figure><a href="https://hugo.example.org/a"><img src="https://hugo.example.org/a.png"'
        ' alt="An A" width="100" height="50"></a><figcaption><h4>The A</h4>'
        "<p>A <em>caption</em></p></figcaption></figure>"
    )


def test_hugo_figure_without_a_title_and_with_an_attribution(tmp_path: Path) -> None:
    body = (
        '{{< figure src="https://hugo.example.org/b.png" caption="Cap **bold**" attr="Someone"'
        ' attrlink="https://someone.example" class="wide" >}}\n\n'
        '{{< figure src="https://hugo.example.org/c.png" >}}\n'
    )
    site = _hugo(tmp_path / "site", body)
    _tags_entry(site)
    feed = json.loads((site.output / "feed.json").read_text())
    content = next(item for item in feed["items"] if item["title"] == "Tags")["content_html"]
    assert content.split("\n")[:2] == [
        '<figure class="wide"><img src="https://hugo.example.org/b.png" alt="Cap bold">'
        "<figcaption><p>Cap <strong>bold</strong>"
        '<a href="https://someone.example">Someone</a></p></figcaption></figure>',
        '<figure><img src="https://hugo.example.org/c.png"></figure>',
    ]


def test_hugo_highlight_ref_relref_and_param(tmp_path: Path) -> None:
    body = (
        '{{< highlight go "linenos=table" >}}\nx := 1 < 2\n{{< /highlight >}}\n\n'
        'Ref {{< ref "first.md" >}} relref {{< relref "/posts/first" >}}'
        " param {{< param mood >}} {{% param mood %}} `{{< param mood >}}`\n"
    )
    site = _hugo(tmp_path / "site", body)
    content, summary = _tags_entry(site)
    assert '<pre><code class="language-go">x := 1 &lt; 2\n</code></pre>' in content
    assert (
        "Ref https://hugo.example.org/sub/posts/first/ relref /sub/posts/first/"
        " param happy happy <code>happy</code>"
    ) in content
    # Hugo's summary is the content's text, its code included (hugo 0.111.3's .Summary).
    assert summary.startswith("x := 1 < 2 Ref https://hugo.example.org/sub/posts/first/")
    assert _warnings(site) == []
    digest = digest_site(site, DigestOptions(last=5, now=NOW)).digest
    assert digest is not None
    assert "Ref https://hugo.example.org/sub/posts/first/ relref /sub/posts/first/" in " ".join(
        digest.text.split()
    )
    assert "{{" not in digest.text


def test_hugo_embeds_become_links(tmp_path: Path) -> None:
    body = (
        "{{< youtube dQw4w9WgXcQ >}}\n\n{{< vimeo 55073825 >}}\n\n"
        '{{< x user="someone" id="123" >}}\n\n{{< tweet user="other" id="456" >}}\n\n'
        "{{< instagram BWNjjyYFxVx >}}\n\n{{< gist someone abc123 >}}\n\n"
        '{{< tweet 789 >}}\n\n{{< youtube id="abc" title="The talk" >}}\n\n{{< gist alone >}}\n'
    )
    site = _hugo(tmp_path / "site", body)
    content, _ = _tags_entry(site)
    for url in (
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://vimeo.com/55073825",
        "https://x.com/someone/status/123",
        "https://twitter.com/other/status/456",
        "https://www.instagram.com/p/BWNjjyYFxVx/",
        "https://gist.github.com/someone/abc123",
        "https://twitter.com/i/status/789",
    ):
        assert f'<a href="{url}">' in content
    assert '<a href="https://www.youtube.com/watch?v=abc">The talk</a>' in content
    assert "iframe" not in content and "script" not in content and "alone" not in content
    assert [warning.split(":", 1)[0] for warning in _warnings(site)] == ["22"]


def test_hugo_escaped_shortcodes_stay_and_unknown_ones_go_with_a_warning(tmp_path: Path) -> None:
    body = (
        'Escaped {{</* figure src="x" */>}} and {{%/* param mood */%}}\n\n'
        "{{< note >}}Inner **kept**{{< /note >}}\n\n{{< unknown >}}\n\n"
        '{{< ref "gone.md" >}}\n'
    )
    site = _hugo(tmp_path / "site", body)
    content, _ = _tags_entry(site)
    # (The quotes escaped as markdown-it writes them: the content's HTML is not re-serialised.)
    # Text, which Hugo's typographer reads as any (hugo 0.111.3 writes src=&ldquo;x&rdquo;).
    assert "<p>Escaped {{&lt; figure src=“x” &gt;}} and {{% param mood %}}</p>" in content
    assert "<p>Inner <strong>kept</strong></p>" in content
    assert "unknown" not in content and "gone" not in content
    warnings = _warnings(site)
    assert [warning.split(":")[0] for warning in warnings] == ["8", "10", "12"]
    assert "`note` is left out of the feeds, its content kept" in warnings[0]
    assert "names no post" in warnings[2]


def test_liquid_is_text_on_a_hugo_site(tmp_path: Path) -> None:
    content, _ = _tags_entry(_hugo(tmp_path / "site", "{{ .Title }} {% x %}\n"))
    assert "<p>{{ .Title }} {% x %}</p>" in content


def test_warnings_are_problems_with_the_post_path(tmp_path: Path) -> None:
    site = _jekyll(tmp_path / "site", "{% seo %}\n")
    warnings = build(site).collection.warnings
    assert any(
        isinstance(problem, Problem) and problem.path.name == "2025-02-01-tags.md"
        for problem in warnings
    )


def test_a_pages_head_tags_and_scripts_are_left_out_of_the_content(tmp_path: Path) -> None:
    root = tmp_path / "site"
    root.mkdir()
    (root / "feedwright.toml").write_text('[site]\ntitle = "T"\nurl = "https://t.example.org"\n')
    body = (
        "Intro.\n\n"
        '<meta http-equiv="refresh" content="0; url=https://elsewhere.example">\n'
        "<title>Leftover</title>\n\n"
        "Text <script>alert(1)</script>after<style>p {}</style>.\n\n"
        "`<meta>` in code stays.\n"
    )
    write_posts(root, {"_posts/2025-02-01-tags.md": f"---\ntitle: Tags\n---\n{body}"})
    site = load_site(root)
    result = build(site)
    feed = json.loads((site.output / "feed.json").read_text())
    content = feed["items"][0]["content_html"]
    for tag in ("<meta", "<title", "<script", "<style", "Leftover", "alert"):
        assert tag not in content
    assert "<p>Text after.</p>" in content
    assert "<code>&lt;meta&gt;</code>" in content
    parse_feed(site.output / site.feeds.atom)
    warnings = [str(problem) for problem in result.collection.warnings]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{root / '_posts/2025-02-01-tags.md'}:6: its <meta>, <title>")


@pytest.mark.parametrize(
    ("engine", "body"),
    [
        ("jekyll", "a }} b {{ c a }}\n" * 50_000),
        ("jekyll", "{% x %}" * 50_000),
        ("hugo", "{{< x >}}" * 50_000),
        ("hugo", "".join(f"{{{{< n{i} >}}}}" for i in range(5_000)) + "x" + "{{< /n1 >}}" * 5_000),
    ],
)
def test_a_hostile_body_gives_a_few_warnings(tmp_path: Path, engine: str, body: str) -> None:
    site = _jekyll(tmp_path / "site", "x\n")
    post = build(site).collection.posts[0]
    # (Its time is measured by bench/bench.py's hostile cases, not here.)
    _, warnings = templating.render_tags(post, body, replace(site, engine=engine))
    assert len(warnings) == templating.MAX_WARNINGS + 1
    assert "more" in warnings[-1].message


@pytest.mark.parametrize(
    "body", ["a }} b {{ c\n" * 50_000, "{% raw %}x" * 50_000, "{% doc %}x" * 50_000]
)
def test_a_hostile_body_never_closed_is_an_error_as_in_jekyll(tmp_path: Path, body: str) -> None:
    site = _jekyll(tmp_path / "site", "x\n")
    post = build(site).collection.posts[0]
    # (Its time is measured by bench/bench.py's hostile cases, not here; a body such as
    # these would take the Liquid engine's lexer quadratic time, minutes.)
    with pytest.raises(PostError, match="is never closed"):
        templating.render_tags(post, body, site)


def test_bodies_without_tags_never_import_the_renderer(tmp_path: Path) -> None:
    site = _jekyll(tmp_path / "site", "No tags here.\n")
    script = (
        "import sys\n"
        "from datetime import UTC, datetime\n"
        "from feedwright.commands.build import BuildOptions, build_site\n"
        "from feedwright.site.config import load_site\n"
        "from pathlib import Path\nfrom feedwright.speed import Speed\n"
        f"build_site(load_site(Path({str(site.root)!r})), BuildOptions(speed=Speed.off()))\n"
        "print('feedwright.posts.templating' in sys.modules)\n"
    )
    source = Path(feedwright.__file__).parent.parent
    done = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "PYTHONPATH": str(source)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "False"
