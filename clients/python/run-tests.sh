#!/usr/bin/env bash
# Tests the Python SDK: type-checks the package (mypy --strict, while the API starts) and
# runs pytest against a throwaway API on an embedded Neo4j, the SDK installed as a user
# would install it. Prints one line: python-sdk: passed or failed, and the time taken;
# on failure, what failed and the API's warnings before it.
#
# The API must be built (npm run build). The tools go into clients/python/.venv at the
# versions in requirements-test.txt; extra arguments go to pytest (-k name, -x).
set -euo pipefail
cd "$(dirname "$0")/../.."

dir=clients/python
started=$(date +%s)
. scripts/python-envs.sh
venv=$(python_env sdk)
# The SDK itself is reinstalled every run (a few seconds): tests import it as installed.
"$venv/bin/pip" uninstall --quiet --disable-pip-version-check -y pedigree-client >/dev/null 2>&1 || true
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-build-isolation "./$dir[pandas,networkx]"

. scripts/throwaway-api.sh
"$venv/bin/mypy" --config-file "$dir/pyproject.toml" --cache-dir "$dir/.mypy_cache" "$dir/src/pedigree" >"$work/mypy.log" 2>&1 &
mypy_pid=$!
start_throwaway_api python-sdk

pytest_status=0
(cd "$dir" && env -u PEDIGREE_PROJECT -u PEDIGREE_SPOOL_DIR -u PEDIGREE_IMAGE -u CONTAINER_IMAGE -u PEDIGREE_ATTEMPT \
  PEDIGREE_URL="${url%/graphql}" PEDIGREE_TOKEN="$token" \
  .venv/bin/python -m pytest -q -p no:cacheprovider "$@") >"$work/pytest.log" 2>&1 || pytest_status=$?
mypy_status=0
wait "$mypy_pid" || mypy_status=$?

status=0
if [ "$mypy_status" -ne 0 ]; then
  echo "--- mypy --strict:" >&2
  cat "$work/mypy.log" >&2
  status=1
fi
if [ "$pytest_status" -ne 0 ]; then
  echo "--- pytest:" >&2
  tail -80 "$work/pytest.log" >&2
  print_api_warnings
  status=1
fi
echo "python-sdk: $([ "$status" -eq 0 ] && echo passed || echo failed) ($(( $(date +%s) - started ))s)"
exit "$status"
