#!/usr/bin/env bash
# The flake check of issue 14: `make test` RUNS times in a row (default 5) from a fresh clone of
# this repository's HEAD, while LOAD busy processes (default 2, one per core here) keep the CPU
# full. Stops at the first failing run. A log per run goes to $OUT (default /tmp/under-load).
#
#     bash scripts/test-under-load.sh [RUNS] [LOAD]
set -euo pipefail
RUNS=${1:-5}
LOAD=${2:-2}
OUT=${OUT:-/tmp/under-load}
REPO=$(git rev-parse --show-toplevel)
rm -rf "$OUT" && mkdir -p "$OUT"
git clone -q "$REPO" "$OUT/clone"
cd "$OUT/clone"
echo "commit $(git rev-parse --short HEAD); $RUNS runs of make test, $LOAD busy processes" | tee "$OUT/summary.txt"
pids=()
for _ in $(seq "$LOAD"); do
  python3 -c 'while True: pass' &
  pids+=($!)
done
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
for run in $(seq "$RUNS"); do
  start=$(date +%s)
  if CI=true make test >"$OUT/run-$run.log" 2>&1; then status=passed; else status=FAILED; fi
  seconds=$(( $(date +%s) - start ))
  line="run $run: $status in ${seconds} s, load average $(cut -d' ' -f1-3 /proc/loadavg): $(grep -Eo '[0-9]+ passed[^=]*' "$OUT/run-$run.log" | tail -1)"
  echo "$line" | tee -a "$OUT/summary.txt"
  [ "$status" = passed ] || exit 1
done
