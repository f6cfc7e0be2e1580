// Bad configurations and the exact messages they produce.
#include "config_test_support.hpp"

#include <catch2/catch.hpp>

using namespace sessiongate::config;
using sessiongate::config::test::load_yaml;
using sessiongate::config::test::problem_texts;

namespace {

struct BadCase {
    const char* what;
    std::string yaml;
    std::vector<std::string> problems;
    std::map<std::string, std::string> environment = {};
};

const std::vector<BadCase> bad_cases = {
    {"threads out of range", "threads: 0\n", {"sessiongate.yaml:1: threads: must be between 1 and 256 (got 0)"}},
    {"threads not a number", "threads: four\n", {"sessiongate.yaml:1: threads: must be an integer (got \"four\")"}},
    {"threads a list", "threads: [1]\n", {"sessiongate.yaml:1: threads: must be an integer (got a list)"}},
    {"samesite not a choice", "listen: 127.0.0.1:8080\ncookie:\n  samesite: lax2\n",
     {"sessiongate.yaml:3: cookie.samesite: must be one of Strict, Lax, None (got \"lax2\")"}},
    {"boolean", "cookie:\n  httponly: maybe\n",
     {"sessiongate.yaml:2: cookie.httponly: must be true or false (got \"maybe\")"}},
    {"cookie.secure not a choice", "cookie:\n  secure: maybe\n",
     {"sessiongate.yaml:2: cookie.secure: must be auto, true or false (got \"maybe\")"}},
    {"top-level typo", "cokie:\n  name: sid\n",
     {"sessiongate.yaml:1: cokie: unknown key (did you mean \"cookie\"?)"}},
    {"nested typo", "cookie:\n  samsite: Lax\n",
     {"sessiongate.yaml:2: cookie.samsite: unknown key (did you mean \"cookie.samesite\"?)"}},
    {"key in the wrong section", "samesite: Lax\n",
     {"sessiongate.yaml:1: samesite: unknown key (did you mean \"cookie.samesite\"?)"}},
    {"unknown key, nothing near", "frobnicate: 1\n", {"sessiongate.yaml:1: frobnicate: unknown key"}},
    {"listen without port", "listen: localhost\n",
     {"sessiongate.yaml:1: listen: must be host:port with a port 0..65535 (got \"localhost\")"}},
    {"listen port too big", "admin: 127.0.0.1:70000\n",
     {"sessiongate.yaml:1: admin: must be host:port with a port 0..65535 (got \"127.0.0.1:70000\")"}},
    {"admin on the listen address", "listen: 127.0.0.1:8080\nadmin: 127.0.0.1:8080\n",
     {"sessiongate.yaml:2: admin: must not take the same port as listen (127.0.0.1:8080 and 127.0.0.1:8080)"}},
    {"listen on the default admin port of every address", "listen: 0.0.0.0:9901\n",
     {"sessiongate.yaml:1: listen: must not take the same port as admin (0.0.0.0:9901 and 127.0.0.1:9901)"}},
    {"admin on the listen port of every IPv6 and IPv4 address", "listen: 127.0.0.1:8080\nadmin: \"[::]:8080\"\n",
     {"sessiongate.yaml:2: admin: must not take the same port as listen (127.0.0.1:8080 and [::]:8080)"}},
    {"upstream with a path", "upstream: http://app:8000/api\n",
     {"sessiongate.yaml:1: upstream: must be an http:// or https:// URL with a host, an optional port and no "
      "path (got \"http://app:8000/api\")"}},
    {"upstream other scheme", "upstream: ftp://app\n",
     {"sessiongate.yaml:1: upstream: must be an http:// or https:// URL with a host, an optional port and no "
      "path (got \"ftp://app\")"}},
    {"csrf mode not a choice", "csrf:\n  mode: strict\n",
     {"sessiongate.yaml:2: csrf.mode: must be one of off, origin, token (got \"strict\")"}},
    {"trusted origin with a path", "csrf:\n  trusted_origins:\n    - https://ok.example\n    - https://app.example/x\n",
     {"sessiongate.yaml:4: csrf.trusted_origins: must be an origin such as https://app.example.com or "
      "http://localhost:3000: http or https, a host, an optional port, no path (got \"https://app.example/x\")"}},
    {"trusted origin without a scheme", "csrf:\n  trusted_origins: [app.example]\n",
     {"sessiongate.yaml:2: csrf.trusted_origins: must be an origin such as https://app.example.com or "
      "http://localhost:3000: http or https, a host, an optional port, no path (got \"app.example\")"}},
    {"route csrf not a choice", "routes:\n  - prefix: /api/\n    csrf: maybe\n",
     {"sessiongate.yaml:3: routes[0].csrf: must be one of off, origin, token (got \"maybe\")"}},
    {"form bound too small", "csrf:\n  max_form_bytes: 100\n",
     {"sessiongate.yaml:2: csrf.max_form_bytes: must be between 1KiB and 64MiB (got 100)"}},
    {"session too small", "session_max_bytes: 100\n",
     {"sessiongate.yaml:1: session_max_bytes: must be between 256 and 1MiB (got 100)"}},
    {"session too big", "session_max_bytes: 2MiB\n",
     {"sessiongate.yaml:1: session_max_bytes: must be between 256 and 1MiB (got \"2MiB\")"}},
    {"size zero", "limits:\n  max_request_body_bytes: 0\n",
     {"sessiongate.yaml:2: limits.max_request_body_bytes: must be greater than 0 (got 0)"}},
    {"size unit unknown", "limits:\n  max_request_header_bytes: 16KB\n",
     {"sessiongate.yaml:2: limits.max_request_header_bytes: must be a size in bytes, or a string like "
      "\"16KiB\", \"1MiB\", \"1GiB\" (got \"16KB\")"}},
    {"a setting that was removed (pipelined requests wait in the bounded read buffer)",
     "limits:\n  max_pipelined_requests: 16\n",
     {"sessiongate.yaml:2: limits.max_pipelined_requests: unknown key"}},
    {"timeout zero", "timeouts:\n  keepalive: 0\n",
     {"sessiongate.yaml:2: timeouts.keepalive: must be greater than 0 (got 0)"}},
    {"timeout not a duration", "timeouts:\n  drain: soon\n",
     {"sessiongate.yaml:2: timeouts.drain: must be a duration: seconds, or a string like \"500ms\", \"10s\", "
      "\"2m\" (got \"soon\")"}},
    {"seconds not whole", "cookie:\n  age: 1500ms\n",
     {"sessiongate.yaml:2: cookie.age: must be whole seconds (got \"1500ms\")"}},
    {"negative lifetime", "max_lifetime: -1\n", {"sessiongate.yaml:1: max_lifetime: must be at least 0 (got -1)"}},
    {"header prefix not a token", "header_prefix: X Session\n",
     {"sessiongate.yaml:1: header_prefix: must be a valid header name (letters, digits, !#$%&'*+-.^_`|~) "
      "(got \"X Session\")"}},
    {"section not a mapping", "cookie: 5\n", {"sessiongate.yaml:1: cookie: must be a mapping (got 5)"}},
    {"duplicate key", "threads: 1\nthreads: 2\n", {"sessiongate.yaml:2: threads: duplicate key (first on line 1)"}},
    {"file not a mapping", "- listen\n- upstream\n",
     {"sessiongate.yaml:1: the file must be a mapping of settings (got a list)"}},
    {"SameSite None without Secure", "cookie:\n  samesite: None\n  secure: false\n",
     {"sessiongate.yaml:2: cookie.samesite: None requires Secure: cookie.secure must be auto or true"}},
    {"__Host- cookie misused", "cookie:\n  name: __Host-sid\n  domain: example.com\n  path: /app\n  secure: no\n",
     {"sessiongate.yaml:3: cookie.domain: must be null for a __Host- cookie (cookie.name)",
      "sessiongate.yaml:5: cookie.secure: must be auto or true for a __Host- cookie (cookie.name)",
      "sessiongate.yaml:4: cookie.path: must be / for a __Host- cookie (cookie.name)"}},
    {"__Host- cookie with a domain from the environment", "cookie:\n  name: __Host-sid\n  secure: true\n",
     {"environment: SESSIONGATE_COOKIE_DOMAIN: must be null for a __Host- cookie (cookie.name)"},
     {{"SESSIONGATE_COOKIE_DOMAIN", "example.com"}}},
    {"cookie domain with a scheme and a port", "cookie:\n  domain: \"https://Example.com:443\"\n",
     {"sessiongate.yaml:2: cookie.domain: must be a host name such as example.com or .example.com, no scheme "
      "(got \"https://Example.com:443\")"}},
    {"cookie domain with a port", "cookie:\n  domain: example.com:8443\n",
     {"sessiongate.yaml:2: cookie.domain: must be a host name such as example.com or .example.com, no port "
      "(got \"example.com:8443\")"}},
    {"cookie domain with a path", "cookie:\n  domain: example.com/app\n",
     {"sessiongate.yaml:2: cookie.domain: must be a host name such as example.com or .example.com, no path "
      "(got \"example.com/app\")"}},
    {"cookie domain with a space", "cookie:\n  domain: example .com\n",
     {"sessiongate.yaml:2: cookie.domain: must be a host name such as example.com or .example.com, no spaces "
      "(got \"example .com\")"}},
    {"cookie domain with an empty label", "cookie:\n  domain: example..com\n",
     {"sessiongate.yaml:2: cookie.domain: must be a host name such as example.com or .example.com, labels of "
      "letters, digits and '-' between dots (got \"example..com\")"}},
    {"two letters swapped", "cookie:\n  nmae: sid\n",
     {"sessiongate.yaml:2: cookie.nmae: unknown key (did you mean \"cookie.name\"?)"}},
    {"__Secure- cookie without secure", "cookie:\n  name: __Secure-sid\n  secure: false\n",
     {"sessiongate.yaml:3: cookie.secure: must be auto or true for a __Secure- cookie (cookie.name)"}},
    {"redis store without keys", "store:\n  type: redis\n",
     {"sessiongate.yaml:2: store.type: the redis store requires secret_key_file or SESSIONGATE_SECRET_KEYS"}},
    {"redis TLS files on a plain redis:// URL", "store:\n  tls_ca_file: ca.pem\n",
     {"sessiongate.yaml:2: store.tls_ca_file: applies to rediss:// URLs only (store.url)"}},
    {"redis client certificate without its key",
     "store:\n  url: rediss://cache:6380/0\n  tls_cert_file: client.pem\n",
     {"sessiongate.yaml:3: store.tls_cert_file: requires store.tls_key_file"}},
    {"too many redis connections", "store:\n  connections: 65\n",
     {"sessiongate.yaml:2: store.connections: must be between 0 and 64 (got 65)"}},
    {"password in the redis URL", "store:\n  url: redis://user:hunter2@127.0.0.1:6379/0\n",
     {"sessiongate.yaml:2: store.url: must not hold a password: use store.password_file or "
      "SESSIONGATE_REDIS_PASSWORD"}},
    {"map sizes reversed", "store:\n  map_size: 2GiB\n  max_map_size: 1GiB\n",
     {"sessiongate.yaml:3: store.max_map_size: must be at least store.map_size (2GiB)"}},
    {"TLS half configured", "tls:\n  cert_file: cert.pem\n",
     {"sessiongate.yaml:2: tls.cert_file: requires tls.key_file"}},
    {"cookie store without keys", "store:\n  type: cookie\n",
     {"sessiongate.yaml:2: store.type: the cookie store requires secret_key_file or SESSIONGATE_SECRET_KEYS"}},
    {"cookie store with an index", "secret_key_file: keys\nstore:\n  type: cookie\nindex: [member_id]\n",
     {"sessiongate.yaml:4: index: the cookie store keeps no sessions on a server, so none can be indexed (use "
      "store.type lmdb or redis)"}},
    {"cookie store with the admin session API",
     "secret_key_file: keys\nstore:\n  type: cookie\nadmin_token_file: /run/token\n",
     {"sessiongate.yaml:4: admin_token_file: the cookie store keeps no sessions on a server: the admin session "
      "API cannot find, change or revoke them (use store.type lmdb or redis)"}},
    {"index key twice or not a key", "index: [member_id, a b, member_id]\n",
     {"sessiongate.yaml:1: index: \"a b\" is not a session key to index (1 to 64 printable characters, no spaces)",
      "sessiongate.yaml:1: index: \"member_id\" is listed twice"}},
    {"upstream client certificate without its key", "upstream_tls:\n  cert_file: client.pem\n",
     {"sessiongate.yaml:2: upstream_tls.cert_file: requires upstream_tls.key_file"}},
    {"trusted proxy not an address", "trusted_proxies:\n  - 10.0.0.0/8\n  - 10.1.2.3/40\n",
     {"sessiongate.yaml:3: trusted_proxies: must be a list of IP addresses or CIDRs (got \"10.1.2.3/40\")"}},
    {"inject a header of our own", "inject:\n  member_id: X-Session-Id\n",
     {"sessiongate.yaml:1: inject: header for \"member_id\" cannot be X-Session-Id, which sessiongate sets itself"}},
    {"inject not a header name", "inject:\n  member_id: X Member\n",
     {"sessiongate.yaml:2: inject: header for \"member_id\" must be a valid header name (got \"X Member\")"}},
    {"routes problems",
     "routes:\n  - prefix: /static\n    sesions: false\n  - sessions: false\n  - prefix: /static\n  - prefix: api\n",
     {"sessiongate.yaml:3: routes[0].sesions: unknown key (did you mean \"routes[0].sessions\"?)",
      "sessiongate.yaml:6: routes[3].prefix: must start with \"/\" (got \"api\")",
      "sessiongate.yaml:4: routes[1]: prefix is required",
      "sessiongate.yaml:5: routes[2].prefix: same prefix as routes[0]"}},
    {"routes not a list", "routes: /static\n",
     {"sessiongate.yaml:1: routes: must be a list of mappings with a prefix (got \"/static\")"}},
    {"empty value points at its key", "threads:\nlisten: 127.0.0.1:1\ncookie:\n  name:\n\n\nlog: {}\n",
     {"sessiongate.yaml:1: threads: must be an integer (got null)",
      "sessiongate.yaml:4: cookie.name: must be a string (got null)"}},
    {"two documents", "threads: 1\n---\nthreads: 2\n",
     {"sessiongate.yaml:3: YAML syntax error: expected one YAML document, found 2"}},
    // yaml-cpp 0.7's LoadAll loops forever on these (found by tests/fuzz/fuzz_config_load).
    {"a stray comma", ",\n", {"sessiongate.yaml:1: YAML syntax error: expected one YAML document, found more than 8"}},
    {"a comma after a flow mapping", "{threads: 1},\n",
     {"sessiongate.yaml:1: YAML syntax error: expected one YAML document, found more than 8"}},
    {"long values are cut short", "store:\n  path: ''\n  durability: " + std::string(100, 'x') + "\n",
     {"sessiongate.yaml:2: store.path: must not be empty",
      "sessiongate.yaml:3: store.durability: must be one of fsync, os, none (got \"" + std::string(60, 'x') +
          "...\")"}},
    {"every problem at once", "threads: 0\nlisten: nowhere\ncookie:\n  secure: maybe\n  httponly: 2\nlog:\n  level: loud\n",
     {"sessiongate.yaml:1: threads: must be between 1 and 256 (got 0)",
      "sessiongate.yaml:2: listen: must be host:port with a port 0..65535 (got \"nowhere\")",
      "sessiongate.yaml:4: cookie.secure: must be auto, true or false (got \"maybe\")",
      "sessiongate.yaml:5: cookie.httponly: must be true or false (got 2)",
      "sessiongate.yaml:7: log.level: must be one of debug, info, warn, error (got \"loud\")"}},
};

}  // namespace

