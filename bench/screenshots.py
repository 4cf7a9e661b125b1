"""The digest as readers see it: screenshots by headless Chromium (`make screenshots`).

    .venv/bin/python bench/screenshots.py            # into screenshots/
    .venv/bin/python bench/screenshots.py --out DIR

Renders two digests, the example site's (examples/site, its newest five posts) and one of
20 generated Japanese posts (long titles, every other one with an image, a logo, an accent
and a postal address), and takes each at 600 and 375 px wide, in light and dark mode:
`example-600-light.png` … `japanese-375-dark.png`, beside the `.html` they show. Images
point at hosts that do not exist, so they show their placeholders, as in a mail client that
blocks images. Needs `chromium-headless-shell` or `chromium` on PATH (Debian: `apt-get
install chromium-headless-shell fonts-noto-cjk`).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from feedwright.mail.digest import DigestRenderer
from feedwright.posts.collect import collect, load_bodies
from feedwright.site.config import load_site

ROOT = Path(__file__).resolve().parent.parent
BROWSERS = ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome")
WIDTHS = (600, 375)
HEIGHT = 2400
# After every date in the example site, before the one post it dates in the far future.
NOW = datetime(2026, 1, 1, tzinfo=UTC)

JAPANESE_CONFIG = """
[site]
title = "山の記録"
url = "https://yama.example.invalid"
author = "山田 花子"
lang = "ja"
timezone = "Asia/Tokyo"

[digest]
accent = "#0f766e"
address = "山の記録\\n東京都千代田区例町1-2-3"
unsubscribe_url = "https://yama.example.invalid/unsubscribe?email={email}"
logo = { url = "/logo.png", width = 180, height = 48, alt = "山の記録" }
max_posts = 20
"""
JAPANESE_TITLES = (
    "秋の八ヶ岳を縦走して考えたこと",
    "雨の日の低山歩きで気をつけたい五つのこと",
    "山小屋の朝ごはんが教えてくれた",
    "初めての冬山装備を揃える",
    "地図とコンパスの使い方を学び直す",
)
JAPANESE_BODY = (
    "朝五時に登山口を出発し、稜線に出たところで雲海が広がっていました。"
    "冷たい風の中で飲んだ温かいお茶の味は忘れられません。\n\n二段落目です。\n"
)


def japanese_site(folder: Path) -> Path:
    """A site of 20 Japanese posts, written into ``folder``."""
    posts = folder / "_posts"
    posts.mkdir(parents=True)
    (folder / "feedwright.toml").write_text(JAPANESE_CONFIG, encoding="utf-8")
    for number in range(20):
        title = JAPANESE_TITLES[number % len(JAPANESE_TITLES)] + f"（その{number + 1}）"
        image = (
            f"image: {{path: /img/{number}.jpg, width: 1200, height: 800}}\n"
            if number % 2 == 1
            else ""
        )
        text = f"---\ntitle: {title}\n{image}---\n{JAPANESE_BODY}"
        (posts / f"2025-11-{number + 1:02}-post-{number}.md").write_text(text, encoding="utf-8")
    return folder


def digest_html(root: Path, count: int) -> str:
    """The HTML of the digest of the site's newest ``count`` posts."""
    site = load_site(root)
    newest = collect(site, now=NOW).posts[:count]
    bodies, _ = load_bodies(site, newest)
    posts = [bodies[post.source] for post in newest if post.source in bodies]
    return DigestRenderer(site).render(posts).html


def screenshot(browser: str, page: Path, width: int, dark: bool, image: Path) -> None:
    """One screenshot of ``page`` at ``width`` px, in dark mode or light."""
    dark_flags = ["--force-dark-mode", "--blink-settings=preferredColorScheme=0"] if dark else []
    subprocess.run(
        [
            browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            *dark_flags, f"--window-size={width},{HEIGHT}", f"--screenshot={image}",
            page.as_uri(),
        ],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip


def main() -> int:
    """Render both digests and take their screenshots; 1 when no browser is installed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    options = parser.parse_args()
    browser = next((name for name in BROWSERS if shutil.which(name)), None)
    if browser is None:
        print("no Chromium on PATH: apt-get install chromium-headless-shell", file=sys.stderr)
        return 1
    options.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as temporary:
        digests = {
            "example": digest_html(ROOT / "examples" / "site", 5),
            "japanese": digest_html(japanese_site(Path(temporary) / "japanese"), 20),
        }
    for name, html in digests.items():
        page = options.out / f"{name}.html"
        page.write_text(html, encoding="utf-8")
        for width in WIDTHS:
            for mode in ("light", "dark"):
                image = options.out / f"{name}-{width}-{mode}.png"
                screenshot(browser, page, width, mode == "dark", image)
                print(image)
    return 0


if __name__ == "__main__":
    sys.exit(main())
