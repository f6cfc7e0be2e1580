#include "cli/sessions_command.hpp"

#include "session/store_factory.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <ctime>
#include <exception>
#include <iostream>
#include <memory>

namespace sessiongate::cli {
namespace {

constexpr int exit_ok = 0;
constexpr int exit_not_found = 1;
constexpr int exit_store_error = 2;
constexpr std::size_t list_page = 500;

/// Unix seconds as ISO-8601 UTC, "2026-11-25T20:04:21Z".
std::string iso8601(std::int64_t unix_seconds) {
    const std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    char text[32];
    if (!gmtime_r(&t, &tm) || std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
        return std::to_string(unix_seconds);
    }
    return text;
}

std::int64_t unix_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

/// Opens the configured store, or explains on stderr why not.
std::unique_ptr<session::Store> open(const config::Config& config) {
    try {
        return session::open_store(config);
    } catch (const std::exception& e) {
        std::cerr << "cannot open the session store: " << e.what() << "\n";
        return nullptr;
    }
}

void print_missing(const std::string& handle) {
    std::cerr << "no session with handle " << handle << "\n";
}

}  // namespace

int sessions_list(const config::Config& config, bool json) {
    auto store = open(config);
    if (!store) return exit_store_error;
    if (!json) std::cout << "HANDLE  CREATED  EXPIRES  BYTES\n";
    std::string after;
    for (;;) {
        // Page through so a large store is never held in memory at once.
        const auto page = store->list(list_page, after);
        for (const auto& s : page) {
            if (json) {
                boost::json::object line;
                line["handle"] = s.handle;
                line["created"] = iso8601(s.created);
                line["expires"] = iso8601(s.expires);
                line["bytes"] = s.bytes;
                std::cout << boost::json::serialize(line) << "\n";
            } else {
                std::cout << s.handle << "  " << iso8601(s.created) << "  " << iso8601(s.expires)
                          << "  " << s.bytes << "\n";
            }
        }
        if (page.size() < list_page) break;
        after = page.back().handle;
    }
    std::cout.flush();
    return std::cout ? exit_ok : exit_store_error;
}

int sessions_show(const config::Config& config, const std::string& handle) {
    auto store = open(config);
    if (!store) return exit_store_error;
    const auto record = store->find_by_handle(handle);
    if (!record) {
        print_missing(handle);
        return exit_not_found;
    }
    std::cout << record->data_json << "\n";
    if (record->expires <= unix_now()) {
        std::cerr << "note: this session expired at " << iso8601(record->expires) << "\n";
    }
    return exit_ok;
}

int sessions_delete(const config::Config& config, const std::string& handle) {
    auto store = open(config);
    if (!store) return exit_store_error;
    if (!store->remove_by_handle(handle)) {
        print_missing(handle);
        return exit_not_found;
    }
    std::cout << "deleted " << handle << "\n";
    return exit_ok;
}

int sessions_clear_expired(const config::Config& config) {
    auto store = open(config);
    if (!store) return exit_store_error;
    const std::size_t removed = store->sweep(unix_now());
    std::cout << "removed " << removed << " expired session" << (removed == 1 ? "" : "s") << "\n";
    return exit_ok;
}

}  // namespace sessiongate::cli
