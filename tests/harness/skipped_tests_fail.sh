#!/usr/bin/env bash
# Self-test of the test harness: a googletest whose SetUpTestSuite throws, or
# that calls GTEST_SKIP(), fails a ctest run when registered through
# tenantry_discover_tests (gtest_strict.cmake) as every test binary of the
# project is; a passing test still passes; and tests/harness/ctest-strict,
# which ./tenantry test runs, fails a run in which any test did not run.
# Builds tests/harness/skip_fixture in a temporary directory.
set -euo pipefail
HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin

fail() { echo "FAIL: $*" >&2; exit 1; }
WORK=$(mktemp -d /tmp/tenantry-harness.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

cmake -S "$HERE/skip_fixture" -B "$WORK" -G Ninja -DCMAKE_BUILD_TYPE=Release >"$WORK/configure.log" 2>&1 ||
  { cat "$WORK/configure.log"; fail "the fixture project did not configure"; }
cmake --build "$WORK" >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; fail "the fixture project did not build"; }

# run NAME CMD...: runs CMD in the fixture's build tree; its output in $WORK/NAME.out, status in RC.
run() {
  local name=$1
  shift
  RC=0
  (cd "$WORK" && "$@") >"$WORK/$name.out" 2>&1 || RC=$?
}
# status_of NAME TEST: CTest's verdict on TEST in the output of run NAME.
status_of() { sed -n "s/^ *[0-9]*\/[0-9]* Test *#[0-9]*: $2 \.*[ *]*\([A-Za-z]*\).*/\1/p" "$WORK/$1.out"; }

echo "1. skipped googletests fail ctest"
run skipped ctest -R '^(BrokenSetUp|ExplicitSkip)\.'
cat "$WORK/skipped.out"
[ "$RC" -ne 0 ] || fail "ctest passed although BrokenSetUp's SetUpTestSuite threw and ExplicitSkip skipped"
for t in BrokenSetUp.WouldPassIfItRan ExplicitSkip.CallsGtestSkip; do
  [ "$(status_of skipped "$t")" = Failed ] || fail "$t: ctest says '$(status_of skipped "$t")', expected Failed"
done

echo "2. a passing googletest still passes"
run control ctest -R '^Control\.'
cat "$WORK/control.out"
[ "$RC" -eq 0 ] && [ "$(status_of control Control.Passes)" = Passed ] || fail "Control.Passes did not pass"

echo "3. ctest-strict fails a run with a skipped or disabled test"
run strict_skip "$HERE/ctest-strict" -R '^plain\.exits_77$'
cat "$WORK/strict_skip.out"
[ "$RC" -ne 0 ] || fail "ctest-strict passed a run whose only test was skipped (SKIP_RETURN_CODE)"
run strict_disabled "$HERE/ctest-strict" -R '^Parked\.'
cat "$WORK/strict_disabled.out"
[ "$RC" -ne 0 ] || fail "ctest-strict passed a run whose only test is disabled"
run strict_control "$HERE/ctest-strict" -R '^Control\.'
[ "$RC" -eq 0 ] || { cat "$WORK/strict_control.out"; fail "ctest-strict failed a run whose test passed"; }

echo "PASS"
