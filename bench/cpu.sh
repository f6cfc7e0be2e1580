#!/usr/bin/env bash
# CPU time and system calls per request of sessiongate, for each load (no
# cookie, session read, session saved per request), beside nginx and haproxy
# proxying the same no-cookie load, all against the nginx backend of run.sh.
# Unlike req/s, these figures hold on a busy machine: a row's CPU time is
# what the proxy process itself spent (utime + stime of all its threads,
# from /proc/PID/stat; nginx: its worker) divided by the requests wrk
# completed, split into user and kernel time; "machine CPU per request" is
# what every CPU spent in the same seconds (wrk, the backend, interrupts),
# so the part left for the proxy is what the others do not take. The
# syscalls are counted by the kernel's tracepoints (perf stat) in the same
# load. (strace would slow the proxy, and so change how often a read finds
# its data already there.)
#
# Usage: bench/cpu.sh [--store lmdb|redis|cookie] [--threads N]
#                     [--duration SECONDS] [--connections N] [--no-syscalls]
#                     [--sessiongate-only] [--profile] [--mallocs] [--keep]
#   --store        the session store (default lmdb, durability: fsync)
#   --threads      sessiongate's I/O threads (default 1)
#   --duration     seconds of load per row (default 5)
#   --connections  wrk's connections (default 50; one wrk thread)
#   --no-syscalls  leave out the syscall columns (no perf needed)
#   --sessiongate-only  leave out the nginx and haproxy rows
#   --profile      instead of syscalls, where each row's CPU goes (perf
#                  record with call graphs during the load): kernel time
#                  under the send, receive and epoll calls (a loopback send
#                  includes delivering into the receiver's socket), the rest
#                  of the kernel, and user time by library (malloc, Asio,
#                  Beast, Boost.JSON, OpenSSL, LMDB), the proxy's own code
#                  and the rest, each in us per request; "syscall
#                  instructions" are samples on the libc syscall wrappers
#                  themselves, the cost of entering the kernel (large in a
#                  virtual machine that traps every syscall)
#   --mallocs      adds malloc calls per request (a perf uprobe on glibc's
#                  malloc, added for the run and removed after it; it slows
#                  every process that mallocs, so the CPU columns are then off)
#   --keep         keep the working directory (configs, logs)
# Environment: SESSIONGATE_BIN=FILE (default build/sessiongate).
# Output: a Markdown table (stdout), progress on stderr.
set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(dirname "$bench_dir")
source "$bench_dir/processes.sh"
source "$bench_dir/servers.sh"

store=lmdb threads=1 duration=5 connections=50 with_others=true with_profile=false with_syscalls=true with_mallocs=false keep=false
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
        --sessiongate-only) with_others=false ;;
        --profile) with_profile=true ;;
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
$with_profile && with_syscalls=false
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

# The contenders, each "name|pid|base URL": nginx and haproxy as run.sh
# runs them (no sessions), then sessiongate. For nginx the pid is its one
# worker's, the process that does the work.
contenders=()
if $with_others && command -v nginx >/dev/null; then
    on_free_port nginx_proxy_server
    worker=$(pgrep -P "$spawned_pid" | head -n 1)
    [ -n "$worker" ] && contenders+=("nginx $(nginx -v 2>&1 | grep -o '[0-9.]*$') proxy_pass|$worker|http://127.0.0.1:$port")
fi
if $with_others && command -v haproxy >/dev/null; then
    on_free_port haproxy_server
    contenders+=("haproxy $(haproxy -v | grep -o -m 1 '[0-9][0-9.]*' | head -n 1), 1 thread|$spawned_pid|http://127.0.0.1:$port")
fi
start_sessiongate cpu "$store" "$threads" || { echo "bench: sessiongate: $refused" >&2; exit 1; }
sessiongate_pid=$spawned_pid
sessiongate_base="http://127.0.0.1:$port"
session=$(set_cookie_of "$sessiongate_base/write")
[ -n "$session" ] || { echo "bench: no session cookie from $sessiongate_base/write" >&2; exit 1; }

# Rows: "label|pid|base URL|path|cookie".
rows=()
for contender in "${contenders[@]}"; do
    IFS='|' read -r name pid base <<<"$contender"
    rows+=("$name, no cookie|$pid|$base|/|")
done
rows+=("sessiongate, no cookie|$sessiongate_pid|$sessiongate_base|/|"
    "sessiongate, session read|$sessiongate_pid|$sessiongate_base|/|$session"
    "sessiongate, session saved per request|$sessiongate_pid|$sessiongate_base|/write|$session")

