// The schema table against the struct's defaults, the settings table of
// docs/configuration.md and the example file, so none of them can drift
// from the code.
#include "config/reload.hpp"
#include "config/schema.hpp"
#include "config/tree.hpp"
#include "config_test_support.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

using namespace sessiongate::config;
using sessiongate::config::test::problem_texts;

namespace {

// The source tree, from the build (__FILE__ may be relative under ccache).
const std::filesystem::path repository = SESSIONGATE_SOURCE_DIR;

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Every field of a Config as text, to compare two configs as a whole.
std::string describe(const Config& c) {
    std::ostringstream out;
    auto optional = [](const auto& value) {
        std::ostringstream text;
        if (value) text << *value;
        else text << "null";
        return text.str();
    };
    auto ms = [](Duration d) { return std::to_string(d.count()) + "ms"; };
    out << "listen=" << c.listen.text() << " upstream=" << c.upstream.url() << " admin=" << c.admin.text()
        << " threads=" << c.threads << " header_prefix=" << c.header_prefix
        << " secret_key_file=" << optional(c.secret_key_file) << " strict_control=" << c.strict_control << '\n'
        << "store: " << int(c.store.type) << ' ' << c.store.path << ' ' << int(c.store.durability) << ' ' << c.store.url
        << ' ' << c.store.map_size << ' ' << c.store.max_map_size << ' ' << ms(c.store.sweep_interval) << ' '
        << ms(c.store.commit_delay) << ' ' << int(c.store.unavailable) << '\n'
        << "cookie: " << c.cookie.name << ' ' << c.cookie.age << ' ' << optional(c.cookie.domain) << ' '
        << c.cookie.path << ' ' << int(c.cookie.secure) << c.cookie.httponly << int(c.cookie.samesite)
        << c.cookie.expire_at_browser_close << '\n'
        << "save_every_request=" << c.save_every_request << " touch_interval=" << c.touch_interval
        << " max_lifetime=" << c.max_lifetime << " session_max_bytes=" << c.session_max_bytes << '\n';
    for (const auto& [key, header] : c.inject) out << "inject " << key << "->" << header << '\n';
    out << "tls: " << optional(c.tls.cert_file) << ' ' << optional(c.tls.key_file) << '\n'
        << "upstream_tls: " << optional(c.upstream_tls.ca_file) << ' ' << c.upstream_tls.verify << '\n';
    for (const auto& key : c.index) out << "index " << key << '\n';
    out << "admin_token_file=" << optional(c.admin_token_file) << '\n';
    for (const auto& proxy : c.trusted_proxies) out << "trusted " << proxy << '\n';
    out << "strip_session_cookie=" << c.strip_session_cookie << " preserve_host=" << c.preserve_host << '\n'
        << "limits: " << c.limits.max_request_header_bytes << ' ' << c.limits.max_request_body_bytes << ' '
        << c.limits.max_response_header_bytes << '\n'
        << "timeouts: " << ms(c.timeouts.request_header) << ' ' << ms(c.timeouts.request_body) << ' '
        << ms(c.timeouts.keepalive) << ' ' << ms(c.timeouts.upstream_connect) << ' '
        << ms(c.timeouts.upstream_response) << ' ' << ms(c.timeouts.upstream_idle) << ' ' << ms(c.timeouts.drain)
        << ' ' << ms(c.timeouts.store)
        << '\n'
        << "upstream_pool: " << c.upstream_pool.max_idle_per_thread << ' ' << ms(c.upstream_pool.idle_timeout) << '\n';
    for (const Route& route : c.routes)
        out << "route " << route.prefix << ' ' << route.sessions << ' ' << optional(route.cookie_age) << ' '
            << optional(route.save_every_request) << ' ' << optional(route.max_lifetime) << ' '
            << (route.csrf ? int(*route.csrf) : -1) << '\n';
    out << "csrf: " << int(c.csrf.mode) << ' ' << c.csrf.max_form_bytes << ' ' << c.csrf.login_key << '\n';
    for (const auto& origin : c.csrf.trusted_origins) out << "trusted origin " << origin.text() << '\n';
    out << "log: " << int(c.log.level) << ' ' << c.log.access << '\n';
    return out.str();
}

bool in_route_item(const Setting& setting) { return setting.path.find('[') != std::string_view::npos; }

std::string escape_pipes(std::string_view text) {
    std::string out;
    for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
    return out;
}

constexpr std::string_view table_begin = "<!-- config-table:begin -->\n";
constexpr std::string_view table_end = "<!-- config-table:end -->";

// The settings table of docs/configuration.md, as the schema describes it.
// scripts/config_table.sh writes it into the document.
std::string configuration_table() {
    std::ostringstream out;
    out << "| key | type | default | on reload | meaning |\n|---|---|---|---|---|\n";
    for (const Setting& setting : settings())
        out << "| `" << setting.path << "` | " << escape_pipes(setting.type) << " | `" << setting.default_text
            << "` | " << (needs_restart(setting.path) ? "restart" : "applied") << " | " << escape_pipes(setting.doc)
            << " |\n";
    return out.str();
}

}  // namespace

