"""Which Jekyll configuration files a site is read from, and how several merge: as Jekyll
4.3 reads `_config.toml`, and `jekyll build --config a.toml,b.yml`."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import NOW, runner, write_posts
from feedwright.cli import app
from feedwright.errors import ConfigError
from feedwright.posts.collect import collect
from feedwright.site.config import load_site

TOML = """title = "Toml"
url = "https://blog.example.org"
[feed]
path = "atom.xml"
posts_limit = 1
"""
# What a development configuration adds: Jekyll merges mappings key by key.
DEV = "title: Dev\nfeed:\n  posts_limit: 5\nshow_drafts: true\n"
POSTS = {
    "_posts/2024-01-01-a.md": "---\ntitle: A\n---\nx\n",
    "_drafts/draft.md": "---\ntitle: Draft\ndate: 2024-01-02\n---\nx\n",
}


def _site(root: Path, files: dict[str, str]) -> Path:
    root.mkdir()
    for name, text in files.items():
        (root / name).write_text(text)
    write_posts(root, dict(POSTS))
    return root


def test_a_config_toml_is_read_when_there_is_no_config_yml(tmp_path: Path) -> None:
    site = load_site(_site(tmp_path / "site", {"_config.toml": TOML}))
    assert (site.title, site.feeds.atom, site.feeds.limit) == ("Toml", "atom.xml", 1)
    assert site.feeds.id_scheme == "jekyll"
    assert site.jekyll_configs == (site.root / "_config.toml",)
    assert [post.title for post in collect(site, now=NOW).posts] == ["A"]


def test_config_yml_wins_over_config_toml_as_in_jekyll(tmp_path: Path) -> None:
    root = _site(tmp_path / "site", {"_config.toml": TOML, "_config.yml": "title: Yml\n"})
    with pytest.raises(ConfigError) as raised:  # only _config.yml is read: it has no url
        load_site(root)
    assert raised.value.problem.path == root / "_config.yml"


def test_several_files_merge_key_by_key_later_ones_winning(tmp_path: Path) -> None:
    root = _site(tmp_path / "site", {"_config.toml": TOML, "dev.yml": DEV})
    site = load_site(root, jekyll_configs=[root / "_config.toml", root / "dev.yml"])
    assert (site.title, site.feeds.atom, site.feeds.limit) == ("Dev", "atom.xml", 5)
    assert site.show_drafts
    assert site.jekyll_configs == (root / "_config.toml", root / "dev.yml")


def test_feedwright_toml_names_the_files_relative_to_the_site(tmp_path: Path) -> None:
    files = {
        "_config.toml": TOML,
        "dev.yml": DEV,
        "feedwright.toml": '[site]\njekyll_config = ["_config.toml", "dev.yml"]\n',
    }
    site = load_site(_site(tmp_path / "site", files))
    assert (site.title, site.feeds.limit, site.show_drafts) == ("Dev", 5, True)
    # The command line's list wins over the file's.
    site = load_site(site.root, jekyll_configs=[site.root / "_config.toml"])
    assert (site.title, site.feeds.limit, site.show_drafts) == ("Toml", 1, False)


def test_the_command_line_takes_a_list_of_jekyll_configs(tmp_path: Path) -> None:
    root = _site(tmp_path / "site", {"_config.toml": TOML, "dev.yml": DEV})
    configs = f"{root / '_config.toml'},{root / 'dev.yml'}"
    result = runner.invoke(app, ["--jekyll-config", configs, "list", str(root)])
    assert result.exit_code == 0, result.output
    assert "Draft" in result.output  # show_drafts of dev.yml
    result = runner.invoke(app, ["list", str(root)])
    assert result.exit_code == 0, result.output
    assert "Draft" not in result.output


@pytest.mark.parametrize(
    ("dev", "message"),
    [
        ("timezone: Mars/Olympus\n", "unknown time zone"),
        ("lang: '!!'\n", "is not a language tag"),
        ("url: ftp://example.org\n", "not an absolute http(s) URL"),
        ("exclude: notes\n", "`exclude` must be a list"),
        ("permalink: [1]\n", "`permalink` in [site] must be str"),
    ],
)
def test_an_error_names_the_file_the_bad_value_came_from(
    tmp_path: Path, dev: str, message: str
) -> None:
    root = _site(tmp_path / "site", {"_config.toml": TOML, "dev.yml": dev})
    with pytest.raises(ConfigError) as raised:
        load_site(root, jekyll_configs=[root / "_config.toml", root / "dev.yml"])
    assert raised.value.problem.path == root / "dev.yml"
    assert message in str(raised.value)


def test_a_bad_value_of_the_first_file_is_named_there(tmp_path: Path) -> None:
    root = _site(
        tmp_path / "site", {"_config.toml": 'timezone = "Nowhere"\n' + TOML, "dev.yml": DEV}
    )
    with pytest.raises(ConfigError) as raised:
        load_site(root, jekyll_configs=[root / "_config.toml", root / "dev.yml"])
    assert raised.value.problem.path == root / "_config.toml"


@pytest.mark.parametrize(
    ("name", "message"),
    [("missing.yml", "does not exist"), ("notes.json", "use a .yml, .yaml or .toml file")],
)
def test_a_jekyll_config_that_cannot_be_read_is_named(
    tmp_path: Path, name: str, message: str
) -> None:
    root = _site(tmp_path / "site", {"_config.toml": TOML, "notes.json": "{}"})
    with pytest.raises(ConfigError) as raised:
        load_site(root, jekyll_configs=[root / "_config.toml", root / name])
    assert raised.value.problem.path == root / name
    assert message in str(raised.value)


def test_invalid_toml_is_an_error_naming_the_file(tmp_path: Path) -> None:
    root = _site(tmp_path / "site", {"_config.toml": "title = \n"})
    with pytest.raises(ConfigError) as raised:
        load_site(root)
    assert raised.value.problem.path == root / "_config.toml"
    assert "invalid TOML" in str(raised.value)
