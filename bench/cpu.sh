#!/usr/bin/env bash
# CPU time and system calls per request of one sessiongate, for each load
# (no cookie, session read, session saved per request), against the nginx
# backend of run.sh. Unlike req/s, these figures hold on a busy machine:
# CPU time is what the proxy process itself spent (utime + stime of all its
# threads, from /proc/PID/stat) divided by the requests wrk completed; the
# syscalls are counted by the kernel's tracepoints (perf stat) in the same
# load. (strace would slow the proxy, and so change how often a read finds
# its data already there.)
#
# Usage: bench/cpu.sh [--store lmdb|redis|cookie] [--threads N]
#                     [--duration SECONDS] [--connections N] [--no-syscalls]
#                     [--mallocs] [--keep]
#   --store        the session store (default lmdb, durability: fsync)
#   --threads      sessiongate's I/O threads (default 1)
#   --duration     seconds of load per row (default 5)
#   --connections  wrk's connections (default 50; one wrk thread)
#   --no-syscalls  leave out the syscall columns (no perf needed)
#   --mallocs      adds malloc calls per request (a perf uprobe on glibc's
#                  malloc, added for the run and removed after it)
#   --keep         keep the working directory (configs, logs)
# Environment: SESSIONGATE_BIN=FILE (default build/sessiongate).
# Output: a Markdown table (stdout), progress on stderr.
set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(dirname "$bench_dir")
source "$bench_dir/processes.sh"
source "$bench_dir/servers.sh"

store=lmdb threads=1 duration=5 connections=50 with_syscalls=true with_mallocs=false keep=false
usage() { sed -n '2,/^set -euo/p' "$bench_dir/cpu.sh" | sed '$d; s/^# \{0,1\}//'; }
positive() { [[ $2 =~ ^[1-9][0-9]*$ ]] || { echo "bench: $1 needs a positive integer, not '$2'" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
    case $1 in
        --store)
            [[ ${2:-} =~ ^(lmdb|redis|cookie)$ ]] || { echo "bench: --store is lmdb, redis or cookie" >&2; exit 2; }
            store=$2
            shift ;;
        --threads | --duration | --connections)
            positive "$1" "${2:-}"
            declare "${1#--}=$2"
            shift ;;
        --no-syscalls) with_syscalls=false ;;
        --mallocs) with_mallocs=true ;;
        --keep) keep=true ;;
        -h | --help) usage; exit 0 ;;
        *) echo "bench: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
if $with_syscalls && ! perf stat -e raw_syscalls:sys_enter -- true >/dev/null 2>&1; then
    echo "bench: perf cannot count syscalls here (linux-perf, root or perf_event_paranoid): columns left out" >&2
    with_syscalls=false
fi
$with_syscalls || with_mallocs=false