TEST_CASE("the schema's default texts are the struct's defaults", "[config][schema]") {
    Overrides every_default;
    for (const Setting& setting : settings())
        if (!in_route_item(setting)) every_default.emplace_back(setting.path, std::string(setting.default_text));
    auto result = load_config("", {}, every_default);
    INFO(problem_texts(result).size());
    REQUIRE(result.config);
    CHECK(describe(*result.config) == describe(Config{}));
}

TEST_CASE("every setting is documented", "[config][schema]") {
    for (const Setting& setting : settings()) {
        INFO(setting.path);
        CHECK_FALSE(setting.type.empty());
        CHECK_FALSE(setting.default_text.empty());
        CHECK_FALSE(setting.doc.empty());
        CHECK(setting.apply != nullptr);
    }
}

TEST_CASE("docs/configuration.md lists every setting as the schema does", "[config][schema][docs]") {
    std::string document = read_text(repository / "docs" / "configuration.md");
    auto begin = document.find(table_begin);
    auto end = document.find(table_end);
    REQUIRE(begin != std::string::npos);
    REQUIRE(end != std::string::npos);
    begin += table_begin.size();
    INFO("run scripts/config_table.sh to write the table from config/schema.cpp");
    CHECK(document.substr(begin, end - begin) == configuration_table());
}

TEST_CASE("the example file shows every key at its default and passes", "[config][schema][example]") {
    std::filesystem::path example = repository / "config" / "sessiongate.example.yaml";
    auto result = load_config(example.string(), {}, {});
    CHECK(problem_texts(result) == std::vector<std::string>{});
    REQUIRE(result.config);
    CHECK(describe(*result.config) == describe(Config{}));

    // Keys present in the file (not only in comments).
    std::string text = read_text(example);
    auto parsed = parse_yaml(text);
    REQUIRE(std::holds_alternative<Tree>(parsed));
    std::set<std::string> present;
    auto walk = [&](auto& self, const Tree& map, const std::string& section) -> void {
        for (const Tree& entry : map.items) {
            std::string path = section.empty() ? entry.key : section + "." + entry.key;
            present.insert(path);
            if (entry.kind == Tree::Kind::Map) self(self, entry, path);
        }
    };
    walk(walk, std::get<Tree>(parsed), "");
    for (const Setting& setting : settings()) {
        INFO(setting.path);
        if (in_route_item(setting)) {
            // Routes default to none: their fields are shown in a commented example.
            std::string field(setting.path.substr(setting.path.rfind('.') + 1));
            CHECK(text.find(field + ":") != std::string::npos);
        } else {
            CHECK(present.count(std::string(setting.path)) == 1);
        }
    }
}

// `unit_config "[.config-table]"` prints the table (scripts/config_table.sh).
TEST_CASE("print the configuration table", "[.config-table]") { std::cout << configuration_table(); }
