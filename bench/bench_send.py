"""The send benchmark: mail a generated list through a local SMTP sink and time it.

    .venv/bin/python bench/bench_send.py                      # 1,000 and 10,000 subscribers
    .venv/bin/python bench/bench_send.py --large              # and 100,000
    .venv/bin/python bench/bench_send.py --sizes 2000 5000    # or any sizes
    .venv/bin/python bench/bench_send.py --connections 1 4    # compare settings
    .venv/bin/python bench/bench_send.py --sizes 2000 --latency-ms 20 [--no-pipelining]

For each size it writes a small site (three posts, a `[recipients]` file of N addresses)
in a temporary folder and runs `python -m feedwright --quiet send` on it as a new process,
twice: the first send (which also enters every subscriber in the database), then, once a
fourth post is written, the send of that new post to the same list (a site's weekly run,
which reads every subscriber and their records back from the database). The sink is
aiosmtpd in a process of its own that accepts every message and only counts them (and
offers PIPELINING unless `--no-pipelining`; `--latency-ms N` puts a proxy between the two
that holds every chunk N ms each way, a relay across a network). It reports the wall
time, the CPU time of the send (user and system, from `wait4`), messages per second, the
peak RSS (from `wait4`) and the bytes the send handed to the disk (`write_bytes` of
`/proc/PID/io`, read by a small wrapper just before the process ends), and per message.
Then it times the sink alone (without the latency), fed by the plainest client (one
connection per worker, the same message again and again, nothing built, nothing
recorded), so the table says where the sink is the limit.
"""

from __future__ import annotations

import argparse
import os
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "src"

# The sink: counts messages, keeps nothing, and offers PIPELINING unless its second
# argument is 0. With a latency (its first argument, in ms) above 0, a proxy in front of it
# holds every chunk that many ms in each direction, as the network to a remote relay
# would. It prints the port to send to and the sink's own port, then, on a line on its
# standard input, the count so far.
SINK = r"""
import asyncio, socket, sys, threading
from aiosmtpd.controller import Controller

LATENCY = float(sys.argv[1]) / 1000
PIPELINING = sys.argv[2] == "1"

def listening():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    return listener

class Counter:
    count = 0
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if PIPELINING:
            return [*responses[:-1], "250-PIPELINING", responses[-1]]
        return responses
    async def handle_DATA(self, server, session, envelope):
        Counter.count += 1
        return "250 2.0.0 Accepted"

async def delayed(reader, writer):
    # Each chunk goes on LATENCY after it came, in order: a delay, not a bandwidth limit.
    loop = asyncio.get_running_loop()
    chunks = asyncio.Queue()
    async def read():
        while chunk := await reader.read(65536):
            chunks.put_nowait((loop.time() + LATENCY, chunk))
        chunks.put_nowait((loop.time() + LATENCY, b""))
    async def write():
        while True:
            due, chunk = await chunks.get()
            await asyncio.sleep(max(0.0, due - loop.time()))
            if not chunk:
                break
            writer.write(chunk)
            await writer.drain()
    try:
        await asyncio.gather(read(), write())
    except OSError:
        pass
    finally:
        writer.close()

async def relay(client_reader, client_writer):
    # asyncio turns Nagle's algorithm off only on sockets it made itself: without this,
    # a second answer in a row waits for the client's delayed ACK (40 ms).
    client_writer.get_extra_info("socket").setsockopt(
        socket.IPPROTO_TCP, socket.TCP_NODELAY, 1
    )
    sink_reader, sink_writer = await asyncio.open_connection("127.0.0.1", sink_port)
    await asyncio.gather(
        delayed(client_reader, sink_writer), delayed(sink_reader, client_writer)
    )

async def proxy(listener):
    server = await asyncio.start_server(relay, sock=listener)
    await server.serve_forever()

with listening() as probe:
    sink_port = probe.getsockname()[1]
controller = Controller(Counter(), hostname="127.0.0.1", port=sink_port)
controller.start()
port = sink_port
if LATENCY > 0:
    listener = listening()
    port = listener.getsockname()[1]
    threading.Thread(target=asyncio.run, args=(proxy(listener),), daemon=True).start()
print(port, sink_port, flush=True)
for _line in sys.stdin:
    print(Counter.count, flush=True)
controller.stop()
"""

# Runs the command line, then writes what /proc/self/io says it wrote to the disk.
WRAPPER = r"""
import sys
from pathlib import Path
from feedwright.cli import app
try:
    app(sys.argv[2:])
except SystemExit as exit:
    code = exit.code
else:
    code = 0
io = dict(line.split(": ") for line in Path("/proc/self/io").read_text().splitlines())
Path(sys.argv[1]).write_text(io["write_bytes"])
sys.exit(code)
"""

POST = """---
title: "Post number {number}"
date: 2026-01-0{number} 10:00:00 +0000
tags: [bench]
---
{body}
"""


class Sink:
    """The counting SMTP server in its own process."""

    def __init__(self, latency_ms: float = 0.0, pipelining: bool = True) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", SINK, str(latency_ms), "1" if pipelining else "0"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        # ``port`` is the one to send to (the delaying proxy's, with a latency);
        # ``sink_port`` the sink's own.
        self.port, self.sink_port = map(int, self.process.stdout.readline().split())

    def count(self) -> int:
        """Messages accepted so far."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("count\n")
        self.process.stdin.flush()
        return int(self.process.stdout.readline())

    def close(self) -> None:
        """Stop the sink."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait()


