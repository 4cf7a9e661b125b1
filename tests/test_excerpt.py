import regex

from feedwright.posts.excerpt import ELLIPSIS, excerpt_text, truncate


def graphemes(text: str) -> int:
    return len(regex.findall(r"\X", text))


def test_short_text_is_unchanged() -> None:
    assert truncate("A short sentence.", 200) == "A short sentence."


def test_english_is_cut_at_a_word_boundary() -> None:
    text = "The quick brown fox jumps over the lazy dog and keeps running far away"
    result = truncate(text, 22)
    assert result == "The quick brown fox" + ELLIPSIS
    assert graphemes(result) <= 22


def test_a_single_long_word_is_cut_hard() -> None:
    result = truncate("x" * 50, 10)
    assert result == "x" * 9 + ELLIPSIS


def test_japanese_is_cut_between_characters() -> None:
    text = "日本語の文章には単語の間に空白がありません。それでも抜粋はきちんと切れるべきです。"
    result = truncate(text, 20)
    assert result == text[:19] + ELLIPSIS
    assert graphemes(result) == 20


def test_mixed_japanese_and_english_does_not_fall_back_far() -> None:
    text = "Meta AIの日本展開について、Llama 4の技術的な特徴を詳しく分析します。"
    result = truncate(text, 15)
    assert result.endswith(ELLIPSIS)
    assert graphemes(result) <= 15
    assert len(result) >= 10


def test_graphemes_are_never_split() -> None:
    family = "👩🏽‍💻"  # woman technologist, medium skin tone: five code points, one grapheme
    text = family * 30
    result = truncate(text, 10)
    assert result == family * 9 + ELLIPSIS
    accented = "e\u0301" * 30  # e + combining acute accent
    assert truncate(accented, 5) == "e\u0301" * 4 + ELLIPSIS


def test_front_matter_excerpt_wins_and_markdown_is_removed() -> None:
    body = "First paragraph.\n\nSecond."
    assert excerpt_text("An **excerpt** with a [link](x.html)", body, "<!--more-->") == (
        "An excerpt with a link"
    )


def test_text_before_the_separator() -> None:
    body = "Intro *one*\n\nIntro two\n\n<!--more-->\n\nRest of the post."
    assert excerpt_text(None, body, "<!--more-->") == "Intro one Intro two"


def test_first_paragraph_without_html() -> None:
    body = "# Heading\n\nFirst <em>para</em> with `code`.\n\nSecond paragraph."
    assert excerpt_text(None, body, "<!--more-->") == "First para with code."


def test_excerpt_is_cut_to_the_configured_length() -> None:
    body = "これは長い段落です。" * 50
    result = truncate(excerpt_text(None, body, "<!--more-->"), 30)
    assert graphemes(result) == 30
    assert result.endswith(ELLIPSIS)
