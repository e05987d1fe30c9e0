#!/usr/bin/env bash
# Many concurrent keep-alive connections retired by max age: errors, retirements per second, server CPU and TIME_WAIT.
# For each server and connection count: `closepolicy serve --policy POLICY` (several processes sharing the port with
# SO_REUSEPORT when one process's open-file limit cannot hold them all), then client processes (KeepAliveClients, NIO,
# from 127.0.0.2..127.0.0.9) open the connections and send a request on each about once a second for SECONDS. A
# response with `Connection: close` is a retirement: the client closes and reconnects for its next request.
# Usage: benchmarks/scale-max-age.sh [--servers "netty jetty"] [--connections "10000"] [--seconds 120]
#          [--policy "keep-alive, reuse.max-age=30s, reuse.jitter=10%"] [--interval-ms 1000] [--nice N] [--out DIR]
#   --interval-ms M  the pause between a connection's requests (offered load = connections * 1000 / M per second)
#   --nice N   runs the servers and clients at nice N (e.g. -15, as root) on a machine shared with other work
# Needs a built tree (mvn -B -ntp -q -pl benchmarks,examples -am package -DskipTests).
set -euo pipefail
cd "$(dirname "$0")/.."

servers="netty jetty" counts="10000" seconds=120 nice=0 interval=1000
policy="keep-alive, reuse.max-age=30s, reuse.jitter=10%"
out="target/benchmark-results/scale-max-age-$(date -u +%Y%m%dT%H%M%SZ)"
while [ $# -gt 0 ]; do
  case "$1" in
    --servers) servers="$2"; shift ;;
    --connections) counts="$2"; shift ;;
    --seconds) seconds="$2"; shift ;;
    --policy) policy="$2"; shift ;;
    --interval-ms) interval="$2"; shift ;;
    --nice) nice="$2"; shift ;;
    --out) out="$2"; shift ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
jar=benchmarks/target/benchmarks.jar
cli=examples/target/closepolicy.jar
[ -f "$jar" ] && [ -f "$cli" ] || { echo "build first: mvn -B -ntp -q -pl benchmarks,examples -am package -DskipTests" >&2; exit 2; }
mkdir -p "$out"
echo "results: $out"
limit=$(ulimit -n)
per_process=$(( limit - 2000 ))   # connections one process may hold (server or client)
run=(nice -n "$nice")
hz=$(getconf CLK_TCK)

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
}
trap cleanup EXIT

{
  echo "date (UTC): $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc); cpu: $(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | sed -n 1p); open files: $limit"
  echo "kernel: $(uname -sr); java: $(java -version 2>&1 | head -1); ports: $(cat /proc/sys/net/ipv4/ip_local_port_range | tr '\t' -)"
  echo "git: $(git rev-parse --short HEAD 2>/dev/null || echo n/a); policy: $policy; interval ${interval} ms; nice $nice"
} | tee "$out/machine.txt"

cpu_ticks() { local t=0 p; for p in "$@"; do t=$(( t + $(awk '{print $14 + $15}' "/proc/$p/stat") )); done; echo "$t"; }
time_wait() { ss -Htan state time-wait "( $1 = :$2 )" | wc -l; }

