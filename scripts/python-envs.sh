#!/usr/bin/env bash
# The Python environments of the project's checks, each a venv beside the requirements it
# is made from. Sourced, it defines python_env; run, it makes the named ones (all by
# default), which .ci/run does in the background while jest runs.
#
#   . scripts/python-envs.sh; python_env notebook     # its venv path on stdout
#   scripts/python-envs.sh [fuzz notebook sdk openlineage]

# name -> "venv requirements"
declare -A PYTHON_ENVS=(
  [fuzz]="fuzz/.venv fuzz/requirements.txt"
  [notebook]="examples/notebook/.venv examples/notebook/requirements.txt"
  [sdk]="clients/python/.venv clients/python/requirements-test.txt"
  [openlineage]="test/openlineage/.venv test/openlineage/requirements.txt"
)

# Makes the venv of one check unless it was made from the same requirements (a copy of
# them, kept in it, says so); prints its path.
python_env() {
  local venv requirements
  read -r venv requirements <<<"${PYTHON_ENVS[$1]}"
  # each step checked here: a caller's `set -e` does not reach into $(python_env …)
  if ! cmp -s "$requirements" "$venv/requirements.txt"; then
    rm -rf "$venv"
    python3 -m venv "$venv" || return 1
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" >&2 || return 1
    if [ "$1" = notebook ]; then
      # the notebook's python3 kernel must be this venv's Python (it has the SDK), not one
      # registered elsewhere on the machine
      "$venv/bin/python" -m ipykernel install --sys-prefix --name python3 >/dev/null || return 1
    fi
    cp "$requirements" "$venv/requirements.txt" || return 1
  fi
  echo "$venv"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  cd "$(dirname "$0")/.."
  for name in ${@:-fuzz notebook sdk openlineage}; do python_env "$name" >/dev/null; done
fi
