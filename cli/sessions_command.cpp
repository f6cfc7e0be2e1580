#include "cli/sessions_command.hpp"

#include "cli/store_directory.hpp"
#include "session/session_admin.hpp"
#include "session/store_factory.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <ctime>
#include <exception>
#include <iostream>
#include <memory>
#include <optional>

namespace sessiongate::cli {
namespace {

constexpr int exit_ok = 0;
constexpr int exit_not_found = 1;
constexpr int exit_store_error = 2;
constexpr int exit_usage = 2;
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

void print_json_line(const boost::json::object& line) { std::cout << boost::json::serialize(line) << "\n"; }

/// The configured store with the keys it was given (declared first: they
/// outlive it).
struct OpenStore {
    std::optional<session::SecretKeys> keys;
    std::unique_ptr<session::Store> store;
    session::SessionAdmin* admin = nullptr;  // null when the store has none, or did not open
};

/// Opens the configured store, or explains on stderr why not (then `store`
/// and `admin` are null); `admin` is null, with a message, for a store that
/// keeps no sessions to list. An LMDB store must exist already: opening one
/// creates it, and an empty store made at a mistyped path would answer "no
/// sessions" instead of an error.
OpenStore open(const config::Config& config) {
    if (config.store.type == config::StoreType::Lmdb) {
        if (auto problem = existing_store_problem(config.store.path)) {
            std::cerr << "sessiongate: " << *problem
                      << " (store.path: name the instance's configuration with -c FILE, or the store with "
                         "--store-path DIR)\n";
            return {};
        }
    }
    OpenStore opened;
    try {
        opened.keys = session::SecretKeys::load_existing(config);
        opened.store = session::open_store(config, opened.keys ? &*opened.keys : nullptr);
    } catch (const std::exception& e) {
        std::cerr << "sessiongate: cannot open the session store: " << e.what() << "\n";
        return {};
    }
    opened.admin = opened.store->admin();
    if (!opened.admin) std::cerr << "sessiongate: this store keeps no sessions on a server (they travel in their cookies)\n";
    return opened;
}

void print_missing(const std::string& handle) {
    std::cerr << "no session with handle " << handle << "\n";
}

/// One line of a listing; an expired session (not swept yet) is marked, as
/// `show` marks it.
void print_summary(const session::SessionSummary& s, std::int64_t now, bool json) {
    const bool expired = s.expires <= now;
    if (json) {
        print_json_line({{"handle", s.handle}, {"created", iso8601(s.created)}, {"expires", iso8601(s.expires)},
                         {"expired", expired}, {"bytes", s.bytes}});
    } else {
        std::cout << s.handle << "  " << iso8601(s.created) << "  " << iso8601(s.expires) << "  " << s.bytes
                  << (expired ? "  expired" : "") << "\n";
    }
}

/// The index entry `--by KEY=VALUE` names, or nullopt after saying on
/// stderr why it names none.
std::optional<session::IndexEntry> read_by(const session::SessionAdmin& admin, const std::string& by) {
    const auto equals = by.find('=');
    if (equals == std::string::npos) {
        std::cerr << "sessiongate: --by: expected KEY=VALUE, as in --by member_id=42 (got \"" << by << "\")\n";
        return std::nullopt;
    }
    std::string problem;
    auto entry = session::index_lookup(admin.index_keys(), by.substr(0, equals), by.substr(equals + 1), problem);
    if (!entry) std::cerr << "sessiongate: --by: " << problem << "\n";
    return entry;
}

}  // namespace

int sessions_list(const config::Config& config, Output output) {
    auto opened = open(config);
    if (!opened.admin) return exit_store_error;
    auto& store = *opened.admin;
    const bool json = output == Output::Json;
    const std::int64_t now = unix_now();
    if (!json) std::cout << "HANDLE  CREATED  EXPIRES  BYTES\n";
    std::string after;
    for (;;) {
        // Page through so a large store is never held in memory at once.
        const auto page = store.list(list_page, after);
        for (const auto& s : page) print_summary(s, now, json);
        if (page.size() < list_page) break;
        after = page.back().handle;
    }
    std::cout.flush();
    return std::cout ? exit_ok : exit_store_error;
}

int sessions_list_by(const config::Config& config, const std::string& by, Output output) {
    auto opened = open(config);
    if (!opened.admin) return exit_store_error;
    const auto entry = read_by(*opened.admin, by);
    if (!entry) return exit_usage;
    const bool json = output == Output::Json;
    const std::int64_t now = unix_now();
    if (!json) std::cout << "HANDLE  CREATED  EXPIRES  BYTES\n";
    std::string cursor;
    do {
        auto page = opened.admin->find_by_index(*entry, now, list_page, cursor);
        for (const auto& s : page.sessions) print_summary(s, now, json);
        cursor = std::move(page.next);
    } while (!cursor.empty());
    std::cout.flush();
    return std::cout ? exit_ok : exit_store_error;
}

int sessions_revoke(const config::Config& config, const std::string& by, const std::string& except, Output output) {
    auto opened = open(config);
    if (!opened.admin) return exit_store_error;
    const auto entry = read_by(*opened.admin, by);
    if (!entry) return exit_usage;
    const std::size_t revoked = opened.admin->remove_by_index(*entry, except);
    if (output == Output::Json) print_json_line({{"revoked", revoked}});
    else std::cout << "revoked " << revoked << " session" << (revoked == 1 ? "" : "s") << "\n";
    return exit_ok;
}

int sessions_show(const config::Config& config, const std::string& handle, Output output) {
    auto opened = open(config);
    if (!opened.admin) return exit_store_error;
    const auto record = opened.admin->find_by_handle(handle);
    if (!record) {
        print_missing(handle);
        return exit_not_found;
    }
    const bool expired = record->expires <= unix_now();
    switch (output) {
    case Output::Data:
        std::cout << record->data_json << "\n";
        if (expired) std::cerr << "note: this session expired at " << iso8601(record->expires) << "\n";
        break;
    case Output::Json: {
        boost::system::error_code ec;
        boost::json::value data = boost::json::parse(record->data_json, ec);
        if (ec) data = record->data_json;  // never hide what is stored, even if it is not JSON
        print_json_line({{"handle", record->handle}, {"created", iso8601(record->created)},
                         {"modified", iso8601(record->modified)}, {"expires", iso8601(record->expires)},
                         {"expired", expired}, {"data", std::move(data)}});
        break;
    }
    case Output::Text:
        std::cout << "handle    " << record->handle << "\n"
                  << "created   " << iso8601(record->created) << "\n"
                  << "modified  " << iso8601(record->modified) << "\n"
                  << "expires   " << iso8601(record->expires) << (expired ? "  (expired)" : "") << "\n"
                  << "data      " << record->data_json << "\n";
        break;
    }
    return exit_ok;
}

int sessions_delete(const config::Config& config, const std::string& handle, Output output) {
    auto opened = open(config);
    if (!opened.admin) return exit_store_error;
    if (!opened.admin->remove_by_handle(handle)) {
        print_missing(handle);
        return exit_not_found;
    }
    if (output == Output::Json) print_json_line({{"deleted", handle}});
    else std::cout << "deleted " << handle << "\n";
    return exit_ok;
}

int sessions_clear_expired(const config::Config& config, Output output) {
    auto opened = open(config);
    if (!opened.store) return exit_store_error;
    // A store whose sessions expire by themselves has nothing to clear.
    auto* sweep = opened.store->expiry_sweep();
    const std::size_t removed = sweep ? sweep->sweep(unix_now()) : 0;
    if (output == Output::Json) print_json_line({{"removed", removed}});
    else std::cout << "removed " << removed << " expired session" << (removed == 1 ? "" : "s") << "\n";
    return exit_ok;
}

}  // namespace sessiongate::cli
