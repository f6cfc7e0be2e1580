#!/usr/bin/env bash
# sessiongate against nginx and haproxy, side by side in one run.
#
# Every contender forwards to the same nginx backend answering 19 bytes (it
# changes the session with `add_header X-Session-Update ...`, so only the
# proxies differ); each runs one worker or thread with access logs off, on
# 127.0.0.1 and ports of its own. wrk loads each in turn, round after round
# with the order rotated, and the table gives the medians: req/s, the ratio
# to nginx's, p50 and p99 latency. Three rows read sessions at random from
# stores filled before the rounds (bench/fill_sessions): 1 thousand of them
# out of a store of 1 thousand, 1 thousand and 100 thousand out of one of
# 1 million (about 0.5 GB under the working directory); the lines after
# the table compare them with the first. Then the memory
# of 10,000 idle keep-alive connections in sessiongate and in nginx, and
# the cost of one LMDB session load with 1 thousand and with 1 million
# sessions stored (bench/store_bench, when it is built).
#
# Usage: bench/run.sh [--quick] [--rounds N] [--duration SECONDS]
#                     [--connections N] [--idle N] [--keep]
#   --quick        1 round of 1 s, 500 idle connections, 10,000 sessions
#                  in the largest store (a smoke run)
#   --rounds       rounds of every contender (default 5)
#   --duration     seconds of load per contender per round (default 5)
#   --connections  wrk's connections (default 50; one wrk thread)
#   --idle         idle connections of the memory test (default 10000)
#   --keep         keep the working directory (configs, logs, raw rounds;
#                  not the session stores)
# Environment:
#   LRS=DIR              adds nginx + lua-resty-session (shm); DIR holds
#                        clones of lua-resty-session (v4), lua-resty-openssl
#                        and lua-ffi-zlib
#   SESSIONGATE_BIN=FILE the binary to measure (default build/sessiongate,
#                        built when absent)
#   FILL_SESSIONS=FILE   the store filler (default build/bench/fill_sessions,
#                        built when absent)
#   STORE_BENCH=FILE     the store micro-benchmark (default
#                        build/bench/store_bench; its table is left out
#                        when there is none)
# Missing Debian packages are installed. The results (Markdown, ready to
# paste into bench/RESULTS.md) go to stdout, progress to stderr.
set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(dirname "$bench_dir")
source "$bench_dir/processes.sh"
source "$bench_dir/servers.sh"
source "$bench_dir/load.sh"

rounds=5 duration=5 connections=50 idle=10000 keep=false warmup=1 store_sessions=1000000
usage() { sed -n '2,/^set -euo/p' "$bench_dir/run.sh" | sed '$d; s/^# \{0,1\}//'; }
positive() { [[ $2 =~ ^[1-9][0-9]*$ ]] || { echo "bench: $1 needs a positive integer, not '$2'" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
    case $1 in
        --quick) rounds=1 duration=1 idle=500 warmup=0 store_sessions=10000 ;;
        --rounds | --duration | --connections | --idle)
            positive "$1" "${2:-}"
            declare "${1#--}=$2"
            shift ;;
        --keep) keep=true ;;
        -h | --help) usage; exit 0 ;;
        *) echo "bench: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

