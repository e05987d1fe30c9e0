#!/usr/bin/env bash
# Compares closepolicy against the bare framework with an external load generator, the way users measure a
# server: `closepolicy.jar serve` (one JVM per configuration, pinned to one CPU) under wrk (pinned to another).
#
#   keep-alive workload: wrk keeps C connections open;       bare server vs --policy keep-alive
#   new-conn workload:   wrk sends Connection: close and      server-fin vs client-first vs safe-reset
#                        reconnects after every response      (and the bare framework, which closes first)
#
# Rounds alternate the configurations (A B C, then B C A, ...) so that drift of the machine hits all of them;
# the report gives each configuration's median req/s, the server's CPU time per request (from /proc/PID/stat,
# which moves less than req/s on a shared machine), the ratios to the baseline and, for new-conn, the kernel's
# TIME_WAIT count on the server side (local port) and client side (remote port) after the last round.
#
# Usage: benchmarks/vs-bare.sh [--server netty|jetty] [--transport nio|epoll] [--workload keep-alive|new-conn]
#                              [--rounds N] [--seconds S] [--connections C] [--path /weather.xml]
#                              [--policy SPEC ...]   (replaces the workload's policies; the first is the baseline
#                                                     of new-conn, "none" the one of keep-alive)
# Needs: wrk, taskset, ss; the jar from `mvn -B -ntp -q package -DskipTests`. Run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."

custom=()
server=netty transport=nio workload=keep-alive rounds=7 seconds=8 connections=8 path=/weather.xml
while [ $# -gt 0 ]; do
  case "$1" in
    --server) server="$2"; shift ;;
    --transport) transport="$2"; shift ;;
    --workload) workload="$2"; shift ;;
    --rounds) rounds="$2"; shift ;;
    --seconds) seconds="$2"; shift ;;
    --connections) connections="$2"; shift ;;
    --path) path="$2"; shift ;;
    --policy) custom+=("$2"); shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
for tool in wrk taskset ss; do
  command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install -y wrk util-linux iproute2)" >&2; exit 2; }
done
jar=examples/target/closepolicy.jar
[ -f "$jar" ] || { echo "build first: mvn -B -ntp -q package -DskipTests" >&2; exit 2; }

case "$workload" in
  keep-alive) configs=(none keep-alive); header=() ;;
  new-conn) configs=(server-fin client-first safe-reset none); header=(-H "Connection: close") ;;
  *) echo "unknown workload: $workload (keep-alive | new-conn)" >&2; exit 2 ;;
esac
[ "${#custom[@]}" -gt 0 ] && configs=("${custom[@]}")

cpus=$(nproc)
server_cpu=0 client_cpu=$(( cpus > 1 ? 1 : 0 ))
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

declare -A port pid
for c in "${configs[@]}"; do
  taskset -c "$server_cpu" java -Xms256m -Xmx256m -jar "$jar" serve --server "$server" --transport "$transport" \
      --port 0 --policy "$c" --drain 1s >"$work/$c.out" 2>&1 &
  pid[$c]=$!
  pids+=("$!")
done
for c in "${configs[@]}"; do
  for _ in $(seq 1 300); do
    p=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$work/$c.out")
    [ -n "$p" ] && break
    kill -0 "${pid[$c]}" 2>/dev/null || { cat "$work/$c.out" >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$p" ] || { echo "server $c did not start" >&2; cat "$work/$c.out" >&2; exit 1; }
  port[$c]=$p
done

# CPU time (user + system, clock ticks) of a process, from /proc/PID/stat.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

load() { # config seconds -> prints "requests"
  taskset -c "$client_cpu" wrk -t1 -c"$connections" -d"$2s" "${header[@]}" "http://127.0.0.1:${port[$1]}$path" \
    | awk '/requests in/ {print $1}'
}

echo "warm-up: 3 rotations of ${seconds}s per configuration" >&2
for _ in 1 2 3; do for c in "${configs[@]}"; do load "$c" "$seconds" >/dev/null; done; done

declare -A rps cpu
n=${#configs[@]}
for r in $(seq 0 $(( rounds - 1 ))); do
  for i in $(seq 0 $(( n - 1 ))); do
    c=${configs[$(( (r + i) % n ))]}
    t0=$(ticks "${pid[$c]}")
    req=$(load "$c" "$seconds")
    t1=$(ticks "${pid[$c]}")
    rps[$c]="${rps[$c]:-} $(awk -v q="$req" -v s="$seconds" 'BEGIN {printf "%.0f", q / s}')"
    cpu[$c]="${cpu[$c]:-} $(awk -v t=$(( t1 - t0 )) -v q="$req" -v hz="$hz" 'BEGIN {printf "%.1f", t * 1e6 / hz / q}')"
    echo "round $(( r + 1 )) $c: ${req} requests" >&2
  done
done

median() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
base=${configs[0]}
if [ "$workload" = keep-alive ] && [[ " ${configs[*]} " == *" none "* ]]; then base=none; fi
base_rps=$(echo "${rps[$base]}" | median)
base_cpu=$(echo "${cpu[$base]}" | median)

echo
echo "date (UTC): $(date -u +%Y-%m-%dT%H:%M:%SZ); $cpus CPUs ($(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -1)); $(uname -sr)"
echo "load before the report: $(cut -d' ' -f1-3 /proc/loadavg); git $(git rev-parse --short HEAD 2>/dev/null || echo n/a)"
echo "command: benchmarks/vs-bare.sh --server $server --transport $transport --workload $workload --rounds $rounds --seconds $seconds --connections $connections --path $path"
echo
if [ "$workload" = new-conn ]; then
  echo "| configuration | median req/s | ratio | server CPU µs/req | ratio | server TIME_WAIT | client TIME_WAIT | req/s per round | CPU µs/req per round |"
  echo "|---|---:|---:|---:|---:|---:|---:|---|---|"
else
  echo "| configuration | median req/s | ratio | server CPU µs/req | ratio | req/s per round | CPU µs/req per round |"
  echo "|---|---:|---:|---:|---:|---|---|"
fi
for c in "${configs[@]}"; do
  m=$(echo "${rps[$c]}" | median)
  u=$(echo "${cpu[$c]}" | median)
  ratio=$(awk -v a="$m" -v b="$base_rps" 'BEGIN {printf "%.3f", a / b}')
  cratio=$(awk -v a="$u" -v b="$base_cpu" 'BEGIN {printf "%.3f", a / b}')
  name=$c; [ "$c" = none ] && name="bare $server"
  if [ "$workload" = new-conn ]; then
    stw=$(ss -Htan state time-wait "( sport = :${port[$c]} )" | wc -l)
    ctw=$(ss -Htan state time-wait "( dport = :${port[$c]} )" | wc -l)
    echo "| $name | $m | $ratio | $u | $cratio | $stw | $ctw |${rps[$c]} |${cpu[$c]} |"
  else
    echo "| $name | $m | $ratio | $u | $cratio |${rps[$c]} |${cpu[$c]} |"
  fi
done
