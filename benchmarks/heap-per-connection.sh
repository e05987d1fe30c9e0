#!/usr/bin/env bash
# The heap a close policy adds per open connection, against the bare framework (`--policy none`), on each adapter.
# For each server and policy: `closepolicy serve`, a warm-up of 200 connections (then closed), a class histogram
# (jcmd GC.class_histogram runs a full GC first), then CONNECTIONS idle keep-alive connections from a separate client
# process (KeepAliveClients --interval-ms 0: each sent one request and read its response, then stays idle), and a
# second histogram. HeapHistogramDiff prints bytes per connection for each server and what the policy adds, by class.
# Usage: benchmarks/heap-per-connection.sh [--servers "netty jetty"] [--policies "keep-alive"] [--connections 10000]
#                                          [--out DIR]
# Needs a built tree (mvn -B -ntp -q -pl benchmarks,examples -am package -DskipTests) and an open-file limit above
# CONNECTIONS + 1000 for the server and the client. Clients connect from 127.0.0.2..127.0.0.5 (loopback).
set -euo pipefail
cd "$(dirname "$0")/.."

servers="netty jetty" policies="keep-alive" connections=10000
out="target/benchmark-results/heap-per-connection-$(date -u +%Y%m%dT%H%M%SZ)"
while [ $# -gt 0 ]; do
  case "$1" in
    --servers) servers="$2"; shift ;;
    --policies) policies="$2"; shift ;;
    --connections) connections="$2"; shift ;;
    --out) out="$2"; shift ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
jar=benchmarks/target/benchmarks.jar
cli=examples/target/closepolicy.jar
[ -f "$jar" ] && [ -f "$cli" ] || { echo "build first: mvn -B -ntp -q -pl benchmarks,examples -am package -DskipTests" >&2; exit 2; }
[ "$(ulimit -n)" -gt $(( connections + 1000 )) ] || { echo "open-file limit $(ulimit -n) is too low for $connections connections" >&2; exit 2; }
mkdir -p "$out"
echo "results: $out"
sources=127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5

server="" client=""
stop() { [ -n "$1" ] && { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }; }
cleanup() { stop "$client"; stop "$server"; }
trap cleanup EXIT

{
  echo "date (UTC): $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc); cpu: $(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | sed -n 1p)"
  echo "kernel: $(uname -sr); java: $(java -version 2>&1 | head -1)"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); git: $(git rev-parse --short HEAD 2>/dev/null || echo n/a)"
} | tee "$out/machine.txt"

# Holds $2 idle connections to port $1; sets $client and waits for "ready".
hold() {
  java -Xmx512m -cp "$jar" org.closepolicy.benchmarks.KeepAliveClients --target "127.0.0.1:$1" --connections "$2" \
    --sources "$sources" --interval-ms 0 > "$3" 2>&1 &
  client=$!
  for _ in $(seq 1 600); do
    grep -q '^ready' "$3" && return
    kill -0 "$client" 2>/dev/null || { cat "$3"; echo "client died" >&2; exit 1; }
    sleep 0.5
  done
  echo "client not ready: $3" >&2; exit 1
}
established() { ss -Htn state established "( sport = :$1 )" | wc -l; }  # may count a client port equal to $1

for s in $servers; do
  for p in none $policies; do
    tag="$s-$p"
    java -jar "$cli" serve --server "$s" --port 0 --policy "$p" > "$out/serve-$tag.log" 2>&1 &
    server=$!
    for _ in $(seq 1 120); do grep -q 'listening on' "$out/serve-$tag.log" && break; sleep 0.5; done
    port=$(grep -o '127.0.0.1:[0-9]*' "$out/serve-$tag.log" | head -1 | cut -d: -f2)
    hold "$port" 200 "$out/warmup-$tag.txt"
    stop "$client"; client=""
    for _ in $(seq 1 60); do [ "$(established "$port")" -eq 0 ] && break; sleep 0.5; done
    jcmd "$server" GC.class_histogram > "$out/histo-$tag-before.txt"
    hold "$port" "$connections" "$out/client-$tag.txt"
    jcmd "$server" GC.class_histogram > "$out/histo-$tag-after.txt"
    n=$(awk '/^ready/ { print $2 }' "$out/client-$tag.txt")   # connections the client holds open
    echo "$n" > "$out/connections-$tag.txt"
    echo "$tag: $(grep '^ready' "$out/client-$tag.txt")" | tee -a "$out/summary.txt"
    # A policy that retires after each response (client-first, safe-reset) keeps no connection to measure.
    [ "$n" -gt 0 ] || echo "$tag keeps no idle connection (the policy retires after each response)" | tee -a "$out/summary.txt"
    stop "$client"; client=""
    stop "$server"; server=""
  done
  for p in $policies; do
    [ "$(cat "$out/connections-$s-$p.txt")" -gt 0 ] || continue
    echo "== $s: $p vs none" | tee -a "$out/summary.txt"
    java -cp "$jar" org.closepolicy.benchmarks.HeapHistogramDiff \
      "$out/histo-$s-none-before.txt" "$out/histo-$s-none-after.txt" "$(cat "$out/connections-$s-none.txt")" \
      "$out/histo-$s-$p-before.txt" "$out/histo-$s-$p-after.txt" "$(cat "$out/connections-$s-$p.txt")" \
      | tee -a "$out/summary.txt"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/machine.txt"
echo "done: $out"
