# Processes of one benchmark run: every server is started through `spawn`,
# so `stop_all` (run on exit, Ctrl-C or failure) stops each of them and
# nothing else. Sourced by run.sh.

spawned=()  # pids, in start order

# spawn LOG COMMAND...: runs COMMAND in the background, output to LOG;
# its pid is left in $spawned_pid.
spawn() {
    local log=$1
    shift
    "$@" >"$log" 2>&1 &
    spawned_pid=$!
    spawned+=("$spawned_pid")
}

# stop PID: SIGTERM, up to 5 s to exit, then SIGKILL.
stop() {
    local pid=$1 i
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# Newest first, so a proxy goes before its upstream.
stop_all() {
    local i
    for ((i = ${#spawned[@]} - 1; i >= 0; i--)); do
        stop "${spawned[i]}"
    done
    spawned=()
}

# wait_for_port PORT PID: until something accepts on 127.0.0.1:PORT (at most
# 10 s); fails early when PID has exited.
wait_for_port() {
    local port=$1 pid=$2 i
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || return 1
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            # A port taken by someone else answers too: ours must still run.
            sleep 0.1
            kill -0 "$pid" 2>/dev/null
            return
        fi
        sleep 0.1
    done
    return 1
}

# free_port: a port below the kernel's ephemeral range (where port 0 binds
# and outgoing connections take theirs) that nobody accepts on now. A
# server that loses it to someone else meanwhile fails to start, and
# on_free_port tries another.
free_port() {
    local low high first count port i
    read -r low high </proc/sys/net/ipv4/ip_local_port_range
    if [ "$low" -gt 12000 ]; then
        first=10000 count=$((low - 10000))
    elif [ "$high" -lt 63000 ]; then
        first=$((high + 1)) count=$((65535 - high))
    else
        first=10000 count=20000  # the range covers every port: take our chances
    fi
    for ((i = 0; i < 100; i++)); do
        port=$((first + (RANDOM * 32768 + RANDOM) % count))
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
    done
    return 1
}
