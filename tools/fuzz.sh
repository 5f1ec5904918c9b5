#!/usr/bin/env bash
# tools/fuzz.sh: builds and runs dagrad's libFuzzer targets with clang.
#
# Bazel's C++ toolchain is auto-configured for gcc, which has no libFuzzer,
# so the fuzzers are compiled here directly with clang++ (-fsanitize=fuzzer,
# address,undefined) from the handful of sources they need. The same
# *_fuzzer.cc files also build under plain `bazel test //tests/fuzz/...` (gcc)
# as regression tests over the seed corpus; see docs/fuzzing.md.
#
# Usage:
#   tools/fuzz.sh build                  # builds into $OUT (default /tmp/dagrad_fuzz)
#   tools/fuzz.sh run idx [seconds]      # fuzzes (default 600 s) with a
#   tools/fuzz.sh run checkpoint [secs]  #   working corpus copied from the seeds
#   tools/fuzz.sh repro idx FILE...      # runs inputs once (reproduce a crash)
#   tools/fuzz.sh corpus                 # regenerates tests/fuzz/corpus/ seeds
# Crashes are written to $OUT/artifacts/<target>/. Extra libFuzzer flags go in
# FUZZ_FLAGS, e.g. FUZZ_FLAGS="-max_len=65536".
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${OUT:-/tmp/dagrad_fuzz}"
CXX="${CXX_FUZZ:-clang++}"
SAN="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
CXXFLAGS=(-std=c++17 -g -O1 -fno-omit-frame-pointer -I"$ROOT")
# Every library source the two targets reach (idx, checkpoint, tensor).
LIB_SRCS=(data/idx.cc io/checkpoint.cc io/file_system.cc
          core/shape.cc core/tensor.cc)
LIBS=$(pkg-config --libs absl_status absl_statusor absl_strings \
       absl_str_format absl_inlined_vector absl_span zlib)

build_one() {  # build_one <target>
  local target="$1"
  mkdir -p "$OUT"
  local srcs=("${LIB_SRCS[@]/#/$ROOT/}")
  # shellcheck disable=SC2086
  "$CXX" "${CXXFLAGS[@]}" $SAN "$ROOT/tests/fuzz/${target}_fuzzer.cc" \
    "${srcs[@]}" $LIBS -o "$OUT/${target}_fuzzer"
  echo "built $OUT/${target}_fuzzer"
}

cmd="${1:-build}"
case "$cmd" in
  build)
    build_one idx
    build_one checkpoint
    ;;
  run)
    target="${2:?target: idx or checkpoint}"
    seconds="${3:-600}"
    [ -x "$OUT/${target}_fuzzer" ] || build_one "$target"
    work="$OUT/corpus/$target"
    mkdir -p "$work" "$OUT/artifacts/$target" "$OUT/logs/$target"
    cp -n "$ROOT/tests/fuzz/corpus/$target/"* "$work/" 2>/dev/null || true
    # With -jobs, libFuzzer writes fuzz-<job>.log into the working directory.
    cd "$OUT/logs/$target"
    echo "fuzzing $target for $seconds s; log: $OUT/logs/$target/fuzz-0.log"
    # shellcheck disable=SC2086
    "$OUT/${target}_fuzzer" "$work" -max_total_time="$seconds" -jobs=1 \
      -workers=1 -print_final_stats=1 -rss_limit_mb=2048 -timeout=25 \
      -artifact_prefix="$OUT/artifacts/$target/" ${FUZZ_FLAGS:-}
    ;;
  repro)
    target="${2:?target: idx or checkpoint}"
    shift 2
    [ -x "$OUT/${target}_fuzzer" ] || build_one "$target"
    "$OUT/${target}_fuzzer" -runs=1 "$@"
    ;;
  corpus)
    mkdir -p "$OUT" "$ROOT/tests/fuzz/corpus/idx" \
      "$ROOT/tests/fuzz/corpus/checkpoint"
    srcs=("${LIB_SRCS[@]/#/$ROOT/}")
    # shellcheck disable=SC2086
    "$CXX" "${CXXFLAGS[@]}" "$ROOT/tests/fuzz/make_corpus.cc" "${srcs[@]}" \
      $LIBS -o "$OUT/make_corpus"
    "$OUT/make_corpus" "$ROOT/tests/fuzz/corpus"
    du -sh "$ROOT/tests/fuzz/corpus"
    ;;
  *)
    echo "usage: $0 {build|run <target> [seconds]|repro <target> FILE...|corpus}" >&2
    exit 2
    ;;
esac
