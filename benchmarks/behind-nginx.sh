#!/usr/bin/env bash
# Backend TIME_WAIT behind nginx: runs `closepolicy serve` behind an nginx with its default proxy settings
# (HTTP/1.0 to the backend, a new connection per request) or with an HTTP/1.1 keep-alive upstream, sends
# `hey -n N -c C` through nginx, and counts the backend's TIME_WAIT (sockets whose source port is the backend's).
#
#   benchmarks/behind-nginx.sh netty client-first            # default proxy settings
#   benchmarks/behind-nginx.sh jetty safe-reset keepalive    # proxy_http_version 1.1 + keepalive upstream
#   N=4000 C=50 PORT=19080 benchmarks/behind-nginx.sh netty none
#
# Needs nginx (nginx-light), hey and examples/target/closepolicy.jar. Prints one line:
#   server policy upstream requests errors seconds backend_tw nginx_side_tw
set -euo pipefail
cd "$(dirname "$0")/.."
SERVER=${1:?netty or jetty}
POLICY=${2:?a preset, spec text or none}
UPSTREAM=${3:-default}
N=${N:-4000}
C=${C:-50}
PORT=${PORT:-$((19000 + RANDOM % 2000))}
NGINX_PORT=${NGINX_PORT:-$((PORT + 3000))}
JAR=${JAR:-examples/target/closepolicy.jar}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
WORK=$(mktemp -d)
trap 'kill "$BACKEND" 2>/dev/null || true; "$NGINX" -p "$WORK" -c nginx.conf -s stop 2>/dev/null || true; rm -rf "$WORK"' EXIT

if [ "$UPSTREAM" = keepalive ]; then
  UPSTREAM_BLOCK="upstream backend { server 127.0.0.1:$PORT; keepalive 32; }"
  PROXY="proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection \"\";"
else
  UPSTREAM_BLOCK=""
  PROXY="proxy_pass http://127.0.0.1:$PORT;"
fi
mkdir -p "$WORK/logs"
cat > "$WORK/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/body; proxy_temp_path $WORK/proxy;
  fastcgi_temp_path $WORK/fastcgi; uwsgi_temp_path $WORK/uwsgi; scgi_temp_path $WORK/scgi;
  $UPSTREAM_BLOCK
  server { listen 127.0.0.1:$NGINX_PORT; location / { $PROXY } }
}
CONF

java -jar "$JAR" serve --server "$SERVER" --port "$PORT" --policy "$POLICY" > "$WORK/backend.log" 2>&1 &
BACKEND=$!
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/weather.xml" && break; sleep 0.1; done
"$NGINX" -p "$WORK" -c nginx.conf
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$NGINX_PORT/weather.xml" && break; sleep 0.1; done
sleep 1 # let the warm-up connections' TIME_WAIT be counted apart from nothing: they are 2 of N

START=$(date +%s.%N)
OUT=$(hey -n "$N" -c "$C" "http://127.0.0.1:$NGINX_PORT/weather.xml")
END=$(date +%s.%N)
OK=$(echo "$OUT" | awk '/\[200\]/ {print $2}')
ERRORS=$((N - ${OK:-0}))
BACKEND_TW=$(ss -Htan state time-wait "( sport = :$PORT )" | wc -l)
NGINX_TW=$(ss -Htan state time-wait "( dport = :$PORT )" | wc -l)
printf '%s %s %s %d %d %.2f %d %d\n' "$SERVER" "$POLICY" "$UPSTREAM" "$N" "$ERRORS" "$(echo "$END - $START" | bc)" "$BACKEND_TW" "$NGINX_TW"
if [ -n "${STATS:-}" ]; then curl -s "http://127.0.0.1:$PORT/stats"; echo; fi