def make_site(folder: Path, size: int, port: int, smtp_extra: str) -> Path:
    """A site of three posts and ``size`` subscribers."""
    posts = folder / "_posts"
    posts.mkdir(parents=True)
    body = "\n\n".join(
        f"Paragraph {n} of the post, with [a link](/p{n}/) and *emphasis*." for n in range(12)
    )
    for number in range(1, 4):
        (posts / f"2026-01-0{number}-post-{number}.md").write_text(
            POST.format(number=number, body=body), encoding="utf-8"
        )
    (folder / "subscribers.txt").write_text(
        "".join(f"reader{index}@example.org\n" for index in range(size)), encoding="utf-8"
    )
    (folder / "feedwright.toml").write_text(
        f"""
[site]
title = "Bench Blog"
url = "https://blog.example.org"
author = "Bench Author"
lang = "en"

[digest]
from = "Bench Blog <news@blog.example.org>"
unsubscribe_url = "https://blog.example.org/unsubscribe?email={{email}}"

[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
{smtp_extra}

[recipients]
file = "subscribers.txt"
""",
        encoding="utf-8",
    )
    return folder


@dataclass
class Measure:
    """One timed send."""

    seconds: float
    cpu_seconds: float
    sent: int
    peak_rss_mb: float
    disk_bytes: int
    returncode: int


def time_send(site: Path, sink: Sink) -> Measure:
    """Run `send` on ``site`` as a new process; what it took."""
    before = sink.count()
    io_file = site / "io.txt"
    environment = dict(os.environ, PYTHONPATH=str(SOURCES))
    start = time.perf_counter()
    command = [sys.executable, "-c", WRAPPER, str(io_file), "--quiet", "send", str(site)]
    process = subprocess.Popen(command, env=environment)
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    written = int(io_file.read_text()) if io_file.exists() else -1
    return Measure(
        seconds,
        usage.ru_utime + usage.ru_stime,
        sink.count() - before,
        usage.ru_maxrss / 1024,
        written,
        os.waitstatus_to_exitcode(status),
    )


def time_sink_alone(sink: Sink, messages: int, connections: int) -> float:
    """Messages a second the sink takes from plain smtplib clients sending one small
    message again and again (nothing built, nothing recorded)."""
    message = (
        b"From: a@example.org\r\nTo: b@example.org\r\nSubject: x\r\n\r\n"
        + (b"x" * 76 + b"\r\n") * 100
    )
    each = messages // connections

    def client() -> None:
        with smtplib.SMTP("127.0.0.1", sink.sink_port) as smtp:
            for _ in range(each):
                smtp.sendmail("a@example.org", ["b@example.org"], message)

    threads = [threading.Thread(target=client) for _ in range(connections)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return each * connections / (time.perf_counter() - start)


def add_post(site: Path, number: int) -> None:
    """Write post ``number`` (a new post for the next send)."""
    (site / "_posts" / f"2026-01-0{number}-post-{number}.md").write_text(
        POST.format(number=number, body="A new post."), encoding="utf-8"
    )


def print_row(size: int, run: str, connections: int, measure: Measure) -> None:
    """One line of the table."""
    per_message = measure.disk_bytes / max(measure.sent, 1)
    print(
        f"{size:>11,} {run:>5} {connections or 'dflt':>5} {measure.seconds:>7.2f} "
        f"{measure.cpu_seconds:>6.2f} "
        f"{measure.sent / measure.seconds:>7.0f} {measure.peak_rss_mb:>11.1f} "
        f"{measure.disk_bytes / 1e6:>8.1f} {per_message:>8.0f} {measure.sent:>7,}"
        + (f"  exit {measure.returncode}" if measure.returncode else ""),
        flush=True,
    )


def main() -> None:
    """Parse the arguments, run the sends, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--large", action="store_true", help="add a list of 100,000")
    parser.add_argument(
        "--connections", type=int, nargs="+", default=[0], help="[smtp] connections (0: default)"
    )
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0.0,
        help="hold every chunk this long each way between send and the sink (a remote relay)",
    )
    parser.add_argument(
        "--no-pipelining", action="store_true", help="the sink does not offer PIPELINING"
    )
    arguments = parser.parse_args()
    if arguments.large:
        arguments.sizes.append(100_000)
    sink = Sink(arguments.latency_ms, pipelining=not arguments.no_pipelining)
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores; the sink "
        f"{'does not offer' if arguments.no_pipelining else 'offers'} PIPELINING, "
        f"{arguments.latency_ms:g} ms each way"
    )
    print(
        f"{'subscribers':>11} {'run':>5} {'conns':>5} {'wall s':>7} {'cpu s':>6} {'msg/s':>7} "
        f"{'peak RSS MB':>11} {'disk MB':>8} {'disk/msg':>8} {'sent':>7}"
    )
    try:
        for size in arguments.sizes:
            for connections in arguments.connections:
                extra = f"connections = {connections}" if connections else ""
                with tempfile.TemporaryDirectory(prefix="feedwright-send-") as folder:
                    site = make_site(Path(folder), size, sink.port, extra)
                    for run in ("first", "next"):
                        if run == "next":
                            add_post(site, 4)
                        measure = time_send(site, sink)
                        print_row(size, run, connections, measure)
        # Straight to the sink, without the latency: where the sink itself is the limit.
        for connections in (1, 4):
            rate = time_sink_alone(sink, 4000, connections)
            print(f"the sink alone, {connections} plain client(s): {rate:,.0f} messages/s")
    finally:
        sink.close()


if __name__ == "__main__":
    main()
