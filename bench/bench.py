"""feedwright's benchmark: build big generated sites and time it, against Hugo when present.

    .venv/bin/python bench/bench.py                 # 1,000 and 10,000 posts
    .venv/bin/python bench/bench.py --sizes 100000  # or any sizes
    .venv/bin/python bench/bench.py --runs 5

For each size it generates a deterministic corpus shaped like real posts (about 18 KB of
Japanese Markdown each, YAML front matter with a `+0000` date, one category, 1–3 tags from
a pool of 20) in a temporary folder, then times, each as a new process, the median of
several runs:

- cold: a build with no output and no cache;
- warm: the same build again, nothing changed;
- new post: a build after one post was added, the newest (every output changes);
- old post added: a build after a post dated years back was added (no output changes);
- digest: `feedwright digest --last 20`;

with the peak RSS of each. The sources are compiled to bytecode first, as installing
feedwright does (a machine with PYTHONDONTWRITEBYTECODE set would time the compiler). If
`hugo` is on PATH, Hugo builds the same posts (RSS limited to 20 items) and the table
shows our cold time over Hugo's.

Then three sites of one hostile post each, built cold (`--no-hostile` leaves them out):

- a 10 MB post with 100 tags and 100 categories, in 201 feeds (5.7 GB of feeds: the post
  is under the content a feed carries, so each of them carries it);
- a 7 MB post of a million links (more markup than a post may have to be rendered);
- a Jekyll post of 100,000 lines that each open a Liquid tag and never close it (rendering
  the tags takes time in proportion to the body, not its square).

    .venv/bin/python bench/bench.py --baseline 7f147e7   # A/B: this checkout against a revision
    make bench BENCH_ARGS="--baseline main --runs 5"

With `--baseline REV` it times this checkout's code against REV's, checked out in a
temporary `git worktree add --detach` that is removed afterwards. Both run from source the
same way, `python -m feedwright` with the same interpreter and `PYTHONPATH` set to the
checkout's `src`, each on its own copy of the generated site (their caches differ). The
runs are interleaved — for each command and run, this checkout then the baseline, each
after the same preparation — so that the machine's drift hits both alike. The table shows
the medians, their ratio (current over baseline), the lowest and highest ratio of a pair
of runs (the noise), and the peak RSS of each. Hugo is not timed in this mode.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

POST_BYTES = 18_000
TAG_POOL = [
    "AI", "半導体", "投資", "京都", "旅行", "写真", "料理", "読書", "音楽", "映画",
    "経済", "政策", "宇宙", "気候", "教育", "健康", "建築", "歴史", "言語", "技術",
]  # fmt: skip
CATEGORIES = ["分析", "日記", "ニュース", "レビュー", "エッセイ"]
# Sentences written for this benchmark; paragraphs are drawn from them at random.
SENTENCES = [
    "朝の光が窓から差し込み、机の上の資料を静かに照らしていました。",
    "市場の動きは予想よりも速く、多くの投資家が判断に迷っています。",
    "新しい技術が生活に溶け込むまでには、いつも少し時間がかかります。",
    "駅前の小さな喫茶店では、常連客が新聞を広げて議論をしていました。",
    "この数年で半導体の需要は大きく変わり、供給網も見直されています。",
    "川沿いを歩くと、季節の移り変わりがはっきりと感じられます。",
    "研究者たちは、結果を慎重に検証してから発表する方針を取りました。",
    "古い町並みを保ちながら、新しい建物をどう調和させるかが課題です。",
    "読者の皆さんからいただいた質問に、今回はまとめてお答えします。",
    "統計を丁寧に読むと、見出しとは違う姿が浮かび上がってきます。",
    "週末の市場には、地元の野菜や果物が色とりどりに並んでいました。",
    "政策の効果が表れるまでには、少なくとも二年はかかると言われます。",
    "開発チームは、利用者の声をもとに設計を何度も作り直しました。",
    "夜空を見上げると、冬の星座がくっきりと浮かんで見えました。",
    "教育の現場では、道具よりも問いの立て方が大切だと感じます。",
]


def paragraph(chance: random.Random) -> str:
    return "".join(chance.choice(SENTENCES) for _ in range(chance.randint(3, 8)))


def post_text(number: int, chance: random.Random) -> str:
    """One post like the ones users write: front matter, then about 18 KB of paragraphs,
    with a repeated paragraph and, now and then, a stray `---END---` line."""
    day = number // 4
    hour = number % 4 * 6
    year, rest = 2015 + day // 336, day % 336
    month, month_day = 1 + rest // 28, 1 + rest % 28
    minute = chance.randint(0, 59)
    moment = f"{year}-{month:02d}-{month_day:02d} {hour:02d}:{minute:02d}:08 +0000"
    tags = ", ".join(f'"{tag}"' for tag in chance.sample(TAG_POOL, chance.randint(1, 3)))
    first = paragraph(chance)
    body = [first]
    while sum(len(text.encode()) for text in body) < POST_BYTES:
        body.append(paragraph(chance))
    body.insert(len(body) // 2, first)  # the repeated paragraph real posts have
    if number % 7 == 0:
        body.append("---END---")
    return (
        "---\n"
        "layout: post\n"
        f'title: "記事 {number}：{chance.choice(SENTENCES)[:18]}"\n'
        f"date: {moment}\n"
        f'categories: ["{chance.choice(CATEGORIES)}"]\n'
        f"tags: [{tags}]\n"
        'author: "編集部"\n'
        f'excerpt: "{chance.choice(SENTENCES)}"\n'
        f"reading_time: {chance.randint(3, 12)}\n"
        "---\n\n" + "\n\n".join(body) + "\n"
    )


def generate_site(root: Path, count: int) -> None:
    """A feedwright site of ``count`` posts, the same bytes for the same count."""
    chance = random.Random(count)
    posts = root / "_posts"
    posts.mkdir(parents=True)
    (root / "feedwright.toml").write_text(
        '[site]\ntitle = "ベンチマーク"\nurl = "https://bench.example.org"\nlang = "ja"\n'
        "[digest]\nmax_posts = 20\n",
        encoding="utf-8",
    )
    for number in range(count):
        text = post_text(number, chance)
        date = text.split("date: ", 1)[1][:10]
        (posts / f"{date}-post-{number}.md").write_text(text, encoding="utf-8")


def generate_hugo_site(root: Path, posts: Path) -> None:
    """The same posts as a Hugo site (no theme: Hugo makes its built-in RSS and sitemap)."""
    (root / "content").mkdir(parents=True)
    shutil.copytree(posts, root / "content" / "posts")
    (root / "hugo.toml").write_text(
        'baseURL = "https://bench.example.org/"\ntitle = "ベンチマーク"\n'
        'languageCode = "ja"\n[services.rss]\nlimit = 20\n',
        encoding="utf-8",
    )


@dataclass
class Measure:
    """The median wall time and the largest peak RSS of several runs of one command."""

    seconds: float
    peak_mb: float

    @classmethod
    def of(cls, samples: list[tuple[float, float]]) -> Measure:
        """From the (wall time, peak RSS) of each run."""
        return cls(statistics.median(s for s, _ in samples), max(mb for _, mb in samples))


def run_once(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run ``command`` as a new process; its wall time and peak RSS (MB)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        error = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{error}")
    if process.stderr:
        process.stderr.close()
    return elapsed, usage.ru_maxrss / 1024


def measure(command: list[str], runs: int, before: Callable[[int], None] | None = None) -> Measure:
    samples = []
    for attempt in range(runs):
        if before:
            before(attempt)
        samples.append(run_once(command))
    return Measure.of(samples)


def compile_sources(folder: Path) -> None:
    """Compile the Python files under ``folder`` to bytecode, as installing a package does:
    where PYTHONDONTWRITEBYTECODE is set (it is on the machines this is developed on), each
    run would otherwise compile every module it imports, and the benchmark would time the
    compiler."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(folder)], check=True)