ticks_per_second=$(getconf CLK_TCK)
# process_ticks PID: "utime stime" of the process, all threads.
process_ticks() { awk '{ print $14, $15 }' "/proc/$1/stat"; }
# machine_ticks: ticks the whole machine was busy (every CPU, every process,
# interrupts included; idle and iowait left out).
machine_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }

# wrk_requests URL [COOKIE] SECONDS: the number of requests wrk completed.
wrk_requests() {
    local out
    out=$(wrk -t1 "-c$connections" "-d$3s" ${2:+-H "Cookie: $2"} "$1" 2>&1)
    awk '$2 == "requests" && $3 == "in" { print $1; found = 1 } END { exit !found }' <<<"$out" || {
        echo "bench: no figures from wrk: $out" >&2
        return 1
    }
}

# The syscalls counted: all of them, the reads (and those that found
# nothing: EAGAIN), the writes and epoll_wait. nginx reads with recv and
# writes with writev, haproxy uses recvfrom and sendto, Asio recvfrom or
# recvmsg and sendmsg; eventfd wake-ups are reads and writes too.
read_calls=(recvfrom recvmsg read readv)
write_calls=(sendmsg sendto writev write)
perf_events() {
    local call
    printf -- '-e raw_syscalls:sys_enter -e syscalls:sys_enter_epoll_wait '
    for call in "${read_calls[@]}"; do
        printf -- "-e syscalls:sys_enter_$call -e syscalls:sys_exit_$call --filter ret==-11 "
    done
    for call in "${write_calls[@]}"; do printf -- "-e syscalls:sys_enter_$call "; done
    $with_mallocs && printf -- "-e probe_libc:malloc"
}

# measure PID URL [COOKIE]: the figures of one load of $duration s, as the
# row's columns after its label.
measure() {
    local pid=$1 counts=$work/perf-stat.$RANDOM requests perf_pid before after machine_before machine_after
    local total user kernel machine
    if $with_syscalls; then
        # shellcheck disable=SC2046  # the event list is words by design
        perf stat -x, -o "$counts" -p "$pid" $(perf_events) &
        perf_pid=$!
        sleep 0.5  # attached to every thread
    fi
    if $with_profile; then
        perf record -q -F 2999 -g -p "$pid" -o "$counts.data" >/dev/null 2>&1 &
        perf_pid=$!
        sleep 0.5
    fi
    before=$(process_ticks "$pid")
    machine_before=$(machine_ticks)
    requests=$(wrk_requests "$2" "$3" "$duration")
    machine_after=$(machine_ticks)
    after=$(process_ticks "$pid")
    # "total user kernel machine", us per request
    read -r total user kernel machine < <(awk -v before="$before" -v after="$after" \
        -v m=$((machine_after - machine_before)) -v hz="$ticks_per_second" -v n="$requests" 'BEGIN {
            split(before, b, " "); split(after, a, " ")
            us = 1e6 / hz / n
            user = (a[1] - b[1]) * us; kernel = (a[2] - b[2]) * us
            print user + kernel, user, kernel, m * us
        }')
    printf '%d | %.1f us | %.1f us | %.1f us | %.1f us' "$requests" "$total" "$user" "$kernel" "$machine"
    if $with_profile; then
        kill -INT "$perf_pid"
        wait "$perf_pid" 2>/dev/null || true
        printf ' | '
        where_the_cpu_goes "$counts.data" "$total"
        return 0
    fi
    $with_syscalls || return 0
    kill -INT "$perf_pid"
    wait "$perf_pid" 2>/dev/null || true
    # CSV lines: count,,event,...; an event given twice (enter and a
    # filtered exit) is told apart by its name. The counts take in the half
    # second before the load too (the proxy is idle then).
    awk -F, -v n="$requests" -v reads="${read_calls[*]}" -v writes="${write_calls[*]}" '
        $3 != "" { count[$3] = $1 }
        END {
            split(reads, r, " "); split(writes, w, " ")
            for (i in r) { all_reads += count["syscalls:sys_enter_" r[i]]; eagain += count["syscalls:sys_exit_" r[i]] }
            for (i in w) all_writes += count["syscalls:sys_enter_" w[i]]
            printf " | %.2f | %.2f | %.2f | %.2f | %.2f", count["raw_syscalls:sys_enter"] / n,
                all_reads / n, eagain / n, all_writes / n, count["syscalls:sys_enter_epoll_wait"] / n
            if ("probe_libc:malloc" in count) printf " | %.1f", count["probe_libc:malloc"] / n
        }' "$counts"
}

