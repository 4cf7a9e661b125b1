"""A Jekyll post's Liquid, evaluated as Jekyll evaluates it: every expected value here is
what Jekyll 4.3.1 with jekyll-feed wrote into its feed for the same tiny site (built while
writing these tests; the tests themselves need no Jekyll)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import feedwright
from conftest import build, parse_feed, snapshot, write_posts
from feedwright.errors import InvalidPostsError
from feedwright.site.config import load_site
from feedwright.site.model import Site
from feedwright.speed import Speed

CONFIG = "title: Tiny\nurl: https://tiny.example.org\nbaseurl: /b\n"
POST = "_posts/2025-01-02-a.md"


def _site(root: Path, body: str, files: dict[str, str] | None = None) -> Site:
    """A Jekyll site whose post "A" (tags x and y, mood calm) has ``body``."""
    root.mkdir()
    (root / "_config.yml").write_text(CONFIG)
    post = f"---\ntitle: A\ntags: [x, y]\nmood: calm\n---\n{body}\n"
    write_posts(root, {POST: post, **(files or {})})
    return load_site(root)


def _entry(site: Site, **options: bool) -> tuple[str, str, list[str]]:
    """The content and summary of post "A" in the Atom feed, and the build's warnings
    about it (``line: message``)."""
    result = build(site, speed=Speed.off(), **options)
    feed = parse_feed(site.output / site.feeds.atom)
    entry = next(entry for entry in feed.entries if entry.title == "A")
    warnings = [
        f"{problem.line}: {problem.message}"
        for problem in result.collection.warnings
        if problem.path.name == "2025-01-02-a.md"
    ]
    return entry.content[0].value, entry.summary, warnings


def test_standard_tags_and_filters_render_as_in_jekyll(tmp_path: Path) -> None:
    body = (
        "{% assign n = 3 %}{% capture c %}cap{{ n }}{% endcapture %}[{{ c }}] "
        "{% if n > 4 %}big{% elsif n == 3 %}three{% else %}small{% endif %} "
        "{% unless n == 3 %}no{% else %}yes{% endunless %} "
        "{% case n %}{% when 1 %}one{% when 3, 4 %}three-four{% else %}other{% endcase %} "
        "{% for i in (1..6) reversed limit:3 offset:1 %}{{ i }}{% if forloop.first %}F{% endif %}"
        "{{ forloop.index }}/{{ forloop.length }}{% unless forloop.last %},{% endunless %}"
        "{% endfor %} {% comment %}gone{% endcomment %}{% raw %}{{ kept }}{% endraw %} "
        "{% increment k %}{% increment k %} {{ 'a b' | split: ' ' | join: '+' | upcase }} "
        "{{ 7 | divided_by: 2 }}"
    )
    content, summary, warnings = _entry(_site(tmp_path / "site", body))
    expected = "[cap3] three yes three-four 4F1/3,32/3,23/3 {{ kept }} 01 A+B 3"
    assert content == f"<p>{expected}</p>"
    assert summary == expected
    assert warnings == []


def test_a_body_without_a_blank_line_is_its_own_excerpt_whatever_its_tags_leave(
    tmp_path: Path,
) -> None:
    """Jekyll cuts the excerpt at the first blank line of the text as written; a `capture`
    block leaves blank lines in the rendered text, which do not count (the summary was
    empty)."""
    body = "{% capture said %}\nThe tea is not cold.\n{% endcapture %}\n{{ said | remove: 'not ' }}"
    content, summary, _ = _entry(_site(tmp_path / "site", "\n" + body))
    assert content == "<p>The tea is cold.</p>"
    assert summary == "The tea is cold."


def test_the_excerpt_is_rendered_as_a_page_of_its_own(tmp_path: Path) -> None:
    """Jekyll renders the excerpt by itself, its ``page.id`` ending in ``#excerpt``."""
    body = "Seen as {{ page.id }}.\n\nThe rest, as {{ page.id }}."
    content, summary, _ = _entry(_site(tmp_path / "site", body))
    assert content == "<p>Seen as /2025/01/02/a.</p>\n<p>The rest, as /2025/01/02/a.</p>"
    assert summary == "Seen as /2025/01/02/a#excerpt."
    # Without a blank line, the excerpt is the whole post, rendered by itself all the same.
    content, summary, _ = _entry(_site(tmp_path / "whole", "Only {{ page.id }}."))
    assert (content, summary) == ("<p>Only /2025/01/02/a.</p>", "Only /2025/01/02/a#excerpt.")


