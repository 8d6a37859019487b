#!/usr/bin/env bash
# The one place that says what each fuzz target runs with: its corpus, its
# seeds and its libFuzzer options. The README's commands and
# run_until_plateau.sh both read it, so a target cannot be fuzzed one way by
# hand and another way by the plateau runs.
#
#   ./flags.sh TARGET          corpus/TARGET SEEDS -- OPTIONS
#                              (for `cargo fuzz run -O TARGET $(./flags.sh TARGET) ...`)
#   ./flags.sh TARGET options  OPTIONS alone (for `cargo fuzz cmin`)
#   ./flags.sh TARGET cost     corpus/TARGET SEEDS -- OPTIONS with cost limits:
#                              inputs up to 1 MiB, and an input whose run takes
#                              over 5 s or allocates over 256 MiB is a failure
#                              (the resident limit, 1 GiB, only guards the
#                              fuzzer: with ASan and a growing corpus its own
#                              memory passed 512 MiB in 18 minutes)
#
# The seeds directory goes before `--`: cargo fuzz puts what follows `--`
# first on the fuzzer's command line, and libFuzzer writes new inputs into
# the first directory it is given, which must be the corpus, not the seeds.
set -euo pipefail

target=${1:?usage: ./flags.sh TARGET [options]}
case $target in
scan) seeds=seeds/scan options="-dict=keysweep.dict -max_len=65536 -len_control=0" ;;
container) seeds=seeds/container options="-dict=keysweep.dict -max_len=131072" ;;
layers) seeds=seeds/layers options="-max_len=131072" ;;
known) seeds=seeds/known options="-dict=keysweep.dict -max_len=16384" ;;
der | openssh | pgp | ppk | winblob | jks | jwk) seeds=seeds/formats options="-max_len=16384" ;;
*)
  echo "flags.sh: no fuzz target named '$target'" >&2
  exit 2
  ;;
esac

cost_limits="-max_len=1048576 -rss_limit_mb=1024 -malloc_limit_mb=256 -timeout=5"
case ${2:-} in
"") echo "corpus/$target $seeds -- $options" ;;
options) echo "$options" ;;
cost) echo "corpus/$target $seeds -- $(echo "$options" | sed "s/-max_len=[0-9]*//") $cost_limits" ;;
*)
  echo "flags.sh: unknown mode '$2' (expected nothing, 'options' or 'cost')" >&2
  exit 2
  ;;
esac
