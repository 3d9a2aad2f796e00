# Sourced by the scripts that need a real API to talk to (fuzz/run.sh,
# examples/notebook/run.sh): `start_throwaway_api NAME` starts the built API on a fresh
# embedded Neo4j with an admin token of its own and waits until it answers. Afterwards
# $url is the GraphQL endpoint, $token the admin token, $work a temporary folder (the
# server's log is $work/server.log); on exit the server is stopped and $work removed.

work=$(mktemp -d)
server_pid=
stop_throwaway_api() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap stop_throwaway_api EXIT

# After a failure: what the server logged above info, the likeliest cause.
print_api_warnings() {
  echo "--- the API's warnings and errors:" >&2
  grep -v '"level":"info"' "$work/server.log" | tail -20 >&2 || true
}

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

start_throwaway_api() {
  local name=$1
  token="pdg_${name}_$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
  # Never NEO4J_URI: these runs write junk, so each gets a database of its own.
  : >"$work/server.log"
  env -u NEO4J_URI PORT=0 PEDIGREE_DATA_DIR="$work/store" PEDIGREE_LOCAL_NEO4J_PORT="$(free_port)" \
    PEDIGREE_ADMIN_TOKEN="$token" NODE_ENV=development PEDIGREE_INTROSPECTION=true \
    node bin/pedigree.js start >"$work/server.log" 2>&1 &
  server_pid=$!

  url=
  for _ in $(seq 180); do
    url=$(sed -n 's/.*"msg":"Pedigree API ready","graphql":"\([^"]*\)".*/\1/p' "$work/server.log" || true)
    [ -n "$url" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 1
  done
  if [ -z "$url" ]; then
    echo "$name: the API did not start; its log:" >&2
    tail -40 "$work/server.log" >&2
    exit 1
  fi
}
