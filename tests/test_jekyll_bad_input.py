"""Hostile and sloppy input on a Jekyll site (found by a hostile review of `build`): no
file from outside the site reaches the feeds, and no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import runner, write_posts
from feedwright.cli import app

CONFIG = "title: Tiny\nurl: https://tiny.example.org\n"


def _jekyll_site(root: Path, body: str, config: str = "") -> Path:
    """A Jekyll site of one post whose body is ``body``."""
    root.mkdir()
    (root / "_config.yml").write_text(CONFIG + config)
    write_posts(root, {"_posts/2025-01-02-a.md": f"---\ntitle: A\n---\n{body}\n"})
    return root


def _outputs(folder: Path) -> str:
    """Every output file's text, joined."""
    return "".join(path.read_text(errors="replace") for path in sorted(folder.iterdir()))


@pytest.mark.parametrize("where", ["absolute", "relative", "symlink"])
def test_site_data_is_never_read_from_outside_the_site(tmp_path: Path, where: str) -> None:
    # Jekyll keeps data_dir inside the site (its in_source_dir); feedwright's own include
    # tag refuses files whose real path is outside the site: site.data should too.
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yml").write_text("key: TOPSECRET\n")
    config = {
        "absolute": f"data_dir: {outside}\n",
        "relative": "data_dir: ../outside\n",
        "symlink": "",
    }[where]
    body = "{{ site.data.secret.key }}" if where != "symlink" else "{{ site.data.s.key }}"
    site = _jekyll_site(tmp_path / "site", body, config)
    if where == "symlink":
        (site / "_data").mkdir()
        (site / "_data" / "s.yml").symlink_to(outside / "secret.yml")
    runner.invoke(app, ["build", str(site)])
    out = site / "out"
    assert not out.exists() or "TOPSECRET" not in _outputs(out)


@pytest.mark.parametrize("space", ["\n  ", "\r\n", "\t"])
def test_include_parameters_may_start_on_the_next_line(tmp_path: Path, space: str) -> None:
    # Jekyll 4.3.1 renders `{% include x.html<newline>a="1" %}` as [1] (themes write long
    # includes over several lines); feedwright takes the whole markup as the file name.
    site = _jekyll_site(tmp_path / "site", f'{{% include x.html{space}a="1" %}}')
    (site / "_includes").mkdir()
    (site / "_includes" / "x.html").write_text("[{{ include.a }}]")
    result = runner.invoke(app, ["build", str(site)])
    assert result.exit_code == 0, result.output
    assert "[1]" in (site / "out" / "feed.xml").read_text()


@pytest.mark.parametrize("filter_", ["uniq: 5", "compact: 5"])
def test_a_filter_given_a_number_as_property_is_no_traceback(tmp_path: Path, filter_: str) -> None:
    # `{{ "a,b" | split: "," | uniq: 5 }}`: python-liquid's IndexError escapes the build.
    site = _jekyll_site(tmp_path / "site", f'{{{{ "a,b" | split: "," | {filter_} }}}}')
    result = runner.invoke(app, ["build", str(site)])
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("name", ["deep.json", "deep.yml"])
def test_a_deeply_nested_data_file_is_no_traceback(tmp_path: Path, name: str) -> None:
    # A RecursionError from json/yaml escapes: it should be the data file's error.
    site = _jekyll_site(tmp_path / "site", "{{ site.data.deep | size }}")
    (site / "_data").mkdir()
    (site / "_data" / name).write_text("[" * 5000 + "]" * 5000)
    result = runner.invoke(app, ["build", str(site)])
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 1
    assert "deep" in result.output


def test_a_post_file_linked_to_a_file_outside_the_site_is_not_published(tmp_path: Path) -> None:
    # A dated `.text` post that is a symbolic link to a file outside the site (as
    # /etc/passwd) went into every feed as written; the include tag refuses such links.
    outside = tmp_path / "secret.txt"
    outside.write_text("TOPSECRET\n")
    site = _jekyll_site(tmp_path / "site", "fine")
    (site / "_posts" / "2025-01-03-leak.text").symlink_to(outside)
    runner.invoke(app, ["build", str(site)])
    out = site / "out"
    assert not out.exists() or "TOPSECRET" not in _outputs(out)


@pytest.mark.parametrize("where", ["config", "data"])
def test_a_date_like_yaml_value_that_is_no_date_is_no_traceback(tmp_path: Path, where: str) -> None:
    # `2024-13-40` looks like a YAML timestamp: PyYAML's ValueError escapes. Ruby's YAML
    # reads it as text (Jekyll builds the site); at least it should be a clear error.
    config = "other: 2024-13-40\n" if where == "config" else ""
    site = _jekyll_site(tmp_path / "site", "{{ site.data.d.a }}", config)
    if where == "data":
        (site / "_data").mkdir()
        (site / "_data" / "d.yml").write_text("a: 2024-13-40\n")
    result = runner.invoke(app, ["build", str(site)])
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_an_include_that_includes_itself_is_an_invalid_post_saying_so(tmp_path: Path) -> None:
    site = _jekyll_site(tmp_path / "site", "Before.\n\n{% include self.html %}")
    (site / "_includes").mkdir()
    (site / "_includes" / "self.html").write_text("{% include self.html %}")
    result = runner.invoke(app, ["build", str(site)])
    assert result.exit_code == 1
    assert "its includes or blocks go more than 30 deep" in result.output
    assert "an include that includes itself never ends" in result.output
