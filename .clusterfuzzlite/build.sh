#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build: every fuzz target into $OUT with its dictionary
# (fuzz-T.dict), its seed corpus (fuzz-T_seed_corpus.zip) and its options (fuzz-T.options).
# In the base-builder-swift image `precompile_swift` sets $SWIFTFLAGS (sanitizers, static
# stdlib); run anywhere else it defaults to the fuzzer sanitizer alone:
#   OUT=/tmp/out .clusterfuzzlite/build.sh
cd "$(dirname "$0")/.."
if command -v precompile_swift >/dev/null 2>&1; then . precompile_swift; fi
SWIFTFLAGS=${SWIFTFLAGS:--Xswiftc -sanitize=fuzzer}
# Fuzzing builds drop comparison tracing, as scripts/fuzz-build does (see there why); coverage
# builds (-profile-generate, no sanitizer) are left as they are.
case "$SWIFTFLAGS" in
  *fuzzer*) SWIFTFLAGS="$SWIFTFLAGS -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table" ;;
esac
: "${OUT:?set OUT to the directory the fuzzers go to}"
mkdir -p "$OUT"
scratch=${BOUNCER_OSS_SCRATCH:-.build-oss}

for dir in FuzzTargets/fuzz-*/; do
  target=$(basename "$dir"); name=${target#fuzz-}
  # shellcheck disable=SC2086 # SWIFTFLAGS is a list of flags
  swift build -c release $SWIFTFLAGS --scratch-path "$scratch" --product "$target"
  cp "$scratch/release/$target" "$OUT/"
  cp "Corpus/$name.dict" "$OUT/$target.dict"
  rm -f "$OUT/${target}_seed_corpus.zip"
  zip -q -j "$OUT/${target}_seed_corpus.zip" Corpus/"$name"/*.bounce
  printf '[libfuzzer]\nmax_len = 1024\nlen_control = 0\ndict = %s.dict\n' "$target" >"$OUT/$target.options"
done
