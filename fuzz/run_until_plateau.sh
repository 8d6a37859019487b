#!/usr/bin/env bash
# Run fuzz targets until each has plateaued, so "run long enough to plateau"
# is a rule a machine applies rather than a judgement made from a log.
#
# Each target runs from its corpus (and its seeds) with the flags flags.sh
# gives it, as the README's commands do, SLOTS at a time. Once a minute the
# script reads the edge count each fuzzer last printed (`sample_coverage.sh
# --once`), appends "HH:MM TARGET cov: EDGES #RUNS" to LOGDIR/samples.txt,
# and stops a target (SIGINT, so libFuzzer prints its final stats) when its
# edge count has not changed for QUIET minutes since the corpus loaded (a
# plateau), or when it has run MAX minutes (no plateau).
# A fuzzer that exits by itself has crashed, leaked or run out of memory: its
# input is in artifacts/TARGET/. One line per target goes to
# LOGDIR/summary.txt: target, outcome, edges at load and at the end, runs,
# minutes run, minutes since the last new edge. SIGTERM to the script stops
# the running targets and summarises them as not (yet) plateaued.
#
# BIN_DIR=DIR (default target/x86_64-unknown-linux-gnu/release) runs the
# fuzz binaries from DIR, for example a `-s none` build kept apart with
# `--target-dir`.
#
# HELPERS=N (default 0) runs N more processes of each target on the same
# corpus (logs LOGDIR/TARGET.helperI.log; a helper that exits early is
# named in the summary, its input in artifacts/TARGET/ as usual). libFuzzer
# rereads its corpus directory every second, so the first process, whose
# edges are sampled, also counts the edges its helpers' inputs reach: a slow
# target gets every core and the plateau rule still reads one log.
#
# Usage (from fuzz/, after `cargo +nightly fuzz build -O`):
#   [BIN_DIR=DIR] [HELPERS=N] ./run_until_plateau.sh QUIET_MIN MAX_MIN SLOTS LOGDIR TARGET...
set -euo pipefail

quiet=$(($1 * 60)) max=$(($2 * 60)) slots=$3 logdir=$4 helpers=${HELPERS:-0}
shift 4
queue=("$@")
bin_dir=${BIN_DIR:-target/x86_64-unknown-linux-gnu/release}
here=$(dirname "$0")
for t in "${queue[@]}"; do "$here/flags.sh" "$t" >/dev/null; done # unknown targets stop here
mkdir -p "$logdir"

flags_for() { # target: its corpus, seeds and options from flags.sh, without the `--`
  local args
  args=$("$here/flags.sh" "$1")
  echo "${args/ -- / }"
}

declare -A pid helper_pids started last_change edges inited
running=()

launch() { # target log: one fuzzing process in the background
  # shellcheck disable=SC2046 # the flags are meant to split into words
  "$bin_dir/$1" $(flags_for "$1") -artifact_prefix="artifacts/$1/" \
    -rss_limit_mb=2048 -print_final_stats=1 -max_total_time=$((max + 600)) \
    >"$2" 2>&1 &
}

start_next() {
  local t=${queue[0]} i
  queue=("${queue[@]:1}")
  mkdir -p "corpus/$t" "artifacts/$t"
  launch "$t" "$logdir/$t.log"
  pid[$t]=$!
  helper_pids[$t]=""
  for ((i = 1; i <= helpers; i++)); do
    launch "$t" "$logdir/$t.helper$i.log"
    helper_pids[$t]+=" $!"
  done
  started[$t]=$(date +%s)
  edges[$t]=""
  inited[$t]=""
  running+=("$t")
}

finish() { # target outcome
  local t=$1 now runs h early=""
  for h in ${helper_pids[$t]}; do
    if kill -0 "$h" 2>/dev/null; then
      kill -INT "$h" && wait "$h" || true
    else
      early=" (a helper exited early: crash, leak or OOM? see $logdir/$t.helper*.log)"
    fi
  done
  now=$(date +%s)
  runs=$(grep -a -o -E 'number_of_executed_units: +[0-9]+' "$logdir/$t.log" | grep -o '[0-9]*$' ||
    grep -a -o -E '^#[0-9]+' "$logdir/$t.log" | tail -1 | tr -d '#' || true)
  echo "$t $2 ${inited[$t]:-?} -> ${edges[$t]:-?} edges, ${runs:-0} runs," \
    "$(((now - started[$t]) / 60)) min run," \
    "$(((now - ${last_change[$t]:-$now}) / 60)) min since the last new edge$early" \
    >>"$logdir/summary.txt"
  local keep=()
  for r in "${running[@]}"; do [ "$r" = "$t" ] || keep+=("$r"); done
  running=("${keep[@]}")
}

stop_all() { # outcome
  for t in "${running[@]}"; do
    kill -INT "${pid[$t]}" 2>/dev/null && wait "${pid[$t]}" || true
    finish "$t" "$1"
  done
  exit 0
}
# `kill SCRIPT_PID` (SIGTERM) ends the session: the running targets stop and
# are summarised as such, within a minute.
trap 'stop_all "stopped before a plateau (no plateau yet)"' TERM

while [ ${#queue[@]} -gt 0 ] || [ ${#running[@]} -gt 0 ]; do
  while [ ${#running[@]} -lt "$slots" ] && [ ${#queue[@]} -gt 0 ]; do
    start_next
  done
  sleep 60
  now=$(date +%s)
  for t in "${running[@]}"; do
    log=$logdir/$t.log
    if [ -z "${inited[$t]}" ]; then
      inited[$t]=$(grep -a -o -E 'INITED cov: [0-9]+' "$log" | grep -o '[0-9]*$' || true)
      [ -n "${inited[$t]}" ] && edges[$t]=${inited[$t]} && last_change[$t]=$now
    fi
    sample=$("$here/sample_coverage.sh" --once "$log")
    [ -n "$sample" ] && echo "$sample" >>"$logdir/samples.txt"
    read -r _ _ _ cov _ <<<"$sample" # HH:MM TARGET cov: EDGES #RUNS
    if ! kill -0 "${pid[$t]}" 2>/dev/null; then
      finish "$t" "EXITED (crash, leak or OOM? see the log and artifacts/$t/)"
      continue
    fi
    [ -n "${inited[$t]}" ] || continue
    if [ -n "$cov" ] && [ "$cov" != "${edges[$t]}" ]; then
      edges[$t]=$cov
      last_change[$t]=$now
    fi
    if [ $((now - last_change[$t])) -ge "$quiet" ]; then
      kill -INT "${pid[$t]}" && wait "${pid[$t]}" || true
      finish "$t" plateau
    elif [ $((now - started[$t])) -ge "$max" ]; then
      kill -INT "${pid[$t]}" && wait "${pid[$t]}" || true
      finish "$t" "no plateau"
    fi
  done
done
