#!/usr/bin/env bash
# CI stage 2 (hardening): everything built with clang + AddressSanitizer + UndefinedBehaviorSanitizer
# (+ libFuzzer coverage), the whole test suite run under it, then each fuzz target for a short
# time on the committed corpus. Any sanitizer report, crash, leak or timeout fails CI.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzz_seconds="${QS_FUZZ_SECONDS:-30}"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++ -DQUANTSCOPE_FUZZ=ON \
  -DQUANTSCOPE_BUILD_BENCHMARKS=OFF
cmake --build build-asan -j"$(nproc)"
# Leak checking stays on for our code; Qt's and fontconfig's one-time allocations at exit are not ours.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export LSAN_OPTIONS="suppressions=$PWD/.ci/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# Responsiveness budgets are Release-build requirements; ASan makes every path several times slower.
export QS_TIMING_SCALE="${QS_TIMING_SCALE:-4}"
# Qt Test stops a test function after 300 s; the PP-OCR Run with its analyses takes longer under ASan.
export QTEST_FUNCTION_TIMEOUT="${QTEST_FUNCTION_TIMEOUT:-1800000}"
ctest --test-dir build-asan --output-on-failure -j"$(nproc)"
work="$(mktemp -d)"
for corpus in tests/fuzz/corpus/*/; do
  target="$(basename "$corpus")"
  mkdir -p "$work/$target"
  ./build-asan/tests/fuzz/fuzz_"$target" -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=1000000 -artifact_prefix="$work/" -print_final_stats=1 "$work/$target" "$corpus" 2>&1 | tail -n 12
done
# Every crash ever found stays a regression case: each must now run clean.
for f in tests/fuzz/regressions/*/*; do
  [ -f "$f" ] || continue
  target="$(basename "$(dirname "$f")")"
  ./build-asan/tests/fuzz/fuzz_"$target" -runs=1 "$f"
done