def feedwright(*args: str) -> list[str]:
    return [sys.executable, "-m", "feedwright", "-q", *args]


@dataclass
class Case:
    """One timed command: its arguments for a site folder, and what is done to the site
    before each run (given the folder and the run's number)."""

    name: str
    args: Callable[[Path], list[str]]
    before: Callable[[Path, int], None] | None = None


def cases(count: int) -> list[Case]:
    """The commands timed on a site of ``count`` posts, in order (each starts from the state
    the ones before it left)."""

    def build(root: Path) -> list[str]:
        return ["build", str(root)]

    def clean(root: Path, _: int) -> None:
        shutil.rmtree(root / "out", ignore_errors=True)
        shutil.rmtree(root / ".feedwright", ignore_errors=True)

    def add_post(root: Path, attempt: int) -> None:
        # Dated after every post so far: the newest, as a new post usually is.
        text = post_text(count + attempt, random.Random(-attempt))
        (root / "_posts" / f"new-{attempt}.md").write_text(text, encoding="utf-8")

    def add_old_post(root: Path, attempt: int) -> None:
        text = post_text(count + attempt, random.Random(attempt))
        date = text.split("date: ", 1)[1].split("\n", 1)[0]
        text = text.replace(date, f"2015-06-{10 + attempt} 12:00:08 +0000", 1)
        (root / "_posts" / f"old-{attempt}.md").write_text(text, encoding="utf-8")

    return [
        Case("cold build", build, clean),
        Case("warm build", build),
        Case("new post", build, add_post),
        Case("old post added", build, add_old_post),
        Case("digest --last 20", lambda root: ["digest", str(root), "--last", "20"]),
    ]


