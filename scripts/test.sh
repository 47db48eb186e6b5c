#!/usr/bin/env bash
# The test command: typecheck, then every test (unit tests beside the code, cross-part
# tests in test/), then one plain summary line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
npx tsc --noEmit -p . || exit 1
report=$(mktemp)
npx vitest run --reporter=default --reporter=json --outputFile="$report"
status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
' "$report" || true
rm -f "$report"
exit $status