def test_the_date_filter_knows_rubys_directives(tmp_path: Path) -> None:
    """Themes and posts write `%:z` (an offset with a colon), `%L` and `%N` (milli- and
    nanoseconds), which Ruby's strftime has and Python's has not; `%%` stays a percent."""
    body = '{{ page.date | date: "%Y-%m-%dT%H:%M:%S%:z %::z %L %N %%:z" }}'
    content, _, _ = _entry(_site(tmp_path / "site", body))
    assert content == "<p>2025-01-02T00:00:00+00:00 +00:00:00 000 000000000 %:z</p>"


def test_an_unknown_variable_is_empty_and_an_unknown_filter_passes_its_value_on(
    tmp_path: Path,
) -> None:
    body = "[{{ nothing }}{{ page.nothing.deep }}] {{ 'v' | no_such_filter: 2 }}"
    content, _, warnings = _entry(_site(tmp_path / "site", body))
    assert content == "<p>[] v</p>"
    assert warnings == []


def test_page_and_site_are_jekylls(tmp_path: Path) -> None:
    body = (
        "{{ page.mood }} {{ page.url }} {{ page.id }} {{ page.date }} {{ page.tags }}"
        " {{ page.categories.size }} {{ page.path }} {{ page.slug }} {{ site.title }}"
        " {{ site.url }}{{ site.baseurl }} {{ page.title }}"
    )
    content, _, _ = _entry(_site(tmp_path / "site", body))
    assert content == (
        "<p>calm /2025/01/02/a.html /2025/01/02/a 2025-01-02 00:00:00 +0000 xy 0"
        " _posts/2025-01-02-a.md a Tiny https://tiny.example.org/b A</p>"
    )


DATA = {
    "_data/releases.yml": (
        '- version: "2.0"\n  url: https://dl.example.org/v2.tar.gz\n'
        '- version: "1.0"\n  url: https://dl.example.org/v1.tar.gz\n'
    ),
    "_data/people.csv": "name,role\nAnn,editor\nBo,writer\n",
    "_data/counts.json": '{"posts": 12}',
    "_data/nested/inner.yaml": "word: deep\n",
}


def test_front_matter_values_feedwright_keeps_apart_are_the_posts_own(tmp_path: Path) -> None:
    root = tmp_path / "site"
    root.mkdir()
    (root / "_config.yml").write_text(CONFIG)
    post = (
        "---\ntitle: A\nexcerpt: 'A custom excerpt'\ndescription: Described\n---\n"
        "Not the excerpt.\n\nUse: <q>{{ page.excerpt }}</q> {{ page.description }}\n"
    )
    write_posts(root, {POST: post})
    content, _, _ = _entry(load_site(root))
    assert "<p>Use: <q>A custom excerpt</q> Described</p>" in content


def test_site_data_comes_from_yaml_json_and_csv_files(tmp_path: Path) -> None:
    body = (
        "Downloads: {% for r in site.data.releases %}{% if r.version != '1.0' %}"
        "[{{ r.version }}]({{ r.url }}) {% endif %}{% endfor %}; {{ site.data.people[1].name }}"
        " {{ site.data.people.size }} {{ site.data.people[0].role }}; {{ site.data.counts.posts }};"
        " {{ site.data.nested.inner.word }};"
        " {% assign two = site.data.releases | where: 'version', '2.0' %}{{ two[0].url }}"
    )
    content, _, _ = _entry(_site(tmp_path / "site", body, DATA))
    assert content == (
        '<p>Downloads: <a href="https://dl.example.org/v2.tar.gz">2.0</a> ; Bo 2 editor; 12;'
        " deep; https://dl.example.org/v2.tar.gz</p>"
    )


