#!/usr/bin/env bash
# What the windowed NEXMark queries' lock step costs Sluice: each job in fresh JVMs, alternately on
# virtual time driven by the sources (an epoch per chunk: the default of PeerRun) and on the system
# clock (-Dpeers.windowedClock=system: no lock step; late items possible), the order flipping every
# round. RUNS runs per JVM, the last one printed. See docs/PERFORMANCE.md, "NEXMark Q5, Q7, Q8".
# Build first: ./mvnw -q -P bench -pl benchmarks/peers -am package -DskipTests
# Usage: [RUNS=n] benchmarks/bin/lockstep.sh [rounds] [jobs] [workers] [events]
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-3}; ROUNDS=${1:-2}; JOBS=${2:-"q5 q7 q8"}; WORKERS=${3:-"2"}; EVENTS=${4:-1000000}
CP=benchmarks/peers/target/sluice-benchmarks-peers-0.1.0-SNAPSHOT.jar:$(cat benchmarks/peers/target/classpath.txt)
one() { # clock job workers
  java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED --add-opens java.base/java.util=ALL-UNNAMED \
       --add-opens java.base/java.lang=ALL-UNNAMED -Xms2g -Xmx2g -Dorg.slf4j.simpleLogger.defaultLogLevel=error \
       -Dpeers.windowedClock="$1" -cp "$CP" io.sluice.peers.PeerRun sluice "$2" "$3" "$EVENTS" "$RUNS" 2>&1 \
    | grep '^\[peer\]' | tail -1 | sed "s/^/clock=$1 /" || echo "clock=$1 job=$2 workers=$3 FAILED"
}
for round in $(seq 1 "$ROUNDS"); do
  for job in $JOBS; do
    for w in $WORKERS; do
      echo "# round $round load $(cut -d' ' -f1-3 /proc/loadavg)"
      if (( round % 2 )); then one virtual "$job" "$w"; one system "$job" "$w"
      else one system "$job" "$w"; one virtual "$job" "$w"; fi
    done
  done
done
