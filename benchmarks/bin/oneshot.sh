#!/usr/bin/env bash
# One-shot vs warm throughput of Sluice's keyed count (100 keys, 1 worker), and 2 ÷ 1 worker scaling of a
# one-partition source behind redistribute with ~2 µs of work per item. See docs/PERFORMANCE.md.
# Build first: ./mvnw -q -P bench -pl benchmarks/peers -am package -DskipTests
# Usage: benchmarks/bin/oneshot.sh [rounds] [keyedItems] [spreadItems] [extra JVM flags...]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-2}; ITEMS=${2:-20000000}; SPREAD=${3:-1000000}; shift $(( $# < 3 ? $# : 3 ))
CP=benchmarks/peers/target/sluice-benchmarks-peers-0.1.0-SNAPSHOT.jar:$(cat benchmarks/peers/target/classpath.txt)
JAVA=(java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -Xms2g -Xmx2g "$@" -cp "$CP" io.sluice.peers.PeerRun)
field() { sed -n "s|.* $1=\([^ ]*\).*|\1|p" <<<"$2"; }
for round in $(seq 1 "$ROUNDS"); do
  echo "# round $round load $(cut -d' ' -f1-3 /proc/loadavg)"
  # one JVM, the same job 6 times: run 1 is what a user timing one job sees, run 6 is warm
  out=$("${JAVA[@]}" sluice keyed100 1 "$ITEMS" 6 2>&1 | grep '^\[peer\]')
  echo "$out"
  first=$(sed -n 1p <<<"$out"); last=$(sed -n 6p <<<"$out")
  awk -v a="$(field 'items/s' "$first")" -v b="$(field 'items/s' "$last")" \
      'BEGIN { printf "[oneshot] keyed100 workers=1 warm(run 6)/one-shot(run 1) items/s=%.2f\n", b / a }'
  echo "# round $round load $(cut -d' ' -f1-3 /proc/loadavg)"
  one=$("${JAVA[@]}" sluice spread2us 1 "$SPREAD" 3 2>&1 | grep '^\[peer\]' | tail -1)
  two=$("${JAVA[@]}" sluice spread2us 2 "$SPREAD" 3 2>&1 | grep '^\[peer\]' | tail -1)
  echo "$one"; echo "$two"
  awk -v w1="$(field 'wall-ms' "$one")" -v w2="$(field 'wall-ms' "$two")" \
      -v c1="$(field 'cpu-ns/item' "$one")" -v c2="$(field 'cpu-ns/item' "$two")" \
      'BEGIN { printf "[scaling] spread2us (run 3 of each JVM) wall 1w/2w=%.2f cpu-ns/item 2w/1w=%.2f\n", w1 / w2, c2 / c1 }'
done
