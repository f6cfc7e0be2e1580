-- wrk script: every request carries the session cookie of a session picked
-- at random from a file of `NAME=VALUE` lines (bench/fill_sessions's
-- sample), so the proxy's reads land all over its store's B+tree rather
-- than on one record held in the CPU's caches.
--
-- Usage: wrk -s bench/random_session.lua URL -- COOKIE_FILE
-- The requests are formatted once, in init, so the load generator pays a
-- table lookup per request, not a string build.

local requests = {}

function init(args)
    local path = args[1]
    assert(path, "random_session.lua: no cookie file (wrk ... URL -- COOKIE_FILE)")
    local file = assert(io.open(path, "r"))
    for line in file:lines() do
        if line ~= "" then
            requests[#requests + 1] = wrk.format(nil, nil, { Cookie = line })
        end
    end
    file:close()
    assert(#requests > 0, "random_session.lua: no cookie in " .. path)
    math.randomseed(os.time())
end

function request()
    return requests[math.random(#requests)]
end
