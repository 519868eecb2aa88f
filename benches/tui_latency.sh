#!/bin/sh
# TUI latencies (issue #14), in tmux, on a database made by `curtain bench gen`:
#  1. keystrokes: `j`/`k` for SECONDS while WRITERS other processes commit checks in a loop;
#     each key's latency is the time until the selection marker (▶) moves on the pane. Prints
#     the median and the worst.
#  2. another terminal's check → redraw here: a `curtain check` of the first pending elder on
#     screen, from the moment that process has committed until her line changes on this pane.
# The polling adds a millisecond or two; the figures are upper bounds. The writers and the
# redraw append real checks to DB's current round.
#
#   cargo build --release
#   benches/tui_latency.sh /work/bench-data/d30k.db [writers] [seconds]
set -eu
BIN=${CURTAIN_BIN:-target/release/curtain}
DB=$1
WRITERS=${2:-20}
SECONDS_OF_KEYS=${3:-30}
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
ms() { echo $(( $(date +%s%N) / 1000000 )); }
marker() { tmux capture-pane -p -t "$SESSION" | grep -n '▶' | cut -d: -f1 | head -1; }

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
            "$BIN" --db "$DB" --user "writer$writer" check "$id" open >/dev/null 2>&1 || true
            n=$(( n - 1 ))
            [ "$n" -lt 100 ] && n=$(( TOTAL - writer * 200 ))
        done
    ) &
    echo $! >>"$WORK/pids"
done
sleep 2

end=$(( $(ms) + SECONDS_OF_KEYS * 1000 ))
key=j
: >"$WORK/keys"
while [ "$(ms)" -lt "$end" ]; do
    before=$(marker)
    start=$(ms)
    tmux send-keys -t "$SESSION" "$key"
    while [ "$(marker)" = "$before" ]; do :; done
    echo $(( $(ms) - start )) >>"$WORK/keys"
    # Down the first screenful and back up, so the marker always has somewhere to move.
    if [ "$key" = j ] && [ "$(marker)" -gt 30 ]; then key=k; fi
    if [ "$key" = k ] && [ "$(marker)" -lt 8 ]; then key=j; fi
done
sort -n "$WORK/keys" >"$WORK/sorted"
COUNT=$(wc -l <"$WORK/sorted")
echo "keystrokes with $WRITERS writers: $COUNT keys, median $(sed -n "$(( (COUNT + 1) / 2 ))p" "$WORK/sorted") ms, worst $(tail -1 "$WORK/sorted") ms"

xargs kill <"$WORK/pids" 2>/dev/null || true
rm -f "$WORK/pids"
sleep 2

# Redraw: the elders on screen from the top, each ticked from another process in turn.
for run in 1 2 3 4 5 6 7 8 9 10; do
    id=$(sed -n "${run}p" "$WORK/ids")
    name=$("$BIN" --db "$DB" status --format csv | grep "^$id," | cut -d, -f2)
    before=$(tmux capture-pane -p -t "$SESSION" | grep -F "$name" | head -1)
    "$BIN" --db "$DB" --user other check "$id" seen >/dev/null
    start=$(ms)
    while [ "$(tmux capture-pane -p -t "$SESSION" | grep -F "$name" | head -1)" = "$before" ]; do
        [ $(( $(ms) - start )) -gt 5000 ] && break
    done
    echo "redraw $run ($id): $(( $(ms) - start )) ms"
done
