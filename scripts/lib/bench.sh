# Shared by scripts/bench and scripts/soak: the measured build, servers started on free ports,
# a local upstream for the refresher, and wrk runs whose results come from a Lua done() hook.
# shellcheck shell=bash

# The build that is measured: the Dockerfile's (release: -O3, asserts kept, no tests).
CF_BENCH_BUILD=${CF_BENCH_BUILD:-build/bench} # another build dir may be measured (--ingest: an older tree)
CF_BENCH_BUILD_ARGS="--buildtype=release -Dtests=disabled"
CF_BENCH_TOKEN=bench-admin-token

cf_bench_build() {
    # shellcheck disable=SC2086
    cf_build "$CF_BENCH_BUILD" $CF_BENCH_BUILD_ARGS
}

cf_bench_describe_build() {
    local bt
    bt=$(meson introspect "$CF_BENCH_BUILD" --buildoptions 2>/dev/null |
        python3 -c 'import json,sys; o={x["name"]:x["value"] for x in json.load(sys.stdin)}; print("buildtype=%s optimization=%s debug=%s b_ndebug=%s" % (o["buildtype"], o["optimization"], o["debug"], o["b_ndebug"]))' 2>/dev/null)
    echo "$CF_BENCH_BUILD ($bt), $(gcc --version | head -1)"
}

# PIDs started here, stopped (by id) on exit.
CF_BENCH_PIDS=()
cf_bench_cleanup() {
    local p
    for p in "${CF_BENCH_PIDS[@]}"; do
        kill "$p" 2>/dev/null || true
    done
    for p in "${CF_BENCH_PIDS[@]}"; do
        wait "$p" 2>/dev/null || true
    done
    CF_BENCH_PIDS=()
}

# Waits for "port N" on the first line of FILE and prints N.
cf_bench_port_from_stdout() {
    local file=$1 i
    for i in $(seq 200); do
        if read -r word port _ 2>/dev/null <"$file" && [ "$word" = port ]; then
            echo "$port"
            return 0
        fi
        sleep 0.05
    done
    return 1
}

# Waits for computefit (PID) to listen and prints its port: from its "listening" log line in
# FILE, or, below log level info, from the kernel's socket table.
cf_bench_port_from_log() {
    local file=$1 pid=$2 i p
    for i in $(seq 200); do
        p=$(grep -m1 '"event":"listening"' "$file" 2>/dev/null | sed -n 's/.*"port":\([0-9]*\).*/\1/p')
        [ -n "$p" ] || p=$(ss -ltnpH 2>/dev/null | awk -v p="pid=$pid," '$0 ~ p {n = split($4, a, ":"); print a[n]; exit}')
        if [ -n "$p" ]; then
            echo "$p"
            return 0
        fi
        sleep 0.05
    done
    return 1
}

# cf_bench_start_baseline OUTVAR [--sized-body N]: starts the baseline (with POST /sized
# answering N bytes when given); sets OUTVAR to its port, CF_BENCH_LAST_PID.
cf_bench_start_baseline() {
    local var=$1 out
    shift
    out=$(mktemp "$CF_BENCH_TMP/baseline.XXXXXX")
    # --sized-body must come first: it is the baseline's own flag, the rest are computefit's.
    "$CF_BENCH_BUILD/bench/computefit-baseline" "$@" --port 0 --bind 127.0.0.1 >"$out" &
    CF_BENCH_LAST_PID=$!
    CF_BENCH_PIDS+=("$CF_BENCH_LAST_PID")
    printf -v "$var" '%s' "$(cf_bench_port_from_stdout "$out")"
    [ -n "${!var}" ] || { echo "baseline did not start" >&2; return 1; }
}

# cf_bench_start_computefit OUTVAR LOGFILE [flags...]: computefit at the default log level with
# stderr to LOGFILE (what a deployment does); sets OUTVAR to its port and CF_BENCH_LAST_PID.
cf_bench_start_computefit() {
    local var=$1 log=$2
    shift 2
    "$CF_BENCH_BUILD/computefit" --port 0 --bind 127.0.0.1 "$@" 2>"$log" &
    CF_BENCH_LAST_PID=$!
    CF_BENCH_PIDS+=("$CF_BENCH_LAST_PID")
    printf -v "$var" '%s' "$(cf_bench_port_from_log "$log" "$CF_BENCH_LAST_PID")"
    [ -n "${!var}" ] || { echo "computefit did not start; its log:" >&2; cat "$log" >&2; return 1; }
}

