#!/usr/bin/env bash
# npm run bench:synth: how long and how much memory a full synth of every stack of every environment
# takes, timed by hyperfine against two baselines in the same invocation: Node's own start, and a
# synth of the state stack alone (framework and config loading without the other stacks). Each run
# is a fresh process; peak RSS is GNU time's %M (the largest single process). Writes
# bench-results/synth-latest.{md,json}; exits 1 when a target is missed (synth median < 5 s, peak
# RSS < 400 MiB).
#
#   npm run bench:synth                # 5 runs per case after a warm-up
#   RUNS=10 npm run bench:synth
set -euo pipefail

if [[ $# -gt 0 ]]; then
  # The header above is the help: print it for --help, and refuse anything else (no options).
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
  [[ "$1" == --help || "$1" == -h ]] && exit 0
  echo "unknown argument: $1 (the only setting is RUNS=N in the environment)" >&2
  exit 64
fi

for tool in hyperfine /usr/bin/time jq; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed: npm run tools installs it (Debian: hyperfine, time, jq)" >&2; exit 1; }
done
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mkdir -p bench-results
# Loading a CA bundle is not synth work (~70 ms here), and NODE_OPTIONS could add loaders.
unset NODE_EXTRA_CA_CERTS NODE_OPTIONS ENVIRONMENTS CDKTF_CONTEXT_JSON CDKTF_TARGET_STACK_ID
export CHECKPOINT_DISABLE=1 CDKTF_OUTDIR="$out/app"
measured() { echo "/usr/bin/time -a -o $out/$1.rss -f %M $2"; }

hyperfine --warmup 1 --runs "${RUNS:-5}" --style basic \
  --export-json bench-results/synth-latest.json \
  -n node-startup "$(measured node-startup "node -e ''")" \
  -n state-stack-alone "$(measured state-stack-alone 'node --import tsx scripts/bench/synth-state-only.ts')" \
  -n all-stacks "$(measured all-stacks 'node --import tsx main.ts')" \
  -n cdktf-synth "$(measured cdktf-synth "node_modules/.bin/cdktf synth --output $out/cli")"

{
  echo "| case | median wall | peak RSS |"
  echo "|---|---:|---:|"
  for name in node-startup state-stack-alone all-stacks cdktf-synth; do
    median=$(jq -r --arg n "$name" '.results[] | select(.command == $n) | .median' bench-results/synth-latest.json)
    rss=$(sort -n "$out/$name.rss" | tail -1)
    printf '| %s | %.2f s | %d MiB |\n' "$name" "$median" $((rss / 1024))
  done
} | tee bench-results/synth-latest.md

median=$(jq -r '.results[] | select(.command == "all-stacks") | .median' bench-results/synth-latest.json)
rss_mib=$(($(sort -n "$out/all-stacks.rss" | tail -1) / 1024))
if jq -en --argjson m "$median" '$m < 5' >/dev/null && ((rss_mib < 400)); then
  echo "targets met: all stacks ${median} s (< 5 s), ${rss_mib} MiB (< 400 MiB)"
else
  echo "target missed: all stacks ${median} s (goal < 5 s), ${rss_mib} MiB (goal < 400 MiB)" >&2
  exit 1
fi