sessiongate=${SESSIONGATE_BIN:-$repo_dir/build/sessiongate}
[ -x "$sessiongate" ] || "$repo_dir/scripts/build.sh" build sessiongate >&2
work=$(mktemp -d "${TMPDIR:-/tmp}/sessiongate-cpu.XXXXXX")
libc=$(ldconfig -p | awk '$1 == "libc.so.6" && /x86-64|64bit/ { print $NF; exit }')
probe_added=false
finish() {
    stop_all
    $probe_added && perf probe -q -d probe_libc:malloc

    if $keep; then echo "bench: kept $work" >&2; else rm -rf "$work"; fi
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
nofile=$(ulimit -n)
if $with_mallocs && ! perf list probe_libc:malloc 2>/dev/null | grep -q malloc; then
    perf probe -q -x "$libc" --add malloc && probe_added=true || {
        echo "bench: no uprobe on malloc: the malloc column is left out" >&2
        with_mallocs=false
    }
fi

on_free_port backend_server
backend_port=$port
if [ "$store" = redis ]; then
    on_free_port redis_server
    redis_port=$port
fi
start_sessiongate cpu "$store" "$threads" || { echo "bench: sessiongate: $refused" >&2; exit 1; }
proxy_pid=$spawned_pid
base="http://127.0.0.1:$port"
session=$(curl -s -m 10 -D - -o /dev/null "$base/write" | tr -d '\r' |
    awk 'tolower($1) == "set-cookie:" { sub(/;.*/, "", $2); print $2; exit }')
[ -n "$session" ] || { echo "bench: no session cookie from $base/write" >&2; exit 1; }

# CPU ticks (utime + stime) of the proxy, all threads.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$proxy_pid/stat"; }
ticks_per_second=$(getconf CLK_TCK)

# wrk_requests PATH [COOKIE] SECONDS: the number of requests wrk completed.
wrk_requests() {
    local out
    out=$(wrk -t1 "-c$connections" "-d$3s" ${2:+-H "Cookie: $2"} "$base$1" 2>&1)
    awk '$2 == "requests" && $3 == "in" { print $1; found = 1 } END { exit !found }' <<<"$out" || {
        echo "bench: no figures from wrk: $out" >&2
        return 1
    }
}

# measure PATH [COOKIE]: "requests | CPU per request [| syscall columns]"
# of one load of $duration s.
measure() {
    local counts=$work/perf-stat.$RANDOM requests perf_pid before after
    if $with_syscalls; then
        perf stat -x, -o "$counts" -p "$proxy_pid" -e raw_syscalls:sys_enter \
            -e syscalls:sys_enter_recvfrom -e syscalls:sys_exit_recvfrom --filter 'ret == -11' \
            -e syscalls:sys_enter_sendmsg -e syscalls:sys_enter_epoll_wait \
            $($with_mallocs && printf -- "-e probe_libc:malloc") &
        perf_pid=$!
        sleep 0.5  # attached to every thread
    fi
    before=$(cpu_ticks)
    requests=$(wrk_requests "$1" "$2" "$duration")
    after=$(cpu_ticks)
    awk -v t=$((after - before)) -v hz="$ticks_per_second" -v n="$requests" \
        'BEGIN { printf "%d | %.1f us", n, t / hz * 1e6 / n }'
    $with_syscalls || return 0
    kill -INT "$perf_pid"
    wait "$perf_pid" 2>/dev/null || true
    # CSV lines: count,,event,...; the requests are those of the load alone,
    # the counts take in the half second before it (the proxy is idle then).
    awk -F, -v n="$requests" '
        $3 != "" { count[$3] = $1 }
        END {
            printf " | %.2f | %.2f | %.2f | %.2f | %.2f", count["raw_syscalls:sys_enter"] / n,
                count["syscalls:sys_enter_recvfrom"] / n, count["syscalls:sys_exit_recvfrom"] / n,
                count["syscalls:sys_enter_sendmsg"] / n, count["syscalls:sys_enter_epoll_wait"] / n
            if ("probe_libc:malloc" in count) printf " | %.1f", count["probe_libc:malloc"] / n
        }' "$counts"
}

loads=("no cookie|/|" "session read|/|$session" "session saved per request|/write|$session")
echo "bench: warming up" >&2
for row in "${loads[@]}"; do
    IFS='|' read -r name path cookie <<<"$row"
    wrk_requests "$path" "$cookie" 1 >/dev/null
done

commit=$(git -C "$repo_dir" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$repo_dir" diff --quiet HEAD 2>/dev/null || commit+=" + local changes"
echo "sessiongate $commit, store $store$([ "$store" = lmdb ] && echo " (fsync)"), threads: $threads;" \
    "wrk -t1 -c$connections, $duration s per row; load average $(cut -d ' ' -f 1 /proc/loadavg)"
echo
if $with_syscalls; then
    echo "| load | requests | CPU per request | syscalls per request | recvfrom | of which EAGAIN | sendmsg | epoll_wait |$($with_mallocs && echo " mallocs per request |")"
    echo "|---|---|---|---|---|---|---|---|$($with_mallocs && echo "---|")"
else
    echo "| load | requests | CPU per request |"
    echo "|---|---|---|"
fi
for row in "${loads[@]}"; do
    IFS='|' read -r name path cookie <<<"$row"
    echo "bench: $name" >&2
    echo "| $name | $(measure "$path" "$cookie") |"
done