def write_site(root: Path, post: str) -> None:
    """A site of one post, built with feeds per category and tag."""
    (root / "_posts").mkdir(parents=True)
    (root / "feedwright.toml").write_text(
        '[site]\ntitle = "Hostile"\nurl = "https://bench.example.org"\nlang = "ja"\n'
        '[feeds]\nby = ["category", "tag"]\n',
        encoding="utf-8",
    )
    (root / "_posts" / "2025-11-29-hostile.md").write_text(post, encoding="utf-8")


def generate_many_feeds(root: Path) -> None:
    """A 10 MB post of Japanese paragraphs with 100 tags and 100 categories."""
    chance = random.Random(10)
    paragraphs: list[str] = []
    while sum(len(text.encode()) for text in paragraphs) < 10_000_000:
        paragraphs.append(paragraph(chance))
    tags = ", ".join(f"t{number}" for number in range(100))
    categories = ", ".join(f"c{number}" for number in range(100))
    front = f"---\ntitle: 長い記事\ntags: [{tags}]\ncategories: [{categories}]\n---\n"
    write_site(root, front + "\n\n".join(paragraphs) + "\n")


def generate_million_links(root: Path) -> None:
    """A 7 MB post of a million links."""
    write_site(root, "---\ntitle: リンク集\n---\n" + "[a](b) " * 1_000_000 + "\n")


def generate_unclosed_tags(root: Path) -> None:
    """A Jekyll post of 100,000 lines that each open a Liquid tag and a variable: invalid,
    as Jekyll refuses it (built with --skip-invalid, which times finding that out)."""
    write_site(root, "---\ntitle: タグ\n---\n" + "{% x {{ y\n" * 100_000)
    (root / "_config.yml").write_text("title: Hostile\n", encoding="utf-8")


# Each hostile site, and the options of its build.
HOSTILE: dict[str, tuple[Callable[[Path], None], tuple[str, ...]]] = {
    "10 MB post in 201 feeds": (generate_many_feeds, ()),
    "7 MB of 1M links": (generate_million_links, ()),
    "100,000 unclosed Liquid tags": (generate_unclosed_tags, ("--skip-invalid",)),
}


