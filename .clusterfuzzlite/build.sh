#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build: every fuzz target into $OUT with its dictionary
# (fuzz-T.dict), its seed corpus (fuzz-T_seed_corpus.zip) and its options (fuzz-T.options).
#
# The builder image runs this script as `bash -eux $SRC/build.sh`, a copy outside the checkout,
# from the Dockerfile's WORKDIR: $SRC/bouncer, where the Dockerfile copies the commit that
# ClusterFuzzLite builds (OSS-Fuzz's Dockerfile clones it there). By hand it runs from anywhere:
# `OUT=/tmp/out .clusterfuzzlite/build.sh`. scripts/check-cflite-build runs it as the image does.
here=$(cd "$(dirname "$0")" && pwd)
if [ -f "$here/project.yaml" ] && [ -f "$here/../Package.swift" ]; then
  cd "$here/.."
elif [ ! -f Package.swift ]; then
  echo "build.sh: no Package.swift in $PWD (the image's WORKDIR) or beside $here" >&2
  exit 1
fi
: "${OUT:?set OUT to the directory the fuzzers go to}"
mkdir -p "$OUT"

# In the image `precompile_swift` sets $SWIFTFLAGS from $SANITIZER (address: -sanitize=fuzzer,address
# and the C flags; coverage: -profile-generate -profile-coverage-mapping -sanitize=fuzzer; static
# stdlib) and puts the Swift symbolizer into $OUT. Elsewhere the same sanitizer choice is made here,
# without the static stdlib; with no $SANITIZER it is the fuzzer instrumentation alone.
if [ -n "${SANITIZER:-}" ] && command -v precompile_swift >/dev/null 2>&1; then
  . precompile_swift
elif [ -z "${SWIFTFLAGS:-}" ]; then
  case "${SANITIZER:-}" in
    "" | none) SWIFTFLAGS="-Xswiftc -sanitize=fuzzer" ;;
    coverage) SWIFTFLAGS="-Xswiftc -profile-generate -Xswiftc -profile-coverage-mapping -Xswiftc -sanitize=fuzzer" ;;
    *) SWIFTFLAGS="-Xswiftc -sanitize=fuzzer,$SANITIZER --sanitize=$SANITIZER" ;;
  esac
fi
# Fuzzing builds drop comparison tracing, as scripts/fuzz-build does (see there why). Coverage
# builds keep exactly what precompile_swift gives, so their profiles match OSS-Fuzz's.
if [ "${SANITIZER:-}" != coverage ]; then
  SWIFTFLAGS="$SWIFTFLAGS -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table"
fi
scratch=${BOUNCER_OSS_SCRATCH:-.build-oss}

for dir in FuzzTargets/fuzz-*/; do
  target=$(basename "$dir"); name=${target#fuzz-}
  # shellcheck disable=SC2086 # SWIFTFLAGS is a list of flags
  swift build -c release $SWIFTFLAGS --scratch-path "$scratch" --product "$target"
  cp "$scratch/release/$target" "$OUT/"
  cp "Corpus/$name.dict" "$OUT/$target.dict"
  rm -f "$OUT/${target}_seed_corpus.zip"
  zip -q -j "$OUT/${target}_seed_corpus.zip" Corpus/"$name"/*.bounce
  { grep -v '^#' FuzzTargets/libfuzzer.options; printf 'dict = %s.dict\n' "$target"; } >"$OUT/$target.options"
done
