"""The wheel carries the templates: build it, install it apart, build a site from that copy."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from conftest import DEFAULT_CONFIG, SIMPLE_POSTS, parse_feed, write_posts

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wheels = tmp_path_factory.mktemp("wheels")
    target = tmp_path_factory.mktemp("installed")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(PROJECT)],
        check=True,
    )
    [wheel] = wheels.glob("feedwright-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "feedwright/templates/feed.xsl" in names
    assert "feedwright/py.typed" in names  # the library's types reach its users
    subprocess.run([*pip, "install", "--no-deps", "--target", str(target), str(wheel)], check=True)
    return target


def test_installed_copy_builds_with_its_own_templates(installed: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_posts(site / "_posts", SIMPLE_POSTS)
    (site / "feedwright.toml").write_text(textwrap.dedent(DEFAULT_CONFIG))
    # The installed copy comes first on the path; the dependencies come from this environment.
    env = {**os.environ, "PYTHONPATH": str(installed)}
    script = (
        "import feedwright.site.templates as t, feedwright.cli as c; "
        "print(t.default_templates_dir()); c.main()"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, "build", str(site)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    templates_dir = Path(done.stdout.splitlines()[0])
    assert templates_dir.is_relative_to(installed)
    assert (site / "out" / "feed.xsl").read_bytes() == (
        PROJECT / "templates" / "feed.xsl"
    ).read_bytes()
    assert parse_feed(site / "out" / "feed.atom").entries[0].title == "Second post"