# cf_bench_upstream_tree DIR: the AWS layout with the bundled fixtures (us-east-1): Lambda, ECS
# and a small EC2 file, a region index for each offer, and the EC2 Spot Advisor feed at
# /spot-advisor-data.json.
cf_bench_upstream_tree() {
    local dir=$1 root
    root=$(cf_root)
    local base=$dir/offers/v1.0/aws
    mkdir -p "$base/AWSLambda/current/us-east-1" "$base/AmazonECS/current/us-east-1" \
        "$base/AmazonEC2/current/us-east-1"
    cp "$root/tests/fixtures/concurrencylabs-awslambda__index.json" "$base/AWSLambda/current/us-east-1/index.json"
    cp "$root/tests/fixtures/opencost-ecs__ecs-pricing-us-east-1.json" "$base/AmazonECS/current/us-east-1/index.json"
    cp "$root/tests/fixtures/opencost-ec2__pricing-us-east-1.json" "$base/AmazonEC2/current/us-east-1/index.json"
    cp "$root/tests/fixtures/spotinfo__spot-advisor-data.json" "$dir/spot-advisor-data.json"
    local o
    for o in AWSLambda AmazonECS AmazonEC2; do
        cf_bench_region_index "$dir" "$o" "/offers/v1.0/aws/$o/current/us-east-1/index.json"
    done
}

# cf_bench_region_index DIR OFFER URLPATH: points OFFER's us-east-1 at URLPATH (atomic rename).
cf_bench_region_index() {
    local f=$1/offers/v1.0/aws/$2/current/region_index.json
    cat >"$f.tmp" <<JSON
{
  "formatVersion" : "v1.0",
  "publicationDate" : "2026-11-01T00:00:00Z",
  "regions" : {
    "us-east-1" : {
      "regionCode" : "us-east-1",
      "currentVersionUrl" : "$3"
    }
  }
}
JSON
    mv "$f.tmp" "$f"
}

# cf_bench_start_upstream OUTVAR DIR: serves DIR (bench/upstream.py); sets OUTVAR to the port.
cf_bench_start_upstream() {
    local out
    out=$(mktemp "$CF_BENCH_TMP/upstream.XXXXXX")
    python3 "$(cf_root)/bench/upstream.py" "$2" >"$out" &
    CF_BENCH_UPSTREAM_PID=$!
    CF_BENCH_PIDS+=("$!")
    printf -v "$1" '%s' "$(cf_bench_port_from_stdout "$out")"
    [ -n "${!1}" ] || { echo "upstream did not start" >&2; return 1; }
}

# cf_bench_refresh_loop URL PAUSE STOPFILE COUNTSFILE: asks URL for refreshes (admin token)
# every PAUSE seconds until STOPFILE exists (bench/refresh_loop.py), in the background; its
# "accepted busy other" counts land in COUNTSFILE. Sets CF_BENCH_LOOP_PID.
cf_bench_refresh_loop() {
    python3 "$(cf_root)/bench/refresh_loop.py" "$1" "$CF_BENCH_TOKEN" "$2" "$3" >"$4" &
    CF_BENCH_LOOP_PID=$!
    CF_BENCH_PIDS+=("$!")
}

# Sum of the refresher's "ok" outcomes over all offers, from /metrics (each is one swap).
cf_bench_swaps() {
    curl -fsS "$1/metrics" | awk '/^computefit_refresh_outcomes_total/ && /outcome="ok"/ {s += $2} END {print s + 0}'
}

# Resident set of a process, in kB: cf_bench_status_kb PID VmRSS|VmHWM
cf_bench_status_kb() {
    awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"
}

# utime + stime of a process in seconds.
cf_bench_cpu_s() {
    local tck
    tck=$(getconf CLK_TCK)
    # Fields after the ")" that ends the command name: utime is the 12th, stime the 13th.
    sed 's/.*) //' "/proc/$1/stat" | awk -v t="$tck" '{printf "%.2f\n", ($12 + $13) / t}'
}

