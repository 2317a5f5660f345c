#!/usr/bin/env bash
# The API fuzzer: schemathesis generates requests from the served OpenAPI document (valid and
# not) and fails on any 5xx or any response that does not match the document. Run by .ci/run
# after the tests; needs a built acctcodes and `pip install schemathesis`.
#   Tests/APIFuzz/run.sh [path/to/acctcodes]
set -euo pipefail
bin=${1:-.build/debug/acctcodes}
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
export ACCTCODES_DB="$work/fuzz.sqlite"
"$bin" account set --code-length 4 --allow-account-codes on >/dev/null
"$bin" account set --account acme --code-length 4 >/dev/null
"$bin" code add 1234 --description "fuzz seed" >/dev/null
"$bin" user add 1001 --enabled >/dev/null
token=$("$bin" token create --name fuzz --role operator 2>/dev/null)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" serve --listen 127.0.0.1:0 --http-listen "127.0.0.1:$port" --log-level warning 2>"$work/serve.log" &
pid=$!
for _ in $(seq 1 600); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/api/v1/openapi.json', timeout=1)" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/serve.log"; exit 1; }
  sleep 0.1
done
schemathesis run "http://127.0.0.1:$port/api/v1/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,response_schema_conformance,content_type_conformance \
  --max-examples "${FUZZ_EXAMPLES:-40}" --workers 2 --no-color
if grep -q "API request failed" "$work/serve.log"; then
  echo "the server logged a failed request:"; grep "API request failed" "$work/serve.log"; exit 1
fi
