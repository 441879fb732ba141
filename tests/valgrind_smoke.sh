#!/bin/sh
# Runs the real server under valgrind: start, answer each kind of route, SIGTERM, and require
# exit status 0 with no memory errors and no definite or indirect leaks (issue 2: shutdown is
# clean under valgrind). Skipped (77) when valgrind is not installed.
# Usage (meson test): valgrind_smoke.sh BUILD_ROOT
set -eu
bld=$1
command -v valgrind >/dev/null 2>&1 || { echo "valgrind not installed"; exit 77; }
command -v curl >/dev/null 2>&1 || { echo "curl not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --show-leak-kinds=definite,indirect --quiet \
    "$bld/computefit" --port 0 --bind 127.0.0.1 --refresh false --threads 2 2>"$tmp/log" &
pid=$!
port=""
i=0
while [ -z "$port" ] && [ $i -lt 600 ]; do
    port=$(sed -n 's/.*"event":"listening".*"port":\([0-9]*\).*/\1/p' "$tmp/log" | head -1)
    [ -n "$port" ] || { kill -0 $pid 2>/dev/null || break; sleep 0.1; }
    i=$((i + 1))
done
[ -n "$port" ] || { cat "$tmp/log"; echo "server did not start"; exit 1; }
u=http://127.0.0.1:$port
curl -fsS "$u/healthz" >/dev/null
curl -fsS "$u/readyz" >/dev/null
curl -fsS "$u/pricing/us-east-1" >/dev/null
curl -fsS "$u/metrics" >/dev/null
curl -fsS -X POST "$u/advise" -H 'Content-Type: application/json' \
    -d '{"tasks":[{"name":"a","duration":"5s","memory":"2GB","invocations":"10000/month"},{"name":"b","kind":"fine-tuning"}]}' >/dev/null
curl -fsS "$u/compare?duration=5s&memory=2GB&invocations=10000/month&format=svg" >/dev/null
curl -fsS "$u/advise?duration=30s&memory=1GB&invocations=500/day&format=text" >/dev/null
curl -sS "$u/advise?duration=5%20parsecs" >/dev/null
curl -sS -X POST "$u/advise" -H 'Content-Type: application/json' -d '{"a":' >/dev/null
kill -TERM $pid
status=0
wait $pid || status=$?
if [ $status -ne 0 ]; then
    grep -v '^{' "$tmp/log" | head -60
    echo "computefit under valgrind exited with $status"
    exit 1
fi
echo "valgrind: clean start, requests and shutdown"
