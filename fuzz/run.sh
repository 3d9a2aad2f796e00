#!/usr/bin/env bash
# Property-based fuzzing of the whole GraphQL schema with Schemathesis: starts the API on a
# throwaway embedded Neo4j, sends generated queries and mutations for every root field,
# checks every answer (no 5xx, a code on every error, no stack trace), stops everything and
# prints one line: requests sent, failures found.
#
#   fuzz/run.sh                 # FUZZ_EXAMPLES (default 50) examples per operation
#   FUZZ_SEED=123 fuzz/run.sh   # replay a run
#
# The API must be built (npm run fuzz builds it first). Schemathesis goes into fuzz/.venv.
set -euo pipefail
cd "$(dirname "$0")/.."

examples=${FUZZ_EXAMPLES:-50}
report=fuzz/report
. scripts/python-envs.sh
venv=$(python_env fuzz)

. scripts/throwaway-api.sh
started=$(date +%s)
start_throwaway_api fuzz

# revokeToken is left out: the stateful phase finds the run's own token through `tokens`
# and revokes it, and every later request is then UNAUTHENTICATED.
rm -rf "$report"
mkdir -p "$report"
status=0
SCHEMATHESIS_HOOKS=hooks PYTHONPATH=fuzz FUZZ_COUNT_FILE="$work/requests" HYPOTHESIS_STORAGE_DIRECTORY="$work/hypothesis" \
  "$venv/bin/schemathesis" --config-file fuzz/schemathesis.toml run "$url" \
  --header "Authorization: Bearer $token" \
  --checks coded_errors \
  --exclude-name Mutation.revokeToken \
  --max-examples "$examples" \
  --workers 2 \
  --request-timeout 30 \
  --generation-database none \
  ${FUZZ_SEED:+--seed "$FUZZ_SEED"} \
  --report junit,vcr --report-junit-path "$report/junit.xml" --report-vcr-path "$report/cassette.yaml" \
  --no-color >"$report/schemathesis.log" 2>&1 || status=$?

# The server's own account: anything it had to mask as an internal error is a finding too.
internal=$(grep -c '"msg":"unexpected error"' "$work/server.log" || true)
cp "$work/server.log" "$report/server.log"
requests=$(cat "$work/requests" 2>/dev/null || echo 0)
failures=$(python3 - "$report/junit.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError):
    print(-1)
    sys.exit()
suites = [root] if root.tag == "testsuite" else root.iter("testsuite")
print(sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites))
PY
)
if [ "$failures" -ne 0 ] || [ "$internal" -ne 0 ] || [ "$status" -ne 0 ]; then
  grep -A200 -m1 '^=* FAILURES\|^=* ERRORS' "$report/schemathesis.log" | head -120 >&2 || tail -60 "$report/schemathesis.log" >&2
fi
seed=$(sed -n 's/^Seed: //p' "$report/schemathesis.log")
echo "fuzz: $requests requests, $failures failures, $internal internal errors in the server log ($(( $(date +%s) - started ))s, FUZZ_SEED=$seed; details in $report/)"
[ "$failures" -eq 0 ] && [ "$internal" -eq 0 ] && [ "$status" -eq 0 ]
