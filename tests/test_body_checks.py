"""The checks of a post's body: repeated paragraphs are reported, except in code."""

from __future__ import annotations

from pathlib import Path

from feedwright.posts.parse import clean_body

LINE = "A paragraph long enough to count as a repeat when it shows twice."
CODE = "result = compute(first_argument, second_argument)  # the same call"


def _repeats(body: str) -> list[tuple[int | None, str]]:
    _, warnings = clean_body(body, Path("post.md"), 5)
    return [(warning.line, warning.message) for warning in warnings]


def test_a_repeated_paragraph_is_reported_with_its_line() -> None:
    assert _repeats(f"{LINE}\n\n{LINE}\n") == [(7, "this paragraph repeats the one on line 5")]


def test_repeats_inside_fenced_code_blocks_are_not_reported() -> None:
    body = (
        f"```python\n{CODE}\n\n{CODE}\n\n{CODE}\n```\n\n"
        f"~~~\n\n{CODE}\n\n~~~\n\n````\n```\n\n{CODE}\n\n````\n"
    )
    assert _repeats(body) == []


def test_repeats_inside_indented_code_blocks_are_not_reported() -> None:
    body = f"Some text.\n\n    {CODE}\n\n    {CODE}\n\n\t{CODE}\n"
    assert _repeats(body) == []


def test_a_paragraph_after_a_code_block_is_still_checked() -> None:
    body = f"{LINE}\n\n```\n{LINE}\n```\n\n{LINE}\n"
    assert _repeats(body) == [(11, "this paragraph repeats the one on line 5")]


def test_an_indented_line_that_continues_a_paragraph_is_not_code() -> None:
    body = f"Start of it\n    {LINE}\n\nStart of it\n    {LINE}\n"
    assert _repeats(body) == [(8, "this paragraph repeats the one on line 5")]


def test_a_line_of_inline_code_is_no_fence() -> None:
    body = f"```x``` starts this line\n\n{LINE}\n\n{LINE}\n"
    assert _repeats(body) == [(9, "this paragraph repeats the one on line 7")]