# where_the_cpu_goes PERF_DATA US_PER_REQUEST: the profile's shares as us
# per request, in the order of $profile_columns. Kernel shares are
# inclusive (a syscall's whole call tree), user shares are by the sampled
# function itself.
profile_columns="kernel: send | kernel: receive | kernel: epoll_wait | kernel: other | malloc, free | Asio | Beast | Boost.JSON | OpenSSL | LMDB | own code | other user | syscall instructions"
where_the_cpu_goes() {
    local data=$1 us=$2
    {
        perf report -i "$data" --children --sort sym -g none --stdio -t '@' 2>/dev/null | sed 's/^/children@/'
        perf report -i "$data" --no-children --sort dso,sym -g none --stdio -t '@' 2>/dev/null | sed 's/^/self@/'
    } | awk -F'@' -v us="$us" '
        function pct(s) { sub(/%.*/, "", s); return s + 0 }
        function trim(s) { gsub(/^ +| +$/, "", s); return s }
        $1 == "children" && $2 !~ /^#/ && NF >= 4 {
            name = trim($4); sub(/^\[k\] /, "", name); share = pct($2)
            if (name ~ /^(__sys_sendmsg|__sys_sendto|do_writev|ksys_write)$/) send += share
            else if (name ~ /^(__sys_recvfrom|__sys_recvmsg|do_readv|ksys_read)$/) receive += share
            else if (name == "do_epoll_wait") epoll += share
            next
        }
        $1 == "self" && $2 !~ /^#/ && NF >= 4 {
            share = pct($2); dso = trim($3); sym = trim($4); sub(/^\[.\] /, "", sym)
            if (dso == "[kernel.kallsyms]") kernel += share
            else if (dso ~ /^libc\./ && sym ~ /^(__libc_|__GI___libc_|__)?(sendmsg|sendto|send|writev|write|recvmsg|recvfrom|recv|readv|read|epoll_wait|epoll_ctl|syscall)$/) entry += share
            else if (dso ~ /^lib(jemalloc|tcmalloc)/ || sym ~ /^(malloc|free|cfree|_int_malloc|_int_free|malloc_consolidate|unlink_chunk|tcache_|operator new|operator delete)/ || sym ~ /^__libc_(malloc|free)/) alloc += share
            else if (sym ~ /boost::asio::/ && sym !~ /sessiongate::/) asio += share
            else if (sym ~ /^boost::(beast|intrusive)::/) beast += share
            else if (sym ~ /^boost::json::/ || dso ~ /boost_json/) json += share
            else if (dso ~ /^libcrypto/ || dso ~ /^libssl/) crypto += share
            else if (dso ~ /^liblmdb/) lmdb += share
            else if (dso !~ /^lib/ && dso != "[vdso]" && dso != "[unknown]") own += share
            else other += share
        }
        END {
            rest = kernel - send - receive - epoll
            if (rest < 0) rest = 0
            v[1] = send; v[2] = receive; v[3] = epoll; v[4] = rest; v[5] = alloc; v[6] = asio
            v[7] = beast; v[8] = json; v[9] = crypto; v[10] = lmdb; v[11] = own; v[12] = other; v[13] = entry
            for (i = 1; i <= 13; i++) printf "%s%.1f", (i > 1 ? " | " : ""), v[i] * us / 100
        }'
}

echo "bench: warming up" >&2
for row in "${rows[@]}"; do
    IFS='|' read -r name pid base path cookie <<<"$row"
    wrk_requests "$base$path" "$cookie" 1 >/dev/null
done

commit=$(git -C "$repo_dir" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$repo_dir" diff --quiet HEAD 2>/dev/null || commit+=" + local changes"
echo "sessiongate $commit, store $store$([ "$store" = lmdb ] && echo " (fsync)"), threads: $threads;" \
    "wrk -t1 -c$connections, $duration s per row; load average $(cut -d ' ' -f 1 /proc/loadavg)"
# What entering the kernel costs here: large in a virtual machine that traps
# every syscall, and a floor under every proxy's kernel time.
if command -v perf >/dev/null && syscall_us=$(perf bench syscall basic --loop 200000 2>/dev/null |
    awk '/usecs\/op/ { printf "%.2f", $1; found = 1 } END { exit !found }'); then
    echo "one syscall (getppid, perf bench syscall basic) costs $syscall_us us on this machine"
fi
echo
header="| row | requests | CPU per request | user | kernel | machine CPU per request |"
$with_profile && header+=" $profile_columns (us per request) |"
$with_syscalls && header+=" syscalls per request | reads | of which EAGAIN | writes | epoll_wait |"
$with_mallocs && header+=" mallocs per request |"
echo "$header"
sed 's/[^|]\+|/---|/g' <<<"$header"
for row in "${rows[@]}"; do
    IFS='|' read -r name pid base path cookie <<<"$row"
    echo "bench: $name" >&2
    echo "| $name | $(measure "$pid" "$base$path" "$cookie") |"
done
