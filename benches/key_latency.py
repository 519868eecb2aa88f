#!/usr/bin/env python3
"""Keystroke latency of the patrol screen (issue #14), measured at the terminal itself: curtain
runs in a pseudo-terminal this script holds, and a key's latency is the time from writing `j`
(or `k`) to reading back the selection marker (▶) drawn on its new line. Nothing is spawned
between the key and the answer, so the figure is curtain's and the kernel's, not a tmux client's
(`tui_latency.sh` polls `tmux capture-pane`, whose own start-up under load is in its figures).

WRITERS other processes meanwhile commit checks of the current round, each a whole `curtain
check`, as fast as the two cores let them or with GAP seconds between one writer's checks.

    cargo build --release
    benches/key_latency.py DB [--writers 20] [--seconds 30] [--gap 0] [--bin target/release/curtain]
    benches/key_latency.py DB --first-frame 10

With --first-frame RUNS it measures, RUNS times, the real process from its start to the round
screen's first frame read at the terminal (`first_frame.sh` polls tmux for the same).

The selection goes five rows down from the top and five back up: there the list does not
scroll, so each key moves the marker on the screen. The writers append real checks to DB's
current round, 100-200 a second, and the first frame then reads them too: take first-frame and
round figures before a run with writers, or on a copy of DB.
"""

import argparse
import csv
import fcntl
import io
import math
import os
import pty
import select
import shlex
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time

NOW = "2026-11-22 08:30"
MARKER = "▶".encode()


def read_until(fd, wanted, timeout):
    """Reads the terminal until `wanted` comes; returns the seconds it took, or None."""
    started = time.perf_counter()
    seen = b""
    while True:
        left = timeout - (time.perf_counter() - started)
        if left <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                return None
            # Keep the tail: the marker's three bytes may be split across two reads.
            seen = seen[-8:] + chunk
            if wanted in seen:
                return time.perf_counter() - started


def drain(fd, seconds):
    end = time.perf_counter() + seconds
    while (left := end - time.perf_counter()) > 0:
        ready, _, _ = select.select([fd], [], [], left)
        if ready and not os.read(fd, 65536):
            return


def start(binary, db, env):
    """curtain's patrol screen in a 120×40 pseudo-terminal: its pid and the terminal's end."""
    pid, fd = pty.fork()
    if pid == 0:
        try:
            # Sized before curtain starts, so its first frame is drawn at 120×40.
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
            os.execve(binary, [binary, "--db", db, "--now", NOW, "--lang", "en", "--user", "bench"], env)
        finally:
            os._exit(127)
    return pid, fd


def first_frames(binary, db, env, runs):
    for run in range(1, runs + 1):
        started = time.perf_counter()
        pid, fd = start(binary, db, env)
        took = read_until(fd, b"checked", 30)
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
        os.close(fd)
        shown = "no frame in 30 s" if took is None else f"{(time.perf_counter() - started) * 1000:.0f} ms"
        print(f"first frame, run {run}: {shown}")
        time.sleep(0.5)


def percentile(sorted_values, share):
    """Nearest rank: the smallest value at least `share` of the values are at or under."""
    rank = max(1, math.ceil(len(sorted_values) * share))
    return sorted_values[rank - 1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db")
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--gap", type=float, default=0)
    parser.add_argument("--bin", default=os.environ.get("CURTAIN_BIN", "target/release/curtain"))
    parser.add_argument("--first-frame", type=int, metavar="RUNS")
    args = parser.parse_args()
    binary = os.path.abspath(args.bin)
    env = dict(os.environ, CURTAIN_NOW=NOW, CURTAIN_LANG="en", TERM="xterm-256color")
    if args.first_frame:
        first_frames(binary, args.db, env, args.first_frame)
        return

    status = subprocess.run(
        [binary, "--db", args.db, "status", "--format", "csv"],
        env=env, capture_output=True, text=True, check=True,
    ).stdout
    ids = [row["elder_id"] for row in csv.DictReader(io.StringIO(status)) if row["status"] != "away"]

    work = tempfile.mkdtemp()
    writers = []
    committed_files = []
    try:
        measured = measure(args, binary, env, ids, work, writers, committed_files)
    finally:
        for writer in writers:
            os.killpg(writer.pid, signal.SIGTERM)
            writer.wait()
        shutil.rmtree(work, ignore_errors=True)
    latencies, missed, rate = measured
    if not latencies:
        sys.exit(f"no key was answered ({missed} sent)")
    latencies.sort()
    print(
        f"keystrokes at the terminal with {args.writers} writers ({rate:.0f} checks committed a second): "
        f"{len(latencies)} keys, median {percentile(latencies, 0.5):.1f} ms, "
        f"99th percentile {percentile(latencies, 0.99):.1f} ms, worst {latencies[-1]:.1f} ms"
        + (f", {missed} keys not answered in 5 s" if missed else "")
    )


def measure(args, binary, env, ids, work, writers, committed_files):
    """Starts the writers and the screen, sends the keys; the latencies in ms, the keys not
    answered and the writers' checks a second."""
    # Each writer ticks its own stretch of 200 from the far end of the route, away from the rows
    # shown; a roster too short for them all gives some none.
    for writer in range(1, args.writers + 1):
        stretch = ids[max(100, len(ids) - writer * 200):max(100, len(ids) - (writer - 1) * 200)]
        if not stretch:
            continue
        ids_file = os.path.join(work, f"ids.{writer}")
        with open(ids_file, "w") as out:
            out.write("\n".join(reversed(stretch)) + "\n")
        committed = os.path.join(work, f"committed.{writer}")
        committed_files.append(committed)
        pause = f"sleep {args.gap};" if args.gap > 0 else ""
        loop = (
            f"while :; do while read -r id; do "
            f"{shlex.quote(binary)} --db {shlex.quote(args.db)} --user writer{writer} check \"$id\" open "
            f">/dev/null 2>&1 && echo >>{shlex.quote(committed)}; {pause} done <{shlex.quote(ids_file)}; done"
        )
        writers.append(subprocess.Popen(["sh", "-c", loop], env=env, start_new_session=True))

    pid, fd = start(binary, args.db, env)
    try:
        if read_until(fd, b"checked", 30) is None:
            sys.exit("the patrol screen did not come up")
        drain(fd, 3)  # the strips fill in after the first frame
        # To the top, where the list does not scroll.
        os.write(fd, b"\x1b[H")  # Home
        drain(fd, 0.5)

        def committed():
            return sum(os.path.getsize(f) for f in committed_files if os.path.exists(f))

        before, started = committed(), time.perf_counter()
        latencies, missed, n = [], 0, 0
        while time.perf_counter() - started < args.seconds:
            key = b"j" if (n // 5) % 2 == 0 else b"k"
            n += 1
            os.write(fd, key)
            took = read_until(fd, MARKER, 5)
            if took is None:
                # Its answer may still come: let it pass before the next key.
                missed += 1
                drain(fd, 1)
                continue
            latencies.append(took * 1000)
            drain(fd, 0.02)
        rate = (committed() - before) / (time.perf_counter() - started)
    finally:
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
        os.close(fd)
    return latencies, missed, rate


if __name__ == "__main__":
    main()