def bench_hostile(runs: int, work: Path) -> dict[str, Measure]:
    """The cold build of each hostile site."""
    results = {}
    for name, (generate_hostile, options) in HOSTILE.items():
        print(f"{name} …", file=sys.stderr)
        root = work / name.replace(" ", "-")
        generate_hostile(root)

        def clean(_: int, root: Path = root) -> None:
            shutil.rmtree(root / "out", ignore_errors=True)
            shutil.rmtree(root / ".feedwright", ignore_errors=True)

        results[name] = measure(feedwright("build", *options, str(root)), runs, clean)
        shutil.rmtree(root)
    return results


def generate(root: Path, count: int) -> None:
    print(f"generating {count:,} posts …", file=sys.stderr)
    generate_site(root, count)
    size_mb = sum(path.stat().st_size for path in (root / "_posts").iterdir()) / 1e6
    print(f"  {size_mb:,.0f} MB of posts", file=sys.stderr)


def bench_size(count: int, runs: int, hugo: str | None, work: Path) -> dict[str, Measure]:
    root = work / f"site-{count}"
    generate(root, count)
    results = {}
    for case in cases(count):
        before = partial(case.before, root) if case.before else None
        results[case.name] = measure(feedwright(*case.args(root)), runs, before)
    if hugo:
        hugo_root = work / f"hugo-{count}"
        generate_hugo_site(hugo_root, root / "_posts")

        def clean_hugo(_: int) -> None:
            shutil.rmtree(hugo_root / "public", ignore_errors=True)
            shutil.rmtree(hugo_root / "resources", ignore_errors=True)

        results["hugo build"] = measure(
            [hugo, "--quiet", "--source", str(hugo_root)], runs, clean_hugo
        )
    return results


CHECKOUT = Path(__file__).resolve().parents[1]


