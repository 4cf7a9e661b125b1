"""The keys of a Jekyll site's ``_config.yml`` that jekyll-feed reads, read as it reads them
(checked against Jekyll 4.3 with jekyll-feed 0.17 on small sites of the same shape)."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedwright.errors import ConfigError
from feedwright.site.config import load_site


def _jekyll_site(root: Path, config: str) -> Path:
    (root / "_config.yml").write_text(config, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    "config",
    ["url: https://j.example.org\nname: Named Site\n",
     'url: https://j.example.org\ntitle: ""\nname: Named Site\n',
     "url: https://j.example.org\ntitle:\nname: Named Site\n"],
)  # fmt: skip
def test_jekyll_name_is_the_title_when_there_is_no_title(tmp_path: Path, config: str) -> None:
    site = load_site(_jekyll_site(tmp_path, config))
    assert (site.title, site.warnings) == ("Named Site", ())


def test_jekyll_title_wins_over_name_and_feedwright_toml_over_both(tmp_path: Path) -> None:
    _jekyll_site(tmp_path, "url: https://j.example.org\ntitle: Titled\nname: Named\n")
    assert load_site(tmp_path).title == "Titled"
    (tmp_path / "feedwright.toml").write_text('[site]\ntitle = "Own"\n', encoding="utf-8")
    assert load_site(tmp_path).title == "Own"


def test_jekyll_site_without_title_or_name_is_titled_by_its_address(tmp_path: Path) -> None:
    # jekyll-feed writes such a feed with no <title>: readers show its address instead.
    site = load_site(_jekyll_site(tmp_path, "url: https://j.example.org\nbaseurl: /blog\n"))
    assert site.title == "j.example.org/blog"
    [warning] = site.warnings
    assert warning.path == tmp_path / "_config.yml"
    assert "the site has no title (nor name)" in str(warning)
    assert "add `title: My blog` to _config.yml" in str(warning)


@pytest.mark.parametrize(
    ("config", "toml"),
    [("title: T\n", None), ("title: T\nurl:\n", None), ('title: T\nurl: ""\n', None),
     ("", '[site]\ntitle = "T"\n')],
)  # fmt: skip
def test_jekyll_site_without_url_is_one_clear_error(
    tmp_path: Path, config: str, toml: str | None
) -> None:
    _jekyll_site(tmp_path, config)
    if toml is not None:
        (tmp_path / "feedwright.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_site(tmp_path)
    message = str(caught.value)
    assert "the site has no `url`" in message and "None" not in message
    assert "add `url: https://example.org` to _config.yml" in message
