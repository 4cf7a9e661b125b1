"""Where the templates come from: the user's folder first, then feedwright's own, which
live in a source checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

from feedwright.errors import InstallError

# The installed feedwright package (src/feedwright in a checkout).
PACKAGE_FOLDER = Path(__file__).resolve().parents[1]


def default_templates_dir() -> Path:
    """The folder of feedwright's own templates; InstallError when it is missing.

    A wheel carries them as ``feedwright/templates``; a source checkout (and an editable
    install) has them at the top of the repository.
    """
    for candidate in (PACKAGE_FOLDER / "templates", PACKAGE_FOLDER.parents[1] / "templates"):
        if (candidate / "feed.xsl").is_file():
            return candidate
    raise InstallError(
        f"feedwright's templates folder is missing (looked in {PACKAGE_FOLDER / 'templates'}) "
        "— reinstall feedwright"
    )


def read_template_bytes(name: str, user_dir: Path | None = None) -> bytes:
    """A template file's bytes, from ``user_dir`` when it has one of that name."""
    if user_dir is not None and (user_dir / name).is_file():
        return (user_dir / name).read_bytes()
    return (default_templates_dir() / name).read_bytes()