# CPU seconds of computefit's own threads other than the HTTP workers ("MHD-worker") and the
# main thread (which only waits for signals): in practice the refresher thread.
cf_bench_refresher_cpu_s() {
    local pid=$1 tck t sum=0
    tck=$(getconf CLK_TCK)
    for t in /proc/"$pid"/task/*; do
        [ "${t##*/}" = "$pid" ] && continue
        case $(cat "$t/comm" 2>/dev/null) in MHD*) continue ;; esac
        sum=$((sum + $(sed 's/.*) //' "$t/stat" | awk '{print $12 + $13}')))
    done
    awk -v s="$sum" -v t="$tck" 'BEGIN {printf "%.2f\n", s / t}'
}

# cf_bench_lua FILE METHOD BODY [HEADER...]: a wrk script sending one request, whose done()
# hook prints "CFRESULT requests duration_us socket_errors status_errors p50_us p99_us".
cf_bench_lua() {
    local file=$1 method=$2 body=$3
    shift 3
    {
        printf 'wrk.method = "%s"\n' "$method"
        if [ -n "$body" ]; then
            printf 'wrk.body = [[%s]]\n' "$body"
            printf 'wrk.headers["Content-Type"] = "application/json"\n'
        fi
        local h
        for h in "$@"; do
            printf 'wrk.headers["%s"] = "%s"\n' "${h%%:*}" "${h#*: }"
        done
        cf_bench_lua_done
    } >"$file"
}

cf_bench_lua_done() {
    cat <<'LUA'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("CFRESULT %d %d %d %d %d %d\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
end
LUA
}

# CPU ticks (utime + stime) of a process, then of each of its libmicrohttpd worker threads
# (named MHD-worker): "process_ticks tid:ticks tid:ticks ...".
cf_bench_ticks() {
    local t line
    line=$(sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}')
    for t in /proc/"$1"/task/*; do
        [ "$(cat "$t/comm" 2>/dev/null)" = MHD-worker ] || continue
        line+=" ${t##*/}:$(sed 's/.*) //' "$t/stat" | awk '{print $12 + $13}')"
    done
    echo "$line"
}

# cf_bench_wrk SECONDS LUA URL [PID]: prints "rps p50_us p99_us socket_errors status_errors",
# and with the server's PID also "cpu_us_per_request busiest_worker_share": the server's CPU
# (utime + stime, all threads) over the requests served, and the part of the workers' CPU that
# the busiest worker took (0.5 with two workers evenly loaded; 1.0 when one worker got every
# connection, which happens: in libmicrohttpd's thread pool whichever worker wakes first
# accepts the waiting connections in a row, and wrk opens all of its at once).
CF_BENCH_THREADS=2
CF_BENCH_CONNECTIONS=32
cf_bench_wrk() {
    local out pid=${4:-} t0="" t1="" tck
    [ -n "$pid" ] && t0=$(cf_bench_ticks "$pid")
    out=$(wrk -t"$CF_BENCH_THREADS" -c"$CF_BENCH_CONNECTIONS" -d"$1s" -s "$2" "$3")
    [ -n "$pid" ] && t1=$(cf_bench_ticks "$pid")
    tck=$(getconf CLK_TCK)
    awk -v t0="$t0" -v t1="$t1" -v tck="$tck" '$1 == "CFRESULT" {
        printf "%.1f %d %d %d %d", $2 / ($3 / 1e6), $6, $7, $4, $5
        if (t0 != "") {
            n0 = split(t0, a, " "); n1 = split(t1, b, " ")
            for (i = 2; i <= n0; i++) { split(a[i], kv, ":"); before[kv[1]] = kv[2] }
            all = 0; max = 0
            for (i = 2; i <= n1; i++) {
                split(b[i], kv, ":"); d = kv[2] - before[kv[1]]; all += d; if (d > max) max = d
            }
            printf " %.2f %.3f", (b[1] - a[1]) / tck * 1e6 / $2, (all > 0 ? max / all : 0)
        }
        printf "\n"
    }' <<<"$out"
}
