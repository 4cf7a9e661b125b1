"""The package's layout: each stage imports only from the stages the data has already
passed through, so that the data flows one way (see ARCHITECTURE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import feedwright

PACKAGE = Path(feedwright.__file__).parent

# Each folder (or top-level module) and the ones it may import from, besides itself and
# the package's root (``__version__``). Every import counts, also those made inside a
# function or only for type checking.
MAY_IMPORT: dict[str, set[str]] = {
    "errors": set(),
    "writer": {"errors"},
    "site": {"errors"},
    "posts": {"errors", "site"},
    "feeds": {"errors", "site", "posts", "writer"},
    "mail": {"errors", "site", "posts", "writer"},
    "speed": {"errors", "site", "posts", "writer"},
    "commands": {"errors", "site", "posts", "feeds", "mail", "speed", "writer"},
    "cli": {"errors", "site", "posts", "feeds", "mail", "speed", "writer", "commands"},
    "__main__": {"cli"},
}


def _stage(module: str) -> str:
    """The stage of a module named ``feedwright.<stage>…``; "" for the package's root."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _imported(path: Path) -> set[str]:
    """Every feedwright module a source file imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # `from feedwright.posts import files` imports feedwright.posts.files.
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.split(".")[0] == "feedwright"}


def _sources() -> list[tuple[str, Path]]:
    """Each module of the package but its root, by stage."""
    sources = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.name != "__init__.py" or len(relative.parts) > 1:
            sources.append((relative.parts[0].removesuffix(".py"), path))
    return sources


def test_every_stage_has_its_rules() -> None:
    assert {stage for stage, _ in _sources()} == set(MAY_IMPORT)


def test_the_stages_import_one_way() -> None:
    wrong = []
    for stage, path in _sources():
        allowed = MAY_IMPORT[stage] | {stage, ""}
        for module in sorted(_imported(path)):
            target = _stage(module)
            # A name imported from a stage's package (`from feedwright.posts import files`)
            # is a module of it or a name it defines; either way it is that stage.
            if target not in allowed and target in MAY_IMPORT:
                wrong.append(f"{path.relative_to(PACKAGE)} imports {module}")
    assert wrong == []


def test_the_checker_sees_a_wrong_import(tmp_path: Path) -> None:
    source = tmp_path / "bad.py"
    source.write_text(
        "def f():\n    from feedwright.commands.build import build_site\n", encoding="utf-8"
    )
    assert _imported(source) == {
        "feedwright.commands.build",
        "feedwright.commands.build.build_site",
    }
    assert _stage("feedwright.commands.build") not in MAY_IMPORT["posts"]
