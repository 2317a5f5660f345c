#!/usr/bin/env bash
# Makes the prompts from text: 8 kHz mono in the formats Asterisk plays (ulaw, sln, gsm, wav).
# Needs espeak-ng and sox (Debian: apt-get install espeak-ng sox). Re-run after editing a text.
set -euo pipefail
cd "$(dirname "$0")"
out=en/acctcodes
mkdir -p "$out"

declare -A prompts=(
  [enter-code]="Please enter your account code, then press pound."
  [enter-code-or-pound]="Please enter your account code, then press pound. Or press pound to continue without a code."
  [invalid-try-again]="That account code is not valid. Please try again."
  [code-accepted]="Account code accepted."
  [denied]="This call cannot be completed without a valid account code. Goodbye."
  [enter-tag-code]="Please enter the account code for this call, then press pound."
)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for name in "${!prompts[@]}"; do
  espeak-ng -v en-us -s 150 -w "$tmp/$name.wav" "${prompts[$name]}"
  # Resample to telephone rate, mono, with a little level headroom.
  sox "$tmp/$name.wav" -r 8000 -c 1 -b 16 "$tmp/$name-8k.wav" gain -n -3
  sox "$tmp/$name-8k.wav" -t wav -e signed-integer "$out/$name.wav"
  sox "$tmp/$name-8k.wav" -t raw -e signed-integer -b 16 "$out/$name.sln"
  sox "$tmp/$name-8k.wav" -t raw -e u-law -b 8 "$out/$name.ulaw"
  sox "$tmp/$name-8k.wav" -t gsm "$out/$name.gsm"
  echo "made $out/$name.{wav,sln,ulaw,gsm}"
done
