#!/bin/sh
# Whole-process timings for issue #6, with hyperfine, on a database made by `curtain bench gen`.
#
#   cargo build --release
#   benches/whole_process.sh /work/bench-data/d30k.db 30000     # DB, and its roster size
#
# It times `status`, `flags`, `check` (durable, synchronous=FULL), the import of a generated
# roster CSV of the same size into a fresh database, the same status read by the sqlite3 shell
# (the side-by-side ratio), and the peak memory of each command (/usr/bin/time -v). `check`
# appends real checks to the current round of DB.
set -eu
BIN=${CURTAIN_BIN:-target/release/curtain}
DB=$1
ELDERS=${2:-300}
NOW=${CURTAIN_BENCH_NOW:-2026-11-22 08:30}
ROUND=${CURTAIN_BENCH_ROUND:-2026-11-21/evening}
ORDINAL=$(sqlite3 "$DB" "SELECT value FROM meta WHERE key = 'flags_synced_through'")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export CURTAIN_NOW="$NOW" CURTAIN_LANG=en CURTAIN_USER=bench

# The raw read the status command stands for: every active elder in route order with the round's
# checks and flag. The round is the last settled one, which is ROUND for the default NOW.
cat > "$WORK/status.sql" <<SQL
.mode csv
.headers on
SELECT e.id, e.name, e.address, e.grid, c.observation, c.seen_at, c.checker, f.severity
FROM elders AS e
LEFT JOIN checks AS c ON c.round = $ORDINAL AND c.elder_id = e.id
LEFT JOIN flags AS f ON f.round = $ORDINAL AND f.elder_id = e.id
WHERE e.archived_at IS NULL
ORDER BY e.route;
SQL

"$BIN" --db "$WORK/roster.db" bench roster --elders "$ELDERS" --out "$WORK/roster.csv" >/dev/null

hyperfine --warmup 3 --min-runs 20 --export-markdown "$WORK/read.md" \
    -n status "$BIN --db $DB status --round $ROUND --format csv" \
    -n sqlite3 "sqlite3 $DB < $WORK/status.sql" \
    -n flags "$BIN --db $DB flags --format csv"
hyperfine --warmup 2 --runs 30 -n check "$BIN --db $DB check E000123 open"
hyperfine --runs 5 -n import \
    --prepare "rm -f $WORK/import.db $WORK/import.db-wal $WORK/import.db-shm" \
    "$BIN --db $WORK/import.db import $WORK/roster.csv"

for command in "status --round $ROUND --format csv" "flags --format csv" "check E000124 open"; do
    # shellcheck disable=SC2086
    /usr/bin/time -f "peak memory of '$command': %M KB" "$BIN" --db "$DB" $command >/dev/null
done
rm -f "$WORK/import.db"
/usr/bin/time -f "peak memory of 'import': %M KB" \
    "$BIN" --db "$WORK/import.db" import "$WORK/roster.csv" >/dev/null
