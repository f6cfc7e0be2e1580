# The servers of a benchmark run, each a private instance under $work on
# 127.0.0.1 with ports of its own (never the system's nginx, haproxy or
# redis). Sourced by run.sh and cpu.sh; uses processes.sh, $work, $nofile, $sessiongate
# and $fill_sessions.

backend_body='hello from backend\n'  # 19 bytes, the same for every contender

get() { curl -s -m 10 "$@"; }
# set_cookie_of URL [COOKIE]: name=value of the response's first Set-Cookie
set_cookie_of() {
    get -D - -o /dev/null ${2:+-H "Cookie: $2"} "$1" |
        tr -d '\r' | awk 'tolower($1) == "set-cookie:" { sub(/;.*/, "", $2); print $2; exit }'
}

# on_free_port STARTER ARGS...: runs `STARTER PORT ARGS...`, which spawns a
# server on PORT, and waits until it listens; tries another port if it does
# not come up (someone took the port meanwhile). The port is left in $port.
on_free_port() {
    local attempt
    for attempt in 1 2 3; do
        port=$(free_port)
        spawned_pid=
        if "$1" "$port" "${@:2}" && wait_for_port "$port" "$spawned_pid"; then
            return
        fi
        [ -n "$spawned_pid" ] && stop "$spawned_pid"
    done
    echo "bench: $1 did not start; see its logs under $work" >&2
    return 1
}

# nginx_instance PORT DIR HTTP_BLOCK [MAIN_BLOCK]: one worker, no access log,
# temporary files and logs in DIR, keep-alive connections never recycled
# (nginx's default closes them after 1000 requests; the others do not).
nginx_instance() {
    local port=$1 dir=$2 http_block=$3 main_block=${4:-}
    mkdir -p "$dir"
    cat >"$dir/nginx.conf" <<EOF
$main_block
daemon off;
worker_processes 1;
worker_rlimit_nofile $nofile;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections $nofile; }
http {
    access_log off;
    default_type text/plain;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    keepalive_requests 1000000;
$http_block
}
EOF
    spawn "$dir/stderr.log" nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log"
}

