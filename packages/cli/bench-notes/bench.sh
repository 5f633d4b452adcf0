#!/bin/sh
# Throwaway: signs 5,000 credentials with 1 and 2 threads, then verifies them; prints wall, CPU and peak RSS.
set -e
R=$(cd "$(dirname "$0")/../../.." && pwd)
B=$R/packages/cli/bin/skillproof.js
D=${D:-/tmp/sb}
mkdir -p "$D" && cd "$D"
[ -f key.json ] || node "$B" keys generate --out key.json
[ -f u5k.jsonl ] || node "$R/packages/cli/bench-notes/gen-credentials.mjs" 5000 > u5k.jsonl
for t in 1 2; do
  /usr/bin/time -f "sign threads=$t wall=%e s user=%U s sys=%S s maxrss=%M KB" node "$B" sign-batch --key key.json --created 2025-01-01T00:00:00Z --threads $t --stats < u5k.jsonl > s5k-$t.jsonl || true
done
cmp s5k-1.jsonl s5k-2.jsonl && echo "identical output bytes"
for t in 1 2; do
  /usr/bin/time -f "verify threads=$t wall=%e s user=%U s sys=%S s maxrss=%M KB" node "$B" verify-batch --offline --threads $t --stats < s5k-1.jsonl > v5k-$t.jsonl || true
done
cmp v5k-1.jsonl v5k-2.jsonl && echo "identical verify output"
