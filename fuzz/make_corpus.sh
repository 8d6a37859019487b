#!/usr/bin/env bash
# Rebuild a fuzz target's corpus from its seeds, then minimise it.
#
#   ./make_corpus.sh TARGET [SECONDS]     (from fuzz/, default 600 seconds)
#
# Corpora are not committed: they are regenerated on the machine that fuzzes.
# The target runs from corpus/TARGET and its seeds with the options flags.sh
# gives it for SECONDS, then `cargo fuzz cmin` keeps only the inputs that add
# coverage. For `scan`, the decoder targets' corpora, where present, are fed
# in first: `scan` runs every decoder but reaches their deeper paths far more
# slowly through its own inputs.
set -euo pipefail
cd "$(dirname "$0")"
target=${1:?usage: ./make_corpus.sh TARGET [SECONDS]}
seconds=${2:-600}
read -r corpus _ <<<"$(./flags.sh "$target")"
mkdir -p "$corpus"
if [ "$target" = scan ]; then
  for t in der openssh pgp ppk winblob jks jwk; do
    [ -d "corpus/$t" ] && cp -n "corpus/$t"/* "$corpus"/ 2>/dev/null || true
  done
fi
# shellcheck disable=SC2046 # flags.sh prints words meant to be split
cargo +nightly fuzz run -O "$target" $(./flags.sh "$target") -max_total_time="$seconds"
# shellcheck disable=SC2046
cargo +nightly fuzz cmin -O "$target" "$corpus" -- $(./flags.sh "$target" options)
echo "corpus/$target: $(find "$corpus" -type f | wc -l) inputs"
