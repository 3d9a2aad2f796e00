#!/usr/bin/env bash
# Executes pipeline.ipynb end to end against a throwaway API and embedded Neo4j, the way a
# reader would run it, and prints one line: passed or failed, and the time taken. Any cell
# that raises fails the run. The executed copy, outputs included, is kept in
# examples/notebook/report/.
#
# The API must be built (npm run notebook builds it first). Jupyter and the SDK's
# dependencies go into examples/notebook/.venv, at the versions in requirements.txt; the SDK
# itself (clients/python) is installed into it afresh on every run.
set -euo pipefail
cd "$(dirname "$0")/../.."

dir=examples/notebook
. scripts/python-envs.sh
venv=$(python_env notebook)
# Its dependencies are pinned above, so this needs no index; hatchling builds it in place.
"$venv/bin/pip" uninstall --quiet --disable-pip-version-check -y pedigree-client >/dev/null 2>&1 || true
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-build-isolation "./clients/python[pandas,networkx]"

. scripts/throwaway-api.sh
started=$(date +%s)
start_throwaway_api notebook

rm -rf "$dir/report"
status=0
PEDIGREE_URL=${url%/graphql} PEDIGREE_TOKEN=$token JUPYTER_PREFER_ENV_PATH=1 \
  "$venv/bin/jupyter" nbconvert --to notebook --execute "$dir/pipeline.ipynb" \
  --ExecutePreprocessor.timeout=120 --output-dir "$dir/report" 2>"$work/nbconvert.log" || status=$?

if [ "$status" -ne 0 ]; then
  tail -60 "$work/nbconvert.log" >&2
  print_api_warnings
fi
echo "notebook: pipeline.ipynb $([ "$status" -eq 0 ] && echo passed || echo failed) ($(( $(date +%s) - started ))s)"
exit "$status"