for s in $servers; do
  for n in $counts; do
    tag="$s-$n"
    nservers=$(( (n + per_process - 1) / per_process ))
    port=0 spids=()
    for i in $(seq 1 "$nservers"); do
      extra=()
      [ "$nservers" -gt 1 ] && extra=(--reuse-port)
      "${run[@]}" java -jar "$cli" serve --server "$s" --port "$port" "${extra[@]}" --policy "$policy" \
        > "$out/serve-$tag-$i.log" 2>&1 &
      spids+=($!); pids+=($!)
      for _ in $(seq 1 120); do grep -q 'listening on' "$out/serve-$tag-$i.log" && break; sleep 0.5; done
      port=$(grep -o '127.0.0.1:[0-9]*' "$out/serve-$tag-$i.log" | head -1 | cut -d: -f2)
    done
    nclients=$(( (n + per_process - 1) / per_process ))
    load_before=$(cut -d' ' -f1-3 /proc/loadavg)
    tw_server_before=$(time_wait sport "$port")
    cpu_before=$(cpu_ticks "${spids[@]}")
    t0=$(date +%s.%N)
    cpids=()
    for i in $(seq 1 "$nclients"); do
      share=$(( n / nclients + (i <= n % nclients ? 1 : 0) ))
      src=""
      for j in $(seq 2 9); do [ $(( (j - 2) % nclients )) -eq $(( i - 1 )) ] && src="$src${src:+,}127.0.0.$j"; done
      "${run[@]}" java -Xmx1g -cp "$jar" org.closepolicy.benchmarks.KeepAliveClients --target "127.0.0.1:$port" \
        --connections "$share" --sources "$src" --interval-ms "$interval" --seconds "$seconds" > "$out/client-$tag-$i.txt" 2>&1 &
      cpids+=($!); pids+=($!)
    done
    tw_max=0
    while kill -0 "${cpids[0]}" 2>/dev/null; do
      tw=$(time_wait sport "$port"); [ "$tw" -gt "$tw_max" ] && tw_max=$tw
      sleep 5
    done
    for p in "${cpids[@]}"; do wait "$p" || true; done
    t1=$(date +%s.%N)
    cpu_after=$(cpu_ticks "${spids[@]}")
    tw_server=$(time_wait sport "$port"); tw_client=$(time_wait dport "$port")
    load_after=$(cut -d' ' -f1-3 /proc/loadavg)
    for p in "${spids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    pids=()
    # Per-second rows of every client process, summed by second.
    awk '$1 ~ /^[0-9]+$/ { open[$1]+=$2; req[$1]+=$3; ret[$1]+=$4; eof[$1]+=$5; err[$1]+=$6; con[$1]+=$7;
                           if ($9 > mx[$1]) mx[$1]=$9; if ($1 > last) last=$1 }
         END { print "# t open requests retired eof errors connects max_ms";
               for (t = 1; t <= last; t++) print t, open[t], req[t], ret[t], eof[t], err[t], con[t], mx[t] }' \
      "$out"/client-"$tag"-*.txt > "$out/seconds-$tag.txt"
    wall=$(echo "$t1 - $t0" | bc)
    cpu_s=$(echo "scale=1; ($cpu_after - $cpu_before) / $hz" | bc)
    {
      echo "== $s, $n connections, $nservers server process(es), $nclients client process(es), ${seconds}s, one request per connection every ${interval} ms, policy: $policy"
      grep -h '^summary' "$out"/client-"$tag"-*.txt || echo "a client process did not finish: see $out/client-$tag-*.txt"
      awk 'NR > 1 && $4 > 0 { n++; s += $4; if ($4 > m) m = $4 } END { printf "retirements: %d in %d seconds with any; most in one second: %d\n", s, n, m }' \
        "$out/seconds-$tag.txt"
      # Retirements in 5-second bins: the spread over the run.
      awk 'NR > 1 { b = int(($1 - 1) / 5); r[b] += $4; if (b > last) last = b }
           END { printf "retired per 5 s:"; for (i = 0; i <= last; i++) printf " %d", r[i]; printf "\n" }' "$out/seconds-$tag.txt"
      echo "server CPU (user+sys): ${cpu_s} s over ${wall} s wall"
      echo "server TIME_WAIT: before $tw_server_before, max during run $tw_max, at end $tw_server; client TIME_WAIT at end $tw_client"
      echo "load average before: $load_before; after: $load_after"
    } | tee -a "$out/summary.txt"
    # Let the TIME_WAIT of this run expire before the next one uses the same source addresses.
    sleep 5
  done
done
echo "done: $out"
