from __future__ import annotations

import re
from pathlib import Path

import pytest

from feedwright.errors import ConfigError
from feedwright.feeds.render import STYLESHEET_NAME
from feedwright.mail.message import DIGEST_HTML, DIGEST_MESSAGE, DIGEST_TEXT
from feedwright.site.config import load_site
from feedwright.site.model import PREVIEW_FILES, STYLESHEET_FILE, Logo


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


_SITE = '[site]\ntitle = "T"\nurl = "https://x.org"\n'


@pytest.mark.parametrize(
    ("toml", "words"),
    [
        ('[site]\ntitle = "T"\nurl = "https://x.org"\ntitel = "typo"\n', "did you mean `title`"),
        ('[site]\ntitle = "T"\nurl = "https://x.org"\n[feed]\nlimit = 3\n', "unknown table [feed]"),
        ('[site]\ntitle = "T"\n', "the site has no `url`"),
        ('[site]\ntitle = "T"\nurl = "ftp://x.org"\n', "not an absolute http(s) URL"),
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
        (_SITE + '[digest]\nfrm = "a@b.org"\n', "did you mean `from`"),
        (_SITE + '[digest]\nfrom = "not an address"\n', "`from` in [digest]"),
        (_SITE + '[digest]\nsubject = "{site} {date}"\n', "unknown placeholder {date}"),
        (_SITE + '[digest]\nunsubscribe_url = "http://x.org/u"\n', "not an https URL"),
        (_SITE + "[digest]\nmax_posts = 0\n", "at least 1"),
        (_SITE + '[smtp]\nsecurity = "ssl"\n', "must be one of starttls, tls, none"),
        (_SITE + '[smtp]\npassword = "x"\n', "FEEDWRIGHT_SMTP_PASSWORD"),
        (_SITE + '[recipients]\nto = ["a@b.org", "oops"]\n', "`to` in [recipients]"),
        (_SITE + '[digest]\nsubject = "{count:%Y}"\n', "Invalid format specifier"),
        (_SITE + '[digest]\nsubject = "{site!z}"\n', "Unknown conversion specifier z"),
        (_SITE + '[digest]\nsubject = "{count:>{width}}"\n', "'width'"),
        ('[site]\ntitle = "Two\\nlines"\nurl = "https://x.org"\n', "control character"),
        (
            _SITE + '[digest]\nunsubscribe_url = "https://x.org/u?e={email}>\\r\\nBcc: x"\n',
            "contains",
        ),
        (_SITE + '[digest]\nunsubscribe_url = "https://x.org/a b"\n', "%20"),
        (
            '[site]\ntitle = "T"\nurl = "https://x.org"\nauthor = { name = "A", email = "a" }\n',
            "`author.email` in [site]",
        ),
        (_SITE + '[smtp]\nhost = "smtp.example.org\\r\\nRCPT"\n', "not a host name"),
        (_SITE + '[smtp]\nhost = "メール.example"\n', "xn--"),
        (_SITE + "[smtp]\nconnections = 0\n", "`connections` in [smtp] must be 1–32"),
        (_SITE + '[smtp]\nconnections = "4"\n', "`connections` in [smtp] must be int"),
        (_SITE + "[smtp]\nper_second = 0\n", "must be positive"),
        (_SITE + "[smtp]\nper_hour = 0.5\n", "`per_hour` in [smtp] must be int"),
        (_SITE + '[digest]\nlayout = "grid"\n', "`layout` in [digest] must be one of"),
        (_SITE + '[digest]\ncontent = "all"\n', "`content` in [digest] must be one of"),
        (_SITE + '[digest]\naccent = "blue"\n', "`accent` in [digest] must be a hex colour"),
        (_SITE + '[digest]\naccent = "#12345"\n', "must be a hex colour"),
        (_SITE + '[digest]\naccent = "#123456;x:y"\n', "must be a hex colour"),
        (_SITE + "[digest]\naddress = 12\n", "`address` in [digest] must be str"),
        (_SITE + '[digest]\naddress = "1 Road\\u0007Town"\n', "control character"),
        (_SITE + '[digest]\nlogo = "/logo.png"\n', "`logo` in [digest] must be a table"),
        (_SITE + '[digest]\nlogo = { url = "/l.png", width = 9 }\n', "`logo.height` in [digest]"),
        (
            _SITE + '[digest]\nlogo = { url = "/l.png", width = 900, height = 9 }\n',
            "`logo.width` in [digest] must be 1–552 pixels",
        ),
        (
            _SITE + '[digest]\nlogo = { url = "/l.png", width = 9, height = 9, size = 1 }\n',
            "unknown key `size` in `logo`",
        ),
        (
            _SITE + '[digest]\nlogo = { url = "data:x", width = 9, height = 9 }\n',
            "is not an http(s) URL",
        ),
    ],
)
def test_config_errors_name_the_file(tmp_path: Path, toml: str, words: str) -> None:
    (tmp_path / "feedwright.toml").write_text(toml)
    with pytest.raises(ConfigError) as caught:
        load_site(tmp_path)
    assert words in str(caught.value)
    assert str(caught.value).startswith(str(tmp_path))