def git(*args: str) -> str:
    """Run git in this checkout; its output, stripped."""
    done = subprocess.run(
        ["git", "-C", str(CHECKOUT), *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout.strip()


@contextmanager
def checkout_of(revision: str) -> Iterator[tuple[Path, str]]:
    """A temporary detached worktree of ``revision``, removed afterwards: its folder and the
    commit it is."""
    commit = git("rev-parse", "--verify", f"{revision}^{{commit}}")
    parent = Path(tempfile.mkdtemp(prefix="feedwright-baseline-"))
    folder = parent / "checkout"
    git("worktree", "add", "--quiet", "--detach", str(folder), commit)
    try:
        yield folder, commit
    finally:
        git("worktree", "remove", "--force", str(folder))
        shutil.rmtree(parent, ignore_errors=True)


@dataclass
class Side:
    """One version of feedwright in an A/B run: the code it runs and its own site copy."""

    source: Path
    root: Path

    def run(self, args: list[str]) -> tuple[float, float]:
        env = {**os.environ, "PYTHONPATH": str(self.source)}
        return run_once(feedwright(*args), env)


@dataclass
class Comparison:
    """One command timed on both sides: each side's measure, and the ratio of each pair."""

    current: Measure
    baseline: Measure
    pair_ratios: list[float]


def compare_size(count: int, runs: int, baseline: Path, work: Path) -> dict[str, Comparison]:
    """Time this checkout against ``baseline`` on a site of ``count`` posts, interleaved."""
    current = Side(CHECKOUT / "src", work / "current" / f"site-{count}")
    other = Side(baseline / "src", work / "baseline" / f"site-{count}")
    generate(current.root, count)
    shutil.copytree(current.root, other.root)
    results = {}
    for case in cases(count):
        print(f"  {case.name} …", file=sys.stderr)
        samples: dict[str, list[tuple[float, float]]] = {"current": [], "baseline": []}
        for attempt in range(runs):
            for name, side in (("current", current), ("baseline", other)):
                if case.before:
                    case.before(side.root, attempt)
                samples[name].append(side.run(case.args(side.root)))
        pairs = zip(samples["current"], samples["baseline"], strict=True)
        results[case.name] = Comparison(
            Measure.of(samples["current"]),
            Measure.of(samples["baseline"]),
            [ours[0] / theirs[0] for ours, theirs in pairs],
        )
    shutil.rmtree(current.root)
    shutil.rmtree(other.root)
    return results


def print_comparison(count: int, results: dict[str, Comparison]) -> None:
    print(f"\n{count:,} posts")
    print(
        f"{'command':<18} {'current':>8} {'baseline':>8} {'ratio':>6} {'pairs':>11}"
        f" {'RSS current':>12} {'RSS baseline':>12}"
    )
    for name, result in results.items():
        ours, theirs = result.current, result.baseline
        pairs = f"{min(result.pair_ratios):.2f}–{max(result.pair_ratios):.2f}"
        print(
            f"{name:<18} {ours.seconds:>7.2f}s {theirs.seconds:>7.2f}s"
            f" {ours.seconds / theirs.seconds:>6.3f} {pairs:>11}"
            f" {ours.peak_mb:>9.0f} MB {theirs.peak_mb:>9.0f} MB"
        )


def main_ab(sizes: list[int], runs: int, revision: str) -> None:
    head = git("rev-parse", "--short", "HEAD")
    if git("status", "--porcelain", "--", "src"):
        head += " with uncommitted changes in src"
    with (
        checkout_of(revision) as (baseline, commit),
        tempfile.TemporaryDirectory(prefix="feedwright-bench-") as folder,
    ):
        print(f"feedwright A/B — {platform.machine()}, {os.cpu_count()} cores, "
              f"Python {platform.python_version()}, median of {runs} interleaved runs\n"
              f"current: {CHECKOUT} at {head}; baseline: {revision} = {commit[:12]}")  # fmt: skip
        compile_sources(CHECKOUT / "src")
        compile_sources(baseline / "src")
        for count in sizes:
            print_comparison(count, compare_size(count, runs, baseline, Path(folder)))
            sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--runs", type=int, default=3, help="runs of each command (median)")
    parser.add_argument("--no-hugo", action="store_true", help="do not time Hugo")
    parser.add_argument(
        "--no-hostile", action="store_true", help="do not time the two hostile posts"
    )
    parser.add_argument(
        "--baseline",
        metavar="REV",
        help="time this checkout against the git revision REV, interleaved (no Hugo)",
    )
    options = parser.parse_args()
    if options.baseline:
        main_ab(options.sizes, options.runs, options.baseline)
        return
    hugo = None if options.no_hugo else shutil.which("hugo")
    compile_sources(CHECKOUT / "src")
    rows = []
    with tempfile.TemporaryDirectory(prefix="feedwright-bench-") as folder:
        for count in options.sizes:
            for name, result in bench_size(count, options.runs, hugo, Path(folder)).items():
                rows.append((count, name, result))
        if not options.no_hostile:
            for name, result in bench_hostile(options.runs, Path(folder)).items():
                rows.append((1, name, result))
    print(f"\nfeedwright benchmark — {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, median of {options.runs} runs")  # fmt: skip
    print(f"{'posts':>8}  {'command':<23} {'seconds':>8} {'peak RSS':>10}  vs Hugo")
    for count, name, result in rows:
        hugo_row = next((r for c, n, r in rows if c == count and n == "hugo build"), None)
        ratio = ""
        if hugo_row and name == "cold build":
            ratio = f"{result.seconds / hugo_row.seconds:.2f}×"
        print(f"{count:>8,}  {name:<23} {result.seconds:>8.2f} {result.peak_mb:>7.0f} MB  {ratio}")


if __name__ == "__main__":
    main()
