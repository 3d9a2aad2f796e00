#!/usr/bin/env bash
# The real OpenLineage client against Pedigree: installs openlineage-python (the version in
# requirements.txt) into test/openlineage/.venv, starts a throwaway API and embedded Neo4j,
# runs story.py (an Airflow-like DAG reported through the client's HTTP transport, then read
# back through GraphQL) and prints one line: passed or failed, and the time taken.
set -euo pipefail
cd "$(dirname "$0")/../.."

dir=test/openlineage
. scripts/python-envs.sh
venv=$(python_env openlineage)
node scripts/build-if-changed.mjs

. scripts/throwaway-api.sh
started=$(date +%s)
start_throwaway_api openlineage

status=0
OPENLINEAGE_URL=${url%/graphql} OPENLINEAGE_API_KEY=$token PEDIGREE_URL=${url%/graphql} \
  "$venv/bin/python" "$dir/story.py" >"$work/story.log" 2>&1 || status=$?

if [ "$status" -ne 0 ]; then
  tail -40 "$work/story.log" >&2
  print_api_warnings
fi
echo "openlineage: $([ "$status" -eq 0 ] && echo passed || echo failed) ($(( $(date +%s) - started ))s)"
exit "$status"