install_packages() {
    local wanted=(nginx haproxy wrk redis-server curl python3 procps) missing=() p
    [ -n "${LRS:-}" ] && wanted+=(libnginx-mod-http-lua lua-resty-core lua-resty-lrucache lua-cjson)
    for p in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return
    echo "bench: installing ${missing[*]}" >&2
    local sudo_cmd=
    [ "$(id -u)" -ne 0 ] && sudo_cmd=sudo
    # Debian starts nginx, haproxy and redis on install; they are left alone.
    $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

install_packages
if [ -n "${LRS:-}" ]; then
    for clone in lua-resty-session lua-resty-openssl lua-ffi-zlib; do
        [ -d "$LRS/$clone/lib" ] || { echo "bench: LRS=$LRS holds no $clone/lib" >&2; exit 2; }
    done
fi
sessiongate=${SESSIONGATE_BIN:-$repo_dir/build/sessiongate}
if [ ! -x "$sessiongate" ]; then
    [ -n "${SESSIONGATE_BIN:-}" ] && { echo "bench: $sessiongate is not an executable" >&2; exit 2; }
    "$repo_dir/scripts/build.sh" build sessiongate >&2
fi
fill_sessions=${FILL_SESSIONS:-$repo_dir/build/bench/fill_sessions}
if [ ! -x "$fill_sessions" ]; then
    [ -n "${FILL_SESSIONS:-}" ] && { echo "bench: $fill_sessions is not an executable" >&2; exit 2; }
    "$repo_dir/scripts/build.sh" build fill_sessions >&2
fi
sessiongate_version=$("$sessiongate" --version 2>/dev/null | awk '{ print $NF }') || {
    echo "bench: $sessiongate --version failed: not a sessiongate binary?" >&2
    exit 2
}

work=$(mktemp -d "${TMPDIR:-/tmp}/sessiongate-bench.XXXXXX")
finish() {
    stop_all
    if $keep; then
        rm -rf "$work"/sessiongate-*/lmdb
        echo "bench: kept $work" >&2
    else
        rm -rf "$work"
    fi
}
trap finish EXIT
trap 'echo "bench: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# 10,000 idle connections need as many descriptors in the servers and the client.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
nofile=$(ulimit -n)
if [ "$nofile" != unlimited ] && [ "$idle" -gt $((nofile - 100)) ]; then
    echo "bench: descriptor limit $nofile: $((nofile - 100)) idle connections instead of $idle" >&2
    idle=$((nofile - 100))
fi
[ "$nofile" = unlimited ] && nofile=1048576

# --- servers and the rows of the table ---

# The contender answers the backend's 19 bytes.
forwards() { [ "$(get "$1/" | wc -c)" -eq 19 ]; }

# make_session BASE_URL: creates a session through the contender and checks
# the backend sees it and a save changes it; the cookie is left in
# $session, the reason of a failure in $problem.
make_session() {
    local base=$1 first second renewed
    session=$(set_cookie_of "$base/write")
    [ -n "$session" ] || { problem="no cookie after a session update"; return 1; }
    first=$(get -H "Cookie: $session" "$base/echo")
    [[ $first == *'"n":'* ]] || { problem="the backend did not see the session: '$first'"; return 1; }
    renewed=$(set_cookie_of "$base/write" "$session")
    second=$(get -H "Cookie: ${renewed:-$session}" "$base/echo")
    [[ $second == *'"n":'* && $second != "$first" ]] || { problem="a session update was not saved"; return 1; }
}

# session_rows KEY NAME BASE_URL WRITE_NOTE [no-cookie]: the session read and
# saved-per-request rows of one contender (and its no-cookie row).
session_rows() {
    local key=$1 name=$2 base=$3 note=$4 with_plain=${5:-}
    if ! forwards "$base"; then
        problem="no 19-byte answer from the backend"
    elif make_session "$base"; then
        [ -n "$with_plain" ] && contender "$key-none" "$name, no cookie" "$base/"
        contender "$key-read" "$name, session read" "$base/" "$session"
        contender "$key-write" "$name, session saved per request$note" "$base/write" "$session"
        return
    fi
    unavailable_rows "$key" "$name" "$problem" "$note" "$with_plain"
}

# unavailable_rows KEY NAME REASON WRITE_NOTE [no-cookie]: the same rows,
# saying why they were not measured.
unavailable_rows() {
    local key=$1 name=$2 reason=$3 note=$4 with_plain=${5:-}
    [ -n "$with_plain" ] && contender_unavailable "$key-none" "$name, no cookie" "$reason"
    contender_unavailable "$key-read" "$name, session read" "$reason"
    contender_unavailable "$key-write" "$name, session saved per request$note" "$reason"
}

# sessiongate_rows KEY STORE THREADS NAME WRITE_NOTE
sessiongate_rows() {
    if start_sessiongate "$1" "$2" "$3"; then
        session_rows "$1" "$4" "http://127.0.0.1:$port" "$5" no-cookie
    else
        unavailable_rows "$1" "$4" "$refused" "$5" no-cookie
    fi
}

# amount N [short]: N in words ("1 thousand", "1 million") or short
# ("1k", "1M").
amount() {
    local n=$1 word="" letter=""
    if ((n % 1000000 == 0)); then
        n=$((n / 1000000)) word=" million" letter=M
    elif ((n % 1000 == 0)); then
        n=$((n / 1000)) word=" thousand" letter=k
    fi
    if [ -n "${2:-}" ]; then echo "$n$letter"; else echo "$n$word"; fi
}

# live_session BASE_URL COOKIE_FILE: the backend sees the session of a
# cookie picked at random from the file (a fill_sessions session holds a
# member_id), so a run cannot measure "no session" unnoticed. The reason
# of a failure is left in $problem.
live_session() {
    local sampled seen
    sampled=$(shuf -n 1 "$2")
    seen=$(get -H "Cookie: $sampled" "$1/echo")
    [[ $seen == *'"member_id":'* ]] || { problem="the backend did not see a stored session: '$seen'"; return 1; }
}

# stored_rows KEY SESSIONS FILL_SAMPLE SAMPLE...: a sessiongate on LMDB
# holding SESSIONS sessions, FILL_SAMPLE of whose cookies the fill writes
# out (spread over the whole store), and one row for each SAMPLE: reads of
# sessions picked at random from that many of them (a smaller SAMPLE is a
# random subset of the fill's).
stored_rows() {
    local key=$1 sessions=$2 fill_sample=$3 dir=$work/sessiongate-$1 base="" failure="" sample file
    shift 3
    echo "bench: storing $sessions sessions" >&2
    if ! prepare_sessiongate "$key" lmdb 1 || ! fill_sessiongate "$key" "$sessions" "$fill_sample" \
        || ! launch_sessiongate "$key"; then
        failure=$refused
    else
        base=http://127.0.0.1:$port
        live_session "$base" "$dir/cookies" || failure=$problem
    fi
    for sample; do
        local row=$key-$(amount "$sample" short)
        local name="sessiongate lmdb, session read, $(amount "$sessions") stored, $(amount "$sample") read at random"
        if [ -n "$failure" ]; then
            contender_unavailable "$row" "$name" "$failure"
            continue
        fi
        file=$dir/cookies
        if [ "$sample" != "$fill_sample" ]; then
            file=$dir/cookies-$sample
            shuf -n "$sample" "$dir/cookies" >"$file"
        fi
        contender_random "$row" "$name" "$base/" "$file"
    done
}

echo "bench: starting the servers in $work" >&2
on_free_port backend_server
backend_port=$port
on_free_port redis_server
redis_port=$port

nginx_version=$(nginx -v 2>&1 | sed 's|.*nginx/||')
haproxy_version=$(haproxy -v | awk 'NR == 1 { sub(/-.*/, "", $3); print $3 }')
on_free_port nginx_proxy_server
if forwards "http://127.0.0.1:$port"; then
    contender nginx "nginx $nginx_version proxy_pass, upstream keepalive, no sessions" "http://127.0.0.1:$port/"
else
    echo "bench: nginx proxy_pass does not forward (see $work/nginx); nothing to compare with" >&2
    exit 1
fi
on_free_port haproxy_server
if forwards "http://127.0.0.1:$port"; then
    contender haproxy "haproxy $haproxy_version, 1 thread" "http://127.0.0.1:$port/"
else
    contender_unavailable haproxy "haproxy $haproxy_version, 1 thread" "does not forward (see its log)"
fi

lrs_name="nginx + lua-resty-session (shm)"
if [ -n "${LRS:-}" ]; then
    lrs_version=$(grep -m 1 -o '_VERSION *= *"[^"]*"' "$LRS/lua-resty-session/lib/resty/session.lua" | grep -o '[0-9][0-9.]*')
    lrs_name="nginx + lua-resty-session $lrs_version (shm)"
    on_free_port lrs_server
    session_rows lrs "$lrs_name" "http://127.0.0.1:$port" ""
else
    unavailable_rows lrs "$lrs_name" "LRS not set" ""
fi

sessiongate_rows lmdb lmdb 1 "sessiongate lmdb" " (fsync)"
sessiongate_rows redis redis 1 "sessiongate redis" ""
sessiongate_rows cookie cookie 1 "sessiongate cookie" ""
sessiongate_rows lmdb2 lmdb 2 "sessiongate lmdb, threads: 2" " (fsync)"
# The target compares stores of 1 thousand and of many sessions read the
# same way (1 thousand of them at random): only the number stored differs.
# The last row reads 100 thousand: a working set far beyond the CPU's
# caches, which the small store cannot have.
wide_sample=$((store_sessions < 100000 ? store_sessions : 100000))
stored_rows stored-few 1000 1000 1000
stored_rows stored-many "$store_sessions" "$wide_sample" 1000 "$wide_sample"

# --- load ---

if [ "$warmup" -gt 0 ]; then
    echo "bench: warming up" >&2
    for key in $(measured); do load "$key" "$warmup"; done
fi
run_rounds "$rounds" "$duration"
load_end=$(load_average)

# --- memory of idle keep-alive connections ---

# idle_rss NAME PORT PID: a Markdown row of PID's RSS before and with $idle
# idle connections on PORT.
idle_rss() {
    local name=$1 figures
    if ! figures=$(python3 "$bench_dir/idle_connections.py" --port "$2" --count "$idle" --pid "$3"); then
        echo "| $name | failed (see stderr) | | | |"
        return
    fi
    awk -v name="$name" -v f="$figures" 'BEGIN {
        split(f, v, " ")
        printf "| %s | %.1f MB | %.1f MB | %.2f KB | %d |\n",
            name, v[1] / 1024, v[2] / 1024, (v[2] - v[1]) / v[3], v[3]
    }'
}

