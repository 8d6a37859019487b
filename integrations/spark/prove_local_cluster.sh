#!/usr/bin/env bash
# Proof on one machine that the Spark job loses and duplicates nothing when
# an executor dies: a `local-cluster[2,1,1024]` master (two executors, one
# core each) scans the fixture dumps (gcore cores, minidump-writer
# minidumps, kernel cores), six 256 MiB dump-like images holding a real
# core, a tar of two dumps and a path that does not exist, while this script kills one executor (kill -9 of the JVM that a
# running keysweep task descends from). Spark re-runs the lost tasks; the
# committed JSON lines must equal, byte for byte once sorted, what one
# single-process `keysweep scan` writes, and the ledger check must pass.
#
#   bash integrations/spark/prove_local_cluster.sh [WORK_DIR]
#
# Needs: Java 17 (Debian's openjdk-17-jdk-headless), pyspark 3.5 from PyPI,
# and a release build (made here when $KEYSWEEP is not set).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${1:-$(mktemp -d)}
mkdir -p "$work/images"
if [ -z "${KEYSWEEP:-}" ]; then
  (cd "$root" && cargo build --release --quiet)
  KEYSWEEP="$root/target/release/keysweep"
fi
export KEYSWEEP

# the inputs: every fixture dump, and six bigger images with a real core inside
ls "$root"/fixtures/dumps/*.core "$root"/fixtures/dumps/*.dmp > "$work/list"
for i in 1 2 3 4 5 6; do
  img="$work/images/fleet-$i.img"
  [ -s "$img" ] || python3 "$root/benches/dumppages.py" "$img" 256 \
    "$((i * 37)):$root/fixtures/dumps/live-keys.core"
  echo "$img" >> "$work/list"
done
# an archive (one input record a member) and a path that is not there (an
# input record with its error): each listed path still has its record(s)
tar cf "$work/images/two.tar" -C "$root/fixtures/dumps" pem-ascii.core blob.dmp
echo "$work/images/two.tar" >> "$work/list"
echo "$work/images/not-there.dmp" >> "$work/list"
inputs=$(wc -l < "$work/list")

echo "== one process: $inputs inputs"
start=$(date +%s%N)
"$KEYSWEEP" scan --format jsonl -q --exit-zero -j 2 --files-from "$work/list" \
  | grep -v '^{"type":"summary"' | sort > "$work/single.jsonl"
echo "   $(wc -l < "$work/single.jsonl") records in $(( ($(date +%s%N) - start) / 1000000 )) ms"

echo "== Spark local-cluster[2,1,1024], one executor killed mid-task"
rm -rf "$work/out"
start=$(date +%s%N)
python3 "$here/keysweep_spark.py" --master 'local-cluster[2,1,1024]' \
  --files-from "$work/list" --out "$work/out" --partitions "$inputs" \
  > "$work/ledger.json" 2> "$work/spark.log" &
job=$!

# once a few tasks have finished (their output committed), the executor JVM
# that a running keysweep task descends from is killed while the task runs
killed=""
seen=""
while kill -0 "$job" 2>/dev/null && [ -z "$killed" ]; do
  task=$(pgrep -f -- '--exit-zero -q -0 --files-from -' | head -1 || true)
  if [ -n "$task" ] && ! grep -qw "$task" <<< "$seen"; then
    seen="$seen $task"
  fi
  if [ -n "$task" ] && [ "$(wc -w <<< "$seen")" -gt 4 ]; then
    p=$task
    while [ "$p" -gt 1 ]; do
      if grep -qa CoarseGrainedExecutorBackend "/proc/$p/cmdline" 2>/dev/null; then
        if kill -0 "$task" 2>/dev/null; then
          kill -9 "$p" && killed=$p
        fi
        break
      fi
      p=$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null || echo 1)
    done
  fi
  sleep 0.05
done
set +e
wait $job
rc=$?
set -e
echo "   job exit $rc in $(( ($(date +%s%N) - start) / 1000000 )) ms; ledger: $(cat "$work/ledger.json")"
if [ -z "$killed" ]; then
  echo "no executor could be killed mid-task" >&2
  exit 1
fi
lost=$(grep -c -E 'Lost executor|ExecutorLostFailure|executor .* exited' "$work/spark.log" || true)
echo "   killed executor JVM pid $killed; $lost log line(s) of lost executors/tasks"
[ "$rc" -eq 0 ] || { tail -20 "$work/spark.log" >&2; exit 1; }

cat "$work"/out/part-* | sort > "$work/spark.jsonl"
if cmp -s "$work/single.jsonl" "$work/spark.jsonl"; then
  echo "== identical: $(grep -c '"type":"input"' "$work/spark.jsonl") input records, $(grep -c '"type":"finding"' "$work/spark.jsonl") findings"
else
  echo "== the Spark records differ from the single-process scan:" >&2
  diff <(cut -c1-160 "$work/single.jsonl") <(cut -c1-160 "$work/spark.jsonl") | head -20 >&2
  exit 1
fi

echo "== the ledger check catches a lost and a duplicated record"
rm -rf "$work/gap" "$work/dup"
cp -r "$work/out" "$work/gap"
cp -r "$work/out" "$work/dup"
part=$(grep -l '"type":"input"' "$work"/gap/part-* | head -1)
victim=$(grep -m1 '"type":"input"' "$part")
grep -vxF "$victim" "$part" > "$part.tmp" && mv "$part.tmp" "$part"
# (the local filesystem keeps a checksum beside each part: the edited one loses it)
rm -f "$(dirname "$part")/.$(basename "$part").crc"
cp "$work/out/$(basename "$part")" "$work/dup/part-99999"
for bad in gap:"no input record" dup:"more than once"; do
  want=${bad#*:}
  bad=${bad%%:*}
  set +e
  python3 "$here/keysweep_spark.py" --master 'local[1]' --check-only \
    --files-from "$work/list" --out "$work/$bad" > /dev/null 2> "$work/$bad.log"
  rc=$?
  set -e
  if [ "$rc" -ne 1 ] || ! grep -q "ledger check failed: .*$want" "$work/$bad.log"; then
    echo "the ledger check did not report the $bad (exit $rc): see $work/$bad.log" >&2
    exit 1
  fi
  echo "   $bad: $(grep -o 'ledger check failed: .*' "$work/$bad.log" | head -1 | cut -c1-100)"
done
