"""Wrapping the digest's text part: by display width, with Japanese line-breaking rules."""

from __future__ import annotations

import pytest

from feedwright.mail.wrapping import display_width, wrap

JAPANESE = (
    "朝七時の哲学の道は、観光客がまだ少なく、落ち葉を掃く音だけが聞こえます。"
    "川沿いの桜の木はすっかり赤く色づいていて、水面に映る色がとてもきれいでした。"
)


def test_display_width_counts_wide_characters_twice() -> None:
    assert display_width("abc") == 3
    assert display_width("京都") == 4
    assert display_width("👍🏽") == 2  # one grapheme cluster, a wide emoji with a skin tone


@pytest.mark.parametrize("width", [20, 40, 72])
def test_japanese_wraps_between_characters_within_the_width(width: int) -> None:
    lines = wrap(JAPANESE, width).split("\n")
    assert "".join(lines) == JAPANESE  # nothing added or lost
    assert len(lines) > 1
    assert all(display_width(line) <= width for line in lines)


def test_no_line_starts_with_closing_punctuation_or_ends_with_an_opening_bracket() -> None:
    text = "「京都」の秋、「朝」の散歩。" * 12
    for width in range(8, 40):
        lines = wrap(text, width).split("\n")
        assert "".join(lines) == text
        assert not [line for line in lines[1:] if line[0] in "、。」"], width
        assert not [line for line in lines if line.endswith("「")], width


def test_spaced_text_wraps_at_spaces() -> None:
    text = "A command-line tool is a promise to scripts you will never see, so keep it small."
    lines = wrap(text, 30).split("\n")
    assert lines == [
        "A command-line tool is a",
        "promise to scripts you will",
        "never see, so keep it small.",
    ]


def test_a_long_url_is_never_cut_and_paragraphs_stay_apart() -> None:
    url = "https://example.org/" + "a" * 90
    assert wrap(f"See {url} now.\nNext", 72) == f"See\n{url}\nnow.\nNext"


def test_mixed_latin_and_japanese_breaks_between_them() -> None:
    lines = wrap("PythonとRustで書いたツールを紹介します", 12).split("\n")
    assert all(display_width(line) <= 12 for line in lines)
    assert "Python" in lines[0] and "".join(lines) == "PythonとRustで書いたツールを紹介します"
