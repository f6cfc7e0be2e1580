# Contenders, their load rounds and the table of medians. Sourced by
# run.sh; uses $work, $connections, $bench_dir.

contenders=()        # keys, in table order
declare -A label url cookie cookie_file unavailable

# contender KEY LABEL URL [COOKIE]: a row measured with wrk.
contender() {
    contenders+=("$1")
    label[$1]=$2
    url[$1]=$3
    cookie[$1]=${4:-}
}

# contender_random KEY LABEL URL COOKIE_FILE: a row measured with wrk, each
# request carrying the cookie of a session picked at random from
# COOKIE_FILE (NAME=VALUE lines; bench/random_session.lua).
contender_random() {
    contender "$1" "$2" "$3"
    cookie_file[$1]=$4
}

# contender_unavailable KEY LABEL REASON: a row printed, not measured.
contender_unavailable() {
    contenders+=("$1")
    label[$1]=$2
    unavailable[$1]=$3
}

measured() {
    local key
    for key in "${contenders[@]}"; do
        [ -z "${unavailable[$key]:-}" ] && echo "$key"
    done
}

# parse_wrk: "req/s p50_ms p99_ms errors" from wrk's --latency report
# (latencies as 672.00us, 1.23ms, 1.02s or 1.10m); errors are socket
# errors plus answers other than 2xx and 3xx.
parse_wrk() {
    awk '
        function ms(v) {
            if (v ~ /us$/) return v / 1000
            if (v ~ /ms$/) return v + 0
            if (v ~ /s$/) return v * 1000
            return v * 60000
        }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        $1 == "Requests/sec:" { rps = $2 }
        /Socket errors:/ { errors += $4 + $6 + $8 + $10 }
        /Non-2xx or 3xx responses:/ { errors += $5 }
        END {
            if (rps == "") exit 1
            print rps, p50, p99, errors + 0
        }'
}

# load KEY SECONDS [RECORD]: wrk against one contender; with RECORD the
# figures are appended to $work/rounds/KEY.
load() {
    local key=$1 seconds=$2 record=${3:-} args script_args=() out
    args=(-t1 "-c$connections" "-d${seconds}s" --latency)
    [ -n "${cookie[$key]}" ] && args+=(-H "Cookie: ${cookie[$key]}")
    if [ -n "${cookie_file[$key]:-}" ]; then
        args+=(-s "$bench_dir/random_session.lua")
        script_args=(-- "${cookie_file[$key]}")
    fi
    if ! out=$(timeout -k 5 $((seconds + 30)) wrk "${args[@]}" "${url[$key]}" "${script_args[@]}" 2>&1); then
        echo "bench: wrk failed on ${label[$key]}: $out" >&2
        return 1
    fi
    if [ -n "$record" ]; then
        parse_wrk <<<"$out" >>"$work/rounds/$key" || {
            echo "bench: no figures in wrk's output for ${label[$key]}: $out" >&2
            return 1
        }
    fi
}

load_average() { cut -d ' ' -f 1 /proc/loadavg; }

# run_rounds ROUNDS SECONDS: every measured contender once per round, the
# order rotated by one each round so none always runs first or after the
# same neighbour. The 1-minute load average at each round's start goes to
# $work/load_averages.
run_rounds() {
    local rounds=$1 seconds=$2 keys r i n
    mapfile -t keys < <(measured)
    n=${#keys[@]}
    mkdir -p "$work/rounds"
    for ((r = 0; r < rounds; r++)); do
        load_average >>"$work/load_averages"
        echo "bench: round $((r + 1))/$rounds (load average $(load_average))" >&2
        for ((i = 0; i < n; i++)); do
            load "${keys[(i + r) % n]}" "$seconds" record
        done
    done
}

# The medians of the rounds, for the awk programs below: summarize(KEY)
# fills rps[KEY], p50[KEY], p99[KEY] (medians), low[KEY], high[KEY] (the
# req/s range) and errors[KEY] from the file $work/rounds/KEY (awk -v dir).
medians_awk='
    function median(values, n,    i, j, v) {
        for (i = 2; i <= n; i++)  # insertion sort: a handful of rounds
            for (j = i; j > 1 && values[j - 1] > values[j]; j--) {
                v = values[j]; values[j] = values[j - 1]; values[j - 1] = v
            }
        return n % 2 ? values[(n + 1) / 2] : (values[n / 2] + values[n / 2 + 1]) / 2
    }
    function summarize(key,    file, n, f, a, b, c, line) {
        if (key in rps) return
        file = dir "/" key
        n = 0
        while ((getline line < file) > 0) {
            split(line, f, " ")
            n++
            a[n] = f[1]; b[n] = f[2]; c[n] = f[3]
            errors[key] += f[4]
            if (n == 1 || f[1] < low[key]) low[key] = f[1]
            if (n == 1 || f[1] > high[key]) high[key] = f[1]
        }
        close(file)
        rps[key] = median(a, n); p50[key] = median(b, n); p99[key] = median(c, n)
    }'

# print_table REFERENCE_KEY: one Markdown row per contender, from the
# medians of its rounds; "x nginx" is its req/s over the reference's. One
# awk for the whole table: forks are slow on a loaded machine.
print_table() {
    local key
    for key in "${contenders[@]}"; do
        printf '%s\t%s\t%s\n' "$key" "${label[$key]}" "${unavailable[$key]:-}"
    done | awk -F '\t' -v dir="$work/rounds" -v reference="$1" "$medians_awk"'
        BEGIN {
            summarize(reference)
            print "| contender | req/s | x nginx | p50 | p99 | req/s range | errors |"
            print "|---|---|---|---|---|---|---|"
        }
        $3 != "" { printf "| %s | not available (%s) | | | | | |\n", $2, $3; next }
        {
            summarize($1)
            printf "| %s | %.1fk | %.2f | %.2f ms | %.2f ms | %.1fk-%.1fk | %d |\n", $2,
                rps[$1] / 1000, rps[$1] / rps[reference], p50[$1], p99[$1],
                low[$1] / 1000, high[$1] / 1000, errors[$1]
        }'
}

# print_comparison KEY BASE TEXT: "TEXT: <x>x req/s, p99 <a> vs <b> ms",
# KEY's medians against BASE's, or "TEXT: not measured (reason)".
print_comparison() {
    local key
    for key in "$1" "$2"; do
        if [ -n "${unavailable[$key]:-}" ]; then
            echo "$3: not measured (${label[$key]}: ${unavailable[$key]})"
            return
        fi
    done
    awk -v dir="$work/rounds" -v key="$1" -v base="$2" -v text="$3" "$medians_awk"'
        BEGIN {
            summarize(key); summarize(base)
            printf "%s: %.2fx req/s, p99 %.2f vs %.2f ms\n", text, rps[key] / rps[base], p99[key], p99[base]
        }'
}
