#!/usr/bin/env bash
# Coverage over time, for telling a plateau from a slow climb: every minute,
# append "HH:MM LOG cov: EDGES #RUNS" for each libFuzzer log given (the last
# coverage line each has printed) to the file SAMPLES. With --once, print one
# such line a log to stdout and exit (run_until_plateau.sh samples this way).
# Usage: fuzz/sample_coverage.sh SAMPLES LOG... &   (stop it with kill)
#        fuzz/sample_coverage.sh --once LOG...
set -euo pipefail

sample_once() {
  for log in "$@"; do
    line=$(grep -a -E 'cov: [0-9]+' "$log" 2>/dev/null | tail -1 || true)
    [ -n "$line" ] || continue
    echo "$(date +%H:%M) $(basename "$log" .log) $(grep -o 'cov: [0-9]*' <<<"$line") $(grep -o '^#[0-9]*' <<<"$line")"
  done
}

if [ "${1:-}" = --once ]; then
  shift
  sample_once "$@"
  exit 0
fi
samples=$1
shift
while true; do
  sample_once "$@" >>"$samples"
  sleep 60
done
