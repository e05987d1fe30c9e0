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
# Before measuring, each server runs until its JIT compilers are quiet (they share the server's one CPU).
#
# On loopback the kernel handles a packet on the CPU of the process that sends it, so the receiver's work
# (for a FIN: the peer's TIME_WAIT entry, its wake-up) is charged to the sender: whoever closes last pays for
# the other side. --steer turns on receive flow steering on lo for the run (RFS; needs root, restored at
# exit), which moves that work to the CPU of the receiving process, as on two machines.
#
# --together loads every configuration at the same time in each round (one wrk each, all on the client CPU, the
# servers sharing the server CPU): a machine whose speed drifts by tens of per cent within minutes then slows all
# of them alike, and the server's CPU time per request (the column to read in this mode) compares their costs
# under the same conditions; req/s then only says how the CPU was shared.
#
# Usage: benchmarks/vs-bare.sh [--server netty|jetty] [--transport nio|epoll] [--workload keep-alive|new-conn]
#                              [--rounds N] [--seconds S] [--connections C] [--path /weather.xml] [--steer] [--together]
#                              [--nice N]   (runs servers and wrk at nice N, e.g. -15, on a shared machine; root)
#                              [--policy SPEC ...]   (replaces the workload's policies; the first is the baseline
#                                                     of new-conn, "none" the one of keep-alive; SPEC@JAR runs
#                                                     that spec from another build's jar, to compare two builds)
# Needs: wrk, taskset, ss; the jar from `mvn -B -ntp -q package -DskipTests`. Run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."

custom=()
server=netty transport=nio workload=keep-alive rounds=7 seconds=8 connections=8 path=/weather.xml steer=no nice=0 together=no
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
    --steer) steer=yes ;;
    --together) together=yes ;;
    --nice) nice="$2"; shift ;;
    -h|--help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
rfs_files=(/proc/sys/net/core/rps_sock_flow_entries /sys/class/net/lo/queues/rx-0/rps_flow_cnt /sys/class/net/lo/queues/rx-0/rps_cpus)
rfs_saved=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
  local i
  for i in "${!rfs_saved[@]}"; do echo "${rfs_saved[$i]}" > "${rfs_files[$i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
if [ "$steer" = yes ]; then
  for f in "${rfs_files[@]}"; do
    [ -w "$f" ] || { echo "--steer needs root and $f" >&2; exit 2; }
    rfs_saved+=("$(cat "$f")")
  done
  echo 32768 > "${rfs_files[0]}"; echo 32768 > "${rfs_files[1]}"
  printf '%x\n' $(( (1 << cpus) - 1 )) > "${rfs_files[2]}"
fi

