#!/usr/bin/env bash
# One-shot (a fresh JVM, one job) keyed count, 100 keys, 1 worker, under JVM flag variants, interleaved:
# where does a one-shot run lose against a warm one, and which JVM settings win some of it back?
# Build first: ./mvnw -q -P bench -pl benchmarks/peers -am package -DskipTests
# Usage: benchmarks/bin/oneshot-flags.sh [rounds] [items]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-2}; ITEMS=${2:-20000000}
CP=benchmarks/peers/target/sluice-benchmarks-peers-0.1.0-SNAPSHOT.jar:$(cat benchmarks/peers/target/classpath.txt)
VARIANTS=("-Xms2g -Xmx2g" "" "-Xms2g -Xmx2g -XX:TieredStopAtLevel=1" "-Xms2g -Xmx2g -XX:+UseParallelGC")
for round in $(seq 1 "$ROUNDS"); do
  for v in "${VARIANTS[@]}"; do
    echo "# round $round flags [${v:-JVM defaults}] load $(cut -d' ' -f1-3 /proc/loadavg)"
    # shellcheck disable=SC2086
    java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED $v -cp "$CP" io.sluice.peers.PeerRun \
      sluice keyed100 1 "$ITEMS" 2 2>&1 | grep '^\[peer\]'
  done
done
