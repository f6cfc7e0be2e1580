// Fills the store a sessiongate configuration names with sessions the proxy
// will then serve, for the load benchmark's "sessions stored" rows: the
// configuration and the secret keys are read as `sessiongate run` reads
// them, and a sample of the sessions' cookies, spread over the whole set,
// goes to a file for the load generator.
//
// Usage: fill_sessions -c FILE --sessions N [--sample K] --out FILE
// Writes K lines (default: one per session) of `NAME=VALUE`, the `Cookie`
// pair of a session under the cookie name of the configuration's `/`.
// Exits 0 when filled, 1 when the store cannot be opened or filled, 2 on a
// usage or configuration error.
//
// The LMDB store is filled with `durability: none` whatever the file says
// (the commits are not synced one by one; the store is synced when closed),
// as store_bench fills its stores: the proxy opens it afterwards with the
// configured durability, which is what the load measures.
#include "bench/session_fill.hpp"
#include "config/load.hpp"
#include "session/request_policy.hpp"
#include "session/store_factory.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <ctime>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace sessiongate;

struct Options {
    std::string config_file;
    std::size_t sessions = 0;
    std::size_t sample = 0;  // 0: every session
    std::string out;
};

/// The configuration as the proxy loads it (file, then SESSIONGATE_*
/// variables), or null after printing every problem.
config::ConfigPtr load_config(const std::string& file) {
    config::LoadResult loaded = config::load_config(file, config::sessiongate_environment(), {});
    for (const config::Problem& problem : loaded.problems) std::cerr << problem.text() << '\n';
    return loaded.config;
}

/// `count` of `cookies`, evenly spaced from first to last, as Cookie pairs.
void write_sample(const std::vector<std::string>& cookies, std::size_t count, const std::string& cookie_name,
                  std::ostream& out) {
    for (std::size_t i = 0; i < count; ++i) out << cookie_name << '=' << cookies[i * cookies.size() / count] << '\n';
}

int fill_store(const config::Config& config, const session::SecretKeys& keys, const Options& options) {
    config::Config filling = config;
    filling.store.durability = config::Durability::None;
    const auto policy = session::policy_for(config, "/");
    std::ofstream out(options.out);  // opened first: a bad path fails before the long fill
    if (!out) throw std::runtime_error("cannot write " + options.out);
    const auto started = std::chrono::steady_clock::now();
    std::vector<std::string> cookies;
    {
        auto store = session::open_store(filling, &keys);
        cookies = bench::fill(*store, options.sessions, keys, std::time(nullptr), policy.expiry);
    }  // closed, and so synced, before the proxy opens it
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    const std::size_t sample = options.sample == 0 ? cookies.size() : options.sample;
    write_sample(cookies, sample, policy.cookie.name, out);
    out.close();
    if (!out) throw std::runtime_error("cannot write " + options.out);
    std::cerr << "fill_sessions: " << cookies.size() << " sessions stored in " << took.count() << " s; " << sample
              << " of their cookies in " << options.out << '\n';
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Fills the store of a sessiongate configuration with sessions"};
    Options options;
    app.add_option("-c,--config", options.config_file, "sessiongate YAML configuration")
        ->required()
        ->check(CLI::ExistingFile);
    const CLI::Range count(1UL, 100'000'000UL);
    app.add_option("--sessions", options.sessions, "Sessions to store")->required()->check(count);
    app.add_option("--sample", options.sample, "Cookies written to --out, spread over the sessions (default: all)")
        ->check(count);
    app.add_option("-o,--out", options.out, "File of the sampled cookies, one NAME=VALUE a line")->required();
    try {
        app.parse(argc, argv);
        if (options.sample > options.sessions) throw CLI::ValidationError("--sample", "is more than --sessions");
    } catch (const CLI::ParseError& error) {
        return app.exit(error) == 0 ? 0 : 2;
    }
    const config::ConfigPtr config = load_config(options.config_file);
    if (!config) return 2;
    std::optional<session::SecretKeys> keys;
    try {
        keys.emplace(session::SecretKeys::load(*config));
    } catch (const std::exception& error) {
        std::cerr << "fill_sessions: " << error.what() << '\n';
        return 2;
    }
    try {
        return fill_store(*config, *keys, options);
    } catch (const std::exception& error) {
        std::cerr << "fill_sessions: " << error.what() << '\n';
        return 1;
    }
}