# The application every contender forwards to. /write answers as an app
# that changes the session does; /echo shows what the proxy sent as the
# session (the setup checks use it, the load does not).
backend_server() {
    nginx_instance "$1" "$work/backend" "
    server {
        listen 127.0.0.1:$1;
        location = /write {
            add_header X-Session-Update '{\"n\":\"\$request_id\"}';
            return 200 \"$backend_body\";
        }
        location = /echo { return 200 \"\$http_x_session\\n\"; }
        location / { return 200 \"$backend_body\"; }
    }"
}

# Upstream keep-alive as nginx and haproxy are run in production.
nginx_upstream_block() {
    echo "
    upstream backend {
        server 127.0.0.1:$backend_port;
        keepalive 64;
        keepalive_requests 1000000;
    }"
}

nginx_proxy_location() {
    echo "
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";"
}

nginx_proxy_server() {
    nginx_instance "$1" "$work/${2:-nginx}" "$(nginx_upstream_block)
    server {
        listen 127.0.0.1:$1;
        location / {$(nginx_proxy_location)
        }
    }"
}

# haproxy needs two descriptors per connection (client and server side).
haproxy_server() {
    local port=$1 dir=$work/haproxy
    mkdir -p "$dir"
    cat >"$dir/haproxy.cfg" <<EOF
global
    nbthread 1
    maxconn $((nofile / 2 - 100))
defaults
    mode http
    option http-keep-alive
    timeout connect 5s
    timeout client 75s
    timeout server 60s
    timeout http-keep-alive 75s
frontend bench
    bind 127.0.0.1:$port
    default_backend app
backend app
    server app 127.0.0.1:$backend_port
EOF
    spawn "$dir/haproxy.log" haproxy -db -f "$dir/haproxy.cfg"
}

# Redis with its own defaults (RDB snapshots, no AOF) in a directory of ours.
redis_server() {
    mkdir -p "$work/redis"
    spawn "$work/redis/redis.log" redis-server --bind 127.0.0.1 --port "$1" \
        --dir "$work/redis" --daemonize no
}

# nginx + lua-resty-session (shm) from the clones in $LRS: the session is
# opened before the request goes upstream (its data sent as X-Session, as
# sessiongate sends it) and the backend's X-Session-Update is applied and
# saved in the header filter. stale_ttl is raised because wrk replays the
# first cookie while every save issues a new one (a browser sends the new
# one); with the default 10 s the replayed session would vanish mid-run.
lrs_server() {
    local port=$1
    nginx_instance "$port" "$work/lrs" "
    lua_package_path \"$LRS/lua-resty-session/lib/?.lua;$LRS/lua-resty-openssl/lib/?.lua;$LRS/lua-ffi-zlib/lib/?.lua;;\";
    lua_shared_dict sessions 256m;
    init_by_lua_block {
        require(\"resty.session\").init({
            storage = \"shm\",
            shm = { zone = \"sessions\" },
            secret = \"$(head -c 32 /dev/urandom | base64 -w0)\",
            stale_ttl = 3600,
        })
    }$(nginx_upstream_block)
    server {
        listen 127.0.0.1:$port;
        location / {
            access_by_lua_block {
                local session = require(\"resty.session\").open()
                ngx.ctx.session = session
                ngx.req.set_header(\"X-Session\", require(\"cjson\").encode(session:get_data()))
            }
            header_filter_by_lua_block {
                local update = ngx.header[\"X-Session-Update\"]
                if update then
                    ngx.header[\"X-Session-Update\"] = nil
                    local session = ngx.ctx.session
                    for key, value in pairs(require(\"cjson\").decode(update)) do
                        session:set(key, value)
                    end
                    local ok, err = session:save()
                    if not ok then ngx.log(ngx.ERR, \"session save: \", err) end
                end
            }$(nginx_proxy_location)
        }
    }" "
load_module /usr/lib/nginx/modules/ndk_http_module.so;
load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;"
}

# prepare_sessiongate NAME STORE THREADS: the configuration of a sessiongate
# in $work/sessiongate-NAME, checked. Fails with the reason in $refused
# when check-config refuses it (a store not available yet).
prepare_sessiongate() {
    local name=$1 store=$2 threads=$3 dir=$work/sessiongate-$1
    mkdir -p "$dir"
    head -c 48 /dev/urandom | base64 -w0 >"$dir/keys"
    {
        echo "listen: 127.0.0.1:0"
        echo "upstream: http://127.0.0.1:$backend_port"
        echo "admin: 127.0.0.1:0"
        echo "threads: $threads"
        echo "secret_key_file: $dir/keys"
        printf 'log:\n  access: false\n'
        printf 'store:\n  type: %s\n' "$store"
        case $store in
            lmdb) printf '  path: %s\n  durability: fsync\n' "$dir/lmdb" ;;
            redis) printf '  url: redis://127.0.0.1:%s/0\n' "$redis_port" ;;
        esac
    } >"$dir/sessiongate.yaml"
    if ! "$sessiongate" check-config -c "$dir/sessiongate.yaml" >"$dir/check-config.log" 2>&1; then
        # "<file>:9: not available yet: store.type" -> the part after the place
        refused="check-config: $(grep -v '^configuration OK' "$dir/check-config.log" | head -n 1 | sed 's/^[^ ]*:[0-9]*: //')"
        return 1
    fi
}

# fill_sessiongate NAME SESSIONS SAMPLE: stores SESSIONS sessions in the
# store of the prepared sessiongate NAME (before it runs) with
# bench/fill_sessions, and SAMPLE of their cookies, spread over them all,
# in $work/sessiongate-NAME/cookies. Fails with the reason in $refused.
fill_sessiongate() {
    local dir=$work/sessiongate-$1
    if ! "$fill_sessions" -c "$dir/sessiongate.yaml" --sessions "$2" --sample "$3" --out "$dir/cookies" \
        >"$dir/fill.log" 2>&1; then
        refused="fill_sessions failed: $(tail -n 1 "$dir/fill.log")"
        return 1
    fi
}

# launch_sessiongate NAME: runs the prepared sessiongate NAME on a port it
# picks itself (port 0, read back from its "listening" line), left in
# $port. Fails with the reason in $refused when it does not start.
launch_sessiongate() {
    local dir=$work/sessiongate-$1 i
    spawn "$dir/sessiongate.log" "$sessiongate" run -c "$dir/sessiongate.yaml"
    for ((i = 0; i < 100; i++)); do
        port=$(grep -m 1 -o '"listen":"127.0.0.1:[0-9]*"' "$dir/sessiongate.log" | grep -o '[0-9]*"$' | tr -d '"') || true
        [ -n "$port" ] && return
        kill -0 "$spawned_pid" 2>/dev/null || break
        sleep 0.1
    done
    refused="did not start: $(tail -n 1 "$dir/sessiongate.log")"
    return 1
}

# start_sessiongate NAME STORE THREADS: a sessiongate prepared and launched.
start_sessiongate() { prepare_sessiongate "$@" && launch_sessiongate "$1"; }