echo "bench: idle connections" >&2
memory_rows=()
if start_sessiongate rss lmdb 1; then
    memory_rows+=("$(idle_rss "sessiongate lmdb, 1 thread" "$port" "$spawned_pid")")
else
    memory_rows+=("| sessiongate lmdb, 1 thread | failed ($refused) | | | |")
fi
on_free_port nginx_proxy_server rss-nginx
nginx_worker=
for ((i = 0; i < 50; i++)); do
    nginx_worker=$(pgrep -P "$spawned_pid" || true)
    [ -n "$nginx_worker" ] && break
    sleep 0.1
done
memory_rows+=("$(idle_rss "nginx $nginx_version proxy_pass (worker process)" "$port" "$nginx_worker")")

# --- the store alone: a session load with few and with many sessions ---

# store_rows: Markdown rows of store_bench's LMDB loads (CPU time per load),
# each with its ratio to the first (the smallest store).
store_rows() {
    local bench=${STORE_BENCH:-$repo_dir/build/bench/store_bench}
    if [ ! -x "$bench" ]; then
        echo "| not measured: no $bench (scripts/build.sh build store_bench) | | |"
        return
    fi
    # CSV: name,iterations,real_time,cpu_time,time_unit,...
    "$bench" --max-sessions "$store_sessions" --benchmark_filter='^load/lmdb/' --benchmark_format=csv \
        --benchmark_repetitions=3 --benchmark_report_aggregates_only=true 2>/dev/null |
        awk -F, '$1 ~ /_median"?$/ {
            name = $1; gsub(/"/, "", name); sub(/_median$/, "", name)
            n = name; sub(/.*\//, "", n)
            if (first == "") first = $4
            printf "| %s | %.2f %s | %.2f |\n", n, $4, $5, $4 / first
        }'
}
echo "bench: store micro-benchmark" >&2
store_table=$(store_rows)

# --- report ---

describe_machine() {
    local cpu memory
    cpu=$(lscpu 2>/dev/null | awk -F': *' '$1 == "Model name" { print $2; exit }')
    memory=$(awk '$1 == "MemTotal:" { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo)
    echo "${cpu:-unknown CPU}, $(nproc) CPUs, $memory, Linux $(uname -r), Debian $(cat /etc/debian_version 2>/dev/null)"
}

commit=$(git -C "$repo_dir" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$repo_dir" diff --quiet HEAD 2>/dev/null || commit+=" + local changes"
versions="sessiongate $sessiongate_version ($commit), nginx $nginx_version, haproxy $haproxy_version"
versions+=", redis $(redis-server --version | grep -o 'v=[0-9.]*' | cut -c3-), $({ wrk -v 2>&1 || true; } | awk 'NR == 1 { sub(/.*\//, "", $2); print "wrk " $2 }')"
[ -n "${LRS:-}" ] && versions+=", lua-resty-session $lrs_version"

cat <<EOF
### Run of $(date -u '+%Y-%m-%d %H:%M UTC')

- machine: $(describe_machine)
- versions: $versions
- load: wrk -t1 -c$connections; $rounds round(s) of ${duration} s per contender, order rotated per round; medians
- load average (1 min) at each round's start: $(paste -sd ' ' "$work/load_averages"); after the last: $load_end

EOF
print_table nginx
echo
many=$(amount "$store_sessions" short)
echo "$(print_comparison stored-many-1k stored-few-1k \
    "$many vs 1k stored, 1k read at random") (target: within 10%)"
echo
echo "$(print_comparison "stored-many-$(amount "$wide_sample" short)" stored-few-1k \
    "$many stored, $(amount "$wide_sample" short) read at random, vs 1k stored, 1k read")"
cat <<EOF

Memory with $idle idle keep-alive connections (one request served on each):

| server | RSS before | RSS with the connections | per connection | connections |
|---|---|---|---|---|
EOF
printf '%s\n' "${memory_rows[@]}"
cat <<EOF

One LMDB session load (bench/store_bench: the store alone, median CPU time
of 3 repetitions; every session read once before, as in a running proxy):

| sessions stored | CPU per load | x the smallest |
|---|---|---|
$store_table
EOF
