#!/usr/bin/env bash
# The cost of one ack check against the size of the kernel's TCP table, /proc/net/tcp vs sock_diag, and the
# end-to-end delay of ack-checked RSTs with many other sockets in the table.
#   1. For each size: other processes hold SIZE idle established loopback sockets, then JMH measures one check
#      (AckCheckBenchmark, both paths) with CPU per check (ThreadCpuProfiler).
#   2. With each of the e2e sizes held: `closepolicy serve --policy safe-reset`, 20 clients that read a 300 KB
#      response and never close; time from request to RST, for each path (-Dorg.closepolicy.kernel.ackPath=proc
#      forces the table), and the CPU of the server's ack watcher thread during the run.
# Usage: benchmarks/ack-check-scale.sh [--sizes "0 20000 40000 100000"] [--e2e-sizes "0 40000"] [--skip-jmh]
#                                      [--skip-e2e] [--nice N] [--out DIR]
#   --nice N   runs the e2e server and clients at nice N (e.g. -15, as root) so that a machine shared with other
#              work does not add its run-queue delay to the latency being measured
# Needs a built tree (mvn -B -ntp -q package -DskipTests). Each holder process keeps up to PER_PROCESS sockets
# (default 16000, under the usual 20000 open-file limit). The held sockets are reset when the script ends.
set -euo pipefail
cd "$(dirname "$0")/.."

sizes="0 20000 40000 100000" e2e_sizes="0 40000" jmh=1 e2e=1 clients=20 rounds=3 nice=0
out="target/benchmark-results/ack-check-$(date -u +%Y%m%dT%H%M%SZ)"
per_process=${PER_PROCESS:-16000}
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) sizes="$2"; shift ;;
    --e2e-sizes) e2e_sizes="$2"; shift ;;
    --nice) nice="$2"; shift ;;
    --skip-jmh) jmh=0 ;;
    --skip-e2e) e2e=0 ;;
    --out) out="$2"; shift ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
jar=benchmarks/target/benchmarks.jar
cli=examples/target/closepolicy.jar
[ -f "$jar" ] && [ -f "$cli" ] || { echo "build first: mvn -B -ntp -q package -DskipTests" >&2; exit 2; }
mkdir -p "$out"
echo "results: $out"

holders=() server=""
release() {
  for p in "${holders[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${holders[@]}"; do wait "$p" 2>/dev/null || true; done
  holders=()
}
cleanup() {
  [ -n "$server" ] && { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
  release
}
trap cleanup EXIT

rows() { cat /proc/net/tcp /proc/net/tcp6 | grep -vc local_address; }

# Starts holder processes for $1 sockets and waits until each has printed "ready".
hold() {
  local want=$1 i=0
  while [ "$want" -gt 0 ]; do
    local n=$(( want < per_process ? want : per_process ))
    java -Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$jar" org.closepolicy.benchmarks.IdleConnections "$n" \
      > "$out/holder-$i.log" 2>&1 &
    holders+=($!)
    want=$(( want - n )); i=$(( i + 1 ))
  done
  for j in $(seq 0 $(( i - 1 ))); do
    for _ in $(seq 1 600); do
      grep -q '^ready' "$out/holder-$j.log" 2>/dev/null && break
      kill -0 "${holders[$j]}" 2>/dev/null || { cat "$out/holder-$j.log"; echo "holder $j died" >&2; exit 1; }
      sleep 0.5
    done
    grep -q '^ready' "$out/holder-$j.log" || { echo "holder $j not ready" >&2; exit 1; }
  done
}

{
  echo "date (UTC): $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc); cpu: $(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | sed -n 1p)"
  echo "kernel: $(uname -sr); java: $(java -version 2>&1 | head -1)"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); git: $(git rev-parse --short HEAD 2>/dev/null || echo n/a)"
} | tee "$out/machine.txt"

if [ "$jmh" = 1 ]; then
  for size in $sizes; do
    hold "$size"
    echo "== JMH AckCheckBenchmark with $size held sockets ($(rows) rows in the table)" | tee -a "$out/summary.txt"
    java -jar "$jar" AckCheckBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s \
      -prof org.closepolicy.benchmarks.ThreadCpuProfiler -rf json -rff "$out/jmh-$size.json" > "$out/jmh-$size.txt" 2>&1
    grep -E '^AckCheckBenchmark\.check' "$out/jmh-$size.txt" | tee -a "$out/summary.txt"
    release
  done
fi

# CPU ticks (utime + stime) of the server's ack watcher thread.
watcher_ticks() {
  local pid=$1 t
  for t in /proc/"$pid"/task/*; do
    if [ "$(cat "$t/comm" 2>/dev/null)" = "closepolicy-ack" ]; then
      awk '{print $14 + $15}' "$t/stat"; return
    fi
  done
  echo 0
}

if [ "$e2e" = 1 ]; then
  hz=$(getconf CLK_TCK)
  run=(nice -n "$nice")
  step=0
  for size in $e2e_sizes; do
    step=$(( step + 1 ))
    hold "$size"
    for path in sock_diag proc; do
      jvm=(-Dorg.slf4j.simpleLogger.log.org.closepolicy.kernel.AckWatcher=info) # logs the path in use
      [ "$path" = proc ] && jvm+=(-Dorg.closepolicy.kernel.ackPath=proc)
      "${run[@]}" java "${jvm[@]}" -jar "$cli" serve --port 0 --policy safe-reset > "$out/serve-$step-$path-$size.log" 2>&1 &
      server=$!
      for _ in $(seq 1 120); do grep -q 'listening on' "$out/serve-$step-$path-$size.log" && break; sleep 0.5; done
      port=$(grep -o '127.0.0.1:[0-9]*' "$out/serve-$step-$path-$size.log" | head -1 | cut -d: -f2)
      clients_cmd=("${run[@]}" java -cp "$jar" org.closepolicy.benchmarks.NeverClosingClients 127.0.0.1 "$port" "/bytes?n=300000" "$clients")
      # The first round warms the JIT and loads the path (JNA, self-test); the second is the one reported.
      "${clients_cmd[@]}" > "$out/e2e-$step-$path-$size-warmup.txt"
      echo "== e2e $path, $size held sockets ($(rows) rows): $clients never-closing clients, 300 KB, safe-reset (close.client-wait 2s), nice $nice" \
        | tee -a "$out/summary.txt"
      for round in $(seq 1 "$rounds"); do
        before=$(watcher_ticks "$server")
        "${clients_cmd[@]}" > "$out/e2e-$step-$path-$size-$round.txt"
        after=$(watcher_ticks "$server")
        echo "round $round: $(tail -1 "$out/e2e-$step-$path-$size-$round.txt" | sed 's/^summary: //'); ack watcher CPU $(( (after - before) * 1000 / hz )) ms" \
          | tee -a "$out/summary.txt"
      done
      kill "$server"; wait "$server" 2>/dev/null || true; server=""
    done
    release
  done
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/machine.txt"
echo "done: $out"
