#!/bin/sh
# TUI latencies (issue #14), in tmux, on a database made by `curtain bench gen`:
#  1. keystrokes: `j`/`k` for SECONDS while WRITERS other processes commit checks in a loop;
#     each key's latency is the time until the selection marker (▶) moves on the pane. Prints
#     the median and the worst.
#  2. another terminal's check → redraw here: a `curtain check` of an elder at the top of the
#     list (turning her line into an alert), from the moment that process has committed until
#     her line changes on this pane.
# The polling adds a millisecond or two; the figures are upper bounds. The writers and the
# redraw append real checks to DB's current round, and the first frame then reads them too: take
# first-frame and round figures before a run with writers, or on a copy of DB.
#
# The writers go as fast as two cores let them (about 250 checks a second on ours, sixty times a
# district's busiest: 30,000 elders ticked in a two-hour window is four a second) unless
# CURTAIN_BENCH_WRITER_GAP gives each a pause between its checks (`1`: twenty a second). The line
# printed says how many checks they committed a second.
#
#   cargo build --release
#   benches/tui_latency.sh /work/bench-data/d30k.db [writers] [seconds]
set -eu
BIN=${CURTAIN_BIN:-target/release/curtain}
DB=$1
WRITERS=${2:-20}
SECONDS_OF_KEYS=${3:-30}
WRITER_GAP=${CURTAIN_BENCH_WRITER_GAP:-0}
NOW=${CURTAIN_BENCH_NOW:-2026-11-22 08:30}
SESSION=curtain-latency-$$
WORK=$(mktemp -d)
export CURTAIN_NOW="$NOW" CURTAIN_LANG=en
cleanup() {
    [ -f "$WORK/pids" ] && xargs kill <"$WORK/pids" 2>/dev/null || true
    tmux kill-session -t "$SESSION" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP
ms() { echo $(( $(date +%s%N) / 1000000 )); }
# The selected row as drawn: the list scrolls under a selection kept a third of the way down, so
# the marker's line number stays put while the row it marks changes.
marker() { tmux capture-pane -p -t "$SESSION" | grep '▶' | head -1; }

# The elders of the current round, in route order: the writers tick them from the far end.
"$BIN" --db "$DB" status --format csv | cut -d, -f1 | tail -n +2 >"$WORK/ids"
TOTAL=$(wc -l <"$WORK/ids")

tmux new-session -d -s "$SESSION" -x 120 -y 40 "$BIN --db '$DB' --now '$NOW' --lang en --user bench"
until tmux capture-pane -p -t "$SESSION" | grep -q 'checked [0-9]'; do sleep 0.01; done
sleep 2 # the strips fill in after the first frame

for writer in $(seq "$WRITERS"); do
    (
        n=$(( TOTAL - writer * 200 ))
        while :; do
            id=$(sed -n "${n}p" "$WORK/ids")
            "$BIN" --db "$DB" --user "writer$writer" check "$id" open >/dev/null 2>&1 &&
                echo >>"$WORK/committed.$writer" || true
            [ "$WRITER_GAP" = 0 ] || sleep "$WRITER_GAP"
            n=$(( n - 1 ))
            [ "$n" -lt 100 ] && n=$(( TOTAL - writer * 200 ))
        done
    ) &
    echo $! >>"$WORK/pids"
done
sleep 2

committed() { cat "$WORK"/committed.* 2>/dev/null | wc -l; }
committed_before=$(committed)
keys_started=$(ms)
end=$(( keys_started + SECONDS_OF_KEYS * 1000 ))
key=j
n=0
: >"$WORK/keys"
while [ "$(ms)" -lt "$end" ]; do
    before=$(marker)
    start=$(ms)
    tmux send-keys -t "$SESSION" "$key"
    # A key that moved nothing in 5 s is counted as 5 s, not waited for forever.
    while [ "$(marker)" = "$before" ] && [ $(( $(ms) - start )) -lt 5000 ]; do :; done
    echo $(( $(ms) - start )) >>"$WORK/keys"
    # Twenty rows down from the top and twenty back up, so the selection always has somewhere
    # to move.
    n=$(( n + 1 ))
    if [ $(( n % 20 )) -eq 0 ]; then
        if [ "$key" = j ]; then key=k; else key=j; fi
    fi
done
sort -n "$WORK/keys" >"$WORK/sorted"
COUNT=$(wc -l <"$WORK/sorted")
RATE=$(( ($(committed) - committed_before) * 1000 / ($(ms) - keys_started) ))
echo "keystrokes with $WRITERS writers ($RATE checks committed a second): $COUNT keys, median $(sed -n "$(( (COUNT + 1) / 2 ))p" "$WORK/sorted") ms, 99th percentile $(sed -n "$(( (COUNT * 99 + 99) / 100 ))p" "$WORK/sorted") ms, worst $(tail -1 "$WORK/sorted") ms"

[ -f "$WORK/pids" ] && xargs kill <"$WORK/pids" 2>/dev/null || true
rm -f "$WORK/pids"
sleep 2

# Redraw: the elders at the top of the list, each ticked from another process in turn with what
# surely changes their line: the curtain the other way round (an alert) where it was seen as
# expected or the elder waved, else as expected (ok again).
for _ in $(seq 25); do tmux send-keys -t "$SESSION" k; done
sleep 1
"$BIN" --db "$DB" status --format csv \
    | awk -F, 'NR > 1 && $8 != "away" { print $1 "," $2 "," $3 "," $6 "," $7 }' | head -10 >"$WORK/top"
run=0
while IFS=, read -r id name address expected observed; do
    run=$(( run + 1 ))
    room=${address##* }
    if [ "$expected" = open ]; then wrong=closed; else wrong=open; fi
    # Seen at the window (waving) is ok too: ticking it as expected would leave the line as it was.
    [ "$observed" = "$expected" ] || [ "$observed" = seen ] || wrong=$expected
    line() { tmux capture-pane -p -t "$SESSION" | grep -F "$name" | grep -F "$room" | head -1; }
    before=$(line)
    "$BIN" --db "$DB" --user other check "$id" "$wrong" >/dev/null
    start=$(ms)
    while [ "$(line)" = "$before" ]; do
        [ $(( $(ms) - start )) -gt 5000 ] && break
    done
    echo "redraw $run ($id): $(( $(ms) - start )) ms"
done <"$WORK/top"
