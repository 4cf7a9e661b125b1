"""Which files are posts, and in which order they are listed."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from conftest import SiteFactory, write_posts
from feedwright.posts.files import path_order, post_file_names

POST = "---\ntitle: x\ndate: 2025-01-01\n---\nx\n"


def test_post_files_are_listed_in_path_order_whatever_the_names(make_site: SiteFactory) -> None:
    names = ["a.md", "a-b.md", "a/b.md", "a/c/d.md", "a b.md", "A.md", "あ.md", "a.b/x.md", "z.MD"]
    site = make_site({name: POST for name in names})
    folder = site.root / "_posts"
    (folder / "_drafts").mkdir()
    write_posts(folder / "_drafts", {"skipped.md": POST})
    (folder / "notes.txt").write_text("not a post")
    listed = post_file_names(site)
    assert listed == [str(path) for path in sorted(folder / name for name in names)]


parts = st.text(alphabet="ab-_. あ0\t", min_size=1, max_size=3).filter(
    lambda p: p not in {".", ".."}
)


@given(st.lists(st.lists(parts, min_size=1, max_size=4), max_size=10))
def test_the_order_of_names_is_the_order_of_their_paths(paths: list[list[str]]) -> None:
    names = ["/site/" + "/".join(path) for path in paths]
    assert sorted(names, key=path_order) == sorted(names, key=Path)