def test_digest_smtp_and_state_settings(tmp_path: Path) -> None:
    (tmp_path / "feedwright.toml").write_text(
        _SITE
        + '[digest]\nfrom = "Blog <news@x.org>"\ntemplates = "mail"\nexcerpt_length = 80\n'
        + '[smtp]\nhost = "smtp.x.org"\nsecurity = "tls"\nusername = "blog"\n'
        + "connections = 2\nper_second = 14\nper_hour = 50000\n"
        + '[recipients]\nto = "a@x.org"\nfile = "people.csv"\n'
        + '[state]\npath = "/var/lib/blog/state.json"\n'
    )
    site = load_site(tmp_path)
    assert (site.digest.sender, site.digest.templates) == ("Blog <news@x.org>", tmp_path / "mail")
    assert (site.digest.excerpt_length, site.digest.max_posts) == (80, 10)
    assert (site.smtp.host, site.smtp.port, site.smtp.username) == ("smtp.x.org", 465, "blog")
    assert (site.smtp.connections, site.smtp.per_second, site.smtp.per_hour) == (2, 14.0, 50000)
    assert (site.recipients, site.recipients_file) == (("a@x.org",), tmp_path / "people.csv")
    assert site.state_path == Path("/var/lib/blog/state.json")
    (tmp_path / "feedwright.toml").write_text(_SITE)
    default = load_site(tmp_path)
    assert (default.smtp.port, default.smtp.security) == (587, "starttls")
    assert (default.smtp.connections, default.smtp.per_second, default.smtp.per_hour) == (
        4,
        None,
        None,
    )
    assert default.state_path == tmp_path / ".feedwright" / "state.json"


@pytest.mark.parametrize(
    ("toml", "first"),
    [
        ('[site]\nurl = "https://x.org"\nexcerpt_length = 5\n', "the site has no title"),
        (
            '[site]\ntitle = "T"\nurl = "https://x.org"\ntimezone = "Mars/Base"\nlang = "!"\n',
            "unknown time zone",
        ),
        (
            '[site]\ntitle = "T"\nurl = "https://x.org"\ntimezone = "Mars/Base"\nauthor = 3\n',
            "unknown time zone",
        ),
        (
            '[site]\ntitle = "T"\nurl = "https://x.org"\nexcerpt_length = "x"\n[feeds]\nlimit = "x"\n',
            "`limit` in [feeds]",
        ),
    ],
)
def test_of_several_mistakes_the_same_one_is_named_first(
    tmp_path: Path, toml: str, first: str
) -> None:
    (tmp_path / "feedwright.toml").write_text(toml)
    with pytest.raises(ConfigError, match=re.escape(first)):
        load_site(tmp_path)


@pytest.mark.parametrize(
    ("feeds", "digest", "words"),
    [
        ('atom = "feed.xml"\nrss = "feed.xml"', "", "`atom` and `rss` in [feeds] both name"),
        ('json = "feed.atom"', "", "`atom` and `json` in [feeds] both name"),
        ('rss = "Feed.Atom"', "", "`atom` and `rss` in [feeds] both name"),  # macOS, Windows
        ('rss = "feed.xsl"', "", "`rss` and `stylesheet` in [feeds] both name"),
        ('json = "digest.eml"', "", "`json` in [feeds] and `preview` in [digest] both name"),
        (
            'atom = "atom.xml"\nrss = "rss.xml"\nby = ["tag"]',
            "",
            "`atom` and `rss` in [feeds] both end in .xml",
        ),
    ],
)
def test_two_outputs_with_one_file_name_are_a_config_error(
    tmp_path: Path, feeds: str, digest: str, words: str
) -> None:
    (tmp_path / "feedwright.toml").write_text(f"{_SITE}[feeds]\n{feeds}\n[digest]\n{digest}\n")
    with pytest.raises(ConfigError) as caught:
        load_site(tmp_path)
    assert words in str(caught.value)


@pytest.mark.parametrize(
    "toml",
    [
        '[feeds]\natom = "atom.xml"\nrss = "rss.xml"\n',  # no feeds per tag: no tag/NAME.xml
        '[feeds]\nrss = "feed.xsl"\nstylesheet = false\n',
        '[feeds]\njson = "digest.html"\n[digest]\npreview = false\n',
    ],
)
def test_output_names_that_meet_no_other_output_are_accepted(tmp_path: Path, toml: str) -> None:
    (tmp_path / "feedwright.toml").write_text(_SITE + toml)
    load_site(tmp_path)


def test_the_outputs_config_checks_are_the_files_a_build_writes() -> None:
    assert PREVIEW_FILES == (DIGEST_HTML, DIGEST_TEXT, DIGEST_MESSAGE)
    assert STYLESHEET_FILE == STYLESHEET_NAME


def test_digest_design_settings(tmp_path: Path) -> None:
    (tmp_path / "feedwright.toml").write_text(
        _SITE
        + '[digest]\nlayout = "list"\ncontent = "full"\naccent = "#A1b"\n'
        + 'address = """\nKumo Notes\n  1-2-3 Example-cho \n\nTokyo 100-0001\n"""\n'
        + 'logo = { url = "img/logo.png", width = 120, height = 30 }\n'
    )
    digest = load_site(tmp_path).digest
    assert (digest.layout, digest.content, digest.accent) == ("list", "full", "#aa11bb")
    assert digest.address == "Kumo Notes\n1-2-3 Example-cho\nTokyo 100-0001"
    assert digest.logo == Logo("https://x.org/img/logo.png", 120, 30, "T")
    (tmp_path / "feedwright.toml").write_text(_SITE)
    default = load_site(tmp_path).digest
    assert (default.layout, default.content, default.accent) == ("featured", "excerpt", "#1d4ed8")
    assert (default.address, default.logo) == (None, None)
