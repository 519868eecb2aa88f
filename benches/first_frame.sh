#!/bin/sh
# TUI start → first frame (issue #6): starts `curtain` in a detached tmux pane (which answers the
# terminal's queries as a real one does) and polls the pane until the round screen's gauge shows.
# The polling adds a few milliseconds; the figure is an upper bound.
#
#   benches/first_frame.sh /work/bench-data/d30k.db [runs]
set -eu
BIN=${CURTAIN_BIN:-target/release/curtain}
DB=$1
RUNS=${2:-10}
NOW=${CURTAIN_BENCH_NOW:-2026-11-22 08:30}
SESSION=curtain-first-frame-$$
# A server of its own, kept alive between runs by an idle session: killing a server's last
# session ends it, and the next run's `new-session` could reach the one still exiting.
TMUX_SOCKET=curtain-first-frame-$$
tmux() { command tmux -L "$TMUX_SOCKET" "$@"; }
tmux new-session -d -s keep-alive "sleep 3600"
trap 'tmux kill-server 2>/dev/null || true' EXIT
for run in $(seq "$RUNS"); do
    start=$(date +%s%N)
    tmux new-session -d -s "$SESSION" -x 120 -y 40 \
        "$BIN --db '$DB' --now '$NOW' --lang en --user bench"
    until tmux capture-pane -p -t "$SESSION" 2>/dev/null | grep -q 'checked [0-9]'; do
        sleep 0.002
    done
    end=$(date +%s%N)
    tmux kill-session -t "$SESSION"
    echo "run $run: $(( (end - start) / 1000000 )) ms"
done
