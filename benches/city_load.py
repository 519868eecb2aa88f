#!/usr/bin/env python3
"""City-size write load (issue #16): WRITERS concurrent writer processes record checks across
100 communities for one morning, each check a whole `curtain check` process, as volunteers'
terminals do. Prints throughput and latency percentiles, then proves none was lost or doubled.

    benches/city_load.py DB [--writers 50] [--checks 40] [--bin target/release/curtain]

DB is an SQLite file that does not exist yet or a postgres:// URL of an empty database. The
roster (10,000 elders: 100 communities of 5 grids × 20) is made here and imported into a drill
database, so the morning can be any day.
"""

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

COMMUNITIES = 100
GRIDS = 5
PER_GRID = 20
NOW = "2026-12-01 08:00"


def curtain(binary, db, *args, now=NOW):
    env = {"PATH": "/usr/bin:/bin", "LANG": "C", "CURTAIN_USER": "admin"}
    return subprocess.run(
        [binary, "--db", db, "--now", now, "--lang", "en", *args],
        env=env,
        capture_output=True,
        text=True,
    )


def roster(path):
    ids = []
    with open(path, "w", newline="", encoding="utf-8") as out:
        sheet = csv.writer(out)
        sheet.writerow(["编号", "姓名", "地址", "网格", "社区", "顺序"])
        for c in range(COMMUNITIES):
            for g in range(GRIDS):
                for e in range(PER_GRID):
                    elder = f"C{c:03d}G{g}E{e:02d}"
                    ids.append(elder)
                    sheet.writerow(
                        [elder, f"老人{elder}", f"{c}号楼{e}室", f"社区{c:03d}网格{g}",
                         f"社区{c:03d}", e + 1]
                    )
    return ids


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("--writers", type=int, default=50)
    parser.add_argument("--checks", type=int, default=40)
    parser.add_argument("--bin", default="target/release/curtain")
    opts = parser.parse_args()

    with tempfile.TemporaryDirectory() as work:
        sheet = os.path.join(work, "city.csv")
        ids = roster(sheet)
        for args, now in ((["init", "--drill"], "2026-11-30 20:00"),
                          (["import", sheet], "2026-11-30 20:00")):
            done = curtain(opts.bin, opts.db, *args, now=now)
            if done.returncode != 0:
                sys.exit(f"setup `{' '.join(args)}` failed: {done.stderr}")

    total = opts.writers * opts.checks
    if total > len(ids):
        sys.exit(f"{total} checks need more than {len(ids)} elders")
    latencies, failures = [], []
    lock = threading.Lock()

    def writer(index):
        # Each writer walks its own elders, spread over every community.
        mine = ids[index::opts.writers][: opts.checks]
        for elder in mine:
            started = time.perf_counter()
            done = curtain(opts.bin, opts.db, "check", elder, "open")
            took = time.perf_counter() - started
            with lock:
                latencies.append(took)
                if done.returncode != 0:
                    failures.append(f"{elder}: exit {done.returncode}: {done.stderr.strip()}")

    started = time.perf_counter()
    threads = [threading.Thread(target=writer, args=(i,)) for i in range(opts.writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started

    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
    print(f"{opts.writers} writers × {opts.checks} checks = {total} in {wall:.1f} s: "
          f"{total / wall:.1f} checks/s; per check (whole process) "
          f"p50 {p(0.50):.0f} ms, p99 {p(0.99):.0f} ms, max {latencies[-1] * 1000:.0f} ms, "
          f"mean {statistics.mean(latencies) * 1000:.0f} ms")
    if failures:
        print(f"{len(failures)} failed; first: {failures[0]}")
        sys.exit(1)

    status = curtain(opts.bin, opts.db, "status", "--round", "2026-12-01/morning",
                     "--format", "csv", now="2026-12-01 08:30")
    rows = list(csv.DictReader(status.stdout.splitlines()))
    checked = sum(1 for row in rows if row.get("observed") == "open")
    print(f"status lists {len(rows)} elders, {checked} seen open "
          f"({'none lost, none doubled' if checked == total and len(rows) == len(ids) else 'MISMATCH'})")
    sys.exit(0 if checked == total and len(rows) == len(ids) else 1)


if __name__ == "__main__":
    main()