def test_jekylls_filters(tmp_path: Path) -> None:
    rel = (
        '- v: "2.0"\n  url: /r2\n  k: 1\n- v: "1.0"\n  url: /r1\n  k: 2\n'
        '- v: "3.0"\n  url: /r3\n  k: 1\n'
    )
    body = (
        '{{ "/x y" | relative_url }} ; {{ "x" | absolute_url }} ;'
        " {{ page.date | date_to_string }} ; {{ page.date | date_to_long_string }} ;"
        " {{ page.date | date_to_xmlschema }} ; {{ page.date | date_to_rfc822 }} ;"
        ' {{ "a<b&c" | xml_escape }} ; {{ "a b&c/d" | cgi_escape }} ;'
        ' {{ "a b/é?x=1" | uri_escape }} ; {{ "Hello, World! é_x" | slugify }} ;'
        ' {{ "Hello, World!" | slugify: "pretty" }} ; {{ "one two  three" | number_of_words }} ;'
        " {{ page.tags | array_to_sentence_string }} ;"
        ' {{ site.data.rel | sort: "v" | map: "url" | join: "," }} ;'
        ' {% assign g = site.data.rel | group_by: "k" %}{% for x in g %}{{ x.name }}={{ x.size }}'
        '/{{ x.items | map: "url" | join: "+" }} {% endfor %};'
        ' {% assign w = site.data.rel | where_exp: "r", "r.k == 1" %}'
        '{{ w | map: "url" | join: "," }} ; {{ "3" | to_integer | plus: 1 }} ;'
        ' {{ page.tags | push: "z" | join: "" }} ; {{ site.data.rel | find: "k", 2 | map: "url" }}'
        " ; {{ page.tags | inspect }}"
    )
    content, _, _ = _entry(_site(tmp_path / "site", body, {"_data/rel.yml": rel}))
    assert content == (
        "<p>/b/x%20y ; https://tiny.example.org/b/x ; 02 Jan 2025 ; 02 January 2025 ;"
        " 2025-01-02T00:00:00+00:00 ; Thu, 02 Jan 2025 00:00:00 +0000 ; a&lt;b&amp;c ;"
        " a+b%26c%2Fd ; a%20b/%C3%A9?x=1 ; hello-world-é-x ; hello,-world! ; 3 ; x and y ;"
        " /r1,/r2,/r3 ; 1=2//r2+/r3 2=1//r1 ; /r2,/r3 ; 4 ; xyz ; /r1 ;"
        " [&quot;x&quot;, &quot;y&quot;]</p>"
    )


def test_jsonify_and_markdownify(tmp_path: Path) -> None:
    body = "{{ page.tags | jsonify }}\n\n{{ '*em* x' | markdownify }}"
    content, _, _ = _entry(_site(tmp_path / "site", body))
    # kramdown's quotes, as in Jekyll's feed.
    assert "<p>[“x”,”y”]</p>" in content
    assert "<em>em</em> x" in content


def test_include_with_parameters_and_include_relative(tmp_path: Path) -> None:
    files = {
        "_includes/note.html": (
            "<em>{{ include.text }} {{ include.who }} {{ include.n | plus: 1 }}"
            " {{ page.title }}</em>"
        ),
        "_posts/side.md": "side {{ page.mood }}",
    }
    body = (
        '{% include note.html text="Hi there" who=page.mood n=3 %}; {% include_relative side.md %};'
        ' {% assign f = "note.html" %}{% include {{ f }} text=f %}'
    )
    content, _, warnings = _entry(_site(tmp_path / "site", body, files))
    assert content == "<p><em>Hi there calm 4 A</em>; side calm; <em>note.html  1 A</em></p>"
    assert warnings == []