TEST_CASE("bad configurations are refused with every problem, located", "[config][problems]") {
    for (const BadCase& bad : bad_cases) {
        INFO(bad.what);
        LoadResult result = load_yaml(bad.yaml, bad.environment);
        CHECK(result.config == nullptr);
        CHECK(problem_texts(result) == bad.problems);
    }
}

TEST_CASE("YAML syntax errors carry their line", "[config][problems]") {
    LoadResult result = load_yaml("listen: 127.0.0.1:8080\ncookie:\n  name: [sid\n  path: /\n");
    REQUIRE(result.problems.size() == 1);
    CHECK(result.problems[0].line == 4);
    CHECK_THAT(result.problems[0].text(), Catch::Contains(":4: YAML syntax error: "));
}

TEST_CASE("YAML syntax errors name the likely cause and its line", "[config][problems]") {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"listen: 127.0.0.1:0\ncookie:\n\tname: sid\n",
         "sessiongate.yaml:3: YAML syntax error: a tab in the indentation; YAML indents with spaces only "
         "(the parser: illegal map value)"},
        {"cookie:\n  name: sid\n  \tpath: /\nthreads: 1\n",
         "sessiongate.yaml:3: YAML syntax error: a tab in the indentation; YAML indents with spaces only "
         "(the parser: illegal tab when looking for indentation)"},
        // YAML lets a quoted value run over lines: it would swallow the keys below.
        {"cookie:\n  name: \"sid\n  path: /app\nthreads: 2\n",
         "sessiongate.yaml:2: YAML syntax error: the \" opened on this line is not closed on it (a quoted value "
         "must end on the line where it starts)"},
        {"store:\n  path: '/var/lib/sg\n",
         "sessiongate.yaml:2: YAML syntax error: the ' opened on this line is not closed on it (a quoted value "
         "must end on the line where it starts)"},
        {"threads: 1\ncookie: {name: \"sid, path: /}\n",
         "sessiongate.yaml:2: YAML syntax error: a quote opened on this line is not closed (the parser: end of "
         "map flow not found)"},
        {"cookie:\n    name: sid\n  path: /\n",
         "sessiongate.yaml:3: YAML syntax error: this line is indented differently from the lines above it (the "
         "parser: end of map not found)"},
    };
    for (const auto& [yaml, problem] : cases) {
        INFO(yaml);
        CHECK(problem_texts(load_yaml(yaml)) == std::vector<std::string>{problem});
    }
}

