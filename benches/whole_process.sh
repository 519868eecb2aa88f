#!/bin/sh
# Whole-process timings for issue #6, with hyperfine, on a database made by `curtain bench gen`.
#
#   cargo build --release
#   benches/whole_process.sh /work/bench-data/d30k.db 30000     # DB, and its roster size
#
# It times `status`, `flags`, `check` (durable, synchronous=FULL), the import of a generated
# roster CSV of the same size into a fresh database, the same status read by the sqlite3 shell
# by the exact rules (the side-by-side ratio, in one hyperfine run), and the peak memory of each command (/usr/bin/time -v). `check`
# appends real checks to the current round of DB.
set -eu
BIN=${CURTAIN_BIN:-target/release/curtain}
DB=$1
ELDERS=${2:-300}
NOW=${CURTAIN_BENCH_NOW:-2026-11-22 08:30}
ROUND=${CURTAIN_BENCH_ROUND:-2026-11-21/evening}
# The exact-rule SQL takes a minute or more a run at 30k: fewer runs there (CURTAIN_BENCH_RUNS=5).
RUNS=${CURTAIN_BENCH_RUNS:-20}
WARMUP=${CURTAIN_BENCH_WARMUP:-3}
ORDINAL=$(sqlite3 "$DB" "SELECT value FROM meta WHERE key = 'flags_synced_through'")
# The time zone of the generated community (Asia/Shanghai, UTC+8, no daylight saving).
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export CURTAIN_NOW="$NOW" CURTAIN_LANG=en CURTAIN_USER=bench

# The same statuses by the exact rules of DESIGN.md section 3, in SQL, for the sqlite3 shell
# (issue #14: the ratio is measured in one run): every elder on the roster for the round (added
# before its window opened, not archived by then), the latest-seen check no correction
# superseded, ok/alert/unclear from it against the expected curtain, away from the absences,
# missed otherwise; late when seen after the window (the elder's own, or the community's)
# closed; the severity of the round's flag when the status is flagged. The round is the last
# settled one (ROUND). On a generated 300 × 30 database its rows equal `status --format json`'s
# (elder_id, observed, status, late, severity), row for row.
DATE=${ROUND%/*}
SLOT=${ROUND#*/}
if [ "$SLOT" = morning ]; then
    EXPECTED=open; OPENS="coalesce(e.morning_opens, '07:00')"; CLOSES="coalesce(e.morning_closes, '09:30')"
else
    EXPECTED=closed; OPENS="coalesce(e.evening_opens, '19:30')"; CLOSES="coalesce(e.evening_closes, '22:00')"
fi
UTC="'%Y-%m-%dT%H:%M:%S.000Z'"
cat > "$WORK/status.sql" <<SQL
.mode csv
.headers on
WITH decisive AS (
    SELECT c.elder_id, c.observation, c.seen_at, c.checker,
           row_number() OVER (PARTITION BY c.elder_id ORDER BY c.seen_at DESC, c.recorded_at DESC) AS n
    FROM checks AS c
    WHERE c.round = $ORDINAL AND c.observation IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM checks AS s WHERE s.supersedes = c.id)
)
SELECT elder_id, name, grid, round, expected, observed, status, late,
       CASE WHEN status IN ('alert', 'unclear', 'missed') THEN severity END AS severity
FROM (
SELECT e.id AS elder_id, e.name, e.grid, '$ROUND' AS round, '$EXPECTED' AS expected,
       d.observation AS observed,
       CASE WHEN d.observation = 'seen' OR d.observation = '$EXPECTED' THEN 'ok'
            WHEN d.observation = 'unclear' THEN 'unclear'
            WHEN d.observation IS NOT NULL THEN 'alert'
            WHEN EXISTS (SELECT 1 FROM absences AS a WHERE a.elder_id = e.id
                         AND a.from_date <= '$DATE' AND a.to_date >= '$DATE'
                         AND (a.back_on IS NULL OR a.back_on > '$DATE')) THEN 'away'
            ELSE 'missed' END AS status,
       d.seen_at > strftime($UTC, '$DATE ' || $CLOSES, '-8 hours') AS late,
       f.severity
FROM elders AS e
LEFT JOIN decisive AS d ON d.elder_id = e.id AND d.n = 1
LEFT JOIN flags AS f ON f.round = $ORDINAL AND f.elder_id = e.id
WHERE e.added_at < strftime($UTC, '$DATE ' || $OPENS, '-8 hours')
  AND (e.archived_at IS NULL OR e.archived_at > strftime($UTC, '$DATE ' || $OPENS, '-8 hours'))
ORDER BY e.route IS NULL, e.route, e.id
);
SQL

"$BIN" --db "$WORK/roster.db" bench roster --elders "$ELDERS" --out "$WORK/roster.csv" >/dev/null

hyperfine --warmup "$WARMUP" --min-runs "$RUNS" --export-markdown "$WORK/read.md" \
    -n status "$BIN --db $DB status --round $ROUND --format csv" \
    -n sqlite3 "sqlite3 $DB < $WORK/status.sql" \
    -n flags "$BIN --db $DB flags --format csv"
hyperfine --warmup 2 --runs "$(( RUNS + 10 ))" -n check "$BIN --db $DB check E000123 open"
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