def test_a_missing_include_stops_the_build_as_in_jekyll_and_skip_invalid_builds_the_rest(
    tmp_path: Path,
) -> None:
    other = "---\ntitle: Other\n---\nFine.\n"
    site = _site(tmp_path / "site", "First line.\n\n{% include nope.html %}", {
        "_posts/2025-01-01-other.md": other,
    })  # fmt: skip
    with pytest.raises(InvalidPostsError) as raised:
        build(site)
    problem = str(raised.value.problems[0])
    assert problem.startswith(f"{site.root / POST}:8: ")
    assert "`{% include nope.html %}`: there is no file _includes/nope.html" in problem
    assert problem.endswith("— create _includes/nope.html, or correct the name")
    result = build(site, skip_invalid=True)
    assert [post.title for post in result.collection.posts] == ["Other"]


@pytest.mark.parametrize(
    ("body", "what"),
    [
        (
            "{% for i in (1..100000000) %}x{% endfor %}",
            "its loops run more than 1,000,000 times in all",
        ),
        (
            "{% for i in (1..900000) %}{{ 'twenty characters...' }}{% endfor %}",
            "it writes more than 16 MB of text",
        ),
        (
            "{% assign s = 'ten chars.' %}"
            "{% for i in (1..30) %}{% assign s = s | append: s %}{% endfor %}",
            "its `assign` and `capture` hold more than 16 MB",
        ),
    ],
)
def test_liquid_that_would_run_on_for_minutes_is_an_invalid_post(
    tmp_path: Path, body: str, what: str
) -> None:
    """Jekyll has no bound: a loop of a hundred million turns, text of gigabytes. A cron
    job's build must end: past the bounds the post is invalid, saying why, and
    --skip-invalid builds the rest."""
    other = "---\ntitle: Other\n---\nFine.\n"
    site = _site(tmp_path / "site", "Before.\n\n" + body, {"_posts/2025-01-01-other.md": other})
    with pytest.raises(InvalidPostsError) as raised:
        build(site)
    problem = str(raised.value.problems[0])
    assert problem.startswith(f"{site.root / POST}:8: Liquid: {what}"), problem
    result = build(site, skip_invalid=True)
    assert [post.title for post in result.collection.posts] == ["Other"]


@pytest.mark.parametrize(
    ("included", "what"),
    [
        ("one\n{% if x %}open\n", "`{% if %}` is never closed (in _includes/box.html, line 2)"),
        ("one\ntwo {{ x\n", "the included box.html has a `{{` never closed, on its line 2"),
    ],
)
def test_an_error_in_an_included_file_is_reported_at_the_tag_naming_the_file(
    tmp_path: Path, included: str, what: str
) -> None:
    body = "Text.\n\n{% include box.html %}"
    site = _site(tmp_path / "site", body, {"_includes/box.html": included})
    with pytest.raises(InvalidPostsError) as raised:
        build(site)
    problem = str(raised.value.problems[0])
    assert problem.startswith(f"{site.root / POST}:8: Liquid syntax error: ")
    assert what in problem


def test_a_missing_include_is_a_warning_on_a_site_with_a_theme(tmp_path: Path) -> None:
    site = _site(tmp_path / "site", "Before {% include theme-note.html %} after.")
    (site.root / "_config.yml").write_text(CONFIG + "theme: minima\n")
    content, _, warnings = _entry(load_site(site.root))
    assert content == "<p>Before  after.</p>"
    assert len(warnings) == 1 and "(it may be the theme's)" in warnings[0]


@pytest.mark.parametrize(
    ("body", "line", "what"),
    [
        ("Text.\n\n{% if page.mood %}open\n", 8, "`{% if %}` is never closed"),
        ("Text.\n{% endif %}\n", 7, "`{% endif %}` is outside the block it belongs to"),
        ("Text.\n\nA {{ page.mood } B\n", 8, "`{{ page.mood } B` is never closed with `}}`"),
        ("Text.\n{% comment %}{{ x{% endcomment %}\n", 7, "is never closed with `}}`"),
        ("Text.\n{{ 'a' | upcase: 3 }}\n", 7, "Liquid error: "),
    ],
)
def test_a_liquid_error_that_stops_jekyll_makes_the_post_invalid(
    tmp_path: Path, body: str, line: int, what: str
) -> None:
    site = _site(tmp_path / "site", body)
    with pytest.raises(InvalidPostsError) as raised:
        build(site)
    problem = str(raised.value.problems[0])
    assert problem.startswith(f"{site.root / POST}:{line}: ")
    assert what in problem and " — " in problem


