// The one table of every setting: key path, type, default, meaning, and how
// a value is applied. Parsing, environment variables, flags, did-you-mean,
// the README table and the example file are all checked against it.
#pragma once

#include "config/config.hpp"
#include "config/tree.hpp"

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sessiongate::config {

/// Thrown by Setting::apply for a value of the wrong type or range.
struct InvalidValue {
    std::string message;  // "must be between 1 and 256 (got 0)"
    int line = 0;         // of the offending value, when it has one
};

/// What a setting writes to: the config, and the route being read for the
/// fields of one `routes` item.
struct Target {
    Config& config;
    Route* route = nullptr;
};

struct Setting {
    std::string_view path;          // "store.path"; "routes[].prefix" for a field of each route
    std::string_view type;          // as the README shows it
    std::string_view default_text;  // as the README and the example file show it
    std::string_view doc;
    void (*apply)(Target&, const Tree&);  // throws InvalidValue
    void (*add_item)(Target&) = nullptr;  // a list of mappings: starts the next item
};

std::span<const Setting> settings();

/// The setting at exactly `path`, or nullptr.
const Setting* find_setting(std::string_view path);

/// True for a path that holds settings: "store", "cookie", "routes[]".
bool is_section(std::string_view path);

/// The names directly under `section` ("" for the top level), settings and
/// sections alike: the candidates for a did-you-mean.
std::vector<std::string> names_under(std::string_view section);

/// "store.path" -> "SESSIONGATE_STORE_PATH".
std::string environment_name(std::string_view path);

/// "store.path" -> "--store-path".
std::string flag_name(std::string_view path);

}  // namespace sessiongate::config
