from __future__ import annotations

from pathlib import Path

import pytest

from feedwright.config import load_site
from feedwright.errors import ConfigError


def test_jekyll_config_is_enough(tmp_path: Path) -> None:
    (tmp_path / "_config.yml").write_text(
        "title: Jekyll Blog\nurl: https://j.example.org\nbaseurl: /blog\n"
        "author:\n  name: Jay\n  email: jay@example.org\nlang: ja_JP\ntimezone: Asia/Tokyo\n"
        "permalink: pretty\nexcerpt_separator: <!--cut-->\n",
        encoding="utf-8",
    )
    site = load_site(tmp_path)
    assert (site.title, site.url, site.lang, site.timezone) == (
        "Jekyll Blog", "https://j.example.org/blog", "ja-JP", "Asia/Tokyo",
    )  # fmt: skip
    assert site.author is not None and site.author.email == "jay@example.org"
    assert (site.permalink, site.excerpt_separator) == ("pretty", "<!--cut-->")


def test_feedwright_toml_wins_over_jekyll(tmp_path: Path) -> None:
    (tmp_path / "_config.yml").write_text("title: Old\nurl: https://old.example.org\n")
    (tmp_path / "feedwright.toml").write_text('[site]\ntitle = "New"\n')
    site = load_site(tmp_path, output=tmp_path / "elsewhere")
    assert (site.title, site.url) == ("New", "https://old.example.org")
    assert site.output == tmp_path / "elsewhere"


@pytest.mark.parametrize(
    ("toml", "words"),
    [
        ('[site]\ntitle = "T"\nurl = "https://x.org"\ntitel = "typo"\n', "did you mean `title`"),
        ('[site]\ntitle = "T"\nurl = "https://x.org"\n[feed]\nlimit = 3\n', "unknown table [feed]"),
        ('[site]\ntitle = "T"\n', "not an absolute http(s) URL"),
        ('[site]\nurl = "https://x.org"\n', "has no title"),
        (
            '[site]\ntitle = "T"\nurl = "https://x.org"\ntimezone = "Mars/Base"\n',
            "unknown time zone",
        ),
        ('[site]\ntitle = "T"\nurl = "https://x.org"\n[feeds]\nlimit = "ten"\n', "must be int"),
        (
            '[site]\ntitle = "T"\nurl = "https://x.org"\n[feeds]\nby = ["author"]\n',
            "cannot make feeds by",
        ),
        (
            '[site]\ntitle = "T"\nurl = "https://x.org"\n[feeds]\natom = "../x.atom"\n',
            "plain file name",
        ),
        ('[site\ntitle = "T"\n', "invalid TOML"),
    ],
)
def test_config_errors_name_the_file(tmp_path: Path, toml: str, words: str) -> None:
    (tmp_path / "feedwright.toml").write_text(toml)
    with pytest.raises(ConfigError) as caught:
        load_site(tmp_path)
    assert words in str(caught.value)
    assert str(caught.value).startswith(str(tmp_path))
