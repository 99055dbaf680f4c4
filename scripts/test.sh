#!/usr/bin/env bash
# Runs the test suite against the published AOT binary and ends with one plain summary line
# ("N passed, N failed, N skipped") that CI reads. Exit code: the test runner's, and 1 under CI
# (any non-empty CI) when a test was skipped: there a skip is a check that did not run.
set -uo pipefail
bin=${1:?usage: test.sh PATH_TO_PUBLISHED_HOOKRELAY}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
HOOKRELAY_BIN=$(readlink -f "$bin") dotnet test --project tests/HookRelay.Tests/HookRelay.Tests.csproj -c Release 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
count() { grep -E "^\s*$1:\s*[0-9]+" "$log" | tail -1 | grep -oE '[0-9]+' || echo 0; }
passed=$(count succeeded); failed=$(count failed); skipped=$(count skipped)
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi   # build or runner failure
if [ "$passed" -eq 0 ] && [ "$status" -eq 0 ]; then
    echo "test.sh: no test ran" >&2
    status=1
fi
if [ -n "${CI:-}" ] && [ "$skipped" -gt 0 ]; then
    echo "test.sh: $skipped test(s) skipped under CI='$CI'; every service must be there:" >&2
    grep -E '^\s*skipped [A-Za-z]' "$log" >&2 || true
    [ "$status" -eq 0 ] && status=1
fi
if [ "$failed" -gt 0 ]; then
    # CI shows only the end of the output: name each failed test there again, with the first
    # lines of its message, so a failure that does not come back on a re-run is still known.
    echo "test.sh: failed tests:" >&2
    awk '/^[[:space:]]*failed [A-Za-z]/ { n = 8 } n > 0 { print; n-- }' "$log" | cut -c1-300 >&2
fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
