#!/usr/bin/env bash
# The admin console in a real browser: Debian's chromium, driven headless by Playwright for Python
# (its driver only; the browser is the system's, nothing is downloaded). Starts `acctcodes serve`
# on a fresh database and walks the seed's flows end to end. Run by .ci/run after the tests.
#   Tests/Console/run.sh [path/to/acctcodes]            # SCREENSHOTS=docs/screenshots to refresh the README's
set -euo pipefail
bin=$(realpath "${1:-.build/debug/acctcodes}")
exec python3 "$(dirname "$0")/console_test.py" "$bin"