declare -A port pid key
for c in "${configs[@]}"; do
  key[$c]=${#pids[@]} # file names: a spec@jar holds slashes
  spec=$c cjar=$jar
  if [[ "$c" == *@* ]]; then spec=${c%@*} cjar=${c##*@}; fi
  [ -f "$cjar" ] || { echo "no jar $cjar (in $c)" >&2; exit 2; }
  nice -n "$nice" taskset -c "$server_cpu" java -Xms256m -Xmx256m -jar "$cjar" serve --server "$server" --transport "$transport" \
      --port 0 --policy "$spec" --drain 1s >"$work/${key[$c]}.out" 2>&1 &
  pid[$c]=$!
  pids+=("$!")
done
for c in "${configs[@]}"; do
  for _ in $(seq 1 300); do
    p=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$work/${key[$c]}.out")
    [ -n "$p" ] && break
    kill -0 "${pid[$c]}" 2>/dev/null || { cat "$work/${key[$c]}.out" >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$p" ] || { echo "server $c did not start" >&2; cat "$work/${key[$c]}.out" >&2; exit 1; }
  port[$c]=$p
done

# CPU time (user + system, clock ticks) of a process, from /proc/PID/stat.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

load() { # config seconds -> prints "requests"
  nice -n "$nice" taskset -c "$client_cpu" wrk -t1 -c"$connections" -d"$2s" "${header[@]}" "http://127.0.0.1:${port[$1]}$path" \
    | awk '/requests in/ {print $1}'
}

# CPU time (clock ticks) of the JVM's JIT compiler threads: the server shares its one CPU with them, so a
# window measured while they still compile mixes compile time into the server's cost per request.
jit_ticks() {
  local t s=0
  for t in /proc/"$1"/task/*; do
    case "$(cat "$t/comm" 2>/dev/null)" in *Compiler*) s=$(( s + $(awk '{print $14 + $15}' "$t/stat" 2>/dev/null || echo 0) )) ;; esac
  done
  echo "$s"
}

# Warm-up: each server runs load windows until its JIT compilers used under 1% of its CPU time in a window
# (at most 20 windows); the measured rounds then time compiled code, not the compilers.
declare -A warm
for c in "${configs[@]}"; do
  for w in $(seq 1 20); do
    j0=$(jit_ticks "${pid[$c]}"); t0=$(ticks "${pid[$c]}")
    load "$c" "$seconds" >/dev/null
    j1=$(jit_ticks "${pid[$c]}"); t1=$(ticks "${pid[$c]}")
    warm[$c]=$w
    [ $(( (j1 - j0) * 100 )) -lt $(( t1 - t0 )) ] && break
  done
  echo "warm-up $c: $w windows of ${seconds}s" >&2
done

declare -A rps cpu jit all rnd crnd
n=${#configs[@]}
measure_together() { # round: every configuration loaded at once
  local c
  declare -A t0 j0
  for c in "${configs[@]}"; do t0[$c]=$(ticks "${pid[$c]}"); j0[$c]=$(jit_ticks "${pid[$c]}"); done
  local lp=()
  for c in "${configs[@]}"; do load "$c" "$seconds" > "$work/${key[$c]}.req" & lp+=("$!"); done
  wait "${lp[@]}"
  for c in "${configs[@]}"; do
    record "$c" "$1" "$(cat "$work/${key[$c]}.req")" "${t0[$c]}" "$(ticks "${pid[$c]}")" "${j0[$c]}" "$(jit_ticks "${pid[$c]}")"
  done
}
record() { # config round requests ticks0 ticks1 jit0 jit1
  local c=$1 r=$2 req=$3
  jit[$c]=$(( ${jit[$c]:-0} + $7 - $6 )); all[$c]=$(( ${all[$c]:-0} + $5 - $4 ))
  rnd[$c,$r]=$(awk -v q="$req" -v s="$seconds" 'BEGIN {printf "%.0f", q / s}')
  crnd[$c,$r]=$(awk -v t=$(( $5 - $4 )) -v q="$req" -v hz="$hz" 'BEGIN {printf "%.1f", t * 1e6 / hz / q}')
  rps[$c]="${rps[$c]:-} ${rnd[$c,$r]}"
  cpu[$c]="${cpu[$c]:-} ${crnd[$c,$r]}"
  echo "round $(( r + 1 )) $c: ${req} requests" >&2
}
for r in $(seq 0 $(( rounds - 1 ))); do
  if [ "$together" = yes ]; then
    measure_together "$r"
    continue
  fi
  for i in $(seq 0 $(( n - 1 ))); do
    c=${configs[$(( (r + i) % n ))]}
    t0=$(ticks "${pid[$c]}"); j0=$(jit_ticks "${pid[$c]}")
    req=$(load "$c" "$seconds")
    t1=$(ticks "${pid[$c]}"); j1=$(jit_ticks "${pid[$c]}")
    record "$c" "$r" "$req" "$t0" "$t1" "$j0" "$j1"
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
echo "command: benchmarks/vs-bare.sh --server $server --transport $transport --workload $workload --rounds $rounds --seconds $seconds --connections $connections --path $path$([ "$steer" = yes ] && echo " --steer")$([ "$together" = yes ] && echo " --together")$([ "$nice" != 0 ] && echo " --nice $nice")"
echo
if [ "$workload" = new-conn ]; then
  echo "| configuration | median req/s | ratio | paired ratio | server CPU µs/req | ratio | paired CPU ratio | server TIME_WAIT | client TIME_WAIT | req/s per round | CPU µs/req per round | warm-up windows | JIT % of CPU in rounds |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|"
else
  echo "| configuration | median req/s | ratio | paired ratio | server CPU µs/req | ratio | paired CPU ratio | req/s per round | CPU µs/req per round | warm-up windows | JIT % of CPU in rounds |"
  echo "|---|---:|---:|---:|---:|---:|---:|---|---|---:|---:|"
fi
# Paired ratio: each rotation's req/s (or CPU per request) over the baseline's in the same rotation (measured
# seconds apart, or at once with --together, so the machine's drift cancels), then the median over rotations.
paired() { # config [rnd|crnd]
  local r out="" a b
  for r in $(seq 0 $(( rounds - 1 ))); do
    if [ "${2:-rnd}" = crnd ]; then a=${crnd[$1,$r]} b=${crnd[$base,$r]}; else a=${rnd[$1,$r]} b=${rnd[$base,$r]}; fi
    out="$out $(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.3f", (b > 0) ? a / b : 0}')"
  done
  echo "$out"
}
for c in "${configs[@]}"; do
  m=$(echo "${rps[$c]}" | median)
  pr=$(paired "$c" | median)
  pc=$(paired "$c" crnd | median)
  u=$(echo "${cpu[$c]}" | median)
  ratio=$(awk -v a="$m" -v b="$base_rps" 'BEGIN {printf "%.3f", a / b}')
  cratio=$(awk -v a="$u" -v b="$base_cpu" 'BEGIN {printf "%.3f", a / b}')
  name=$c; [ "$c" = none ] && name="bare $server"
  jp=$(awk -v j="${jit[$c]}" -v a="${all[$c]}" 'BEGIN {printf "%.1f", (a > 0) ? 100 * j / a : 0}')
  if [ "$workload" = new-conn ]; then
    stw=$(ss -Htan state time-wait "( sport = :${port[$c]} )" | wc -l)
    ctw=$(ss -Htan state time-wait "( dport = :${port[$c]} )" | wc -l)
    echo "| $name | $m | $ratio | $pr | $u | $cratio | $pc | $stw | $ctw |${rps[$c]} |${cpu[$c]} | ${warm[$c]} | $jp |"
  else
    echo "| $name | $m | $ratio | $pr | $u | $cratio | $pc |${rps[$c]} |${cpu[$c]} | ${warm[$c]} | $jp |"
  fi
done
