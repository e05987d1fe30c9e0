#!/usr/bin/env bash
# Rebuilds the project and reruns every measurement behind docs/benchmarks.md:
#   1. the core JMH benchmarks          (benchmarks/target/benchmarks.jar)
#   2. the CLI demo, table and JSON      (examples/target/closepolicy.jar demo --json)
#   3. the adapters' load harnesses      (NettyLoadHarness, JettyThroughputHarness in benchmarks.jar)
# and records the machine (nproc, CPU model, kernel, java -version, load) beside the results.
#
# Usage: benchmarks/run-all.sh [--quick] [--skip-jmh] [--skip-demo] [--skip-perf] [--out DIR]
#   --quick      short JMH runs and demo --quick (a smoke run, not numbers to publish)
#   --out DIR    where results go (default: target/benchmark-results/<UTC timestamp>)
# Extra JMH options can be passed in JMH_ARGS, e.g. JMH_ARGS="-f 1 -wi 3 -i 5 TcpTable".
# Run it on an otherwise idle machine: every number here is loopback and CPU-bound.
set -euo pipefail

cd "$(dirname "$0")/.."

quick=0 jmh=1 demo=1 perf=1
out="target/benchmark-results/$(date -u +%Y%m%dT%H%M%SZ)"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --skip-jmh) jmh=0 ;;
    --skip-demo) demo=0 ;;
    --skip-perf) perf=0 ;;
    --out) out="$2"; shift ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
mkdir -p "$out"
echo "results: $out"

machine() {
  echo "date (UTC):  $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc:       $(nproc)"
  if command -v lscpu >/dev/null; then
    echo "cpu:         $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | sed -n 1p)"
  fi
  echo "kernel:      $(uname -sr)"
  echo "load (1/5/15 min) before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)"
  echo "memory:      $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo 2>/dev/null || echo n/a)"
  for k in tcp_tw_reuse tcp_fin_timeout tcp_max_tw_buckets ip_local_port_range; do
    [ -r "/proc/sys/net/ipv4/$k" ] && echo "net.ipv4.$k = $(tr '\t' ' ' < "/proc/sys/net/ipv4/$k")"
  done
  echo "git:         $(git rev-parse --short HEAD 2>/dev/null || echo n/a)"
  echo "java -version:"
  java -version 2>&1 | sed 's/^/  /'
  echo "mvn -version:"
  mvn -B -version 2>&1 | sed -n '1{s/\x1b\[[0-9;]*m//g;s/^/  /;p}'
}
machine | tee "$out/machine.txt"

echo "== build"
mvn -B -ntp -q -Dstyle.color=never package -DskipTests 2>&1 | tee "$out/build.log"

if [ "$jmh" = 1 ]; then
  echo "== core JMH: java -jar benchmarks/target/benchmarks.jar ${JMH_ARGS:-}"
  args=(${JMH_ARGS:-})
  if [ "$quick" = 1 ] && [ -z "${JMH_ARGS:-}" ]; then
    args=(-f 1 -wi 1 -i 2 -w 1s -r 1s)
  fi
  java -jar benchmarks/target/benchmarks.jar "${args[@]}" -rf json -rff "$out/jmh.json" 2>&1 | tee "$out/jmh.txt" \
    || { echo "JMH failed (see $out/jmh.txt); going on" | tee -a "$out/failures.txt"; }
fi

if [ "$demo" = 1 ]; then
  demo_args=(demo --no-progress --json "$out/demo.json")
  [ "$quick" = 1 ] && demo_args+=(--quick)
  echo "== demo: java -jar examples/target/closepolicy.jar ${demo_args[*]}"
  java -jar examples/target/closepolicy.jar "${demo_args[@]}" 2>&1 | tee "$out/demo.txt" \
    || { echo "demo reported failures (see $out/demo.txt)" | tee -a "$out/failures.txt"; }
fi

if [ "$perf" = 1 ]; then
  perf_args=()
  [ "$quick" = 1 ] && perf_args=(-Dperf.rounds=1 -Dperf.seconds=1 -Dperf.keepAliveSeconds=1 -Dperf.connections=500 \
    -Dperf.warmupSeconds=1 -Dperf.slices=3)
  for harness in NettyLoadHarness JettyThroughputHarness; do
    echo "== load harness: java ${perf_args[*]} -cp benchmarks/target/benchmarks.jar org.closepolicy.benchmarks.$harness"
    java "${perf_args[@]}" -Dperf.out="$out/benchmarks-jetty.md" -cp benchmarks/target/benchmarks.jar \
      "org.closepolicy.benchmarks.$harness" > "$out/perf-$harness.txt" 2>&1 \
      || echo "$harness failed (see $out/perf-$harness.txt)" | tee -a "$out/failures.txt"
  done
fi

echo "load (1/5/15 min) after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)" | tee -a "$out/machine.txt"
if [ -s "$out/failures.txt" ]; then
  echo "done with failures: $out/failures.txt"
  exit 1
fi
echo "done: $out"