TEST_CASE("quotes that close, tabs between values and quotes in plain text are fine", "[config][problems]") {
    LoadResult result = load_yaml(
        "store:\n  path: \"/var/lib/it\\\"s\"\n  url: 'redis://127.0.0.1:6379/0' # it's\n"
        "header_prefix: X-Gate # a \"quote\nthreads:\t2\ncookie:\n  domain: 'example.com'\n"
        "trusted_proxies: [\"10.0.0.0/8\",\n  '::1']\ninject: {member_id: X-Member's-Id}\n");
    CHECK(problem_texts(result) == std::vector<std::string>{});
    REQUIRE(result.config);
    CHECK(result.config->store.path == "/var/lib/it\"s");
    CHECK(result.config->header_prefix == "X-Gate");
    CHECK(result.config->threads == 2);
    CHECK(result.config->trusted_proxies == std::vector<std::string>{"10.0.0.0/8", "::1"});
    CHECK(result.config->inject.front().second == "X-Member's-Id");
}

TEST_CASE("a missing file is one problem naming it", "[config][problems]") {
    LoadResult result = load_config("/nonexistent/sessiongate.yaml", {}, {});
    CHECK(result.config == nullptr);
    REQUIRE(result.problems.size() == 1);
    CHECK(result.problems[0].text() == "/nonexistent/sessiongate.yaml: cannot read the file: No such file or directory");
}

TEST_CASE("hostile input is a problem, never an exception", "[config][problems]") {
    const std::vector<std::string> inputs = {
        "{{{{",
        "- - - -",
        "\t\tthreads: 1",
        "threads: !!binary aGVsbG8=",
        "a: &anchor [*anchor]",
        "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
        std::string("threads: \0\xff\xfe", 13),
        std::string(5000, '[') + std::string(5000, ']'),
        "? [complex, key]\n: value\n",
        "cookie:\n  " + std::string(200, 'x') + ": 1\n",
        "routes:\n  - [not, a, mapping]\n  - prefix: /ok\n    extra: {deep: {er: 1}}\n",
    };
    for (const std::string& input : inputs) {
        INFO(input.substr(0, 40));
        LoadResult result;
        CHECK_NOTHROW(result = load_yaml(input));
        CHECK(result.config == nullptr);
        CHECK_FALSE(result.problems.empty());
    }
}
