#!/usr/bin/env bash
# The API fuzzer: schemathesis generates requests from the served OpenAPI document (valid and
# not, every phase including the stateful one) and runs every check it has: no 5xx, responses as
# documented, invalid input refused, valid input accepted, 405 with Allow for other methods, auth
# not ignored. Once with an account admin's token and once with a billing token (read-only: any
# write must be refused). Run by .ci/run after the tests; needs a built acctcodes and
# `pip install schemathesis`.
#   Tests/APIFuzz/run.sh [path/to/acctcodes]        FUZZ_EXAMPLES=N for more cases per operation
set -euo pipefail
bin=${1:-.build/debug/acctcodes}
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
export ACCTCODES_DB="$work/fuzz.sqlite"
"$bin" account set --code-length 4 --allow-account-codes on >/dev/null
"$bin" account set --account acme --code-length 4 >/dev/null
"$bin" code add 1234 --description "fuzz seed" >/dev/null
"$bin" code add 5555 --account acme --description "another tenant's" >/dev/null
"$bin" user add 1001 --enabled >/dev/null
admin=$("$bin" token create --name fuzz-admin --role account-admin --account default 2>/dev/null)
billing=$("$bin" token create --name fuzz-billing --role billing --account default 2>/dev/null)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" serve --listen 127.0.0.1:0 --http-listen "127.0.0.1:$port" --log-level warning 2>"$work/serve.log" &
pid=$!
for _ in $(seq 1 600); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/api/v1/openapi.json', timeout=1)" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/serve.log"; exit 1; }
  sleep 0.1
done
for token in "$admin" "$billing"; do
  schemathesis --config-file "$(dirname "$0")/schemathesis.toml" run "http://127.0.0.1:$port/api/v1/openapi.json" \
    --url "http://127.0.0.1:$port" \
    --header "Authorization: Bearer $token" \
    --checks all --phases examples,coverage,fuzzing,stateful \
    --max-examples "${FUZZ_EXAMPLES:-30}" --workers 2 --seed "${FUZZ_SEED:-1}" --no-color ${FUZZ_ARGS:-}
done
if grep -q "API request failed" "$work/serve.log"; then
  echo "the server logged a failed request:"; grep "API request failed" "$work/serve.log"; exit 1
fi
