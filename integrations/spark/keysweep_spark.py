#!/usr/bin/env python3
"""Scan a fleet's dumps with keysweep on a Spark cluster.

Spark distributes the listed paths (local paths every executor can read, or
s3:// URLs); each partition runs the keysweep binary once over its paths
(NUL-separated on standard input, so any path name works) and yields its
JSON-lines records. The records are written to --out through Spark's output
committer (saveAsTextFile: a task attempt's files are committed only when
it succeeds), so a retried or speculative task never duplicates output.
After the job the ledger is checked: every listed path has its `input`
record(s), no input and no finding id appears twice; a gap fails the job.

    spark-submit integrations/spark/keysweep_spark.py \
        --files-from dumps.list --out s3a://bucket/keysweep/run-42
    python3 integrations/spark/keysweep_spark.py --master 'local-cluster[2,1,1024]' \
        --files-from dumps.list --out /tmp/run

The binary: $KEYSWEEP, --keysweep PATH, or `keysweep` on the PATH of every
executor; with --ship, the driver's binary is sent to the executors
(SparkContext.addFile, the same as spark-submit --files).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--master", help="Spark master URL (default: spark-submit's)")
    ap.add_argument("--files-from", required=True,
                    help="file listing the paths to scan, one a line")
    ap.add_argument("--out", required=True,
                    help="output directory (Hadoop path: local, hdfs://, s3a://)")
    ap.add_argument("--partitions", type=int,
                    help="tasks to split the paths into (default: one per 2 paths, at most 1000)")
    ap.add_argument("--keysweep", default=os.environ.get("KEYSWEEP") or "keysweep",
                    help="the keysweep binary on the executors ($KEYSWEEP, else keysweep on the PATH)")
    ap.add_argument("--ship", action="store_true",
                    help="send the driver's keysweep binary to the executors")
    ap.add_argument("--threads", type=int, default=1,
                    help="keysweep -j in each task (default 1: Spark runs the tasks in parallel)")
    ap.add_argument("--check-only", action="store_true",
                    help="scan nothing: check the ledger already in --out against the list")
    ap.add_argument("scan_args", nargs="*",
                    help="more keysweep scan flags, after --")
    return ap.parse_args(argv)


def read_list(path):
    with open(path, encoding="utf-8", newline="\n") as f:
        return [line.rstrip("\r\n") for line in f if line.strip()]


def scan_command(binary, threads, scan_args):
    # --exit-zero: findings and unreadable inputs are records, not task failures;
    # a non-zero exit is then a real failure, and Spark retries the task
    return [binary, "scan", "--format", "jsonl", "--exit-zero", "-q",
            "-0", "--files-from", "-", "-j", str(threads)] + list(scan_args)


def make_scanner(binary, shipped, threads, scan_args):
    """The function each partition runs (executes on the executors)."""

    def scan_partition(paths):
        paths = list(paths)
        if not paths:
            return
        exe = binary
        if shipped:
            from pyspark import SparkFiles
            exe = SparkFiles.get(os.path.basename(binary))
            os.chmod(exe, 0o755)
        proc = subprocess.Popen(scan_command(exe, threads, scan_args),
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)

        def feed():
            try:
                for p in paths:
                    proc.stdin.write(p.encode("utf-8", "surrogateescape") + b"\0")
                proc.stdin.close()
            except BrokenPipeError:
                pass

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        errors = []
        reader = threading.Thread(target=lambda: errors.append(proc.stderr.read()), daemon=True)
        reader.start()
        # (lines stream out as keysweep writes them; should it then fail,
        # the task fails and the committer drops what this attempt wrote)
        for raw in proc.stdout:
            line = raw.decode("utf-8").rstrip("\n")
            if line and not line.startswith('{"type":"summary"'):
                yield line
        code = proc.wait()
        writer.join()
        reader.join()
        if code != 0:
            raise RuntimeError("keysweep exited %d: %s" % (code, b"".join(errors).decode(errors="replace")))

    return scan_partition


def owner_of(record_path, listed):
    """The listed path a record belongs to: itself, or the listed archive,
    directory or prefix it lies in (ARCHIVE!MEMBER, DIR/FILE)."""
    if record_path in listed:
        return record_path
    best = None
    for sep in ("!", "/"):
        cut = record_path
        while sep in cut:
            cut = cut.rsplit(sep, 1)[0]
            for candidate in (cut, cut + "/"):
                if candidate in listed and (best is None or len(candidate) > len(best)):
                    best = candidate
    return best


def check_ledger(records, listed_paths, sc):
    """Every listed path has an input record, no input or finding twice.
    `records` is the RDD of the JSON lines written; the counting runs on
    the cluster, only per-path counts come back."""
    from operator import add

    listed = sc.broadcast(frozenset(listed_paths))
    parsed = records.map(json.loads)
    inputs = parsed.filter(lambda r: r["type"] == "input")
    twice = (inputs.map(lambda r: (r["path"], 1)).reduceByKey(add)
             .filter(lambda kv: kv[1] > 1).keys().take(5))
    owners = inputs.map(lambda r: owner_of(r["path"], listed.value)).countByValue()
    errors = inputs.filter(lambda r: r.get("error")).count()
    findings = parsed.filter(lambda r: r["type"] == "finding").map(lambda r: (r["id"], 1))
    dup = findings.reduceByKey(add).filter(lambda kv: kv[1] > 1).keys().take(5)
    problems = []
    missing = sorted(p for p in listed_paths if owners.get(p, 0) == 0)
    if missing:
        problems.append("no input record for %d listed path(s): %s" % (len(missing), missing[:5]))
    if twice:
        problems.append("input record(s) written more than once: %s" % sorted(twice))
    if dup:
        problems.append("finding id(s) written more than once: %s" % sorted(dup))
    if owners.get(None, 0):
        problems.append("%d input record(s) for paths not listed" % owners[None])
    return {
        "listed": len(listed_paths),
        "inputs": sum(owners.values()),
        "inputs_with_errors": errors,
        "findings": findings.count(),
        "problems": problems,
    }


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    paths = read_list(args.files_from)
    if not paths:
        sys.exit("keysweep_spark: %s lists no paths" % args.files_from)
    if len(set(paths)) != len(paths):
        sys.exit("keysweep_spark: %s lists a path twice" % args.files_from)
    binary = args.keysweep
    if args.ship:
        binary = shutil.which(binary) or binary
        if not os.path.isfile(binary):
            sys.exit("keysweep_spark: no keysweep binary at %s to ship" % binary)

    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("keysweep")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    sc = spark.sparkContext
    if not args.check_only:
        if args.ship:
            sc.addFile(binary)
        partitions = args.partitions or max(1, min(1000, (len(paths) + 1) // 2))
        scanner = make_scanner(binary, args.ship, args.threads, args.scan_args)
        records = sc.parallelize(paths, partitions).mapPartitions(scanner)
        records.saveAsTextFile(args.out)

    ledger = check_ledger(sc.textFile(args.out), paths, sc)
    spark.stop()
    print(json.dumps(ledger))
    if ledger["problems"]:
        for p in ledger["problems"]:
            print("keysweep_spark: ledger check failed: " + p, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
