#!/usr/bin/env bash
# Builds the libFuzzer targets (clang -fsanitize=fuzzer,address,undefined)
# against the library's own sources and runs each for a bounded time.
#
#   tests/fuzz/run.sh ROOT OUTDIR [TARGET...]      (./dev fuzz calls it)
#
# FUZZ_SECONDS (default 60) per target. The committed seeds in
# tests/fuzz/corpus/<target>/ are read; what a run adds goes to
# OUTDIR/corpus/<target>/ (kept between runs, not in git), crashes to
# OUTDIR/artifacts/<target>/. Prints one line per target and exits 1 if any
# target crashed (or failed to build).
set -euo pipefail

ROOT=$(cd "$1" && pwd)
OUT=$(mkdir -p "$2" && cd "$2" && pwd)
shift 2
SECONDS_EACH=${FUZZ_SECONDS:-60}
CXX=${FUZZ_CXX:-clang++}
FUZZ_DIR="$ROOT/tests/fuzz"

# target -> the library sources it needs (and extra libraries)
declare -A SOURCES=(
  [env_file]="src/core/env_file.cc"
  [request]="src/web/request_parser.cc src/core/validate.cc src/web/http.cc"
  [email]="src/core/validate.cc"
  [image_sniff]="src/core/image_sniff.cc"
  [webauthn]="src/webauthn/client_data.cc src/webauthn/authenticator_data.cc src/webauthn/cose.cc src/webauthn/ceremony.cc src/webauthn/libcrypto_linked.cc"
)
declare -A LIBS=( [request]="$(pkg-config --libs cgicc)" [webauthn]="$(pkg-config --libs libcbor libcrypto libsodium)" )
declare -A MAX_LEN=( [env_file]=4096 [request]=8192 [email]=512 [image_sniff]=16384 [webauthn]=4096 )
ALL=(env_file request email image_sniff webauthn)
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL[@]}")

# shellcheck disable=SC2054,SC2207  # the commas belong to -fsanitize=; pkg-config's flags split on purpose
FLAGS=(-std=c++20 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -I"$ROOT/src" $(pkg-config --cflags cgicc))

failed=0
summary=()
for t in "${TARGETS[@]}"; do
  if [ -z "${SOURCES[$t]+x}" ]; then echo "fuzz: unknown target $t (known: ${ALL[*]})" >&2; exit 2; fi
  srcs=()
  missing=""
  for s in ${SOURCES[$t]}; do
    [ -f "$ROOT/$s" ] || missing="$s"
    srcs+=("$ROOT/$s")
  done
  if [ -n "$missing" ]; then
    summary+=("fuzz $t: skipped ($missing does not exist yet)")
    continue
  fi
  bin="$OUT/fuzz_$t"
  echo "fuzz: building $t" >&2
  # shellcheck disable=SC2086
  if ! "$CXX" "${FLAGS[@]}" -o "$bin" "$FUZZ_DIR/fuzz_$t.cc" "${srcs[@]}" ${LIBS[$t]:-} 2>"$OUT/build-$t.log"; then
    cat "$OUT/build-$t.log" >&2
    summary+=("fuzz $t: BUILD FAILED (see $OUT/build-$t.log)")
    failed=1
    continue
  fi
  corpus="$OUT/corpus/$t"
  artifacts="$OUT/artifacts/$t"
  mkdir -p "$corpus" "$artifacts"
  echo "fuzz: running $t for $SECONDS_EACH s" >&2
  log="$OUT/fuzz-$t.log"
  set +e
  (cd "$OUT" && "$bin" "$corpus" "$FUZZ_DIR/corpus/$t" -max_total_time="$SECONDS_EACH" -max_len="${MAX_LEN[$t]}" \
      -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" >"$log" 2>&1)
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  units=$(find "$corpus" -type f | wc -l)
  found=$(find "$artifacts" -type f -newer "$bin" | wc -l)
  if [ "$rc" -ne 0 ] || [ "$found" -gt 0 ]; then
    failed=1
    summary+=("fuzz $t: CRASH after ${execs:-?} execs (exit $rc); artifacts in $artifacts; log $log")
    grep -E 'ERROR: |SUMMARY: |runtime error|deadly signal|uncaught exception' "$log" | head -n 5 >&2 || true
  else
    summary+=("fuzz $t: ${execs:-?} execs in ${SECONDS_EACH} s, 0 crashes, corpus $units inputs")
  fi
done
printf '%s\n' "${summary[@]}"
exit $failed