def test_the_command_line_reports_a_liquid_error_without_a_traceback(tmp_path: Path) -> None:
    site = _site(tmp_path / "site", "{% for x in page.tags %}{{ x }}")
    source = Path(feedwright.__file__).parent.parent
    done = subprocess.run(
        [sys.executable, "-m", "feedwright", "build", str(site.root)],
        env={"PYTHONPATH": str(source), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f"{site.root / POST}:6: Liquid syntax error: `{{% for %}}` is never closed" in (
        done.stderr
    )


def test_braces_in_a_raw_block_are_text(tmp_path: Path) -> None:
    content, _, warnings = _entry(_site(tmp_path / "site", "a {% raw %}{{ b {% c{% endraw %} d"))
    assert content == "<p>a {{ b {% c d</p>"
    assert warnings == []


def test_an_expression_that_does_not_parse_is_a_warning(tmp_path: Path) -> None:
    body = "a {{ c a }} b {% seo %} {% details x %}in{% enddetails %}\n"
    content, _, warnings = _entry(_site(tmp_path / "site", body))
    assert content == "<p>a  b  in</p>"
    assert warnings[0].startswith("6: Liquid syntax error: ")
    assert "in `{{ c a }}`" in warnings[0]
    assert warnings[1].startswith("6: `{% seo %}` is left out")
    assert warnings[2].startswith("6: `{% details x %}` is left out")
    assert len(warnings) == 3  # the plugin block's end tag goes with no warning of its own


def test_an_excerpt_cut_inside_a_block_has_it_closed_as_jekyll_does(tmp_path: Path) -> None:
    body = "{% if page.mood == 'calm' %}First part\n\nsecond part{% endif %} after"
    content, summary, _ = _entry(_site(tmp_path / "site", body))
    assert content == "<p>First part</p>\n<p>second part after</p>"
    assert summary == "First part"


def test_site_posts_lists_the_posts_newest_first(tmp_path: Path) -> None:
    body = (
        "{% for p in site.posts %}{{ p.title }}={{ p.url }} {{ p.date | date: '%Y' }}"
        " {{ p.mood }};{% endfor %} {{ site.posts.size }} {{ site.tags.x.size }}"
    )
    older = "---\ntitle: Older\nmood: dull\n---\nold\n"
    site = _site(tmp_path / "site", body, {"_posts/2024-05-06-older.md": older})
    content, _, _ = _entry(site)
    assert content == (
        "<p>A=/2025/01/02/a.html 2025 calm;Older=/2024/05/06/older.html 2024 dull; 2 1</p>"
    )
    # A render process knows the posts' URLs only: the build renders such a body itself,
    # to the same bytes.
    made_here = snapshot(site.output)
    shutil.rmtree(site.output)
    assert build(site, speed=Speed(render_ahead_from=1)).render_ahead == "failed"
    assert snapshot(site.output) == made_here


def test_an_included_file_is_parsed_once_for_all_the_posts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from feedwright.posts import liquid

    parsed: list[str] = []
    parse = liquid._JekyllEnvironment.from_string

    def counted(self: liquid._JekyllEnvironment, source: str, *args: Any, **kwargs: Any) -> Any:
        parsed.append(str(kwargs.get("name", "")))
        return parse(self, source, *args, **kwargs)

    monkeypatch.setattr(liquid._JekyllEnvironment, "from_string", counted)
    second = "---\ntitle: B\n---\nB: {% include box.html %}\n"
    files = {"_includes/box.html": "[box of {{ page.title }}]", "_posts/2025-01-01-b.md": second}
    site = _site(tmp_path / "site", "A: {% include box.html %}", files)
    build(site, speed=Speed.off())
    feed = (site.output / "feed.xml").read_text()
    assert "A: [box of A]" in feed and "B: [box of B]" in feed
    assert parsed.count("box.html") == 1
